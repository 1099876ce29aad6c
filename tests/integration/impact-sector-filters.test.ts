// Loans by sector under gender and area filters on the impact portal
// (docs/decisions/025-combined-social-filters.md, 2026-11-23 note): each cell
// is the node's rollup row under the filters plus the sector, weighed against
// the same node under every smaller set of them. The counts below are worked
// out by hand from the borrowers each country is given.
import { beforeAll, describe, expect, it } from "vitest";
import type { PortalFilters } from "~/lib/impact.ts";
import { SHARE_CENTS } from "~/models/lending.server.ts";
import { ADMIN_PORTAL_VIEWER, impactView, portalViewerFor, PUBLIC_PORTAL_VIEWER, type PortalViewer } from "~/models/impact.server.ts";
import { rebuildSocialRollups } from "~/models/impact-social.server.ts";
import { loader as csvLoader } from "~/routes/impact.portal[.]csv.tsx";
import { loader as portalLoader } from "~/routes/impact.portal.tsx";
import { getDb } from "~/utils/db.server.ts";
import { getRequest, run } from "../support/requests.ts";
import { fundedLoan, makePartner, makePeople, makeStaff, type PersonSpec } from "./impact-portal-helpers.ts";

const NONE: PortalFilters = { from: "2026-Q2", to: "2026-Q3", scorecard: null, line: null, gender: null, area: null, sector: null };
const audit = { auditPath: "/impact/portal?sector-filters-test" };
const FARM = Number(SHARE_CENTS);
const SHOP = 2 * Number(SHARE_CENTS);

let db: Awaited<ReturnType<typeof getDb>>;
let namibia: { id: string };
let angolaStaff: PortalViewer;

type Group = [count: number, gender: "female" | "male", area: "rural" | "urban", sector: string];

/** One partner in its own country; each borrower has one loan in their own sector (retail loans twice a farm loan), in Q3. */
async function country(code: string, region: string, groups: Group[]) {
  const partner = await makePartner(db, { country: code, regions: [region], name: `Sectors ${code}` });
  for (const [count, gender, area, sector] of groups) {
    const specs: PersonSpec[] = Array.from({ length: count }, () => ({ gender, area, sector }));
    for (const c of await makePeople(db, partner.id, region, specs)) {
      await fundedLoan(db, { partnerId: partner.id, clientId: c.id, fundedOn: "2026-08-01", sector, amountUsdCents: sector === "Retail" ? SHOP : FARM });
    }
  }
  return partner;
}

beforeAll(async () => {
  db = await getDb();
  // Five (or none) in every combination of gender, area and sector: every part of every lattice is 0 or 5.
  namibia = await country("NA", "Windhoek", [
    [5, "female", "rural", "Agriculture"],
    [5, "female", "urban", "Agriculture"],
    [5, "female", "urban", "Retail"],
    [5, "male", "rural", "Retail"],
    [5, "male", "urban", "Agriculture"],
  ]);
  // Women in farming: 4 in Lesotho, 5 in Eswatini; otherwise the same.
  for (const [code, region, farmingWomen] of [["LS", "Maseru", 4], ["SZ", "Mbabane", 5]] as const) {
    await country(code, region, [
      [farmingWomen, "female", "rural", "Agriculture"],
      [5, "female", "urban", "Retail"],
      [5, "male", "urban", "Agriculture"],
      [5, "male", "rural", "Retail"],
    ]);
  }
  // Angola: 13 farm loans, 10 of them to women: the 3 men in farming are what a difference would single out.
  const angola = await country("AO", "Luanda", [
    [5, "female", "rural", "Agriculture"],
    [5, "female", "urban", "Agriculture"],
    [5, "female", "urban", "Retail"],
    [5, "female", "rural", "Trade"],
    [5, "male", "urban", "Retail"],
    [5, "male", "rural", "Retail"],
    [3, "male", "urban", "Agriculture"],
  ]);
  angolaStaff = await portalViewerFor((await makeStaff(db, angola.id, "officer")).id);
  await rebuildSocialRollups();
});

/** The sector table as a reader sees it: loans and average loan (cents) per sector, or "withheld". */
async function sectorTable(viewer: PortalViewer, path: Record<string, string>, filters: Partial<PortalFilters>) {
  const view = await impactView(viewer, path, { ...NONE, ...filters }, audit);
  return Object.fromEntries(view.sectors.map((s) => [s.sector, s.shown ? [s.loans, s.averageCents] : "withheld"]));
}

