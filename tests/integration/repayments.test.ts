import { describe, expect, it } from "vitest";
import { getBalance, verifyLedger, walletAccount } from "~/models/ledger.server.ts";
import { recordDisbursement } from "~/models/loan-request.server.ts";
import {
  distributePending,
  markDefaults,
  partnerTrackRecord,
  recordRepayment,
  recordRepayments,
  type RepaymentError,
  rescheduleLoan,
  scheduleWithState,
  writeOffLoan,
} from "~/models/repayment.server.ts";
import { inTransaction } from "~/models/ledger.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { checkout, reserve, SHARE_CENTS } from "~/models/lending.server.ts";
import { makeClient, makeLoan, makeMembership, makePartner, makeUser } from "../factories/index.ts";
import { creditWallet, disbursedLoan } from "../factories/repayments.ts";

let n = 0;
const key = () => `rk-${++n}-${Math.random().toString(36).slice(2, 10)}`;
const DAY = 86_400_000;
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as RepaymentError);

async function instalments(loanId: string) {
  const db = await getDb();
  return db.loanInstalment.findMany({ where: { loanId }, orderBy: [{ version: "asc" }, { number: "asc" }] });
}

async function allocations(repaymentId: string) {
  const db = await getDb();
  return db.repaymentAllocation.findMany({ where: { repaymentId } });
}

