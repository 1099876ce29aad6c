import { describe, expect, it } from "vitest";
import { investorsReceive, splitToInvestors } from "~/lib/equity-terms.ts";
import {
  buyUnits,
  cancelInvestment,
  capTable,
  capTableAggregate,
  EquityError,
  fileReport,
  listHoldings,
  offeringEscrowAccount,
  parseReportForm,
  partnerExternalAccount,
  settleOfferings,
} from "~/models/equity.server.ts";
import { getBalance, verifyLedger, walletAccount } from "~/models/ledger.server.ts";
import { partnerPayableAccount } from "~/models/lending.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { investor, listedOffering, requestKey } from "./equity-helpers.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as EquityError);
const wallet = (id: string) => getBalance(walletAccount(id), "USD");

async function expectLedgerClean() {
  const report = await verifyLedger();
  expect(report.ok, JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).toBe(true);
}

describe("buying units", () => {
  it("holds the money in the offering's escrow and counts the units; a double submit buys once", async () => {
    const { offering } = await listedOffering();
    const a = await investor(100_000n);
    const key = requestKey();
    const first = await buyUnits({ investorId: a.id, offeringId: offering.id, units: 5, requestKey: key });
    const again = await buyUnits({ investorId: a.id, offeringId: offering.id, units: 5, requestKey: key });
    expect(first.replayed).toBe(false);
    expect(again).toMatchObject({ investmentId: first.investmentId, replayed: true });
    expect(await wallet(a.id)).toBe(95_000n);
    expect(await getBalance(offeringEscrowAccount(offering.id), "USD")).toBe(5_000n);
    const db = await getDb();
    expect((await db.offering.findUniqueOrThrow({ where: { id: offering.id } })).unitsSold).toBe(5);
    await expectLedgerClean();
  });

  it("refuses units over the per-investor limit, counting units already held, with a field error and nothing charged", async () => {
    const { offering } = await listedOffering({ perInvestorMaxUnits: 10 });
    const a = await investor(100_000n);
    await buyUnits({ investorId: a.id, offeringId: offering.id, units: 7, requestKey: requestKey() });
    const refused = await failure(buyUnits({ investorId: a.id, offeringId: offering.id, units: 4, requestKey: requestKey() }));
    expect(refused).toBeInstanceOf(EquityError);
    expect(refused?.details.field).toBe("units");
    expect(refused?.message).toBe("One investor may hold at most 10 units of this offering; you hold 7, so you may buy at most 3.");
    expect(await wallet(a.id)).toBe(93_000n);
    await buyUnits({ investorId: a.id, offeringId: offering.id, units: 3, requestKey: requestKey() });
    expect(await wallet(a.id)).toBe(90_000n);
  });

  it("refuses units past the maximum raise, and a short wallet says by how much", async () => {
    const { offering } = await listedOffering({ maxRaiseCents: 10_000n, minRaiseCents: 5_000n });
    const a = await investor(100_000n);
    const b = await investor(1_500n);
    await buyUnits({ investorId: a.id, offeringId: offering.id, units: 8, requestKey: requestKey() });
    const over = await failure(buyUnits({ investorId: a.id, offeringId: offering.id, units: 3, requestKey: requestKey() }));
    expect(over?.message).toBe("Only 2 units are left.");
    const short = await failure(buyUnits({ investorId: b.id, offeringId: offering.id, units: 2, requestKey: requestKey() }));
    expect(short?.message).toMatch(/Add credit to your wallet first; nothing was charged/);
    expect(short?.details.shortCents).toBe(500n);
    expect(await wallet(b.id)).toBe(1_500n);
  });

  it("refuses once the deadline passed or the offering is not listed", async () => {
    const { offering } = await listedOffering({ fundraisingDeadline: new Date(Date.now() - 1000) });
    const a = await investor();
    const refused = await failure(buyUnits({ investorId: a.id, offeringId: offering.id, units: 1, requestKey: requestKey() }));
    expect(refused?.message).toMatch(/is not open to investors; nothing was charged\./);
    expect(await wallet(a.id)).toBe(1_000_000n);
  });
});

