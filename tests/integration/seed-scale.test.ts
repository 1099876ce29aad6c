import { describe, expect, it } from "vitest";
import { getDb } from "~/utils/db.server.ts";
import { seedScale, seedScaleImpact } from "../../scripts/seed-scale.ts";

describe("seed:scale", () => {
  it("loads loans, lenders, partners, borrowers and consents in one go, spread like a live site, and only once", async () => {
    const db = await getDb();
    const first = await seedScale(db, { loans: 600, lenders: 40 });
    expect(first).toMatchObject({ loaded: true, loans: 600, lenders: 40 });
    expect(first.partners).toBeGreaterThanOrEqual(20);
    expect(first.clients).toBeGreaterThan(600 * 0.8);
    expect(first.consents).toBeGreaterThan(first.clients);

    const byStatus = Object.fromEntries(
      (await db.loan.groupBy({ by: ["status"], _count: { _all: true } })).map((s) => [s.status, s._count._all]),
    );
    expect(byStatus.fundraising).toBeGreaterThan(100);
    expect(byStatus.repaid).toBeGreaterThan(100);
    const countries = await db.partner.findMany({ select: { country: true }, distinct: ["country"] });
    expect(countries.length).toBeGreaterThanOrEqual(10);
    expect((await db.loan.findMany({ select: { sector: true }, distinct: ["sector"] })).length).toBeGreaterThanOrEqual(8);

    // Fundraising loans end in the next 30 days and have something left; the trigger filled amount left.
    const open = await db.loan.findMany({ where: { status: "fundraising" }, select: { fundraisingDeadline: true, amountUsdCents: true, sharesSold: true, amountLeftCents: true, lenderCount: true } });
    for (const loan of open) {
      expect(loan.fundraisingDeadline!.getTime()).toBeGreaterThan(Date.now());
      expect(loan.fundraisingDeadline!.getTime()).toBeLessThan(Date.now() + 31 * 86_400_000);
      expect(loan.amountLeftCents).toBe(loan.amountUsdCents - loan.sharesSold * 2500);
      expect(loan.amountLeftCents).toBeGreaterThan(0);
      expect(loan.lenderCount).toBeLessThanOrEqual(loan.sharesSold);
    }
    // Every loan has exactly one borrower, from its own partner.
    const mismatched = (await db.$queryRawUnsafe(
      `SELECT count(*)::int AS n FROM loans l
         LEFT JOIN clients c ON c.id = l.client_id LEFT JOIN groups g ON g.id = l.group_id
        WHERE (l.client_id IS NULL) = (l.group_id IS NULL) OR coalesce(c.partner_id, g.partner_id) <> l.partner_id`,
    )) as { n: number }[];
    expect(mismatched[0]!.n).toBe(0);

    const again = await seedScale(db, { loans: 600, lenders: 40 });
    expect(again).toMatchObject({ loaded: false, loans: 600, lenders: 40, clients: first.clients, consents: first.consents });
    expect(await db.loan.count()).toBe(600);

    // PPI surveys spread over the clients, the latest this quarter, counted in the rollups for consented clients.
    const impact = await seedScaleImpact(db, { surveys: 3000 });
    expect(impact).toMatchObject({ loaded: true, surveys: 3000 });
    const sample = await db.ppiScorecard.findMany({ select: { isSample: true, title: true } });
    expect(sample.every((s) => s.isSample && s.title.includes("sample data"))).toBe(true);
    const perClient = (await db.$queryRawUnsafe(
      `SELECT min(n)::int AS least, max(n)::int AS most, max(last)::date = date_trunc('quarter', now())::date AS recent
         FROM (SELECT client_id, count(*) AS n, date_trunc('quarter', max(surveyed_on)) AS last FROM ppi_surveys GROUP BY 1) x`,
    )) as { least: number; most: number; recent: boolean }[];
    expect(perClient[0]!.most - perClient[0]!.least).toBeLessThanOrEqual(1);
    expect(perClient[0]!.recent).toBe(true);
    const platform = (await db.$queryRawUnsafe(
      `SELECT sum(clients)::int AS clients FROM ppi_rollups WHERE level = 0 AND quarter = date_trunc('quarter', now())::date`,
    )) as { clients: number }[];
    const consented = (await db.$queryRawUnsafe(
      `SELECT count(DISTINCT (f.client_id, f.scorecard_id))::int * 2 AS expected FROM ppi_client_quarters f
        WHERE f.counted AND f.quarter = date_trunc('quarter', now())::date`,
    )) as { expected: number }[];
    // Two poverty lines per scorecard: each counted client appears once per line at platform level.
    expect(platform[0]!.clients).toBe(consented[0]!.expected);
    expect(consented[0]!.expected).toBeGreaterThan(0);
    expect((await seedScaleImpact(db, { surveys: 3000 })).loaded).toBe(false);
  }, 300_000);
});
