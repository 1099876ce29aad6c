import { describe, expect, it } from "vitest";
import { EXTERNAL_CARD, getBalance, postTransaction, verifyLedger, walletAccount } from "~/models/ledger.server.ts";
import {
  checkout,
  completePendingCheckout,
  expireOverdueLoans,
  getBasket,
  LendingError,
  partnerPayableAccount,
  reserve,
  sharesLeft,
  sweepExpiredReservations,
} from "~/models/lending.server.ts";
import { cancelLoan } from "~/models/loan-request.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { makeClient, makeLoan, makePartner, makeUser } from "../factories/index.ts";

let n = 0;
const key = () => `test-checkout-${++n}-${Math.random().toString(36).slice(2, 10)}`;

async function credit(userId: string, cents: bigint) {
  await postTransaction({
    idempotencyKey: `credit:${userId}:${++n}`,
    kind: "card_top_up",
    memo: "Added credit by card",
    postings: [
      { account: EXTERNAL_CARD, amount: -cents, currency: "USD" },
      { account: walletAccount(userId), amount: cents, currency: "USD" },
    ],
  });
}

async function fundraisingLoan(amountUsdCents = 10_000, deadline = new Date(Date.now() + 7 * 86_400_000)) {
  const db = await getDb();
  const partner = await makePartner(db);
  const client = await makeClient(db, { partnerId: partner.id });
  return makeLoan(db, { partnerId: partner.id, clientId: client.id, amountUsdCents, fundraisingDeadline: deadline });
}

async function lender(cents = 100_000n) {
  const user = await makeUser(await getDb());
  if (cents > 0n) await credit(user.id, cents);
  return user;
}

const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as LendingError);

describe("basket and reservations", () => {
  it("reserved shares are unavailable to others and expiry frees them", async () => {
    const loan = await fundraisingLoan(10_000); // 4 shares
    const a = await lender();
    const b = await lender();
    const now = new Date();
    await reserve({ userId: a.id, loanId: loan.id, shares: 3, now });
    expect(await sharesLeft(loan.id, { now })).toBe(1);
    const refused = await failure(reserve({ userId: b.id, loanId: loan.id, shares: 2, now }));
    expect(refused?.message).toBe("Only 1 share of this loan is left.");
    expect(refused?.details.sharesLeft).toBe(1);
    // 46 minutes later the reservation no longer counts, for anyone.
    const later = new Date(now.getTime() + 46 * 60_000);
    expect(await sharesLeft(loan.id, { now: later })).toBe(4);
    await reserve({ userId: b.id, loanId: loan.id, shares: 4, now: later });
    expect(await sweepExpiredReservations(later)).toBe(1);
    expect(await getBasket(a.id, later)).toHaveLength(0);
  });

  it("refuses 0 or 10,000 shares and loans that are not fundraising", async () => {
    const loan = await fundraisingLoan();
    const a = await lender();
    expect((await failure(reserve({ userId: a.id, loanId: loan.id, shares: 0 })))?.details.field).toBe("shares");
    expect((await failure(reserve({ userId: a.id, loanId: loan.id, shares: 10_000 })))?.message).toMatch(/At most 400 shares/);
    const db = await getDb();
    const draft = await makeLoan(db, { partnerId: loan.partnerId, clientId: loan.clientId!, status: "draft" });
    expect((await failure(reserve({ userId: a.id, loanId: draft.id, shares: 1 })))?.message).toMatch(/not raising money/);
    expect((await failure(reserve({ userId: a.id, loanId: "no-such-loan", shares: 1 })))?.message).toMatch(/no such loan/);
  });
});

