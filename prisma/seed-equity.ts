// The demo's micro-equity: one offering open to investors and one whose
// cycle has ended with its report still to file, so the invest page, the
// holdings and the partner's cycle report have something to show. Made
// through the equity model (holds, settlement), never by writing balances.
import { buyUnits, settleOfferings } from "~/models/equity.server.ts";
import type { Db } from "~/utils/db.server.ts";

const DAY = 86_400_000;

export async function seedEquity(db: Db, input: { partnerId: string; groupId: string; investorIds: string[]; now: number }) {
  const { partnerId, groupId, now } = input;
  const base = {
    partnerId,
    groupId,
    maxRaiseCents: 100_000n,
    minRaiseCents: 20_000n,
    unitPriceCents: 2_500n,
    profitShareBps: 2_000,
    capitalReturned: true,
    perInvestorMaxUnits: 10,
    cancellationHours: 48,
    risks: "A drought or a poor harvest can cut members' repayments; the group's loan fund can then make a loss, and investors share in it.",
  };
  await db.offering.upsert({
    where: { id: "seed-offering-listed" },
    create: {
      ...base,
      id: "seed-offering-listed",
      reference: "EQ-SEED-1",
      status: "listed",
      title: "Tumaini savings group: the 2027 planting cycle",
      cycleStart: new Date(now + 30 * DAY),
      cycleEnd: new Date(now + 300 * DAY),
      fundraisingDeadline: new Date(now + 20 * DAY),
      listedAt: new Date(now - 2 * DAY),
    },
    update: {},
  });
  // Bought while it was open (five months ago), closed at its deadline; the cycle ended two days ago.
  await db.offering.upsert({
    where: { id: "seed-offering-closed" },
    create: {
      ...base,
      id: "seed-offering-closed",
      reference: "EQ-SEED-0",
      status: "listed",
      title: "Tumaini savings group: the 2026 harvest cycle",
      cycleStart: new Date(now - 180 * DAY),
      cycleEnd: new Date(now - 2 * DAY),
      fundraisingDeadline: new Date(now - 185 * DAY),
      listedAt: new Date(now - 200 * DAY),
    },
    update: {},
  });
  for (const [i, investorId] of input.investorIds.entries()) {
    await buyUnits({ investorId, offeringId: "seed-offering-closed", units: 2 + i, requestKey: "seed-equity-buy", now: new Date(now - 190 * DAY + i * 60_000) });
  }
  await settleOfferings(new Date(now));
}
