// The public impact page (/impact) and a loan's reach, through the route
// loaders: which stories a visitor sees and how much of each, the filters, the
// platform totals, and the rule that no public figure covers fewer than 5 clients.
import { beforeAll, describe, expect, it } from "vitest";
import { loader as impactLoader } from "~/routes/impact._index.tsx";
import { loader as loanLoader } from "~/routes/loans.$loanId.tsx";
import { loader as stakeLoader } from "~/routes/my.loans.$loanId.tsx";
import { action as newClientAction } from "~/routes/portal.$partnerId.clients.new.tsx";
import { SUPPRESSED } from "~/lib/impact-public.ts";
import { recordRepayment } from "~/models/repayment.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { grantConsent, makeClient, makeGroup, makeLoan, makeMembership, makePartner, makeUser } from "../factories/index.ts";
import { disbursedLoan } from "../factories/repayments.ts";
import { formRequest, getRequest, run, sessionCookieFor } from "../support/requests.ts";

type Db = Awaited<ReturnType<typeof getDb>>;
type Page = Awaited<ReturnType<Awaited<ReturnType<typeof impactLoader>>["json"]>>;

let seq = 0;
const unique = () => `${Date.now().toString(36)}${(++seq).toString(36)}`;

async function impact(search = "", cookie?: string): Promise<Page> {
  const res = await run(impactLoader as never, getRequest(`/impact${search}`, cookie));
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

async function makeScorecard(db: Db, country: string) {
  const id = `sc-${unique()}`;
  await db.ppiScorecard.create({
    data: { id, country, version: "2026", title: `Scorecard ${id}`, isSample: true, povertyLines: ["national"], questions: [], sourceFile: "test" },
  });
  await db.ppiLookup.createMany({
    data: Array.from({ length: 101 }, (_, score) => ({ scorecardId: id, povertyLine: "national", score, likelihoodBps: (100 - score) * 100 })),
  });
  return id;
}

/** A client who agreed to the PPI, surveyed once on `on` with `score`. */
async function surveyedClient(db: Db, partnerId: string, scorecardId: string, score: number, on = "2026-04-10") {
  const client = await makeClient(db, { partnerId });
  await grantConsent(db, { clientId: client.id, purpose: "ppi" });
  await db.ppiSurvey.create({
    data: { clientId: client.id, partnerId, scorecardId, surveyedOn: new Date(`${on}T00:00:00Z`), answers: {}, score, requestKey: `k-${unique()}` },
  });
  return client;
}

const seriesOf = (page: Page, scorecardId: string) => page.ppi.find((s) => s.scorecard.id === scorecardId);

// First in the file, so these loans are the platform's only ones.
describe("platform totals", () => {
  it("adds up what lenders lent and got back, the clients reached, and the share of what fell due that was repaid", async () => {
    const empty = (await impact()).totals;
    expect(empty).toEqual({ lentUsdCents: "0", repaidUsdCents: "0", repaymentRateBps: null, clientsReached: 0 });
    // Disbursed 200 days ago over 6 months: every instalment has fallen due.
    const { loan, partner } = await disbursedLoan({ shares: [2, 3], termMonths: 6 });
    const unpaid = (await impact()).totals;
    expect(unpaid).toEqual({ lentUsdCents: "12500", repaidUsdCents: "0", repaymentRateBps: 0, clientsReached: 1 });

    await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey: `r-${unique()}`, paidOn: new Date(), localAmount: 800_000n, fxRate: "129.5" });
    const db = await getDb();
    const after = await db.loan.findUniqueOrThrow({ where: { id: loan.id } });
    expect(after.principalRepaidUsdCents).toBeGreaterThan(0n);
    const paid = (await impact()).totals;
    expect(paid.repaidUsdCents).toBe(after.repaidUsdCents.toString());
    expect(paid.repaymentRateBps).toBe(Number((after.principalRepaidUsdCents * 10_000n) / 12_500n));
  });
});

