// The values of one field (genders, areas, sectors) split a node's clients, so
// the views of all of them can be added up against the view without the field:
// everyone − women − men gives the clients whose gender is not recorded. Every
// figure over some filter fields is a sum of one cross table's cells, and the
// portal withholds values until each cell of what is left is none or at least 5
// (withheldValues, docs/decisions/025). Counts worked out by hand.
import { beforeAll, describe, expect, it } from "vitest";
import { AREAS, GENDERS, type PortalFilters } from "~/lib/impact.ts";
import { impactView, impactViewCsv, portalViewerFor, PUBLIC_PORTAL_VIEWER, type PortalViewer } from "~/models/impact.server.ts";
import { rebuildSocialRollups } from "~/models/impact-social.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { fundedLoan, makeGroup, makePartner, makePeople, makeStaff, type PersonSpec } from "./impact-portal-helpers.ts";

const NONE: PortalFilters = { from: "2026-Q2", to: "2026-Q3", scorecard: null, line: null, gender: null, area: null, sector: null };
const audit = { auditPath: "/impact/portal?field-values-test" };
const Q3 = "2026-Q3";

let db: Awaited<ReturnType<typeof getDb>>;
let naStaff: PortalViewer;

const people = (n: number, spec: PersonSpec): PersonSpec[] => Array.from({ length: n }, () => spec);

/** Clients of one partner, each with a loan of their own in their own sector, disbursed in Q3. */
async function borrowers(partnerId: string, region: string, specs: PersonSpec[]) {
  const clients = await makePeople(db, partnerId, region, specs);
  for (const [i, c] of clients.entries()) await fundedLoan(db, { partnerId, clientId: c.id, fundedOn: "2026-08-01", sector: specs[i]!.sector ?? "Agriculture" });
  return clients;
}

beforeAll(async () => {
  db = await getDb();
  // Namibia: 13 women (6 rural, 5 urban, 2 of unknown area), 8 rural men, 3 rural clients whose gender is not recorded.
  const na = await makePartner(db, { country: "NA", regions: ["Windhoek"], name: "Namibia Partner" });
  await borrowers(na.id, "Windhoek", [
    ...people(6, { gender: "female", area: "rural" }),
    ...people(5, { gender: "female", area: "urban" }),
    ...people(2, { gender: "female", area: "unknown" }),
    ...people(8, { gender: "male", area: "rural" }),
    ...people(3, { gender: "unspecified", area: "rural" }),
  ]);
  naStaff = await portalViewerFor((await makeStaff(db, na.id, "officer")).id);
  // Lesotho: 7 women's loans, 6 men's, and 2 loans to one group of 5 women (a group loan has no one gender).
  const ls = await makePartner(db, { country: "LS", regions: ["Maseru"], name: "Lesotho Partner" });
  await borrowers(ls.id, "Maseru", [...people(7, { gender: "female" }), ...people(6, { gender: "male" })]);
  const members = await makePeople(db, ls.id, "Maseru", people(5, { gender: "female" }));
  const group = await makeGroup(db, { partnerId: ls.id, region: "Maseru", name: "Letsema", memberIds: members.map((m) => m.id) });
  for (let i = 0; i < 2; i++) await fundedLoan(db, { partnerId: ls.id, groupId: group.id, fundedOn: "2026-08-01", sector: "Agriculture" });
  // Eswatini: rural women, 10 farming, 8 in retail, 3 in trade.
  const sz = await makePartner(db, { country: "SZ", regions: ["Mbabane"], name: "Eswatini Partner" });
  await borrowers(sz.id, "Mbabane", [
    ...people(10, { sector: "Agriculture" }),
    ...people(8, { sector: "Retail" }),
    ...people(3, { sector: "Trade" }),
  ]);
  // Malawi: 12 rural women, 10 rural men, 2 urban men.
  const mw = await makePartner(db, { country: "MW", regions: ["Zomba"], name: "Malawi Partner" });
  await borrowers(mw.id, "Zomba", [
    ...people(12, { gender: "female", area: "rural" }),
    ...people(10, { gender: "male", area: "rural" }),
    ...people(2, { gender: "male", area: "urban" }),
  ]);
  // Tanzania: 12 clients with loans out in Q2; 2 of them repaid in June, so Q3 keeps 10 of its base of 12.
  const tz = await makePartner(db, { country: "TZ", regions: ["Arusha"], name: "Tanzania Partner" });
  const tzClients = await makePeople(db, tz.id, "Arusha", people(12, { gender: "female", area: "rural" }));
  for (const [i, c] of tzClients.entries()) {
    const loan = await fundedLoan(db, { partnerId: tz.id, clientId: c.id, fundedOn: "2026-05-10", sector: "Agriculture" });
    if (i < 2) await db.loan.update({ where: { id: loan.id }, data: { status: "repaid", repaidAt: new Date("2026-06-01T12:00:00Z") } });
  }
  await rebuildSocialRollups();
});

