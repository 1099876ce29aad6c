// The impact portal as each kind of viewer sees it: what they may open, which
// rows are listed, the figures (worked by hand), the audit trail and the CSV.
import { beforeAll, describe, expect, it } from "vitest";
import { parsePortalQuery, type PortalFilters } from "~/lib/impact.ts";
import {
  ADMIN_PORTAL_VIEWER,
  ImpactNotFound,
  impactView,
  portalViewerFor,
  PUBLIC_PORTAL_VIEWER,
  type PortalViewer,
} from "~/models/impact.server.ts";
import { action as portalAction, loader as portalLoader } from "~/routes/impact.portal.tsx";
import { loader as csvLoader } from "~/routes/impact.portal[.]csv.tsx";
import { loader as auditLoader } from "~/routes/portal.$partnerId.audit.tsx";
import { loader as auditCsvLoader } from "~/routes/portal.$partnerId.audit[.]csv.tsx";
import { rebuildSocialRollups } from "~/models/impact-social.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { formRequest, getRequest, run, sessionCookieFor } from "../support/requests.ts";
import { fundedLoan, makeGroup, makePartner, makePeople, makeScorecard, makeStaff, makeUser, survey } from "./impact-portal-helpers.ts";

const FILTERS: PortalFilters = { from: "2026-Q1", to: "2026-Q3", scorecard: null, line: null, gender: null, area: null, sector: null };
const REGION = "Nakuru";
const audit = { auditPath: "/impact/portal?test" };

let db: Awaited<ReturnType<typeof getDb>>;
let funded: { id: string };
let other: { id: string };
let group: { id: string };
let members: { id: string; fullName: string }[];
let loner: { id: string };
let investor: { id: string };
let investorViewer: PortalViewer;
let scorecardId: string;

const A = () => ({ country: "KE", region: REGION, partner: funded.id });

beforeAll(async () => {
  db = await getDb();
  funded = await makePartner(db, { country: "KE", regions: [REGION], name: "Funded Partner" });
  other = await makePartner(db, { country: "KE", regions: [REGION], name: "Other Partner" });
  scorecardId = await makeScorecard(db, "KE");
  // Eight members: the first agreed to drill-down, PPI and name; the second to drill-down only; the rest to PPI only.
  members = await makePeople(db, funded.id, REGION, [
    { consents: ["investor_drilldown", "ppi", "name"], name: "Wanjiru Drilldown" },
    { consents: ["investor_drilldown", "name"], name: "Achieng NoPpi", gender: "male" },
    ...Array.from({ length: 6 }, (_, i) => ({ consents: ["ppi" as const], name: `Quiet Member ${i}`, area: i < 3 ? ("urban" as const) : ("rural" as const) })),
  ]);
  group = await makeGroup(db, { partnerId: funded.id, region: REGION, name: "Umoja Savers", memberIds: members.map((m) => m.id) });
  loner = (await makePeople(db, funded.id, REGION, [{ consents: ["investor_drilldown"], name: "Loner Borrower" }]))[0]!;
  investor = await makeUser(db, { name: "Ivy Investor" });
  await fundedLoan(db, { partnerId: funded.id, groupId: group.id, lenderId: investor.id, fundedOn: "2026-04-10", amountUsdCents: 50_000, sector: "Agriculture" });
  await fundedLoan(db, { partnerId: funded.id, clientId: loner!.id, lenderId: investor.id, fundedOn: "2026-05-02", sector: "Retail" });
  // Scores 10, 20, … for the group's members in the third quarter.
  for (const [i, m] of members.entries()) await survey(db, { clientId: m.id, partnerId: funded.id, scorecardId, on: "2026-08-01", score: 10 * (i + 1) });
  // The other partner: five consented, surveyed clients the investor does not fund.
  const others = await makePeople(db, other.id, REGION, Array.from({ length: 5 }, () => ({ consents: ["ppi" as const] })));
  for (const c of others) await survey(db, { clientId: c.id, partnerId: other.id, scorecardId, on: "2026-08-15", score: 50 });
  investorViewer = await portalViewerFor(investor.id);
  // The social indicators are read from their rollups, rebuilt periodically: as the job would after these loans.
  await rebuildSocialRollups();
});

