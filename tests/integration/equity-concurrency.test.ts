// Many investors buying at once. Meaningful on the real PostgreSQL server
// (TEST_POSTGRES_URL; CI runs the integration suite there too), where the
// purchases truly race for the offering's row lock; on PGlite the same test
// runs serialised and must give the same answer.
import { describe, expect, it } from "vitest";
import { buyUnits, cancelInvestment, EquityError } from "~/models/equity.server.ts";
import { getBalance, verifyLedger, walletAccount } from "~/models/ledger.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { investor, listedOffering, requestKey } from "./equity-helpers.ts";

async function soldAndHeld(offeringId: string) {
  const db = await getDb();
  const offering = await db.offering.findUniqueOrThrow({ where: { id: offeringId } });
  const live = await db.offeringInvestment.aggregate({ where: { offeringId, status: { in: ["held", "active"] } }, _sum: { units: true, amountCents: true } });
  return { unitsSold: offering.unitsSold, liveUnits: live._sum.units ?? 0, liveCents: live._sum.amountCents ?? 0n };
}

describe("equity purchases under concurrency", () => {
  it("60 parallel buys by one investor never pass the per-investor limit", async () => {
    const { offering } = await listedOffering({ perInvestorMaxUnits: 20, maxRaiseCents: 1_000_000n });
    const a = await investor(10_000_000n);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => buyUnits({ investorId: a.id, offeringId: offering.id, units: 1 + (i % 3), requestKey: requestKey() })),
    );
    for (const o of outcomes) if (o.status === "rejected") expect(o.reason).toBeInstanceOf(EquityError);
    const bought = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value.units] : [])).reduce((x, y) => x + y, 0);
    const state = await soldAndHeld(offering.id);
    expect(bought).toBeLessThanOrEqual(20);
    expect(bought).toBeGreaterThanOrEqual(18); // the last refusals are buys that would not fit
    expect(state.unitsSold).toBe(bought);
    expect(state.liveUnits).toBe(bought);
    expect(await getBalance(walletAccount(a.id), "USD")).toBe(10_000_000n - BigInt(bought) * 1_000n);
    expect(await getBalance(`offering:${offering.id}:escrow`, "USD")).toBe(BigInt(bought) * 1_000n);
    expect((await verifyLedger()).ok).toBe(true);
  }, 180_000);

  it("40 investors racing for an offering with room for 25 units: exactly 25 sold, the raise never passes its maximum", async () => {
    const { offering } = await listedOffering({ maxRaiseCents: 25_000n, minRaiseCents: 10_000n, perInvestorMaxUnits: 5 });
    const investors = await Promise.all(Array.from({ length: 40 }, () => investor(100_000n)));
    const outcomes = await Promise.allSettled(
      investors.map((inv) => buyUnits({ investorId: inv.id, offeringId: offering.id, units: 1, requestKey: requestKey() })),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(25);
    for (const o of outcomes) if (o.status === "rejected") expect((o.reason as EquityError).message).toBe("Every unit has been sold.");
    const state = await soldAndHeld(offering.id);
    expect(state).toEqual({ unitsSold: 25, liveUnits: 25, liveCents: 25_000n });
    expect((await verifyLedger()).ok).toBe(true);
  }, 180_000);

  it("buys and cancellations interleaved keep units_sold equal to the live units", async () => {
    const { offering } = await listedOffering({ maxRaiseCents: 40_000n, minRaiseCents: 10_000n, perInvestorMaxUnits: 10 });
    const investors = await Promise.all(Array.from({ length: 10 }, () => investor(100_000n)));
    const first = await Promise.all(investors.map((inv) => buyUnits({ investorId: inv.id, offeringId: offering.id, units: 2, requestKey: requestKey() })));
    await Promise.allSettled([
      ...first.slice(0, 5).map((p, i) => cancelInvestment({ investorId: investors[i]!.id, investmentId: p.investmentId })),
      ...investors.map((inv) => buyUnits({ investorId: inv.id, offeringId: offering.id, units: 2, requestKey: requestKey() })),
      // The same form submitted twice at once buys once.
      ...Array.from({ length: 2 }, () => buyUnits({ investorId: investors[9]!.id, offeringId: offering.id, units: 1, requestKey: "buy-same-form-twice" })),
    ]);
    const state = await soldAndHeld(offering.id);
    expect(state.unitsSold).toBe(state.liveUnits);
    expect(state.unitsSold).toBe(20 - 10 + 20 + 1);
    expect((await verifyLedger()).ok).toBe(true);
  }, 180_000);
});