describe("loans by sector under gender and area filters, by hand", () => {
  it("under a gender filter: each sector's loans to women", async () => {
    const expected = { Agriculture: [10, FARM], Retail: [5, SHOP] };
    expect(await sectorTable(PUBLIC_PORTAL_VIEWER, { country: "NA" }, { gender: "female" })).toEqual(expected);
    expect(await sectorTable(ADMIN_PORTAL_VIEWER, { country: "NA" }, { gender: "female" })).toEqual(expected);
    // The node's own rows at a partner too (a deeper level of the same statement).
    const partner = { country: "NA", region: "Windhoek", partner: namibia.id };
    expect(await sectorTable(ADMIN_PORTAL_VIEWER, partner, { gender: "female" })).toEqual(expected);
    expect(await sectorTable(PUBLIC_PORTAL_VIEWER, { country: "NA" }, { gender: "male" })).toEqual({ Agriculture: [5, FARM], Retail: [5, SHOP] });
  });

  it("under gender and area together", async () => {
    expect(await sectorTable(PUBLIC_PORTAL_VIEWER, { country: "NA" }, { gender: "female", area: "urban" })).toEqual({ Agriculture: [5, FARM], Retail: [5, SHOP] });
    expect(await sectorTable(PUBLIC_PORTAL_VIEWER, { country: "NA" }, { gender: "female", area: "rural" })).toEqual({ Agriculture: [5, FARM] });
    expect(await sectorTable(PUBLIC_PORTAL_VIEWER, { country: "NA" }, { gender: "male", area: "rural" })).toEqual({ Retail: [5, SHOP] });
    expect(await sectorTable(PUBLIC_PORTAL_VIEWER, { country: "NA" }, { area: "urban" })).toEqual({ Agriculture: [10, FARM], Retail: [5, SHOP] });
  });

  it("a sector filter with them keeps only that sector", async () => {
    expect(await sectorTable(PUBLIC_PORTAL_VIEWER, { country: "NA" }, { gender: "female", area: "urban", sector: "Retail" })).toEqual({ Retail: [5, SHOP] });
  });
});

describe("suppression of the sector cells", () => {
  it("4 women in farming are withheld, and so is retail (women minus women in retail would be those 4); 5 are shown", async () => {
    expect(await sectorTable(PUBLIC_PORTAL_VIEWER, { country: "LS" }, { gender: "female" })).toEqual({ Agriculture: "withheld", Retail: "withheld" });
    expect(await sectorTable(PUBLIC_PORTAL_VIEWER, { country: "SZ" }, { gender: "female" })).toEqual({ Agriculture: [5, FARM], Retail: [5, SHOP] });
    const view = await impactView(PUBLIC_PORTAL_VIEWER, { country: "LS" }, { ...NONE, gender: "female" }, audit);
    expect(view.anySuppressed).toBe(true);
  });

  it("farm loans to women (10) against all farm loans (13) would leave 3 men: withheld from the public", async () => {
    // Unfiltered, every sector is shown, farming's 13 included.
    expect(await sectorTable(PUBLIC_PORTAL_VIEWER, { country: "AO" }, {})).toEqual({ Retail: [15, SHOP], Agriculture: [13, FARM], Trade: [5, FARM] });
    // Under women: farming is withheld (13 − 10 = 3 men), and retail (all − women − retail + women in retail = the same 3).
    expect(await sectorTable(PUBLIC_PORTAL_VIEWER, { country: "AO" }, { gender: "female" })).toEqual({
      Agriculture: "withheld",
      Retail: "withheld",
      Trade: [5, FARM],
    });
    // The same cell asked for with a sector filter is decided as in the table without it.
    expect(await sectorTable(PUBLIC_PORTAL_VIEWER, { country: "AO" }, { gender: "female", sector: "Agriculture" })).toEqual({ Agriculture: "withheld" });
    expect(await sectorTable(PUBLIC_PORTAL_VIEWER, { country: "AO" }, { gender: "female", sector: "Trade" })).toEqual({ Trade: [5, FARM] });
  });

  it("those who know every client counted see the withheld cells: an admin, and the partner's own staff", async () => {
    const expected = { Agriculture: [10, FARM], Retail: [5, SHOP], Trade: [5, FARM] };
    expect(await sectorTable(ADMIN_PORTAL_VIEWER, { country: "AO" }, { gender: "female" })).toEqual(expected);
    expect(await sectorTable(angolaStaff, { country: "AO" }, { gender: "female" })).toEqual(expected);
  });
});

describe("the page and the CSV", () => {
  it("show the table under a gender filter, withheld cells empty with the reason, and say which filters apply", async () => {
    const page = await run(portalLoader, getRequest("/impact/portal?country=AO&gender=female&from=2026-Q2&to=2026-Q3"));
    expect(page.status).toBe(200);
    const data = (await page.json()) as { view: { sectors: { sector: string; shown: boolean; loans: number | null }[] } };
    expect(data.view.sectors).toEqual([
      expect.objectContaining({ sector: "Agriculture", shown: false, loans: null }),
      expect.objectContaining({ sector: "Retail", shown: false, loans: null }),
      expect.objectContaining({ sector: "Trade", shown: true, loans: 5 }),
    ]);
    const csv = await run(csvLoader, getRequest("/impact/portal.csv?country=AO&gender=female&area=rural&from=2026-Q2&to=2026-Q3"));
    const lines = (await csv.text()).trim().split("\r\n");
    const sectorRows = lines.filter((l) => l.startsWith("sector,"));
    // Rural women: 5 in farming, 5 in trade. Trade is shown; farming is withheld, as the 3 men in farming (urban
    // men's farm loans, from the views of farming, urban farming and so on) are one part of its lattice.
    const trade = sectorRows.find((l) => l.startsWith("sector,Trade,"))!.split(",");
    expect(trade.slice(8, 10)).toEqual(["5", "25.00"]);
    expect(trade.at(-1)).toBe("gender: female; area: rural");
    expect(sectorRows.find((l) => l.startsWith("sector,Agriculture,"))).toMatch(/Withheld: too few clients.*,gender: female; area: rural$/);
  });
});