const q3 = async (viewer: PortalViewer, country: string, filters: Partial<PortalFilters>) =>
  (await impactView(viewer, { country }, { ...NONE, ...filters }, audit)).trend.find((t) => t.quarter === Q3)!;
const reach = async (viewer: PortalViewer, country: string, filters: Partial<PortalFilters>) => {
  const r = (await q3(viewer, country, filters)).reach;
  if (!r) throw new Error("no reach figure");
  return r.shown ? r.clients : r.clients === 0 ? 0 : "withheld";
};

describe("the values of one field against the view without it", () => {
  it("women 13 shown; men withheld with the 3 whose gender is not recorded, who could otherwise be counted", async () => {
    expect(await reach(PUBLIC_PORTAL_VIEWER, "NA", {})).toBe(24);
    expect(await reach(PUBLIC_PORTAL_VIEWER, "NA", { gender: "female" })).toBe(13);
    expect(await reach(PUBLIC_PORTAL_VIEWER, "NA", { gender: "male" })).toBe("withheld");
    expect(await reach(PUBLIC_PORTAL_VIEWER, "NA", { gender: "unspecified" })).toBe("withheld");
    expect(await reach(PUBLIC_PORTAL_VIEWER, "NA", { gender: "other" })).toBe(0);
    // Areas: the 2 of unknown area withheld, and urban (5, the smaller) with them.
    expect(await reach(PUBLIC_PORTAL_VIEWER, "NA", { area: "rural" })).toBe(17);
    expect(await reach(PUBLIC_PORTAL_VIEWER, "NA", { area: "urban" })).toBe("withheld");
  });

  it("rural men are withheld too: everyone 24 − women 13 − rural men 8 would be the 3 again", async () => {
    expect(await reach(PUBLIC_PORTAL_VIEWER, "NA", { gender: "male", area: "rural" })).toBe("withheld");
    expect(await reach(PUBLIC_PORTAL_VIEWER, "NA", { gender: "female", area: "rural" })).toBe(6);
    expect(await reach(PUBLIC_PORTAL_VIEWER, "NA", { gender: "female", area: "urban" })).toBe("withheld");
  });

  it("no context less the values shown in it leaves 1 to 4 clients, for any field and any other filter", async () => {
    const checked: string[] = [];
    for (const [field, values, other, otherValues] of [
      ["gender", GENDERS, "area", AREAS],
      ["area", AREAS, "gender", GENDERS],
    ] as const) {
      for (const context of [null, ...otherValues]) {
        const base = { [other]: context };
        const whole = await reach(PUBLIC_PORTAL_VIEWER, "NA", base);
        if (typeof whole !== "number") continue;
        let shown = 0;
        for (const v of values) {
          const n = await reach(PUBLIC_PORTAL_VIEWER, "NA", { ...base, [field]: v });
          if (typeof n === "number") shown += n;
        }
        const rest = whole - shown;
        checked.push(`${field} in ${other}=${context ?? "any"}: ${rest}`);
        expect(rest === 0 || rest >= 5, `${field} under ${other}=${context ?? "any"} leaves ${rest}`).toBe(true);
      }
    }
    // The contexts shown and summed: everyone, rural and women among them.
    expect(checked).toEqual(expect.arrayContaining(["gender in area=any: 11", "gender in area=rural: 11", "area in gender=female: 7"]));
  });

  it("their own partner's staff know every client, and see every value", async () => {
    expect(await reach(naStaff, "NA", { gender: "male" })).toBe(8);
    expect(await reach(naStaff, "NA", { gender: "unspecified" })).toBe(3);
    expect(await reach(naStaff, "NA", { gender: "male", area: "rural" })).toBe(8);
  });
});

