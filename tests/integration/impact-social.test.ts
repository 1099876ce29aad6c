// The social-performance rollups: rebuilt from clients and loans by one
// database function; these figures are worked out by hand from the world below.
import { describe, expect, it } from "vitest";
import { rebuildSocialIfStale, rebuildSocialRollups, socialRebuiltAt } from "~/models/impact-social.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { makeClient, makeGroup, makeLoan, makePartner } from "../factories/index.ts";

const DAY = 86_400_000;

function quarterStart(d: Date, back = 0) {
  const month = Math.floor(d.getUTCMonth() / 3) * 3 - back * 3;
  return new Date(Date.UTC(d.getUTCFullYear(), month, 1));
}
const iso = (d: Date) => d.toISOString().slice(0, 10);

describe("social rollups", () => {
  it("count active, women, rural and retained clients and disbursed loans per node, quarter and filter", async () => {
    const db = await getDb();
    const now = new Date();
    const q0 = quarterStart(now);
    const q1 = quarterStart(now, 1);
    const q2 = quarterStart(now, 2);
    const partner = await makePartner(db, { country: "ZM", status: "active" });
    const client = (fullName: string, gender: "female" | "male", area: "rural" | "urban", sector: string) =>
      makeClient(db, { partnerId: partner.id, fullName, gender, area, sector, region: "Lusaka" });
    const c1 = await client("One", "female", "rural", "Retail");
    const c2 = await client("Two", "male", "urban", "Retail");
    const c3 = await client("Three", "female", "rural", "Agriculture");
    const c4 = await client("Four", "female", "urban", "Agriculture");
    const c5 = await client("Five", "male", "rural", "Agriculture");
    const c6 = await client("Six", "female", "rural", "Retail");
    const group = await makeGroup(db, { partnerId: partner.id, region: "Lusaka", memberIds: [c3.id, c4.id, c5.id] });

    // c1: out from two quarters ago, for a year. c2: out and repaid last quarter.
    const l1 = await makeLoan(db, { partnerId: partner.id, clientId: c1.id, status: "paying_back", amountUsdCents: 40_000, termMonths: 12, sector: "Retail" });
    await db.loan.update({ where: { id: l1.id }, data: { disbursedAt: new Date(q2.getTime() + 10 * DAY) } });
    const l2 = await makeLoan(db, { partnerId: partner.id, clientId: c2.id, status: "repaid", amountUsdCents: 20_000, termMonths: 1, sector: "Retail" });
    await db.loan.update({ where: { id: l2.id }, data: { disbursedAt: new Date(q1.getTime() + 5 * DAY), repaidAt: new Date(q1.getTime() + 40 * DAY) } });
    // The group's loan this quarter; c6 is still raising money.
    const lg = await makeLoan(db, { partnerId: partner.id, groupId: group.id, status: "paying_back", amountUsdCents: 90_000, termMonths: 6, sector: "Agriculture" });
    await db.loan.update({ where: { id: lg.id }, data: { disbursedAt: new Date(Math.min(now.getTime() - 60_000, q0.getTime() + DAY)) } });
    await makeLoan(db, { partnerId: partner.id, clientId: c6.id, status: "fundraising", sector: "Retail" });

    expect(await rebuildSocialRollups()).toBeGreaterThan(0);
    const row = (level: number, filter: string, quarter: Date, groupId = "") =>
      db.socialRollup.findFirst({
        where: { level, country: "ZM", filter, quarter, groupId, ...(level >= 2 ? { region: "Lusaka" } : {}), ...(level >= 3 ? { partnerId: partner.id } : {}) },
        select: { activeClients: true, women: true, rural: true, retained: true, loansDisbursed: true, disbursedUsdCents: true },
      });

    expect(await row(1, "", q0)).toEqual({ activeClients: 4, women: 3, rural: 3, retained: 1, loansDisbursed: 1, disbursedUsdCents: 90_000n });
    expect(await row(1, "", q1)).toEqual({ activeClients: 2, women: 1, rural: 1, retained: 1, loansDisbursed: 1, disbursedUsdCents: 20_000n });
    expect(await row(1, "", q2)).toMatchObject({ activeClients: 1, loansDisbursed: 1, disbursedUsdCents: 40_000n });
    expect(await row(3, "", q0)).toEqual(await row(1, "", q0));
    expect(await row(4, "", q0, group.id)).toEqual({ activeClients: 3, women: 2, rural: 2, retained: 0, loansDisbursed: 1, disbursedUsdCents: 90_000n });
    // Filters: women only (a group loan has no one gender), and the Agriculture sector.
    expect(await row(1, "gender:female", q0)).toEqual({ activeClients: 3, women: 3, rural: 2, retained: 1, loansDisbursed: 0, disbursedUsdCents: 0n });
    expect(await row(1, "sector:Agriculture", q0)).toEqual({ activeClients: 3, women: 2, rural: 2, retained: 0, loansDisbursed: 1, disbursedUsdCents: 90_000n });
    expect(await row(1, "area:urban", q1)).toMatchObject({ activeClients: 1, loansDisbursed: 1 });
    // Nothing for the quarter after the data.
    expect(await row(1, "", quarterStart(now, 3))).toBeNull();

    // The job rebuilds only when the rows are an hour old.
    const at = (await socialRebuiltAt())!;
    expect(await rebuildSocialIfStale(new Date(at.getTime() + 30 * 60_000))).toBe(false);
    await db.client.update({ where: { id: c6.id }, data: { gender: "male" } });
    await db.loan.updateMany({ where: { clientId: c6.id }, data: { status: "paying_back", disbursedAt: new Date(Math.max(q0.getTime(), now.getTime() - DAY)) } });
    expect(await rebuildSocialIfStale(new Date(at.getTime() + 61 * 60_000))).toBe(true);
    expect(await row(1, "", q0)).toMatchObject({ activeClients: 5, women: 3, loansDisbursed: 2 });
    expect(iso((await socialRebuiltAt())!)).toBe(iso(new Date()));
  });
});
