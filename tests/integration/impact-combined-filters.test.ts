// Gender, area and sector filters combined on the impact portal's social
// figures (docs/decisions/025-combined-social-filters.md): the counts worked
// out by hand from the clients below, the rebuild's keys agreeing with the
// app's, and the ways a viewer could subtract views to single out people.
import { beforeAll, describe, expect, it } from "vitest";
import { filterSubsets, socialFilterKey, type PortalFilters } from "~/lib/impact.ts";
import { ADMIN_PORTAL_VIEWER, impactView, portalViewerFor, PUBLIC_PORTAL_VIEWER, type PortalViewer } from "~/models/impact.server.ts";
import { socialFromRollups } from "~/models/impact-rollup-read.server.ts";
import { rebuildSocialRollups } from "~/models/impact-social.server.ts";
import { loader as csvLoader } from "~/routes/impact.portal[.]csv.tsx";
import { loader as portalLoader } from "~/routes/impact.portal.tsx";
import { getDb } from "~/utils/db.server.ts";
import { getRequest, run } from "../support/requests.ts";
import { fundedLoan, makeGroup, makePartner, makePeople, makeStaff, type PersonSpec } from "./impact-portal-helpers.ts";

const NONE: PortalFilters = { from: "2026-Q2", to: "2026-Q3", scorecard: null, line: null, gender: null, area: null, sector: null };
const audit = { auditPath: "/impact/portal?combined-filters-test" };
const Q3 = "2026-Q3";

let db: Awaited<ReturnType<typeof getDb>>;
let zmFirst: { id: string };
/** Of the first Zambian partner: a rural woman, an urban woman and a rural man (all farming). */
let zmOnePerKind: string[];
let zmStaff: PortalViewer;

const people = (n: number, spec: PersonSpec): PersonSpec[] => Array.from({ length: n }, () => spec);
const F_R_AGRI: PersonSpec = { gender: "female", area: "rural", sector: "Agriculture" };
const F_U_AGRI: PersonSpec = { gender: "female", area: "urban", sector: "Agriculture" };
const F_U_RETAIL: PersonSpec = { gender: "female", area: "urban", sector: "Retail" };
const M_R_AGRI: PersonSpec = { gender: "male", area: "rural", sector: "Agriculture" };
const M_R_RETAIL: PersonSpec = { gender: "male", area: "rural", sector: "Retail" };
const M_U_AGRI: PersonSpec = { gender: "male", area: "urban", sector: "Agriculture" };
const M_U_RETAIL: PersonSpec = { gender: "male", area: "urban", sector: "Retail" };

/** Clients of one partner, each with a loan of their own in their own sector, disbursed in Q3. */
async function borrowers(partnerId: string, region: string, specs: PersonSpec[]) {
  const clients = await makePeople(db, partnerId, region, specs);
  for (const [i, c] of clients.entries()) await fundedLoan(db, { partnerId, clientId: c.id, fundedOn: "2026-08-01", sector: specs[i]!.sector! });
  return clients;
}

beforeAll(async () => {
  db = await getDb();
  // Zambia: two partners. The first has 7 women (5 rural, 2 urban): women minus rural women would be the 2 urban ones.
  zmFirst = await makePartner(db, { country: "ZM", regions: ["Lusaka"], name: "Zambia First" });
  const first = await borrowers(zmFirst.id, "Lusaka", [...people(5, F_R_AGRI), ...people(2, F_U_AGRI), ...people(6, M_R_AGRI), ...people(6, M_U_RETAIL)]);
  zmOnePerKind = [first[0]!.id, first[5]!.id, first[7]!.id];
  const zmSecond = await makePartner(db, { country: "ZM", regions: ["Lusaka"], name: "Zambia Second" });
  await borrowers(zmSecond.id, "Lusaka", [...people(5, F_R_AGRI), ...people(5, M_U_RETAIL)]);
  // Zimbabwe and Mozambique: five in every combination of gender and area, except Mozambique's 4 rural women.
  const zw = await makePartner(db, { country: "ZW", regions: ["Harare"], name: "Zimbabwe" });
  await borrowers(zw.id, "Harare", [...people(5, F_R_AGRI), ...people(5, F_U_RETAIL), ...people(5, M_R_RETAIL), ...people(5, M_U_AGRI)]);
  const mz = await makePartner(db, { country: "MZ", regions: ["Maputo"], name: "Mozambique" });
  await borrowers(mz.id, "Maputo", [...people(4, F_R_AGRI), ...people(5, F_U_RETAIL), ...people(5, M_R_RETAIL), ...people(5, M_U_AGRI)]);
  // Botswana: five rural women in retail who share one group loan for farming: a group loan has no one gender or area.
  const bw = await makePartner(db, { country: "BW", regions: ["Gaborone"], name: "Botswana" });
  const members = await makePeople(db, bw.id, "Gaborone", people(5, { gender: "female", area: "rural", sector: "Retail" }));
  const group = await makeGroup(db, { partnerId: bw.id, region: "Gaborone", name: "Kgotla", memberIds: members.map((m) => m.id) });
  await fundedLoan(db, { partnerId: bw.id, groupId: group.id, fundedOn: "2026-08-01", sector: "Agriculture" });
  zmStaff = await portalViewerFor((await makeStaff(db, zmFirst.id, "officer")).id);
  await rebuildSocialRollups();
});