describe("recording a repayment", () => {
  it("splits the principal to the lenders pro rata, credits their wallets once, and keeps interest with the partner", async () => {
    const { loan, partner, officer, lenders } = await disbursedLoan({ shares: [2, 1, 1] }); // $100, KES 12,950.00
    const [first] = await instalments(loan.id);
    expect(first).toBeDefined();
    const amount = first!.principal + first!.interest;
    const requestKey = key();
    const result = await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey, paidOn: new Date(), localAmount: amount, fxRate: "129.5", recordedById: officer.id });
    expect(result.replayed).toBe(false);

    const db = await getDb();
    const repayment = await db.repayment.findUniqueOrThrow({ where: { id: result.repaymentId } });
    expect(repayment.principalLocal).toBe(first!.principal);
    expect(repayment.interestLocal).toBe(first!.interest);
    expect(repayment.status).toBe("distributed");
    expect(repayment.fxLossCents).toBe(0n);
    const parts = await allocations(result.repaymentId);
    expect(parts.reduce((a, p) => a + p.usdCents, 0n)).toBe(repayment.usdCents);
    const balances = await Promise.all(lenders.map((l) => getBalance(walletAccount(l.id), "USD")));
    expect(balances.reduce((a, b) => a + b, 0n)).toBe(repayment.usdCents);
    // The lender with two shares gets twice (±1 cent) what each one-share lender gets.
    expect(balances[0]! - 2n * balances[1]!).toBeGreaterThanOrEqual(-1n);
    expect(balances[0]! - 2n * balances[1]!).toBeLessThanOrEqual(2n);

    // A double submit of the same form posts nothing new.
    const again = await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey, paidOn: new Date(), localAmount: amount, fxRate: "129.5", recordedById: officer.id });
    expect(again).toMatchObject({ repaymentId: result.repaymentId, replayed: true });
    expect(await getBalance(walletAccount(lenders[0]!.id), "USD")).toBe(balances[0]);
    // The same key with another amount is refused, and nothing moves.
    const conflict = await failure(recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey, paidOn: new Date(), localAmount: amount + 1n, fxRate: "129.5" }));
    expect(conflict?.message).toMatch(/already recorded with different details/);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("records a weaker local currency as FX loss, per lender, adding up", async () => {
    const { loan, partner, lenders } = await disbursedLoan({ shares: [3, 2, 2], fxRate: "100" }); // $175 = KES 17,500.00
    const [first] = await instalments(loan.id);
    const result = await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey: key(), paidOn: new Date(), localAmount: first!.principal + first!.interest, fxRate: "125" });
    const db = await getDb();
    const repayment = await db.repayment.findUniqueOrThrow({ where: { id: result.repaymentId } });
    // Principal worth P dollars at 100 is worth P × 100/125 at 125: a fifth is lost.
    expect(repayment.fxLossCents).toBeGreaterThan(0n);
    expect(repayment.usdCents + repayment.fxLossCents).toBe(repayment.expectedUsdCents);
    const diff = repayment.expectedUsdCents * 4n - repayment.usdCents * 5n;
    expect(diff >= -5n && diff <= 5n).toBe(true);
    const parts = await allocations(result.repaymentId);
    expect(parts).toHaveLength(3);
    expect(parts.reduce((a, p) => a + p.fxLossCents, 0n)).toBe(repayment.fxLossCents);
    for (const p of parts) expect(p.usdCents + p.fxLossCents).toBe(p.expectedUsdCents);
    const updated = await db.loan.findUniqueOrThrow({ where: { id: loan.id } });
    expect(updated.fxLossCents).toBe(repayment.fxLossCents);
    expect(lenders).toHaveLength(3);
  });

  it("repaying the whole schedule repays the lenders the loan's amount in total, each within a cent per repayment, and the loan is repaid", async () => {
    const { loan, partner, lenders } = await disbursedLoan({ shares: [1, 5, 2, 3], termMonths: 4 });
    const rows = await instalments(loan.id);
    let outcome;
    for (const row of rows) {
      outcome = await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey: key(), paidOn: new Date(), localAmount: row.principal + row.interest, fxRate: "129.5" });
    }
    expect(outcome?.loanRepaid).toBe(true);
    const db = await getDb();
    const done = await db.loan.findUniqueOrThrow({ where: { id: loan.id } });
    expect(done.status).toBe("repaid");
    expect(done.firstUnpaidDueOn).toBeNull();
    expect(done.principalRepaidUsdCents).toBe(BigInt(loan.amountUsdCents));
    // Each repayment is split by largest remainder on its own, so a lender's total is
    // their shares' worth to within a cent per repayment, and the totals add up exactly.
    const shares = [1, 5, 2, 3];
    const received = await Promise.all(lenders.map((l) => getBalance(walletAccount(l.id), "USD")));
    received.forEach((cents, i) => {
      const diff = cents - BigInt(shares[i]!) * 2500n;
      expect(diff >= -BigInt(rows.length) && diff <= BigInt(rows.length)).toBe(true);
    });
    expect(received.reduce((a, b) => a + b, 0n)).toBe(BigInt(loan.amountUsdCents));
    const more = await failure(recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey: key(), paidOn: new Date(), localAmount: 100n, fxRate: "129.5" }));
    expect(more?.field).toBe("loan");
    expect(more?.message).toMatch(/already fully repaid/);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("refuses bad input with the field named and posts nothing", async () => {
    const { loan, partner } = await disbursedLoan({ shares: [2] });
    const base = { partnerId: partner.id, loanId: loan.id, paidOn: new Date(), localAmount: 1000n, fxRate: "129.5" };
    expect((await failure(recordRepayment({ ...base, requestKey: key(), localAmount: 0n })))?.field).toBe("amount");
    const tooMuch = await failure(recordRepayment({ ...base, requestKey: key(), localAmount: 10n ** 12n }));
    expect(tooMuch?.field).toBe("amount");
    expect(tooMuch?.message).toMatch(/more than the KES .* still owed/);
    expect((await failure(recordRepayment({ ...base, requestKey: key(), paidOn: new Date(Date.now() + 3 * DAY) })))?.field).toBe("paidOn");
    expect((await failure(recordRepayment({ ...base, requestKey: key(), paidOn: new Date(Date.now() - 400 * DAY) })))?.field).toBe("paidOn");
    expect((await failure(recordRepayment({ ...base, requestKey: key(), fxRate: "0" })))?.field).toBe("fxRate");
    const other = await disbursedLoan({ shares: [1] });
    expect((await failure(recordRepayment({ ...base, requestKey: key(), loanId: other.loan.id })))?.field).toBe("loan");
    const db = await getDb();
    const fundraising = await makeLoan(db, { partnerId: partner.id, clientId: (await makeClient(db, { partnerId: partner.id })).id });
    expect((await failure(recordRepayment({ ...base, requestKey: key(), loanId: fundraising.id })))?.message).toMatch(/fundraising/);
    expect(await db.repayment.count({ where: { loanId: loan.id } })).toBe(0);
  });
});

