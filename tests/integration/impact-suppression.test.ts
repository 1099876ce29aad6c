// Suppression in the impact portal, attacked the way a curious viewer would:
// small figures, siblings subtracted from their parent, and a drill-down
// combined with a filter to single out one person.
import { beforeAll, describe, expect, it } from "vitest";
import { MIN_CLIENTS, type NodePath, type PortalFilters } from "~/lib/impact.ts";
import { ADMIN_PORTAL_VIEWER, impactView, portalViewerFor, PUBLIC_PORTAL_VIEWER, type PortalViewer } from "~/models/impact.server.ts";
import { rebuildSocialRollups } from "~/models/impact-social.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { fundedLoan, makeGroup, makePartner, makePeople, makeScorecard, makeStaff, makeUser, survey, type PersonSpec } from "./impact-portal-helpers.ts";

const FILTERS: PortalFilters = { from: "2026-Q2", to: "2026-Q3", scorecard: null, line: null, gender: null, area: null, sector: null };
const audit = { auditPath: "/impact/portal?suppression-test" };
const Q3 = "2026-Q3";

let db: Awaited<ReturnType<typeof getDb>>;
const partners: Record<string, { id: string }> = {};
let groups: Record<"g1" | "g2" | "g3", { id: string; memberIds: string[] }>;
let investor: PortalViewer;
let tzStaff: PortalViewer;

/** A country with `count` surveyed, consented clients of one partner, each with a loan running in the range. */
async function smallCountry(country: string, count: number) {
  const partner = await makePartner(db, { country, regions: ["Central"] });
  partners[country] = partner;
  const scorecard = await makeScorecard(db, country);
  const people = await makePeople(db, partner.id, "Central", Array.from({ length: count }, () => ({ consents: ["ppi" as const] })));
  for (const p of people) {
    await survey(db, { clientId: p.id, partnerId: partner.id, scorecardId: scorecard, on: "2026-08-01", score: 40 });
    await fundedLoan(db, { partnerId: partner.id, clientId: p.id, fundedOn: "2026-04-15" });
  }
}

beforeAll(async () => {
  db = await getDb();
  await smallCountry("TZ", 4);
  await smallCountry("UG", 5);
  await smallCountry("RW", 3);

  // Malawi: one partner, three groups the investor funds. G1: five women and one man;
  // G2: five women, only two of whom let their PPI scores be counted; G3: seven women.
  const mw = await makePartner(db, { country: "MW", regions: ["Zomba"] });
  partners.MW = mw;
  const scorecard = await makeScorecard(db, "MW");
  const lender = await makeUser(db, { name: "Curious Funder" });
  const woman: PersonSpec = { consents: ["ppi"], gender: "female" };
  const specs: Record<"g1" | "g2" | "g3", PersonSpec[]> = {
    g1: [woman, woman, woman, woman, woman, { consents: ["ppi"], gender: "male", name: "The Only Man" }],
    g2: [woman, woman, { gender: "female" }, { gender: "female" }, { gender: "female" }],
    g3: Array.from({ length: 7 }, () => woman),
  };
  groups = {} as typeof groups;
  for (const key of ["g1", "g2", "g3"] as const) {
    const people = await makePeople(db, mw.id, "Zomba", specs[key]);
    const group = await makeGroup(db, { partnerId: mw.id, region: "Zomba", name: `Group ${key}`, memberIds: people.map((p) => p.id) });
    for (const p of people) await survey(db, { clientId: p.id, partnerId: mw.id, scorecardId: scorecard, on: "2026-08-01", score: 30 });
    await fundedLoan(db, { partnerId: mw.id, groupId: group.id, lenderId: lender.id, fundedOn: "2026-04-20" });
    groups[key] = { id: group.id, memberIds: people.map((p) => p.id) };
  }
  investor = await portalViewerFor(lender.id);
  tzStaff = await portalViewerFor((await makeStaff(db, partners.TZ!.id, "officer")).id);
  // The social indicators are read from their rollups, rebuilt periodically: as the job would after these loans.
  await rebuildSocialRollups();
});

const at = (view: Awaited<ReturnType<typeof impactView>>) => view.trend.find((t) => t.quarter === Q3)!;
const MW = (extra: Partial<NodePath> = {}): NodePath => ({ country: "MW", region: "Zomba", partner: partners.MW!.id, ...extra });