const q3 = async (viewer: PortalViewer, path: Record<string, string>, filters: Partial<PortalFilters>) =>
  (await impactView(viewer, path, { ...NONE, ...filters }, audit)).trend.find((t) => t.quarter === Q3)!;

describe("combined counts", () => {
  it("count each combination as the clients say", async () => {
    const zm = { country: "ZM" };
    expect((await q3(ADMIN_PORTAL_VIEWER, zm, { gender: "female", area: "rural" })).reach).toMatchObject({ shown: true, clients: 10, womenBps: 10_000, ruralBps: 10_000 });
    expect((await q3(ADMIN_PORTAL_VIEWER, zm, { gender: "female", area: "rural" })).loans).toMatchObject({ shown: true, loans: 10 });
    // Rural farmers: 5 + 6 + 5, of whom 10 women.
    expect((await q3(ADMIN_PORTAL_VIEWER, zm, { area: "rural", sector: "Agriculture" })).reach).toMatchObject({ clients: 16, womenBps: 6_250, ruralBps: 10_000 });
    expect((await q3(ADMIN_PORTAL_VIEWER, zm, { gender: "male", area: "urban", sector: "Retail" })).reach).toMatchObject({ clients: 11, womenBps: 0 });
    const first = { country: "ZM", region: "Lusaka", partner: zmFirst.id };
    expect((await q3(ADMIN_PORTAL_VIEWER, first, { gender: "female", area: "rural", sector: "Agriculture" })).reach).toMatchObject({ clients: 5 });
    expect((await q3(ADMIN_PORTAL_VIEWER, first, { gender: "female", area: "urban" })).reach).toMatchObject({ clients: 2 });
  });

  it("a group loan counts under sector filters only; its members count as clients reached under every filter", async () => {
    const bw = { country: "BW" };
    expect((await q3(ADMIN_PORTAL_VIEWER, bw, {})).loans).toMatchObject({ loans: 1 });
    expect((await q3(ADMIN_PORTAL_VIEWER, bw, { sector: "Agriculture" })).loans).toMatchObject({ loans: 1 });
    expect((await q3(ADMIN_PORTAL_VIEWER, bw, { gender: "female", sector: "Agriculture" })).loans).toMatchObject({ clients: 0, loans: null });
    expect((await q3(ADMIN_PORTAL_VIEWER, bw, { gender: "female", area: "rural" })).reach).toMatchObject({ clients: 5 });
  });

  it("the rebuild stores exactly the keys the app builds, for the combinations somebody falls in", async () => {
    const rows = (await db.$queryRawUnsafe(
      `SELECT DISTINCT filter FROM social_rollups WHERE level = 3 AND partner_id = $1 ORDER BY 1`,
      zmFirst.id,
    )) as { filter: string }[];
    const expected = new Set<string>();
    for (const p of [F_R_AGRI, F_U_AGRI, M_R_AGRI, M_U_RETAIL]) {
      for (const s of filterSubsets({ gender: p.gender!, area: p.area!, sector: p.sector! })) expected.add(socialFilterKey(s));
    }
    expect(rows.map((r) => r.filter)).toEqual([...expected].sort());
    expect(expected).toContain("gender:female;area:urban;sector:Agriculture");
    expect(expected).not.toContain("gender:male;area:urban;sector:Agriculture");
  });
});