describe("public PPI figures", () => {
  it("shows a country's estimated poverty rate over 5 clients and hides it over 4, platform and country alike", async () => {
    const db = await getDb();
    const partner = await makePartner(db, { country: "RW", currency: "RWF" });
    const sc = await makeScorecard(db, "RW");
    for (const score of [20, 30, 40, 50]) await surveyedClient(db, partner.id, sc, score);
    // A client who did not agree to the PPI is in no figure, and does not make 4 into 5.
    const refuser = await makeClient(db, { partnerId: partner.id });
    await db.ppiSurvey.create({
      data: { clientId: refuser.id, partnerId: partner.id, scorecardId: sc, surveyedOn: new Date("2026-04-11"), answers: {}, score: 0, requestKey: `k-${unique()}` },
    });

    let series = seriesOf(await impact(), sc)!;
    expect(series.scorecard.isSample).toBe(true);
    expect(series.quarters[0]!.quarter).toBe("2026-04-01");
    expect(series.quarters[0]!.platform).toBeNull();
    expect(series.quarters[0]!.countries.RW).toBeNull();

    await surveyedClient(db, partner.id, sc, 60);
    series = seriesOf(await impact(), sc)!;
    // Likelihoods 80, 70, 60, 50, 40 (%): a mean of 60%.
    expect(series.quarters[0]!.platform).toEqual({ clients: 5, value: { rateBps: 6000 } });
    expect(series.quarters[0]!.countries.RW).toEqual({ clients: 5, value: { rateBps: 6000 } });
  });

  it("hides a second country too when the platform total minus it would give a small country away", async () => {
    const db = await getDb();
    const sc = await makeScorecard(db, "BI");
    const big = await makePartner(db, { country: "BI", currency: "BIF" });
    const small = await makePartner(db, { country: "CD", currency: "CDF" });
    for (let i = 0; i < 6; i++) await surveyedClient(db, big.id, sc, 50);
    for (let i = 0; i < 3; i++) await surveyedClient(db, small.id, sc, 10);
    const quarter = seriesOf(await impact(), sc)!.quarters[0]!;
    expect(quarter.platform?.clients).toBe(9);
    expect(quarter.countries.CD).toBeNull();
    expect(quarter.countries.BI).toBeNull();
  });

  it("keeps the last 8 quarters, newest first", async () => {
    const db = await getDb();
    const partner = await makePartner(db, { country: "MW", currency: "MWK" });
    const sc = await makeScorecard(db, "MW");
    const days = ["2024-01-05", "2024-04-05", "2024-07-05", "2024-10-05", "2025-01-05", "2025-04-05", "2025-07-05", "2025-10-05", "2026-01-05"];
    for (const on of days) for (let i = 0; i < 5; i++) await surveyedClient(db, partner.id, sc, 50, on);
    const series = seriesOf(await impact(), sc)!;
    expect(series.quarters.map((q) => q.quarter)).toEqual([
      "2026-01-01", "2025-10-01", "2025-07-01", "2025-04-01", "2025-01-01", "2024-10-01", "2024-07-01", "2024-04-01",
    ]);
  });
});