const q3 = (view: Awaited<ReturnType<typeof impactView>>) => view.trend.find((t) => t.quarter === "2026-Q3")!;

describe("figures, worked by hand", () => {
  it("the partner's poverty rate is the mean likelihood of its consented, surveyed clients", async () => {
    const view = await impactView(ADMIN_PORTAL_VIEWER, A(), FILTERS, audit);
    // Counted: every member but the second (no ppi consent): scores 10, 30, 40, …, 80 → likelihoods 90%, 70%, …, 20%.
    const scores = [10, 30, 40, 50, 60, 70, 80];
    const mean = Math.round(scores.reduce((s, x) => s + (100 - x) * 100, 0) / scores.length);
    expect(q3(view).ppi).toMatchObject({ shown: true, clients: 7, rateBps: mean });
    // Nine clients reached in Q2 and Q3 (the group's eight and the lone borrower); one man among them.
    expect(q3(view).reach).toMatchObject({ shown: true, clients: 9, womenBps: Math.round((8 * 10_000) / 9) });
    expect(q3(view).retention).toMatchObject({ shown: true, clients: 9, retainedBps: 10_000 });
    const q2 = view.trend.find((t) => t.quarter === "2026-Q2")!;
    expect(q2.loans).toMatchObject({ shown: true, loans: 2, averageCents: Math.round((50_000 + 2_500) / 2) });
    expect(view.children.map((c) => c.label)).toEqual(["Umoja Savers", "Loner Borrower"]);
  });

  it("a new survey is in the next view: the rollups follow it", async () => {
    const before = q3(await impactView(ADMIN_PORTAL_VIEWER, { ...A(), group: group.id }, FILTERS, audit)).ppi!;
    // A later survey of the first member in the same quarter replaces her earlier score (10 → 90).
    await survey(db, { clientId: members[0]!.id, partnerId: funded.id, scorecardId, on: "2026-09-20", score: 90 });
    const after = q3(await impactView(ADMIN_PORTAL_VIEWER, { ...A(), group: group.id }, FILTERS, audit)).ppi!;
    expect(after.clients).toBe(before.clients);
    expect(after.rateBps! * 7 - before.rateBps! * 7).toBeCloseTo(-8_000, -1);
    await survey(db, { clientId: members[0]!.id, partnerId: funded.id, scorecardId, on: "2026-09-21", score: 10 });
  });
});

describe("scorecard versions", () => {
  it("a trend keeps to one version and says when another version has surveys at the node", async () => {
    const v2 = await makeScorecard(db, "KE", "v2-test");
    // Two members surveyed with the newer version in the second quarter only.
    for (const m of members.slice(2, 4)) await survey(db, { clientId: m.id, partnerId: funded.id, scorecardId: v2, on: "2026-05-10", score: 5 });
    const onV1 = await impactView(ADMIN_PORTAL_VIEWER, { ...A(), group: group.id }, { ...FILTERS, scorecard: scorecardId }, audit);
    expect(onV1.scorecard?.id).toBe(scorecardId);
    expect(onV1.versionNote).toMatch(/version v2-test/);
    expect(onV1.versionNote).toMatch(/not joined/);
    // The second quarter has no survey of this version: no point, rather than the other version's.
    expect(onV1.trend.find((t) => t.quarter === "2026-Q2")!.ppi).toMatchObject({ clients: 0, rateBps: null });
    const onV2 = await impactView(ADMIN_PORTAL_VIEWER, { ...A(), group: group.id }, { ...FILTERS, scorecard: v2 }, audit);
    expect(onV2.trend.find((t) => t.quarter === "2026-Q2")!.ppi).toMatchObject({ clients: 2, rateBps: 9_500 });
    expect(onV2.trend.find((t) => t.quarter === "2026-Q3")!.ppi).toMatchObject({ clients: 0, rateBps: null });
  });
});