describe("small figures", () => {
  it("a country of 4 clients is withheld from the public, one of 5 is shown", async () => {
    const four = await impactView(PUBLIC_PORTAL_VIEWER, { country: "TZ" }, FILTERS, audit);
    expect(at(four).ppi).toMatchObject({ shown: false, clients: null, rateBps: null });
    expect(at(four).reach).toMatchObject({ shown: false, clients: null, womenBps: null });
    const five = await impactView(PUBLIC_PORTAL_VIEWER, { country: "UG" }, FILTERS, audit);
    expect(at(five).ppi).toMatchObject({ shown: true, clients: 5, rateBps: 6_000 });
    expect(at(five).reach).toMatchObject({ shown: true, clients: 5 });
    // In the platform's table too: the 4 and the 3 are withheld, and together (7) they cannot be told apart.
    const platform = await impactView(PUBLIC_PORTAL_VIEWER, {}, FILTERS, audit);
    const reach = Object.fromEntries(platform.children.map((c) => [c.label, c.latest.reach?.clients ?? null]));
    expect(reach).toMatchObject({ Tanzania: null, Rwanda: null, Uganda: 5, Malawi: 18 });
  });

  it("an admin, and the partner's own staff, see the small figure", async () => {
    const admin = await impactView(ADMIN_PORTAL_VIEWER, { country: "TZ" }, FILTERS, audit);
    expect(at(admin).ppi).toMatchObject({ shown: true, clients: 4 });
    // The social figures too, on the node's page and in the platform's table (the public saw both withheld above).
    expect(at(admin).reach).toMatchObject({ shown: true, clients: 4 });
    expect(at(admin).reach!.womenBps).not.toBeNull();
    const platform = await impactView(ADMIN_PORTAL_VIEWER, {}, FILTERS, audit);
    const reach = Object.fromEntries(platform.children.map((c) => [c.label, c.latest.reach?.clients ?? null]));
    expect(reach).toMatchObject({ Tanzania: 4, Uganda: 5, Malawi: 18 });
    expect(reach.Rwanda).toBeGreaterThan(0);
    const own = await impactView(tzStaff, { country: "TZ", region: "Central", partner: partners.TZ!.id }, FILTERS, audit);
    expect(at(own).ppi).toMatchObject({ shown: true, clients: 4 });
    // Above their partner the figure covers no one else: still theirs, still shown.
    expect(at(await impactView(tzStaff, { country: "TZ" }, FILTERS, audit)).ppi).toMatchObject({ shown: true, clients: 4 });
  });
});

describe("siblings subtracted from their parent", () => {
  it("withholds one more group when the withheld ones would add up to fewer than 5", async () => {
    const partner = await impactView(investor, MW(), FILTERS, audit);
    const total = at(partner).ppi!;
    expect(total).toMatchObject({ shown: true, clients: 15 });
    const byName = Object.fromEntries(partner.children.map((c) => [`Group ${Object.entries(groups).find(([, g]) => c.key.endsWith(g.id))![0]}`, c.latest.ppi]));
    // G2 counts 2 (withheld); shown alone, G1 and G3 would give G2 away as 15 − 6 − 7 = 2. G1, the smaller, goes too.
    expect(byName["Group g2"]).toMatchObject({ shown: false, clients: null });
    expect(byName["Group g1"]).toMatchObject({ shown: false, clients: null });
    expect(byName["Group g3"]).toMatchObject({ shown: true, clients: 7 });
    const rest = total.clients! - partner.children.reduce((sum, c) => sum + (c.latest.ppi?.shown ? c.latest.ppi.clients! : 0), 0);
    expect(rest === 0 || rest >= MIN_CLIENTS).toBe(true);
    // The group's own page agrees with the table: opening G1 does not reveal it either.
    const g1 = await impactView(investor, MW({ group: groups.g1.id }), FILTERS, audit);
    expect(at(g1).ppi).toMatchObject({ shown: false, clients: null });
    // An admin sees every group.
    const admin = await impactView(ADMIN_PORTAL_VIEWER, MW(), FILTERS, audit);
    expect(admin.children.map((c) => c.latest.ppi?.clients)).toEqual([6, 2, 7]);
  });
});

describe("a drill-down combined with a filter", () => {
  it("cannot single out the one man in a group", async () => {
    const view = async (path: NodePath, gender: PortalFilters["gender"]) => at(await impactView(investor, path, { ...FILTERS, gender }, audit)).reach!;
    const g1 = MW({ group: groups.g1.id });
    // The attack: the group (6), minus the group's women (5), is the man; or the group's men directly; or the
    // partner (18) minus the partner's women (17).
    const views = [
      { name: "G1, everyone", population: 6, figure: await view(g1, null) },
      { name: "G1, women", population: 5, figure: await view(g1, "female") },
      { name: "G1, men", population: 1, figure: await view(g1, "male") },
      { name: "partner, everyone", population: 18, figure: await view(MW(), null) },
      { name: "partner, women", population: 17, figure: await view(MW(), "female") },
      { name: "partner, men", population: 1, figure: await view(MW(), "male") },
    ];
    expect(views.find((v) => v.name === "G1, everyone")!.figure).toMatchObject({ shown: true, clients: 6 });
    for (const name of ["G1, women", "G1, men", "partner, women", "partner, men"]) {
      expect(views.find((v) => v.name === name)!.figure, name).toMatchObject({ shown: false, clients: null });
    }
    // Whatever two shown figures the attacker subtracts, the difference is none or at least 5 people.
    const shown = views.filter((v) => v.figure.shown);
    for (const a of shown) for (const b of shown) {
      const difference = Math.abs(a.figure.clients! - b.figure.clients!);
      expect(difference === 0 || difference >= MIN_CLIENTS, `${a.name} − ${b.name}`).toBe(true);
    }
    // A filter that leaves 5 and excludes no one small is shown: G2 is all women.
    expect(await view(MW({ group: groups.g2.id }), "female")).toMatchObject({ shown: true, clients: 5 });
  });

  it("the CSV of the attacked view withholds the same cells, with the reason in the note", async () => {
    const result = await impactView(investor, MW({ group: groups.g1.id }), { ...FILTERS, gender: "male" }, audit);
    const { impactViewCsv } = await import("~/models/impact.server.ts");
    const lines = impactViewCsv(result).split("\r\n");
    const header = lines[0]!.split(",");
    const cells = lines.find((l) => l.startsWith("node,") && l.includes(Q3))!.split(",");
    expect(cells[header.indexOf("clients_reached")]).toBe("");
    expect(cells[header.indexOf("note")]).toMatch(/^Withheld/);
    // And says whom the row is about.
    expect(cells[header.indexOf("filters")]).toBe("gender: male");
    expect(impactViewCsv(result)).not.toMatch(/The Only Man/);
  });
});