describe("arrears, default, reschedule and write-off", () => {
  it("tracks the oldest unpaid instalment, defaults past the partner's grace, reschedules with history and writes off", async () => {
    // Disbursed 200 days ago on a 6-month schedule: five instalments are past due.
    const { loan, partner, officer } = await disbursedLoan({ shares: [4] });
    const rows = await instalments(loan.id);
    expect(rows).toHaveLength(6);
    const db = await getDb();
    expect((await db.loan.findUniqueOrThrow({ where: { id: loan.id } })).firstUnpaidDueOn).toEqual(rows[0]!.dueOn);
    await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey: key(), paidOn: new Date(), localAmount: rows[0]!.principal + rows[0]!.interest + 1n, fxRate: "129.5" });
    expect((await db.loan.findUniqueOrThrow({ where: { id: loan.id } })).firstUnpaidDueOn).toEqual(rows[1]!.dueOn);
    const view = await scheduleWithState(loan.id);
    expect(view?.rows.map((r) => r.state).slice(0, 3)).toEqual(["paid", "late", "late"]);

    // The second instalment is about 140 days late: not defaulted at a 180-day grace, defaulted at 90.
    expect(await markDefaults()).not.toContain(loan.id);
    await db.partner.update({ where: { id: partner.id }, data: { defaultAfterDays: 90 } });
    expect(await markDefaults()).toContain(loan.id);
    expect((await db.loan.findUniqueOrThrow({ where: { id: loan.id } })).status).toBe("defaulted");

    const bad = await failure(rescheduleLoan(partner.id, loan.id, officer.id, { startsOn: new Date(Date.now() - 90 * DAY), termMonths: 6, frequency: "monthly", reason: "Harvest failed" }));
    expect(bad?.field).toBe("startsOn");
    const { version } = await rescheduleLoan(partner.id, loan.id, officer.id, { startsOn: new Date(), termMonths: 6, frequency: "monthly", reason: "Harvest failed; new terms agreed" });
    expect(version).toBe(2);
    const after = await db.loan.findUniqueOrThrow({ where: { id: loan.id } });
    expect(after.status).toBe("paying_back");
    expect(after.firstUnpaidDueOn!.getTime()).toBeGreaterThan(Date.now() - DAY);
    const v2 = (await instalments(loan.id)).filter((i) => i.version === 2);
    expect(v2.reduce((a, i) => a + i.principal, 0n)).toBe(loan.amountLocalMinor - after.principalRepaidLocal);
    expect((await instalments(loan.id)).filter((i) => i.version === 1)).toHaveLength(6); // history kept
    const state = await scheduleWithState(loan.id);
    expect(state?.history.map((h) => h.version)).toEqual([1, 2]);
    expect(state?.rows.every((r) => r.state === "due")).toBe(true);

    await writeOffLoan(partner.id, loan.id, officer.id, { reason: "Borrower moved away" });
    expect((await db.loan.findUniqueOrThrow({ where: { id: loan.id } })).status).toBe("written_off");
    // A recovery after write-off still reaches the lender.
    const recovery = await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey: key(), paidOn: new Date(), localAmount: 5_000n, fxRate: "129.5" });
    expect(recovery.replayed).toBe(false);
    const events = await db.loanEvent.findMany({ where: { loanId: loan.id }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.toStatus)).toEqual(expect.arrayContaining(["defaulted", "paying_back", "written_off"]));
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("computes the partner's track record from its loans", async () => {
    const first = await disbursedLoan({ shares: [4] }); // $100, 6 monthly instalments, 5 past due
    const partnerId = first.partner.id;
    const second = await disbursedLoan({ shares: [4], partnerId, fxRate: "100" });
    // Loan 1 pays everything due so far; loan 2 pays nothing (more than 30 days late).
    const rows = (await instalments(first.loan.id)).filter((i) => i.dueOn.getTime() < Date.now());
    await recordRepayment({ partnerId, loanId: first.loan.id, requestKey: key(), paidOn: new Date(), localAmount: rows.reduce((a, i) => a + i.principal + i.interest, 0n), fxRate: "140" });
    const record = await partnerTrackRecord(partnerId);
    const db = await getDb();
    const l1 = await db.loan.findUniqueOrThrow({ where: { id: first.loan.id } });
    expect(record.loansDisbursed).toBe(2);
    // Loan 1 repaid all its due principal, loan 2 none of the same amount due: about 50%.
    expect(record.repaymentRateBps).toBeGreaterThan(4900);
    expect(record.repaymentRateBps).toBeLessThan(5100);
    const outstanding1 = 10_000n - l1.principalRepaidUsdCents;
    expect(record.par30Bps).toBe(Number((10_000n * 10_000n) / (outstanding1 + 10_000n)));
    expect(record.defaultRateBps).toBe(0);
    expect(record.fxLossRateBps).toBe(Number((l1.fxLossCents * 10_000n) / l1.principalRepaidUsdCents));
    expect(second.loan.status).toBe("paying_back");
  });
});