describe("checkout", () => {
  it("pays from the wallet into the loan's escrow, once per request key, and funds the loan with its last share", async () => {
    const loan = await fundraisingLoan(5_000); // 2 shares
    const a = await lender(10_000n);
    const b = await lender(10_000n);
    await reserve({ userId: a.id, loanId: loan.id, shares: 1 });
    const k = key();
    const first = await checkout({ userId: a.id, requestKey: k, tipCents: 250n });
    expect(first).toMatchObject({ status: "completed", fundedLoans: [] });
    // A double click: same key, nothing charged twice.
    const again = await checkout({ userId: a.id, requestKey: k, tipCents: 250n });
    expect(again).toMatchObject({ status: "completed", replayed: true });
    expect(await getBalance(walletAccount(a.id), "USD")).toBe(10_000n - 2_500n - 250n);
    expect(await getBalance(`loan:${loan.id}:escrow`, "USD")).toBe(2_500n);

    await reserve({ userId: b.id, loanId: loan.id, shares: 1 });
    const last = await checkout({ userId: b.id, requestKey: key(), tipCents: 0n });
    expect(last).toMatchObject({ status: "completed", fundedLoans: [loan.id] });
    const db = await getDb();
    const funded = await db.loan.findUniqueOrThrow({ where: { id: loan.id } });
    expect(funded).toMatchObject({ status: "funded", sharesSold: 2, lenderCount: 2 });
    expect(await getBalance(`loan:${loan.id}:escrow`, "USD")).toBe(0n);
    expect(await getBalance(partnerPayableAccount(loan.partnerId), "USD")).toBe(5_000n);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("checking out an expired reservation re-checks what is left", async () => {
    const loan = await fundraisingLoan(5_000);
    const a = await lender();
    const b = await lender();
    const now = new Date();
    await reserve({ userId: a.id, loanId: loan.id, shares: 2, now });
    const later = new Date(now.getTime() + 50 * 60_000);
    await reserve({ userId: b.id, loanId: loan.id, shares: 2, now: later });
    const lost = await failure(checkout({ userId: a.id, requestKey: key(), tipCents: 0n, now: later }));
    expect(lost?.message).toMatch(/^Only 0|has no shares left/);
    expect(lost?.details.sharesLeft).toBe(0);
    expect(await getBalance(walletAccount(a.id), "USD")).toBe(100_000n);
  });

  it("waits for a card payment of exactly the shortfall, then completes", async () => {
    const loan = await fundraisingLoan(10_000);
    const a = await lender(1_000n);
    await reserve({ userId: a.id, loanId: loan.id, shares: 2 });
    const pending = await checkout({ userId: a.id, requestKey: key(), tipCents: 100n });
    expect(pending).toMatchObject({ status: "pending_payment", cardCents: 5_000n + 100n - 1_000n });
    expect(await getBalance(walletAccount(a.id), "USD")).toBe(1_000n);
    const stillWaiting = await completePendingCheckout({ userId: a.id, checkoutId: pending.checkoutId });
    expect(stillWaiting.status).toBe("pending_payment");
    await credit(a.id, 4_100n);
    const done = await completePendingCheckout({ userId: a.id, checkoutId: pending.checkoutId });
    expect(done.status).toBe("completed");
    expect(await getBalance(walletAccount(a.id), "USD")).toBe(0n);
    // Someone else's checkout cannot be completed by this lender.
    const other = await lender();
    expect((await failure(completePendingCheckout({ userId: other.id, checkoutId: pending.checkoutId })))?.message).toMatch(/no such checkout/);
  });

  it("an empty basket, a bad tip or a tampered key charge nothing", async () => {
    const a = await lender();
    expect((await failure(checkout({ userId: a.id, requestKey: key(), tipCents: 0n })))?.message).toMatch(/basket is empty/);
    expect((await failure(checkout({ userId: a.id, requestKey: key(), tipCents: -5n })))?.details.field).toBe("tip");
    expect((await failure(checkout({ userId: a.id, requestKey: "x", tipCents: 0n })))?.message).toMatch(/out of date/);
    expect(await getBalance(walletAccount(a.id), "USD")).toBe(100_000n);
  });
});

describe("expiry and cancellation", () => {
  it("a loan past its deadline expires and every lender is refunded exactly", async () => {
    const soon = new Date(Date.now() + 60_000);
    const loan = await fundraisingLoan(25_000, soon);
    const lenders = [await lender(), await lender(), await lender()];
    for (const [i, l] of lenders.entries()) {
      await reserve({ userId: l.id, loanId: loan.id, shares: i + 1 });
      await checkout({ userId: l.id, requestKey: key(), tipCents: 0n });
    }
    const expired = await expireOverdueLoans(new Date(soon.getTime() + 1_000));
    expect(expired).toHaveLength(1);
    expect(expired[0]!.lenders.map((l) => l.amount).sort()).toEqual([2_500n, 5_000n, 7_500n]);
    for (const l of lenders) expect(await getBalance(walletAccount(l.id), "USD")).toBe(100_000n);
    const db = await getDb();
    expect((await db.loan.findUniqueOrThrow({ where: { id: loan.id } })).status).toBe("expired");
    expect(await getBalance(`loan:${loan.id}:escrow`, "USD")).toBe(0n);
    expect(await expireOverdueLoans(new Date(soon.getTime() + 2_000))).toHaveLength(0);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("a partner cancelling a fundraising loan refunds every lender", async () => {
    const loan = await fundraisingLoan(10_000);
    const a = await lender();
    await reserve({ userId: a.id, loanId: loan.id, shares: 3 });
    await checkout({ userId: a.id, requestKey: key(), tipCents: 0n });
    const staff = await makeUser(await getDb());
    const refunded = await cancelLoan(loan.partnerId, loan.id, staff.id, "The client moved away");
    expect(refunded).toEqual([{ lenderId: a.id, amount: 7_500n }]);
    expect(await getBalance(walletAccount(a.id), "USD")).toBe(100_000n);
    expect((await failure(reserve({ userId: a.id, loanId: loan.id, shares: 1 })))?.message).toMatch(/not raising money/);
    expect((await verifyLedger()).ok).toBe(true);
  });
});

describe("the last shares under concurrency", () => {
  it("500 concurrent checkouts racing for the last 20 shares: exactly 20 sold, the loan exactly funded, losers told what is left and charged nothing", async () => {
    const db = await getDb();
    const loan = await fundraisingLoan(100 * 2_500);
    // Another lender already holds 80 of the 100 shares.
    const early = await lender(1_000_000n);
    await reserve({ userId: early.id, loanId: loan.id, shares: 80 });
    await checkout({ userId: early.id, requestKey: key(), tipCents: 0n });
    const racers = [];
    for (let i = 0; i < 500; i++) racers.push(await db.user.create({ data: { email: `racer-${loan.id}-${i}@example.test`, name: `Racer ${i}`, passwordHash: "x" } }));
    await postTransactionsFor(racers.map((r) => r.id));
    // Every racer reserved a while ago; the reservations have lapsed, so checkout must re-check.
    const past = new Date(Date.now() - 60 * 60_000);
    await db.basketItem.createMany({
      data: racers.map((r, i) => ({ userId: r.id, loanId: loan.id, shares: i % 10 === 0 ? 2 : 1, reservedAt: past, expiresAt: new Date(past.getTime() + 45 * 60_000) })),
    });
    const outcomes = await Promise.allSettled(racers.map((r) => checkout({ userId: r.id, requestKey: `race-${r.id}`, tipCents: 0n })));
    const won = outcomes.filter((o) => o.status === "fulfilled");
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    const after = await db.loan.findUniqueOrThrow({ where: { id: loan.id } });
    expect(after.sharesSold).toBe(100);
    expect(after.status).toBe("funded");
    const sold = await db.loanShare.aggregate({ where: { loanId: loan.id }, _sum: { shares: true } });
    expect(sold._sum.shares).toBe(100);
    expect(won.length).toBeGreaterThanOrEqual(10);
    expect(won.length).toBeLessThanOrEqual(20);
    for (const l of lost) {
      expect(l.reason).toBeInstanceOf(LendingError);
      expect((l.reason as LendingError).details.sharesLeft).toBeGreaterThanOrEqual(0);
      expect((l.reason as LendingError).message).toMatch(/nothing was charged/);
    }
    const charged = await db.loanShare.groupBy({ by: ["lenderId"], where: { loanId: loan.id, lenderId: { in: racers.map((r) => r.id) } }, _sum: { amount: true } });
    const paid = new Map(charged.map((c) => [c.lenderId, c._sum.amount ?? 0n]));
    expect([...paid.values()].reduce((a, b) => a + b, 0n)).toBe(20n * 2_500n);
    for (const r of racers) expect(await getBalance(walletAccount(r.id), "USD")).toBe(10_000n - (paid.get(r.id) ?? 0n));
    expect((await verifyLedger()).ok).toBe(true);
  }, 300_000);
});

async function postTransactionsFor(userIds: string[]) {
  const { postTransactions } = await import("~/models/ledger.server.ts");
  await postTransactions(
    userIds.map((id) => ({
      idempotencyKey: `race-credit:${id}`,
      kind: "card_top_up",
      memo: "Added credit by card",
      postings: [
        { account: EXTERNAL_CARD, amount: -10_000n, currency: "USD" },
        { account: walletAccount(id), amount: 10_000n, currency: "USD" },
      ],
    })),
  );
}