describe("cancelling within the window", () => {
  it("within the window: a full refund, the units freed; after it: refused with the time, nothing moves", async () => {
    const { offering } = await listedOffering({ cancellationHours: 48, perInvestorMaxUnits: 10 });
    const a = await investor(50_000n);
    const bought = new Date();
    const early = await buyUnits({ investorId: a.id, offeringId: offering.id, units: 10, requestKey: requestKey(), now: bought });
    expect(await wallet(a.id)).toBe(40_000n);
    const cancelled = await cancelInvestment({ investorId: a.id, investmentId: early.investmentId, now: new Date(bought.getTime() + 47 * HOUR) });
    expect(cancelled.amountCents).toBe(10_000n);
    expect(await wallet(a.id)).toBe(50_000n);
    expect(await getBalance(offeringEscrowAccount(offering.id), "USD")).toBe(0n);
    const db = await getDb();
    expect((await db.offering.findUniqueOrThrow({ where: { id: offering.id } })).unitsSold).toBe(0);
    // Cancelled units no longer count towards the limit.
    const late = await buyUnits({ investorId: a.id, offeringId: offering.id, units: 10, requestKey: requestKey(), now: bought });
    const refused = await failure(cancelInvestment({ investorId: a.id, investmentId: late.investmentId, now: new Date(bought.getTime() + 49 * HOUR) }));
    expect(refused?.message).toMatch(/^The cancellation window of 48 hours closed on .* UTC; this purchase can no longer be cancelled\.$/);
    expect(await wallet(a.id)).toBe(40_000n);
    expect((await db.offeringInvestment.findUniqueOrThrow({ where: { id: late.investmentId } })).status).toBe("held");
    await expectLedgerClean();
  });

  it("another investor cannot cancel my units", async () => {
    const { offering } = await listedOffering();
    const a = await investor();
    const b = await investor();
    const bought = await buyUnits({ investorId: a.id, offeringId: offering.id, units: 2, requestKey: requestKey() });
    const refused = await failure(cancelInvestment({ investorId: b.id, investmentId: bought.investmentId }));
    expect(refused?.details.status).toBe(404);
  });
});

describe("the deadline", () => {
  it("an under-subscribed offering refunds every investor exactly; a second run does nothing more", async () => {
    const { offering } = await listedOffering({ minRaiseCents: 50_000n });
    const a = await investor(30_000n);
    const b = await investor(30_000n);
    await buyUnits({ investorId: a.id, offeringId: offering.id, units: 7, requestKey: requestKey() });
    await buyUnits({ investorId: b.id, offeringId: offering.id, units: 13, requestKey: requestKey() });
    await buyUnits({ investorId: a.id, offeringId: offering.id, units: 3, requestKey: requestKey() });
    const after = new Date(offering.fundraisingDeadline.getTime() + 1000);
    const first = await settleOfferings(after);
    const mine = first.settled.find((s) => s.offeringId === offering.id)!;
    expect(mine.outcome).toBe("refunded");
    expect(mine.investors.sort((x, y) => (x.investorId < y.investorId ? -1 : 1))).toEqual(
      [
        { investorId: a.id, amountCents: 10_000n },
        { investorId: b.id, amountCents: 13_000n },
      ].sort((x, y) => (x.investorId < y.investorId ? -1 : 1)),
    );
    expect(await wallet(a.id)).toBe(30_000n);
    expect(await wallet(b.id)).toBe(30_000n);
    expect(await getBalance(offeringEscrowAccount(offering.id), "USD")).toBe(0n);
    const again = await settleOfferings(after);
    expect(again.settled.find((s) => s.offeringId === offering.id)).toBeUndefined();
    expect(await wallet(a.id)).toBe(30_000n);
    const db = await getDb();
    expect((await db.offering.findUniqueOrThrow({ where: { id: offering.id } })).status).toBe("refunded");
    expect(await db.offeringInvestment.count({ where: { offeringId: offering.id, status: "refunded" } })).toBe(3);
    await expectLedgerClean();
  });

  it("an offering that reached its minimum closes: the capital goes to the partner, investments become active", async () => {
    const { offering, partner } = await listedOffering({ minRaiseCents: 5_000n });
    const a = await investor();
    await buyUnits({ investorId: a.id, offeringId: offering.id, units: 6, requestKey: requestKey() });
    const payableBefore = await getBalance(partnerPayableAccount(partner.id), "USD");
    // Before the deadline nothing happens.
    await settleOfferings(new Date(offering.fundraisingDeadline.getTime() - 1000));
    const db = await getDb();
    expect((await db.offering.findUniqueOrThrow({ where: { id: offering.id } })).status).toBe("listed");
    await settleOfferings(new Date(offering.fundraisingDeadline.getTime() + 1000));
    await settleOfferings(new Date(offering.fundraisingDeadline.getTime() + 2000));
    expect((await db.offering.findUniqueOrThrow({ where: { id: offering.id } })).status).toBe("closed");
    expect(await getBalance(partnerPayableAccount(partner.id), "USD")).toBe(payableBefore + 6_000n);
    expect(await getBalance(offeringEscrowAccount(offering.id), "USD")).toBe(0n);
    expect(await db.offeringInvestment.count({ where: { offeringId: offering.id, status: "active" } })).toBe(1);
    // Closed: no more cancelling.
    const inv = await db.offeringInvestment.findFirstOrThrow({ where: { offeringId: offering.id } });
    const refused = await failure(cancelInvestment({ investorId: a.id, investmentId: inv.id, now: inv.createdAt }));
    expect(refused?.message).toMatch(/can no longer be cancelled: offering .* is closed/);
    await expectLedgerClean();
  });
});