describe("known clients under every smaller set of the filters", () => {
  const counts = (c: { clients: number; known: number }) => [c.clients, c.known];
  it("a funder's drill-down clients count in each view they match", async () => {
    const read = await socialFromRollups({
      path: { country: "ZM" },
      quarters: [Q3],
      filters: { gender: "female", area: "rural", sector: null },
      viewer: { isPlatformAdmin: false, partnerIds: [] },
      knownClients: zmOnePerKind,
      clientIds: [],
    });
    const zm = read.social.get(Q3)!.get("C|ZM")!;
    // Everyone 29 (3 known), women 12 (2), rural 16 (2); rural women 10 (1).
    expect(zm.reached_wider.map(counts)).toEqual([[29, 3], [12, 2], [16, 2]]);
    expect([zm.reached_f, zm.reached_f_known]).toEqual([10, 1]);
    // One loan each, in their own sector: the loan figures' populations alike.
    const loans = read.loans.get(Q3)!.get("C|ZM")!;
    expect(loans.reach_wider.map(counts)).toEqual([[29, 3], [12, 2], [16, 2]]);
    expect([loans.reach_f, loans.reach_f_known]).toEqual([10, 1]);
  });

  it("a member of staff knows their own partner's clients in each view", async () => {
    const read = await socialFromRollups({
      path: { country: "ZM" },
      quarters: [Q3],
      filters: { gender: "female", area: "rural", sector: "Agriculture" },
      viewer: { isPlatformAdmin: false, partnerIds: [zmFirst.id] },
      knownClients: [],
      clientIds: [],
    });
    const zm = read.social.get(Q3)!.get("C|ZM")!;
    // Masks: none, women, rural, rural women, farming, farming women, rural farming; the first partner holds 19 of 29.
    expect(zm.reached_wider.map(counts)).toEqual([[29, 19], [12, 7], [16, 11], [10, 5], [18, 13], [12, 7], [16, 11]]);
    expect([zm.reached_f, zm.reached_f_known]).toEqual([10, 5]);
  });
});

describe("subtracting combined views", () => {
  it("women 12, rural women 10: the rural women are withheld, so the 2 urban women cannot be derived", async () => {
    const zm = { country: "ZM" };
    expect((await q3(PUBLIC_PORTAL_VIEWER, zm, { gender: "female" })).reach).toMatchObject({ shown: true, clients: 12 });
    expect((await q3(PUBLIC_PORTAL_VIEWER, zm, { gender: "female", area: "rural" })).reach).toMatchObject({ shown: false, clients: null });
    expect((await q3(PUBLIC_PORTAL_VIEWER, zm, { gender: "female", area: "rural" })).loans).toMatchObject({ shown: false, loans: null });
    expect((await q3(PUBLIC_PORTAL_VIEWER, zm, { gender: "female", area: "urban" })).reach).toMatchObject({ shown: false, clients: null });
    // Rural farming women (10) against farming women (12): the same 2, withheld too.
    expect((await q3(PUBLIC_PORTAL_VIEWER, zm, { gender: "female", area: "rural", sector: "Agriculture" })).reach).toMatchObject({ shown: false });
  });

  it("the first partner's own staff know its 2 urban women, and see the figure", async () => {
    expect((await q3(zmStaff, { country: "ZM" }, { gender: "female", area: "rural" })).reach).toMatchObject({ shown: true, clients: 10 });
  });

  it("4 rural women are withheld, 5 shown, at a combined filter", async () => {
    expect((await q3(PUBLIC_PORTAL_VIEWER, { country: "MZ" }, { gender: "female", area: "rural" })).reach).toMatchObject({ shown: false, clients: null });
    expect((await q3(PUBLIC_PORTAL_VIEWER, { country: "ZW" }, { gender: "female", area: "rural" })).reach).toMatchObject({ shown: true, clients: 5 });
    // All three filters: every part of Zimbabwe's 20 is 0 or 5.
    const three = await q3(PUBLIC_PORTAL_VIEWER, { country: "ZW" }, { gender: "female", area: "rural", sector: "Agriculture" });
    expect(three.reach).toMatchObject({ shown: true, clients: 5 });
    expect(three.loans).toMatchObject({ shown: true, loans: 5 });
  });

  it("the page and the CSV take the three filters together and say which are on", async () => {
    const page = await run(portalLoader, getRequest("/impact/portal?country=ZW&gender=female&area=rural&sector=Agriculture&from=2026-Q2&to=2026-Q3"));
    expect(page.status).toBe(200);
    const data = (await page.json()) as { view: { filters: PortalFilters } };
    expect(data.view.filters).toMatchObject({ gender: "female", area: "rural", sector: "Agriculture" });
    const csv = await run(csvLoader, getRequest("/impact/portal.csv?country=ZM&gender=female&area=rural&from=2026-Q2&to=2026-Q3"));
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toMatch(/,note,filters$/);
    const q3Row = lines.find((l) => l.startsWith(`node,Zambia,${Q3},`))!;
    // Withheld: no count, the reason, and whom the row is about.
    expect(q3Row.split(",")[3]).toBe("");
    expect(q3Row).toMatch(/Withheld: too few clients.*,gender: female; area: rural$/);
  });
});
