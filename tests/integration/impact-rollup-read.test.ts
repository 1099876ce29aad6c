// The impact portal's rollup reads: what a view gets from ppi_rollups and
// social_rollups must be what the clients and loans say, and the counts a viewer
// "knows" (their own partners', a funder's drill-down clients) must be exact,
// because the suppression rules subtract them.
import { beforeAll, describe, expect, it } from "vitest";
import { quartersBetween, type Quarter } from "~/lib/impact.ts";
import {
  clientSocialFacts,
  groupKey,
  partnerKey,
  readRollupBundle,
  socialReadKeys,
  regionKey,
  socialFromRollups,
  countryKey,
  ROOT,
} from "~/models/impact-rollup-read.server.ts";
import { rebuildSocialRollups } from "~/models/impact-social.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { fundedLoan, makeGroup, makePartner, makePeople, makeScorecard, survey } from "./impact-portal-helpers.ts";

type Db = Awaited<ReturnType<typeof getDb>>;
const REGION = "Rift Valley";
const Q: Quarter[] = quartersBetween("2026-Q2", "2026-Q3");
const NONE = { gender: null, area: null, sector: null };
const ADMIN = { isPlatformAdmin: true, partnerIds: [] as string[] };

let db: Db;
let mine: { id: string };
let theirs: { id: string };
let quiet: { id: string };
let group: { id: string };
let members: { id: string }[];
let loners: { id: string }[];
let scorecardId: string;

/** Funded and disbursed on the same day (the social rollups count from disbursal). */
async function disbursedLoan(input: Parameters<typeof fundedLoan>[1]) {
  const loan = await fundedLoan(db, input);
  await db.loan.update({ where: { id: loan.id }, data: { disbursedAt: new Date(`${input.fundedOn}T12:00:00Z`) } });
  return loan;
}

beforeAll(async () => {
  db = await getDb();
  mine = await makePartner(db, { country: "KE", regions: [REGION], name: "Mine" });
  theirs = await makePartner(db, { country: "KE", regions: [REGION], name: "Theirs" });
  // A partner with clients but no loans and no surveys: no figures, so not a child anywhere.
  quiet = await makePartner(db, { country: "KE", regions: [REGION], name: "Quiet" });
  await makePeople(db, quiet.id, REGION, [{}, {}]);
  scorecardId = await makeScorecard(db, "KE");
  // Mine: a group of three women and two men (one urban) with a group loan in Q2, and two lone borrowers in Q3.
  members = await makePeople(db, mine.id, REGION, [
    { consents: ["ppi"] },
    { consents: ["ppi"] },
    { consents: ["ppi"] },
    { gender: "male", consents: ["ppi"] },
    { gender: "male", area: "urban" },
  ]);
  group = await makeGroup(db, { partnerId: mine.id, region: REGION, name: "Tumaini", memberIds: members.map((m) => m.id) });
  await disbursedLoan({ partnerId: mine.id, groupId: group.id, fundedOn: "2026-05-10", sector: "Agriculture", amountUsdCents: 50_000 });
  loners = await makePeople(db, mine.id, REGION, [{ gender: "male" }, {}]);
  for (const c of loners) await disbursedLoan({ partnerId: mine.id, clientId: c.id, fundedOn: "2026-08-01", sector: "Retail" });
  // Theirs: six women with their own loans in Q3.
  const others = await makePeople(db, theirs.id, REGION, Array.from({ length: 6 }, () => ({ consents: ["ppi" as const] })));
  for (const c of others) {
    await disbursedLoan({ partnerId: theirs.id, clientId: c.id, fundedOn: "2026-07-15", sector: "Retail" });
    await survey(db, { clientId: c.id, partnerId: theirs.id, scorecardId, on: "2026-08-02", score: 60 });
  }
  for (const [i, m] of members.entries()) await survey(db, { clientId: m.id, partnerId: mine.id, scorecardId, on: "2026-08-01", score: 20 + i });
  await rebuildSocialRollups();
});

const region = () => ({ country: "KE", region: REGION });
const at = <T,>(m: Map<Quarter, Map<string, T>>, q: Quarter, key: string) => m.get(q)?.get(key);

describe("a view's rows in one read", () => {
  it("lists as children only the partners with figures, with their names, and chooses the requested scorecard", async () => {
    const bundle = await readRollupBundle({
      path: region(),
      from: "2026-Q2",
      to: "2026-Q3",
      scorecard: scorecardId,
      line: "no such line",
      social: socialReadKeys({ gender: null, area: null, sector: null }),
      staffPartners: [],
      sections: { ppi: true, social: true },
      siblings: true,
    });
    const names = bundle.children.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(["Mine", "Theirs"]));
    expect(names).not.toContain("Quiet");
    expect(bundle.scorecardId).toBe(scorecardId);
    // A poverty line the scorecard does not have falls back to its first.
    expect(bundle.line).toBe("national");
    // The region's PPI in Q3: four consented members of Mine and six of Theirs.
    const q3 = bundle.ppiRows.filter((r) => r.level === 2 && r.quarter.toISOString().startsWith("2026-07"));
    expect(q3.map((r) => r.clients)).toEqual([10]);
    // The sibling partners' rows are there too (a parent decides among all its children).
    const partnerRows = bundle.ppiRows.filter((r) => r.level === 3 && r.quarter.toISOString().startsWith("2026-07"));
    expect(new Set(partnerRows.map((r) => r.partner_id))).toEqual(new Set([mine.id, theirs.id]));
  });
});