describe("an investor", () => {
  it("sees the partners and groups they fund, and only those", async () => {
    const region = await impactView(investorViewer, { country: "KE", region: REGION }, FILTERS, audit);
    expect(region.children.map((c) => c.label)).toEqual(["Funded Partner"]);
    await expect(impactView(investorViewer, { country: "KE", region: REGION, partner: other.id }, FILTERS, audit)).rejects.toBeInstanceOf(ImpactNotFound);
    const partner = await impactView(investorViewer, A(), FILTERS, audit);
    // The group is named only with every member's story consent; the lone borrower agreed to drill-down, not to her name.
    expect(partner.children.map((c) => c.label)).toEqual(["A group (name not shared)", "A client (name not shared)"]);
  });

  it("sees the group's trend, and client rows only of members who agreed to drill-down", async () => {
    const view = await impactView(investorViewer, { ...A(), group: group.id }, FILTERS, audit);
    // Seven counted, one of them seen row by row: the other six are enough to show the figure.
    expect(q3(view).ppi).toMatchObject({ shown: true, clients: 7 });
    expect(view.children.map((c) => c.label).sort()).toEqual(["Achieng NoPpi", "Wanjiru Drilldown"]);
    const [withPpi, withoutPpi] = ["Wanjiru Drilldown", "Achieng NoPpi"].map((n) => view.children.find((c) => c.label === n)!);
    expect(withPpi!.latest.ppi).toMatchObject({ shown: true, rateBps: 9_000 });
    // Drill-down consent without PPI consent: the row is there, the score is not.
    expect(withoutPpi!.latest.ppi).toBeNull();
  });

  it("cannot open a client without drill-down consent, and opening one with it is audited", async () => {
    await expect(impactView(investorViewer, { ...A(), group: group.id, client: members[3]!.id }, FILTERS, audit)).rejects.toBeInstanceOf(ImpactNotFound);
    const path = `/impact/portal?client=${members[0]!.id}`;
    const before = await db.clientDataRead.count({ where: { readerUserId: investor.id, clientId: members[0]!.id, path } });
    const view = await impactView(investorViewer, { ...A(), group: group.id, client: members[0]!.id }, FILTERS, { auditPath: path });
    expect(view.clientDetail?.label).toBe("Wanjiru Drilldown");
    const reads = await db.clientDataRead.findMany({ where: { readerUserId: investor.id, clientId: members[0]!.id, path } });
    expect(reads.length).toBe(before + 1);
    expect(reads.at(-1)).toMatchObject({ readerRole: "investor", partnerId: funded.id });
    expect(reads.at(-1)!.what).toMatch(/client page/);
  });
});

describe("partner staff", () => {
  it("a coordinator's read of client rows is audited, one row per client; an officer's is not", async () => {
    const coordinator = await makeStaff(db, funded.id, "coordinator");
    const officer = await makeStaff(db, funded.id, "officer");
    const path = `/impact/portal?group=${group.id}&who=staff`;
    const asCoordinator = await impactView(await portalViewerFor(coordinator.id), { ...A(), group: group.id }, FILTERS, { auditPath: path });
    expect(asCoordinator.children).toHaveLength(8);
    await impactView(await portalViewerFor(officer.id), { ...A(), group: group.id }, FILTERS, { auditPath: path });
    const reads = await db.clientDataRead.findMany({ where: { path } });
    expect(reads).toHaveLength(8);
    expect(new Set(reads.map((r) => r.readerUserId))).toEqual(new Set([coordinator.id]));
    expect(reads.every((r) => r.readerRole === "coordinator")).toBe(true);
  });

  it("staff of another partner cannot open this partner's groups", async () => {
    const stranger = await makeStaff(db, other.id, "officer");
    await expect(impactView(await portalViewerFor(stranger.id), { ...A(), group: group.id }, FILTERS, audit)).rejects.toBeInstanceOf(ImpactNotFound);
  });
});

describe("the public", () => {
  it("sees platform and country figures only", async () => {
    const country = await impactView(PUBLIC_PORTAL_VIEWER, { country: "KE" }, FILTERS, audit);
    expect(country.children).toEqual([]);
    expect(q3(country).ppi).toMatchObject({ shown: true, clients: 12 });
    await expect(impactView(PUBLIC_PORTAL_VIEWER, { country: "KE", region: REGION }, FILTERS, audit)).rejects.toBeInstanceOf(ImpactNotFound);
    const response = await run(portalLoader, getRequest(`/impact/portal?country=KE&region=${REGION}`));
    expect(response.status).toBe(404);
  });

  it("a bad filter is a 400 naming the field, never a 500", async () => {
    const response = await run(portalLoader, getRequest("/impact/portal?from=last-year"));
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/^from:/);
    expect(parsePortalQuery(new URLSearchParams("from=2026-Q3&to=2026-Q1"), new Date()).ok).toBe(false);
    // Filters combine (docs/decisions/025); a bad one among them still names its field.
    const two = await run(portalLoader, getRequest("/impact/portal?gender=female&sector=Retail"));
    expect(two.status).toBe(200);
    const badArea = await run(portalLoader, getRequest("/impact/portal?gender=female&area=suburban"));
    expect(badArea.status).toBe(400);
    expect(await badArea.text()).toMatch(/^area:/);
  });
});