describe("who the loans reach", () => {
  beforeAll(async () => {
    // The platform-totals loan left Kenya with 1 reached client: hidden, it would take the smallest shown
    // country with it (or the platform total would give it away). Four more make Kenya a country of 5.
    const db = await getDb();
    const kenya = await makePartner(db, { country: "KE" });
    for (let i = 0; i < 4; i++) {
      const client = await makeClient(db, { partnerId: kenya.id });
      await makeLoan(db, { partnerId: kenya.id, clientId: client.id, status: "funded" });
    }
  });

  it("shows a country over 5 reached clients, not over 4, and each share only when it gives no 1 to 4 away", async () => {
    const db = await getDb();
    const partner = await makePartner(db, { country: "ZM", currency: "ZMW" });
    const fund = async (gender: "female" | "male", area: "rural" | "urban") => {
      const client = await makeClient(db, { partnerId: partner.id, gender, area });
      await makeLoan(db, { partnerId: partner.id, clientId: client.id, status: "funded", amountUsdCents: 40_000 });
    };
    await fund("female", "rural");
    await fund("female", "rural");
    await fund("male", "urban");
    await fund("female", "urban");
    // A client with no funded loan is not reached.
    const waiting = await makeClient(db, { partnerId: partner.id });
    await makeLoan(db, { partnerId: partner.id, clientId: waiting.id, status: "fundraising" });

    const zambia = (page: Page) => page.social.countries.find((c) => c.code === "ZM")!;
    expect(zambia(await impact()).figures).toBeNull();

    await fund("female", "rural");
    // 5 clients: 4 women and 1 man, 3 rural and 2 urban. 80% women would say there is one man: every share is withheld.
    expect(zambia(await impact()).figures).toEqual({
      clients: 5,
      value: { womenBps: null, ruralBps: null, urbanBps: null, averageLoanUsdCents: 40_000, withheld: ["women", "rural", "urban"] },
    });
    // 10: 5 women and 5 men, 5 rural and 5 urban.
    await fund("female", "rural");
    await fund("male", "rural");
    for (let i = 0; i < 3; i++) await fund("male", "urban");
    expect(zambia(await impact()).figures).toEqual({
      clients: 10,
      value: { womenBps: 5000, ruralBps: 5000, urbanBps: 5000, averageLoanUsdCents: 40_000, withheld: [] },
    });
  });

  it("counts a group loan's members as reached", async () => {
    const db = await getDb();
    const partner = await makePartner(db, { country: "ET", currency: "ETB" });
    const members = [];
    for (let i = 0; i < 6; i++) members.push(await makeClient(db, { partnerId: partner.id, gender: i < 3 ? "female" : "male" }));
    const left = await makeClient(db, { partnerId: partner.id, gender: "female" });
    const group = await makeGroup(db, { partnerId: partner.id, memberIds: [...members, left].map((m) => m.id) });
    // A member who left before the loan was funded was not reached by it.
    await db.groupMember.updateMany({ where: { groupId: group.id, clientId: left.id }, data: { leftAt: new Date(Date.now() - 86_400_000) } });
    const loan = await makeLoan(db, { partnerId: partner.id, groupId: group.id, status: "funded" });
    const before = (await impact()).totals.clientsReached;
    const ethiopia = (await impact()).social.countries.find((c) => c.code === "ET")!;
    // 3 women and 3 men: the share of women (3) is withheld.
    expect(ethiopia.figures).toMatchObject({ clients: 6, value: { womenBps: null, withheld: expect.arrayContaining(["women"]) } });
    // A second loan of the same group reaches nobody new.
    await makeLoan(db, { partnerId: partner.id, groupId: group.id, status: "funded" });
    expect((await impact()).totals.clientsReached).toBe(before);
    expect(loan.expectedReach).toBe(6);
  });
});