describe("many repayments at once", () => {
  it("records all or none, then distributes each exactly once", async () => {
    const a = await disbursedLoan({ shares: [1, 1, 1] });
    const b = await disbursedLoan({ shares: [2, 2], partnerId: a.partner.id });
    const inputs = [a, b, a].map((x, i) => ({ partnerId: a.partner.id, loanId: x.loan.id, requestKey: `upload-test:${n}:${i}`, paidOn: new Date(), localAmount: 1_000_00n, fxRate: "129.5" }));
    const db = await getDb();
    // One bad line (more than owed) and nothing is recorded.
    const bad = await failure(inTransaction((tx) => recordRepayments(tx, [...inputs, { ...inputs[0]!, requestKey: "upload-test:bad", localAmount: 10n ** 12n }])));
    expect(bad?.field).toBe("amount");
    expect(await db.repayment.count({ where: { partnerId: a.partner.id } })).toBe(0);
    await inTransaction((tx) => recordRepayments(tx, inputs));
    expect(await db.repayment.count({ where: { partnerId: a.partner.id, status: "recorded" } })).toBe(3);
    const [first, second] = await Promise.all([distributePending({ batch: 1 }), distributePending({ batch: 1 })]);
    expect(first + second).toBeGreaterThanOrEqual(3);
    expect(await db.repayment.count({ where: { partnerId: a.partner.id, status: "distributed" } })).toBe(3);
    const txs = await db.ledgerTransaction.count({ where: { kind: "repayment", idempotencyKey: { in: (await db.repayment.findMany({ where: { partnerId: a.partner.id } })).map((r) => `repayment:${r.id}`) } } });
    expect(txs).toBe(3);
    expect(await distributePending()).toBe(0);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("gives a loan its schedule when the disbursement is recorded", async () => {
    const { loan } = await disbursedLoan({ shares: [1], termMonths: 3, frequency: "monthly" });
    const rows = await instalments(loan.id);
    expect(rows).toHaveLength(3);
    expect(rows.reduce((a, r) => a + r.principal, 0n)).toBe(loan.amountLocalMinor);
    expect(loan.scheduleVersion).toBe(1);
    expect(loan.maturityOn).toEqual(rows[2]!.dueOn);
    expect(recordDisbursement).toBeTypeOf("function");
  });
});

describe("what each lender received", () => {
  it("is one allocation per lender for all their shares, however many checkouts they bought them in", async () => {
    const db = await getDb();
    const partner = await makePartner(db, { status: "active" });
    const officer = await makeUser(db);
    await makeMembership(db, { userId: officer.id, partnerId: partner.id, role: "officer" });
    const client = await makeClient(db, { partnerId: partner.id });
    const loan = await makeLoan(db, { partnerId: partner.id, clientId: client.id, amountUsdCents: 3 * Number(SHARE_CENTS), localCurrency: "KES", fxRate: "129.5", termMonths: 3 });
    const [amina, ben] = [await makeUser(db), await makeUser(db)];
    // Amina buys a share, Ben one, then Amina a second in another checkout.
    for (const lender of [amina!, ben!, amina!]) {
      await creditWallet(lender.id, SHARE_CENTS);
      await reserve({ userId: lender.id, loanId: loan.id, shares: 1 });
      expect((await checkout({ userId: lender.id, requestKey: key(), tipCents: 0n })).status).toBe("completed");
    }
    const disbursedOn = new Date(Date.now() - 40 * DAY);
    await db.loan.update({ where: { id: loan.id }, data: { fundedAt: disbursedOn } });
    await recordDisbursement(partner.id, loan.id, officer.id, disbursedOn);
    const [first] = await instalments(loan.id);
    const paid = await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey: key(), paidOn: new Date(), localAmount: first!.principal + first!.interest, fxRate: "129.5" });
    const repayment = await db.repayment.findUniqueOrThrow({ where: { id: paid.repaymentId } });

    const parts = await allocations(paid.repaymentId);
    expect(parts.map((p) => [p.lenderId, p.shares]).sort()).toEqual([[amina!.id, 2], [ben!.id, 1]].sort());
    const of = (id: string) => parts.find((p) => p.lenderId === id)!;
    expect(of(amina!.id).usdCents + of(ben!.id).usdCents).toBe(repayment.usdCents);
    const diff = of(amina!.id).usdCents - 2n * of(ben!.id).usdCents;
    expect(diff >= -1n && diff <= 2n).toBe(true);
    expect(await getBalance(walletAccount(amina!.id), "USD")).toBe(of(amina!.id).usdCents);
  });

  it("is kept by the database: no allocation without its repayment, none changed or deleted, no repayment deleted", async () => {
    const { loan, partner } = await disbursedLoan({ shares: [1, 1] });
    const [first] = await instalments(loan.id);
    const paid = await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey: key(), paidOn: new Date(), localAmount: first!.principal + first!.interest, fxRate: "129.5" });
    const db = await getDb();
    const before = await allocations(paid.repaymentId);
    const part = before[0];
    await expect(
      db.$executeRawUnsafe(
        `INSERT INTO repayment_allocations (repayment_id, lender_id, loan_id, shares, expected_usd_cents, usd_cents, fx_loss_cents, paid_on)
         VALUES ('no-such-repayment', $1, $2, 1, 5, 5, 0, current_date)`,
        part!.lenderId,
        loan.id,
      ),
    ).rejects.toThrow(/does not exist/);
    await expect(db.$executeRawUnsafe(`UPDATE repayment_allocations SET usd_cents = usd_cents + 1, expected_usd_cents = expected_usd_cents + 1 WHERE repayment_id = $1`, paid.repaymentId)).rejects.toThrow(/refused/);
    await expect(db.$executeRawUnsafe(`DELETE FROM repayment_allocations WHERE repayment_id = $1`, paid.repaymentId)).rejects.toThrow(/refused/);
    await expect(db.$executeRawUnsafe(`DELETE FROM repayments WHERE id = $1`, paid.repaymentId)).rejects.toThrow(/refused/);
    expect(await allocations(paid.repaymentId)).toEqual(before);
    expect(before).toHaveLength(2);
    expect(await db.repayment.count({ where: { id: paid.repaymentId } })).toBe(1);
  });
});