describe("loans and sectors", () => {
  it("counts group loans, which have no gender, with the withheld values: men's 6 withheld beside the 2", async () => {
    const loans = async (gender: PortalFilters["gender"]) => (await q3(PUBLIC_PORTAL_VIEWER, "LS", { gender })).loans;
    expect(await loans(null)).toMatchObject({ shown: true, loans: 15 });
    expect(await loans("female")).toMatchObject({ shown: true, loans: 7 });
    expect(await loans("male")).toMatchObject({ shown: false, loans: null });
    // Clients reached: the group's 5 women are reached (12 women, 6 men): nothing to withhold there.
    expect(await reach(PUBLIC_PORTAL_VIEWER, "LS", { gender: "male" })).toBe(6);
  });

  it("weighs a sector filter among the sectors: farming 10 shown, retail 8 withheld with trade's 3", async () => {
    expect(await reach(PUBLIC_PORTAL_VIEWER, "SZ", { sector: "Agriculture" })).toBe(10);
    expect(await reach(PUBLIC_PORTAL_VIEWER, "SZ", { sector: "Retail" })).toBe("withheld");
    expect(await reach(PUBLIC_PORTAL_VIEWER, "SZ", { sector: "Trade" })).toBe("withheld");
    // With a gender filter too (all 21 are women): the same sectors.
    expect(await reach(PUBLIC_PORTAL_VIEWER, "SZ", { gender: "female", sector: "Agriculture" })).toBe(10);
    expect(await reach(PUBLIC_PORTAL_VIEWER, "SZ", { gender: "female", sector: "Retail" })).toBe("withheld");
  });
});

describe("shares of a figure", () => {
  it("a share that gives a count of 1 to 4 away is withheld while the figure is shown: 22 of 24 rural leaves 2 urban", async () => {
    const all = (await q3(PUBLIC_PORTAL_VIEWER, "MW", {})).reach!;
    expect(all).toMatchObject({ shown: true, clients: 24, womenBps: 5_000, ruralBps: null, sharesWithheld: ["rural"] });
    // Among men (12): 10 rural, 2 urban.
    const men = (await q3(PUBLIC_PORTAL_VIEWER, "MW", { gender: "male" })).reach!;
    expect(men).toMatchObject({ shown: true, clients: 12, womenBps: 0, ruralBps: null, sharesWithheld: ["rural"] });
    // Namibia's shares stand: 13 women of 24, 17 rural, with every part they leave at least 5.
    expect((await q3(PUBLIC_PORTAL_VIEWER, "NA", {})).reach).toMatchObject({ shown: true, womenBps: 5_417, ruralBps: 7_083 });
    expect((await q3(PUBLIC_PORTAL_VIEWER, "NA", {})).reach!.sharesWithheld).toBeUndefined();
  });

  it("a share is withheld wherever its count would be: the women among Namibia's rural clients are 6 of 17, but rural men are withheld", async () => {
    // Rural (17): women 6, and the rest of the rural clients 11; the women's share is the count of rural women (6),
    // which the rural women's own view shows, so it stands.
    expect((await q3(PUBLIC_PORTAL_VIEWER, "NA", { area: "rural" })).reach).toMatchObject({ shown: true, clients: 17, womenBps: 3_529 });
    // Women (13): rural 6 of 13 stands (rural women are shown); among all 24 the share of rural stood too.
    expect((await q3(PUBLIC_PORTAL_VIEWER, "NA", { gender: "female" })).reach).toMatchObject({ shown: true, clients: 13, ruralBps: 4_615 });
  });

  it("retention is withheld as a share when 1 to 4 clients of the base were not retained", async () => {
    const q3Retention = (await q3(PUBLIC_PORTAL_VIEWER, "TZ", {})).retention!;
    expect(q3Retention).toMatchObject({ shown: true, clients: 12, retainedBps: null, shareWithheld: true });
  });

  it("their own partner's staff see every share", async () => {
    const staff = await portalViewerFor((await makeStaff(db, (await db.partner.findFirstOrThrow({ where: { name: "Malawi Partner" } })).id, "officer")).id);
    expect((await q3(staff, "MW", {})).reach).toMatchObject({ shown: true, clients: 24, ruralBps: 9_167 });
  });

  it("the CSV leaves a withheld share empty and says why", async () => {
    const view = await impactView(PUBLIC_PORTAL_VIEWER, { country: "MW" }, NONE, audit);
    const row = impactViewCsv(view)
      .trim()
      .split("\r\n")
      .find((l) => l.startsWith(`node,Malawi,${Q3},`))!
      .split(",");
    // clients_reached, women_pct, rural_pct
    expect(row.slice(3, 6)).toEqual(["24", "50.00", ""]);
    expect(row.join(",")).toContain("Withheld: too few clients");
  });
});