describe("stories", () => {
  let partner: { id: string; slug: string; name: string };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const db = await getDb();
    partner = await makePartner(db, { country: "GH", currency: "GHS", regions: ["Ashanti"] });
    const storyOnly = await makeClient(db, { partnerId: partner.id, fullName: "Abena Storyonly", region: "Ashanti", village: "Ejisu", story: "I sell cloth.", sector: "Retail" });
    await grantConsent(db, { clientId: storyOnly.id, purpose: "story" });
    const everything = await makeClient(db, { partnerId: partner.id, fullName: "Kofi Allowed", region: "Ashanti", village: "Bekwai", story: "I farm cocoa.", sector: "Agriculture" });
    await db.client.update({ where: { id: everything.id }, data: { photoFile: "kofi.jpg" } });
    for (const purpose of ["story", "name", "photo"] as const) await grantConsent(db, { clientId: everything.id, purpose });
    await grantConsent(db, { clientId: everything.id, purpose: "location", granularity: "village" });
    const noStory = await makeClient(db, { partnerId: partner.id, fullName: "Ama Private", story: "Private story.", sector: "Tailoring" });
    await grantConsent(db, { clientId: noStory.id, purpose: "name" });
    const nameButPhotoless = await makeClient(db, { partnerId: partner.id, fullName: "Yaw Regional", region: "Ashanti", village: "Obuasi", story: "I fix phones.", sector: "Services" });
    await db.client.update({ where: { id: nameButPhotoless.id }, data: { photoFile: "yaw.jpg" } });
    await grantConsent(db, { clientId: nameButPhotoless.id, purpose: "story" });
    await grantConsent(db, { clientId: nameButPhotoless.id, purpose: "location", granularity: "region" });
    // A group all of whose members agreed to their story; and one with a member who did not.
    const [m1, m2, m3] = [await makeClient(db, { partnerId: partner.id }), await makeClient(db, { partnerId: partner.id }), await makeClient(db, { partnerId: partner.id })];
    for (const m of [m1!, m2!, m3!]) await grantConsent(db, { clientId: m.id, purpose: "story" });
    for (const m of [m1!, m2!]) await grantConsent(db, { clientId: m.id, purpose: "location", granularity: "village" });
    await grantConsent(db, { clientId: m3!.id, purpose: "location", granularity: "region" });
    const group = await makeGroup(db, { partnerId: partner.id, name: "Nkabom Savers", village: "Konongo", region: "Ashanti", story: "We save weekly.", sector: "Agriculture", memberIds: [m1!.id, m2!.id, m3!.id] });
    const outsider = await makeClient(db, { partnerId: partner.id });
    const hiddenGroup = await makeGroup(db, { partnerId: partner.id, name: "Half Consented", story: "Not for the public.", sector: "Fishing", memberIds: [m1!.id, outsider.id] });
    Object.assign(ids, { storyOnly: storyOnly.id, everything: everything.id, noStory: noStory.id, yaw: nameButPhotoless.id, group: group.id, hiddenGroup: hiddenGroup.id });
  });

  const storiesOf = async (search: string) => (await impact(search)).stories;

  it("lists only consented stories, each with what its own consents allow", async () => {
    const { stories, total } = await storiesOf(`?partner=${partner.slug}`);
    expect(total).toBe(4);
    const byKey = new Map(stories.map((s) => [s.key, s]));
    expect(byKey.get(`c-${ids.storyOnly}`)).toMatchObject({ title: `A client of ${partner.name} in Ghana`, place: "Ghana", photoUrl: null, story: "I sell cloth." });
    expect(byKey.get(`c-${ids.everything}`)).toMatchObject({ title: "Kofi Allowed", place: "Bekwai, Ashanti, Ghana", photoUrl: `/photos/${ids.everything}` });
    expect(byKey.get(`c-${ids.yaw}`)).toMatchObject({ title: `A client of ${partner.name} in Ghana`, place: "Ashanti, Ghana", photoUrl: null });
    // The group's place at the coarsest granularity a member granted.
    expect(byKey.get(`g-${ids.group}`)).toMatchObject({ title: "Nkabom Savers", place: "Ashanti, Ghana", memberCount: 3 });
    expect(byKey.has(`c-${ids.noStory}`)).toBe(false);
    expect(byKey.has(`g-${ids.hiddenGroup}`)).toBe(false);
    const text = JSON.stringify(stories);
    for (const secret of ["Ama Private", "Private story.", "Not for the public.", "Abena", "Ejisu", "Obuasi", "Yaw Regional", "Konongo"]) {
      expect(text).not.toContain(secret);
    }
  });

  it("offers only the sectors of stories a visitor can see", async () => {
    const { sectors } = (await impact()).options;
    expect(sectors).toEqual(expect.arrayContaining(["Agriculture", "Retail", "Services"]));
    expect(sectors).not.toContain("Tailoring");
    expect(sectors).not.toContain("Fishing");
  });

  it("shows the same public view to a signed-in partner's staff", async () => {
    const db = await getDb();
    const officer = await makeUser(db);
    await makeMembership(db, { userId: officer.id, partnerId: partner.id, role: "officer" });
    const page = await impact(`?partner=${partner.slug}`, await sessionCookieFor(officer.id));
    expect(page.stories.total).toBe(4);
    expect(JSON.stringify(page.stories)).not.toContain("Abena");
  });

  it("filters by country, sector and partner, and drops a filter value that does not parse", async () => {
    expect((await storiesOf(`?country=GH&sector=Agriculture`)).stories.map((s) => s.key).sort()).toEqual([`c-${ids.everything}`, `g-${ids.group}`].sort());
    expect((await storiesOf(`?country=gh&sector=Services`)).total).toBe(1);
    expect((await storiesOf(`?country=UG&partner=${partner.slug}`)).total).toBe(0);
    expect((await storiesOf(`?partner=${partner.slug}&country=Ghana!`)).total).toBe(4);
  });

  it("withdrawing the story consent takes the story off at once", async () => {
    const db = await getDb();
    await db.consent.updateMany({ where: { clientId: ids.storyOnly, purpose: "story" }, data: { revokedAt: new Date(), revokedBy: "test" } });
    expect((await storiesOf(`?partner=${partner.slug}`)).total).toBe(3);
  });

  it("pages through many stories, and a page past the end shows the last one", async () => {
    const db = await getDb();
    const other = await makePartner(db, { country: "SN", currency: "XOF" });
    for (let i = 0; i < 14; i++) {
      const c = await makeClient(db, { partnerId: other.id, story: `Story ${i}` });
      await grantConsent(db, { clientId: c.id, purpose: "story" });
    }
    const first = await impact(`?partner=${other.slug}`);
    expect(first.stories).toMatchObject({ total: 14, pageCount: 2, page: 1 });
    expect(first.stories.stories).toHaveLength(12);
    const second = await impact(`?partner=${other.slug}&page=2`);
    expect(second.stories.stories).toHaveLength(2);
    const keys = new Set([...first.stories.stories, ...second.stories.stories].map((s) => s.key));
    expect(keys.size).toBe(14);
    expect((await impact(`?partner=${other.slug}&page=9`)).stories.page).toBe(2);
  });
});