describe("social figures from the rollups", () => {
  it("count clients reached, women, rural and retention as the loans say, with one filter at a time", async () => {
    const read = await socialFromRollups({ path: region(), quarters: Q, filters: NONE, viewer: ADMIN, knownClients: [], clientIds: [] });
    expect(read.rebuiltAt).toBeInstanceOf(Date);
    const mineQ2 = at(read.social, "2026-Q2", partnerKey("KE", REGION, mine.id))!;
    expect(mineQ2).toMatchObject({ reached: 5, reached_f: 5, women_f: 3, rural_f: 4 });
    // Q3: the group (a six-month loan, still running) and the two lone borrowers; the five were all active in Q2.
    const mineQ3 = at(read.social, "2026-Q3", partnerKey("KE", REGION, mine.id))!;
    expect(mineQ3).toMatchObject({ reached: 7, base: 5, retained_f: 5 });
    expect(at(read.loans, "2026-Q3", partnerKey("KE", REGION, mine.id))).toMatchObject({ loans_f: 2 });
    const women = await socialFromRollups({ path: region(), quarters: Q, filters: { ...NONE, gender: "female" }, viewer: ADMIN, knownClients: [], clientIds: [] });
    const regionQ3 = at(women.social, "2026-Q3", regionKey("KE", REGION))!;
    // Filtered: the women of both partners (3 + 1 of Mine, 6 of Theirs); unfiltered all thirteen.
    expect(regionQ3).toMatchObject({ reached: 13, reached_f: 10, women_f: 10 });
  });

  it("sum loans by sector at the node over the range", async () => {
    const read = await socialFromRollups({ path: region(), quarters: Q, filters: NONE, viewer: ADMIN, knownClients: [], clientIds: [] });
    const bySector = Object.fromEntries(read.sectors.map((s) => [s.sector ?? "total", s.loans]));
    expect(bySector).toEqual({ Agriculture: 1, Retail: 8, total: 9 });
  });
});

describe("what a viewer knows", () => {
  it("staff know their own partner's clients above it, and nobody else's", async () => {
    const staff = { isPlatformAdmin: false, partnerIds: [mine.id] };
    const read = await socialFromRollups({ path: region(), quarters: Q, filters: NONE, viewer: staff, knownClients: [], clientIds: [] });
    expect(at(read.social, "2026-Q3", regionKey("KE", REGION))).toMatchObject({ reached: 13, reached_known: 7 });
    expect(at(read.social, "2026-Q3", countryKey("KE"))?.reached_known).toBe(7);
    expect(at(read.social, "2026-Q3", partnerKey("KE", REGION, mine.id))).toMatchObject({ reached: 7, reached_known: 7 });
    expect(at(read.social, "2026-Q3", partnerKey("KE", REGION, theirs.id))).toMatchObject({ reached: 6, reached_known: 0 });
  });

  it("a funder knows exactly the drill-down clients counted in each node and quarter", async () => {
    const funder = { isPlatformAdmin: false, partnerIds: [] };
    const path = { ...region(), partner: mine.id, group: group.id };
    // The second lone borrower was not active in Q2: she is known in Q3 only, and never in the group.
    const read = await socialFromRollups({ path, quarters: Q, filters: NONE, viewer: funder, knownClients: [members[0]!.id, loners[1]!.id], clientIds: [] });
    const g = groupKey("KE", REGION, mine.id, group.id);
    expect(at(read.social, "2026-Q2", g)).toMatchObject({ reached: 5, reached_known: 1 });
    expect(at(read.social, "2026-Q2", partnerKey("KE", REGION, mine.id))).toMatchObject({ reached: 5, reached_known: 1 });
    expect(at(read.social, "2026-Q3", partnerKey("KE", REGION, mine.id))).toMatchObject({ reached: 7, reached_known: 2, base_known: 1 });
    expect(at(read.social, "2026-Q3", ROOT)?.reached_known).toBe(2);
    // Filtered to men, neither woman is known.
    const men = await socialFromRollups({ path, quarters: Q, filters: { ...NONE, gender: "male" }, viewer: funder, knownClients: [members[0]!.id, loners[1]!.id], clientIds: [] });
    expect(at(men.social, "2026-Q3", partnerKey("KE", REGION, mine.id))).toMatchObject({ reached_f: 3, reached_f_known: 0 });
  });

  it("each client's facts add up to the rollups at every node (so a known count never exceeds its figure)", async () => {
    const all = [...members, ...loners].map((c) => c.id);
    const facts = await clientSocialFacts(all);
    const read = await socialFromRollups({ path: { ...region(), partner: mine.id }, quarters: Q, filters: NONE, viewer: ADMIN, knownClients: [], clientIds: all });
    for (const q of Q) {
      const day = q === "2026-Q2" ? "2026-04-01" : "2026-07-01";
      const active = [...facts.values()].filter((f) => f.active.has(day));
      expect(at(read.social, q, partnerKey("KE", REGION, mine.id))?.reached, q).toBe(active.length);
      expect(at(read.social, q, groupKey("KE", REGION, mine.id, group.id))?.reached, q).toBe(active.filter((f) => f.groupIds.includes(group.id)).length);
      // And each client row is that client's own.
      for (const f of active) expect(at(read.social, q, `X|${f.id}`)?.reached).toBe(1);
    }
    // Retained in Q3: the group's members (their loan ran in Q2 too), not the lone borrowers who started in Q3.
    for (const m of members) expect(at(read.social, "2026-Q3", `X|${m.id}`)?.retained_f).toBe(1);
    for (const c of loners) expect(at(read.social, "2026-Q3", `X|${c.id}`)?.retained_f).toBe(0);
  });
});