/** A closed offering whose cycle ended yesterday, with investors holding `units` each (in purchase order). */
async function closedOffering(terms: { profitShareBps: number; capitalReturned: boolean }, units: number[]) {
  const start = Date.now() - 200 * DAY;
  const { offering, partner } = await listedOffering({
    ...terms,
    minRaiseCents: 1_000n,
    unitPriceCents: 1_000n,
    maxRaiseCents: 1_000_000n,
    perInvestorMaxUnits: 500,
    fundraisingDeadline: new Date(Date.now() + DAY),
    cycleStart: new Date(start),
    cycleEnd: new Date(Date.now() - DAY),
  });
  const investors = [];
  for (let i = 0; i < units.length; i++) {
    const inv = await investor(1_000_000n, `Investor ${i + 1}`);
    await buyUnits({ investorId: inv.id, offeringId: offering.id, units: units[i]!, requestKey: requestKey(), now: new Date(Date.now() + i) });
    investors.push(inv);
  }
  await settleOfferings(new Date(Date.now() + 2 * DAY));
  return { offering, partner, investors };
}

const figures = (income: string, expenses: string, loanLosses: string, rate = "1") => {
  const parsed = parseReportForm({ income, expenses, loanLosses, rate }, "KES");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.figures;
};

describe("the cycle report and the distribution", () => {
  // KES at 100 per dollar; 3 investors with 1, 2 and 4 units of $10 = $70 raised.
  const cases = [
    { name: "profit, capital returned", terms: { profitShareBps: 2000, capitalReturned: true }, income: "5000", expenses: "1000", losses: "500", netUsd: 3_500n },
    { name: "profit, capital at risk", terms: { profitShareBps: 3333, capitalReturned: false }, income: "5000", expenses: "1000", losses: "500", netUsd: 3_500n },
    { name: "break-even, capital returned", terms: { profitShareBps: 2000, capitalReturned: true }, income: "1000", expenses: "600", losses: "400", netUsd: 0n },
    { name: "break-even, capital at risk", terms: { profitShareBps: 2000, capitalReturned: false }, income: "1000", expenses: "600", losses: "400", netUsd: 0n },
    { name: "loss, capital returned", terms: { profitShareBps: 5000, capitalReturned: true }, income: "1000", expenses: "2000", losses: "1001", netUsd: -2_001n },
    { name: "loss, capital at risk", terms: { profitShareBps: 5000, capitalReturned: false }, income: "1000", expenses: "2000", losses: "1001", netUsd: -2_001n },
  ];
  for (const c of cases) {
    it(`${c.name}: each wallet gets its part of investorsReceive, the parts sum exactly, the offering is distributed`, async () => {
      const { offering, partner, investors } = await closedOffering(c.terms, [1, 2, 4]);
      const before = await Promise.all(investors.map((i) => wallet(i.id)));
      const externalBefore = await getBalance(partnerExternalAccount(partner.id), "USD");
      const f = figures(c.income, c.expenses, c.losses, "100");
      const result = await fileReport({ partnerId: partner.id, offeringId: offering.id, userId: investors[0]!.id, figures: f });
      const total = investorsReceive(c.terms, 7_000n, c.netUsd);
      expect(result.distributionCents).toBe(total);
      const parts = splitToInvestors(total, [1, 2, 4]);
      const after = await Promise.all(investors.map((i) => wallet(i.id)));
      expect(after.map((v, i) => v - before[i]!)).toEqual(parts);
      expect(parts.reduce((a, b) => a + b, 0n)).toBe(total);
      expect(await getBalance(partnerExternalAccount(partner.id), "USD")).toBe(externalBefore - total);
      const db = await getDb();
      expect((await db.offering.findUniqueOrThrow({ where: { id: offering.id } })).status).toBe("distributed");
      const report = await db.offeringReport.findUniqueOrThrow({ where: { offeringId: offering.id } });
      expect(report.netProfitMinor).toBe(c.netUsd * 100n);
      expect(report.distributionCents).toBe(total);
      // Filing again changes nothing.
      expect((await fileReport({ partnerId: partner.id, offeringId: offering.id, userId: investors[0]!.id, figures: f })).replayed).toBe(true);
      expect(await Promise.all(investors.map((i) => wallet(i.id)))).toEqual(after);
      // The holdings page shows what each received.
      const holdings = await listHoldings(investors[2]!.id);
      expect(holdings[0]).toMatchObject({ status: "active", offeringStatus: "distributed", receivedCents: parts[2] });
      await expectLedgerClean();
    });
  }

  it("hand-worked: $70 raised, net KES 3,500.00 at 100/$ = $35 profit, 20% share + capital = $77.00 → $11.00, $22.00, $44.00", async () => {
    const { offering, partner, investors } = await closedOffering({ profitShareBps: 2000, capitalReturned: true }, [1, 2, 4]);
    const before = await Promise.all(investors.map((i) => wallet(i.id)));
    await fileReport({ partnerId: partner.id, offeringId: offering.id, userId: investors[0]!.id, figures: figures("5000", "1000", "500", "100") });
    const after = await Promise.all(investors.map((i) => wallet(i.id)));
    expect(after.map((v, i) => v - before[i]!)).toEqual([1_100n, 2_200n, 4_400n]);
  });

  it("cents that do not divide go to the earliest purchases: $10.01 over three equal holdings is $3.34, $3.34, $3.33", async () => {
    // $30 raised, capital at risk, 100% share of a net KES 10.01 at 1/$ → 1,001 cents to share.
    const { offering, partner, investors } = await closedOffering({ profitShareBps: 10_000, capitalReturned: false }, [1, 1, 1]);
    const before = await Promise.all(investors.map((i) => wallet(i.id)));
    await fileReport({ partnerId: partner.id, offeringId: offering.id, userId: investors[0]!.id, figures: figures("10.01", "0", "0", "1") });
    const after = await Promise.all(investors.map((i) => wallet(i.id)));
    expect(after.map((v, i) => v - before[i]!)).toEqual([334n, 334n, 333n]);
    await expectLedgerClean();
  });

  it("negative income, bad figures or a bad rate: a field error for each, and nothing is posted", async () => {
    const parsed = parseReportForm({ income: "-100", expenses: "abc", loanLosses: "", rate: "0" }, "KES");
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.income).toBe("Income cannot be negative.");
    expect(parsed.errors.expenses).toMatch(/^Expenses: /);
    expect(parsed.errors.loanLosses).toBe("Loan losses: Enter an amount.");
    expect(parsed.errors.rate).toMatch(/exchange rate/);
  });

  it("refused before the cycle ends, for an offering still listed, or for another partner", async () => {
    const { offering, partner } = await listedOffering();
    const a = await investor();
    await buyUnits({ investorId: a.id, offeringId: offering.id, units: 5, requestKey: requestKey() });
    const listed = await failure(fileReport({ partnerId: partner.id, offeringId: offering.id, userId: a.id, figures: figures("1", "0", "0") }));
    expect(listed?.message).toMatch(/is listed: only a closed offering has a cycle report/);
    const db = await getDb();
    await db.offering.update({ where: { id: offering.id }, data: { status: "closed" } });
    const early = await failure(fileReport({ partnerId: partner.id, offeringId: offering.id, userId: a.id, figures: figures("1", "0", "0") }));
    expect(early?.message).toMatch(/^The cycle ends on \d{4}-\d{2}-\d{2}; file the report after that\.$/);
    const other = await listedOffering();
    const stranger = await failure(fileReport({ partnerId: other.partner.id, offeringId: offering.id, userId: a.id, figures: figures("1", "0", "0") }));
    expect(stranger?.details.status).toBe(404);
    expect(await db.offeringReport.count({ where: { offeringId: offering.id } })).toBe(0);
  });

  it("a report not filed 30 days after the cycle ends is overdue, to the investor and in the admins' list", async () => {
    const { offering, investors } = await closedOffering({ profitShareBps: 2000, capitalReturned: true }, [3]);
    const dueSoon = new Date(offering.cycleEnd.getTime() + 29 * DAY);
    const late = new Date(offering.cycleEnd.getTime() + 31 * DAY);
    expect((await listHoldings(investors[0]!.id, dueSoon))[0]!.reportOverdue).toBe(false);
    expect((await listHoldings(investors[0]!.id, late))[0]!.reportOverdue).toBe(true);
    const { overdue } = await settleOfferings(late);
    expect(overdue.map((o) => o.offeringId)).toContain(offering.id);
  });
});