describe("a loan's reach", () => {
  it("states the expected reach once funded and restates it when the loan ends", async () => {
    const db = await getDb();
    const partner = await makePartner(db, { country: "KE" });
    const members = [];
    for (let i = 0; i < 4; i++) members.push(await makeClient(db, { partnerId: partner.id }));
    const group = await makeGroup(db, { partnerId: partner.id, memberIds: members.map((m) => m.id) });
    const loan = await makeLoan(db, { partnerId: partner.id, groupId: group.id, status: "fundraising", amountUsdCents: 100_000 });
    const reach = async () => {
      const res = await run(loanLoader as never, getRequest(`/loans/${loan.id}`), { loanId: loan.id });
      return ((await res.json()) as { reach: string | null }).reach;
    };
    expect(await reach()).toBeNull();
    await db.loan.update({ where: { id: loan.id }, data: { status: "funded" } });
    expect(await reach()).toBe("Expected to reach 4 members when it was funded.");
    // One member leaves before the loan ends; it is restated with the members it reached then.
    await db.groupMember.updateMany({ where: { groupId: group.id, clientId: members[0]!.id }, data: { leftAt: new Date() } });
    await db.loan.update({ where: { id: loan.id }, data: { status: "paying_back" } });
    await db.loan.update({ where: { id: loan.id }, data: { status: "defaulted", principalRepaidUsdCents: 25_000n } });
    expect(await reach()).toBe("Expected to reach 4 members when it was funded. Defaulted: 3 members, 25% repaid.");
  });

  it("shows the reach on the lender's own page of the loan", async () => {
    const { loan, lenders } = await disbursedLoan({ shares: [2] });
    const res = await run(stakeLoader as never, getRequest(`/my/loans/${loan.id}`, await sessionCookieFor(lenders[0]!.id)), { loanId: loan.id });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { reach: string }).reach).toBe("Expected to reach 1 client when it was funded.");
  });
});

describe("the client form's rural or urban field", () => {
  it("records the area, and refuses a value that is not one of the choices with an error on the field", async () => {
    const db = await getDb();
    const partner = await makePartner(db, { regions: ["Nairobi"] });
    const officer = await makeUser(db);
    await makeMembership(db, { userId: officer.id, partnerId: partner.id, role: "officer" });
    const cookie = await sessionCookieFor(officer.id);
    const fields = { fullName: "Wanjiku Area", gender: "female", region: "Nairobi", village: "Kibera", sector: "Retail" };
    const post = (extra: Record<string, string>) =>
      run(newClientAction as never, formRequest(`/portal/${partner.id}/clients/new`, { ...fields, ...extra }, cookie), { partnerId: partner.id });

    const refused = await post({ area: "suburban" });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { errors: Record<string, string[]> }).errors.area).toEqual(["Choose rural, urban or not recorded."]);
    expect(await db.client.count({ where: { partnerId: partner.id } })).toBe(0);

    const saved = await post({ area: "rural" });
    expect(saved.status).toBe(302);
    expect((await db.client.findFirstOrThrow({ where: { partnerId: partner.id } })).area).toBe("rural");
  });
});

it("the suppression note reads as the page shows it", () => {
  expect(SUPPRESSED).toBe("fewer than 5 clients: not shown");
});