describe("the social figures' rebuild", () => {
  it("an admin recomputes them from the page; anyone else is refused and nothing changes", async () => {
    const stamp = async () => (await db.socialRollup.findFirst({ where: { level: 0 }, select: { rebuiltAt: true } }))?.rebuiltAt.getTime();
    const before = await stamp();
    const investorTry = await run(portalAction, formRequest("/impact/portal?country=KE", {}, await sessionCookieFor(investor.id)));
    expect([302, 303, 403]).toContain(investorTry.status);
    expect(await stamp()).toBe(before);
    const admin = await makeUser(db, { name: "Platform Admin", isPlatformAdmin: true });
    const response = await run(portalAction, formRequest("/impact/portal?country=KE", {}, await sessionCookieFor(admin.id)));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/impact/portal?country=KE");
    expect(await stamp()).toBeGreaterThan(before!);
  });
});

describe("CSV", () => {
  it("has the same rows as the page, for the same viewer", async () => {
    const cookie = await sessionCookieFor(investor.id);
    const search = `country=KE&region=${REGION}&partner=${funded.id}&group=${group.id}&from=2026-Q1&to=2026-Q3`;
    const response = await run(csvLoader, getRequest(`/impact/portal.csv?${search}`, cookie));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/text\/csv/);
    const text = await response.text();
    const lines = text.trim().split("\r\n");
    expect(lines[0]).toMatch(/^row,name,quarter,clients_reached/);
    expect(lines.filter((l) => l.startsWith("client,")).map((l) => l.split(",")[1]).sort()).toEqual(["Achieng NoPpi", "Wanjiru Drilldown"]);
    expect(text).not.toMatch(/Quiet Member/);
    const reads = await db.clientDataRead.count({ where: { readerUserId: investor.id, path: `/impact/portal.csv?${search}` } });
    expect(reads).toBe(2);
    const refused = await run(csvLoader, getRequest(`/impact/portal.csv?country=KE&region=${REGION}&partner=${other.id}`, cookie));
    expect(refused.status).toBe(404);
  });
});

describe("the partner admins' audit trail", () => {
  it("lists reads of their clients, filtered by client, as a page and as CSV; other staff are refused", async () => {
    const admin = await makeStaff(db, funded.id, "admin");
    const cookie = await sessionCookieFor(admin.id);
    const page = await run(auditLoader, getRequest(`/portal/${funded.id}/audit?client=${members[0]!.id}`, cookie), { partnerId: funded.id });
    expect(page.status).toBe(200);
    const data = (await page.json()) as { trail: { total: number; rows: { clientId: string; reader: string; role: string }[] } };
    expect(data.trail.total).toBeGreaterThan(0);
    expect(data.trail.rows.every((r) => r.clientId === members[0]!.id)).toBe(true);
    expect(data.trail.rows.some((r) => r.reader === "Ivy Investor" && r.role === "investor")).toBe(true);

    const csv = await run(auditCsvLoader, getRequest(`/portal/${funded.id}/audit.csv`, cookie), { partnerId: funded.id });
    expect(csv.status).toBe(200);
    expect(await csv.text()).toMatch(/Ivy Investor/);

    const officer = await makeStaff(db, funded.id, "officer");
    const refused = await run(auditLoader, getRequest(`/portal/${funded.id}/audit`, await sessionCookieFor(officer.id)), { partnerId: funded.id });
    expect(refused.status).toBe(403);
    const otherAdmin = await makeStaff(db, other.id, "admin");
    const foreign = await run(auditLoader, getRequest(`/portal/${funded.id}/audit`, await sessionCookieFor(otherAdmin.id)), { partnerId: funded.id });
    expect(foreign.status).toBe(403);
  });
});