describe("holdings and the cap table", () => {
  it("the partner's cap table names investors; the investors' shows only how many and how much", async () => {
    const { offering } = await listedOffering();
    const a = await investor(100_000n, "Amina Investor");
    const b = await investor(100_000n, "Bao Investor");
    await buyUnits({ investorId: a.id, offeringId: offering.id, units: 2, requestKey: requestKey() });
    await buyUnits({ investorId: a.id, offeringId: offering.id, units: 3, requestKey: requestKey() });
    const cancelMe = await buyUnits({ investorId: b.id, offeringId: offering.id, units: 4, requestKey: requestKey() });
    await buyUnits({ investorId: b.id, offeringId: offering.id, units: 1, requestKey: requestKey() });
    await cancelInvestment({ investorId: b.id, investmentId: cancelMe.investmentId });
    const full = await capTable(offering.id);
    expect(full.holders.map((h) => [h.name, h.units])).toEqual([
      ["Amina Investor", 5],
      ["Bao Investor", 1],
    ]);
    const aggregate = await capTableAggregate(offering.id);
    expect(aggregate).toEqual({ investors: 2, units: 6, amountCents: 6_000n });
    expect(JSON.stringify(aggregate, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).not.toMatch(/Investor/);
    const holdings = await listHoldings(b.id);
    expect(holdings.map((h) => h.status)).toEqual(["held", "cancelled"]);
    // 6 units of $10 sold: at a profit of $12 (a fifth), investors get 20% ($2.40) + capital; 1 unit gets $10.40.
    expect(holdings[0]!.expectedAtProfitCents).toBe(1_040n);
    expect(holdings[0]!.cancellableUntil).not.toBeNull();
  });
});
