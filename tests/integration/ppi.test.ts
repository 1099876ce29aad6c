// PPI through the real routes: an admin imports scorecard files (a good one, a
// broken one, the same version twice), partner staff record surveys (field
// errors, a form posted twice, other people refused), and the rollups the
// portal reads follow each survey.
import { describe, expect, it } from "vitest";
import { likelihoodsFor, parseScorecard } from "~/lib/ppi.ts";
import { surveyHistory } from "~/models/ppi.server.ts";
import * as adminPpi from "~/routes/admin.ppi._index.tsx";
import * as adminScorecard from "~/routes/admin.ppi.$scorecardId.tsx";
import * as clientPpi from "~/routes/portal.$partnerId.clients.$clientId_.ppi.tsx";
import { getDb } from "~/utils/db.server.ts";
import { seed } from "../../prisma/seed.ts";
import { seedImpact } from "../../prisma/seed-impact.ts";
import { grantConsent, makeClient, makeMembership, makePartner, makeUser } from "../factories/index.ts";
import { BASE, formRequest, getRequest, run, sessionCookieFor } from "../support/requests.ts";
import { handWorkedScorecard } from "../support/ppi-scorecard.ts";

type Fn = Parameters<typeof run>[0];
const L = (m: { loader?: unknown }) => m.loader as Fn;
const A = (m: { action?: unknown }) => m.action as Fn;

// Three questions, best answers 25 + 15 + 20 = 60; worked by hand in app/lib/ppi.test.ts.
const scorecardFile = (country: string, version: string, extreme = "40.5") =>
  handWorkedScorecard({ country, version, title: `Test scorecard ${version}`, extreme });

function uploadRequest(text: string, cookie: string, fileName = "scorecard.csv"): Request {
  const form = new FormData();
  form.append("file", new File([text], fileName, { type: "text/csv" }));
  return new Request(`${BASE}/admin/ppi`, { method: "POST", headers: { Cookie: cookie }, body: form });
}

async function importFile(text: string, cookie: string) {
  const preview = await run(A(adminPpi), uploadRequest(text, cookie));
  const data = (await preview.json()) as { step: string; source?: string; status?: string; issues?: { line: number | null; field: string; message: string }[] };
  if (data.step !== "preview") return { preview: data, confirmed: null };
  const confirmed = await run(A(adminPpi), formRequest("/admin/ppi", { source: data.source! }, cookie));
  return { preview: data, confirmed };
}

async function world(country: string) {
  const db = await getDb();
  const partner = await makePartner(db, { country, regions: ["Arusha"] });
  const other = await makePartner(db, { country, regions: ["Arusha"] });
  const officer = await makeUser(db, { name: "Neema Officer" });
  const coordinator = await makeUser(db);
  const outsider = await makeUser(db);
  const lender = await makeUser(db);
  const admin = await makeUser(db, { isPlatformAdmin: true });
  await makeMembership(db, { userId: officer.id, partnerId: partner.id, role: "officer" });
  await makeMembership(db, { userId: coordinator.id, partnerId: partner.id, role: "coordinator" });
  await makeMembership(db, { userId: outsider.id, partnerId: other.id, role: "admin" });
  const consenting = await makeClient(db, { partnerId: partner.id, region: "Arusha", fullName: "Zawadi Counted" });
  await grantConsent(db, { clientId: consenting.id, purpose: "ppi" });
  const silent = await makeClient(db, { partnerId: partner.id, region: "Arusha", fullName: "Baraka Uncounted" });
  const cookies = {
    officer: await sessionCookieFor(officer.id),
    coordinator: await sessionCookieFor(coordinator.id),
    outsider: await sessionCookieFor(outsider.id),
    lender: await sessionCookieFor(lender.id),
    admin: await sessionCookieFor(admin.id),
  };
  const { confirmed } = await importFile(scorecardFile(country, "v1"), cookies.admin);
  const scorecardId = new URL(confirmed!.headers.get("Location")!, BASE).pathname.split("/").pop()!;
  return { db, partner, other, consenting, silent, cookies, scorecardId, officerName: officer.name };
}

const today = () => new Date().toISOString().slice(0, 10);
const path = (w: { partner: { id: string } }, clientId: string) => `/portal/${w.partner.id}/clients/${clientId}/ppi`;

function surveyForm(scorecardId: string, answers: Record<string, string>, extra: Record<string, string> = {}) {
  return { intent: "save", scorecardId, surveyedOn: today(), requestKey: crypto.randomUUID(), ...answers, ...extra };
}

describe("importing scorecard files", () => {
  it("an admin previews a good file, imports it, and sees it listed as sample data", async () => {
    const db = await getDb();
    const admin = await makeUser(db, { isPlatformAdmin: true });
    const cookie = await sessionCookieFor(admin.id);
    const { preview, confirmed } = await importFile(scorecardFile("RW", "2026-a"), cookie);
    expect(preview).toMatchObject({ step: "preview", status: "new", scorecard: { country: "RW", version: "2026-a", povertyLines: ["National", "Extreme"] } });
    expect(confirmed!.status).toBe(302);
    const location = confirmed!.headers.get("Location")!;
    expect(location).toMatch(/^\/admin\/ppi\/[^/?]+\?imported=1$/);

    const stored = await db.ppiScorecard.findFirstOrThrow({ where: { country: "RW", version: "2026-a" } });
    expect(stored.isSample).toBe(true);
    expect(await db.ppiLookup.count({ where: { scorecardId: stored.id } })).toBe(2 * 101);
    expect(await db.ppiLookup.findUnique({ where: { scorecardId_povertyLine_score: { scorecardId: stored.id, povertyLine: "Extreme", score: 25 } } })).toMatchObject({ likelihoodBps: 875 });

    const list = (await (await run(L(adminPpi), getRequest("/admin/ppi", cookie))).json()) as { scorecards: { version: string; isSample: boolean; questionCount: number }[] };
    expect(list.scorecards.find((s) => s.version === "2026-a")).toMatchObject({ isSample: true, questionCount: 3 });
    const page = await run(L(adminScorecard), getRequest(location, cookie), { scorecardId: stored.id });
    expect(page.status).toBe(200);
  });

  it("a broken file is refused with every problem naming its line and field, and nothing is saved", async () => {
    const db = await getDb();
    const admin = await makeUser(db, { isPlatformAdmin: true });
    const cookie = await sessionCookieFor(admin.id);
    const broken = scorecardFile("RW", "2026-broken").replace("answer,Iron sheets,15", "answer,Iron sheets,fifteen").replace("likelihood,50,100,10,1", "likelihood,50,90,10,1");
    const response = await run(A(adminPpi), uploadRequest(broken, cookie));
    expect(response.status).toBe(400);
    const data = (await response.json()) as { issues: unknown[] };
    expect(data.issues).toEqual([
      { line: 13, field: "points", message: "Points are a whole number from 0 to 100." },
      { line: null, field: "likelihood", message: "No likelihood row covers the scores 91–100; the bands must cover 0 to 100." },
    ]);
    // The confirmation step checks again: a tampered form cannot slip a broken table in.
    const forced = await run(A(adminPpi), formRequest("/admin/ppi", { source: broken }, cookie));
    expect(forced.status).toBe(400);
    expect(await db.ppiScorecard.count({ where: { version: "2026-broken" } })).toBe(0);
  });

  it("the same file twice imports once; a different table under the same version is refused", async () => {
    const db = await getDb();
    const admin = await makeUser(db, { isPlatformAdmin: true });
    const cookie = await sessionCookieFor(admin.id);
    await importFile(scorecardFile("RW", "2026-b"), cookie);
    const again = await importFile(scorecardFile("RW", "2026-b").replace(/\n/g, "\r\n"), cookie);
    expect(again.preview.status).toBe("already-imported");
    expect(again.confirmed!.headers.get("Location")).toMatch(/\?again=1$/);
    expect(await db.ppiScorecard.count({ where: { country: "RW", version: "2026-b" } })).toBe(1);

    const changed = await importFile(scorecardFile("RW", "2026-b", "41"), cookie);
    expect(changed.preview.status).toBe("conflict");
    const forced = await run(A(adminPpi), formRequest("/admin/ppi", { source: scorecardFile("RW", "2026-b", "41") }, cookie));
    expect(forced.status).toBe(400);
    expect(((await forced.json()) as { issues: { message: string }[] }).issues[0]!.message).toMatch(/already imported with a different table.*new version/);
    const row = await db.ppiScorecard.findFirstOrThrow({ where: { country: "RW", version: "2026-b" } });
    expect(await db.ppiLookup.findUnique({ where: { scorecardId_povertyLine_score: { scorecardId: row.id, povertyLine: "Extreme", score: 0 } } })).toMatchObject({ likelihoodBps: 4050 });
  });

  it("only platform admins may see or import scorecards", async () => {
    const db = await getDb();
    const partner = await makePartner(db, { country: "RW" });
    const staff = await makeUser(db);
    await makeMembership(db, { userId: staff.id, partnerId: partner.id, role: "admin" });
    const cookie = await sessionCookieFor(staff.id);
    expect((await run(L(adminPpi), getRequest("/admin/ppi", cookie))).status).toBe(403);
    expect((await run(A(adminPpi), uploadRequest(scorecardFile("RW", "2026-staff"), cookie))).status).toBe(403);
    expect(await db.ppiScorecard.count({ where: { version: "2026-staff" } })).toBe(0);
  });
});

describe("recording surveys", () => {
  it("the officer sees the score before saving, saves once however often the form is posted, and the history shows it", async () => {
    const w = await world("TZ");
    const answers = { q1: "B", q2: "B", q3: "A" }; // 10 + 15 + 0 = 25
    const checked = await run(A(clientPpi), formRequest(path(w, w.consenting.id), { ...surveyForm(w.scorecardId, answers), intent: "check" }, w.cookies.officer), {
      partnerId: w.partner.id,
      clientId: w.consenting.id,
    });
    expect(await checked.json()).toMatchObject({ checked: { score: 25, likelihoods: [{ line: "National", bps: 3500 }, { line: "Extreme", bps: 875 }] } });
    expect(await w.db.ppiSurvey.count({ where: { clientId: w.consenting.id } })).toBe(0);

    const form = surveyForm(w.scorecardId, answers);
    const params = { partnerId: w.partner.id, clientId: w.consenting.id };
    const first = await run(A(clientPpi), formRequest(path(w, w.consenting.id), form, w.cookies.officer), params);
    const second = await run(A(clientPpi), formRequest(path(w, w.consenting.id), form, w.cookies.officer), params);
    expect(first.status).toBe(302);
    expect(second.headers.get("Location")).toBe(first.headers.get("Location"));
    expect(await w.db.ppiSurvey.count({ where: { clientId: w.consenting.id } })).toBe(1);

    // The same key with other answers is a different survey: refused, not silently merged.
    const reused = await run(A(clientPpi), formRequest(path(w, w.consenting.id), { ...form, q3: "B" }, w.cookies.officer), params);
    expect(reused.status).toBe(400);
    expect(JSON.stringify(await reused.json())).toMatch(/already used to record another survey/);

    const page = await run(L(clientPpi), getRequest(first.headers.get("Location")!, w.cookies.officer), params);
    const data = (await page.json()) as { saved: { score: number; likelihoods: unknown }; history: { score: number; version: string; recordedBy: string }[]; counted: boolean };
    expect(data.counted).toBe(true);
    expect(data.saved).toMatchObject({ score: 25, likelihoods: [{ line: "National", bps: 3500 }, { line: "Extreme", bps: 875 }] });
    expect(data.history).toMatchObject([{ score: 25, version: "v1", recordedBy: w.officerName }]);
  });

  it("every unanswered question, a wrong answer and a future date are named; nothing is saved", async () => {
    const w = await world("TZ");
    const params = { partnerId: w.partner.id, clientId: w.consenting.id };
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const response = await run(A(clientPpi), formRequest(path(w, w.consenting.id), surveyForm(w.scorecardId, { q1: "Z" }, { surveyedOn: tomorrow }), w.cookies.officer), params);
    expect(response.status).toBe(400);
    const { errors } = (await response.json()) as { errors: Record<string, string[]> };
    expect(errors).toEqual({
      surveyedOn: ["The survey date cannot be in the future."],
      q1: ["Choose one of the answers listed."],
      q2: ["Choose an answer."],
      q3: ["Choose an answer."],
    });
    const badDate = await run(A(clientPpi), formRequest(path(w, w.consenting.id), surveyForm(w.scorecardId, { q1: "A", q2: "A", q3: "A" }, { surveyedOn: "2026-02-30" }), w.cookies.officer), params);
    expect(((await badDate.json()) as { errors: Record<string, string[]> }).errors).toEqual({ surveyedOn: ["That date does not exist."] });
    // Today is never "in the future", whatever the hour.
    const todayOk = await run(A(clientPpi), formRequest(path(w, w.silent.id), surveyForm(w.scorecardId, { q1: "A", q2: "A", q3: "A" }), w.cookies.officer), { ...params, clientId: w.silent.id });
    expect(todayOk.status).toBe(302);
    expect(await w.db.ppiSurvey.count({ where: { clientId: w.consenting.id } })).toBe(0);
  });

  it("another partner's staff, a coordinator and a lender are refused, and a client of another partner is not found", async () => {
    const w = await world("TZ");
    const form = surveyForm(w.scorecardId, { q1: "A", q2: "A", q3: "A" });
    const params = { partnerId: w.partner.id, clientId: w.consenting.id };
    for (const who of ["outsider", "coordinator", "lender"] as const) {
      expect((await run(L(clientPpi), getRequest(path(w, w.consenting.id), w.cookies[who]), params)).status).toBe(403);
      expect((await run(A(clientPpi), formRequest(path(w, w.consenting.id), form, w.cookies[who]), params)).status).toBe(403);
    }
    // The outsider on their own partner's page, naming our client: not theirs.
    const outsiderOwn = { partnerId: w.other.id, clientId: w.consenting.id };
    expect((await run(A(clientPpi), formRequest(`/portal/${w.other.id}/clients/${w.consenting.id}/ppi`, form, w.cookies.outsider), outsiderOwn)).status).toBe(404);
    expect(await w.db.ppiSurvey.count({ where: { clientId: w.consenting.id } })).toBe(0);
  });

  it("a scorecard of another country cannot be used", async () => {
    const w = await world("TZ");
    const db = await getDb();
    const admin = await makeUser(db, { isPlatformAdmin: true });
    await importFile(scorecardFile("RW", "2026-foreign"), await sessionCookieFor(admin.id));
    const foreign = await db.ppiScorecard.findFirstOrThrow({ where: { country: "RW", version: "2026-foreign" } });
    const params = { partnerId: w.partner.id, clientId: w.consenting.id };
    const response = await run(A(clientPpi), formRequest(path(w, w.consenting.id), surveyForm(foreign.id, { q1: "A", q2: "A", q3: "A" }), w.cookies.officer), params);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Record<string, string[]> }).errors.scorecardId).toEqual(["Choose one of the scorecards for your country."]);
  });

  it("the history says where the scorecard changed: not comparable from v1 to v2", async () => {
    const w = await world("MW");
    const admin = await makeUser(w.db, { isPlatformAdmin: true });
    await importFile(scorecardFile("MW", "v2", "50"), await sessionCookieFor(admin.id));
    const v2 = await w.db.ppiScorecard.findFirstOrThrow({ where: { country: "MW", version: "v2" } });
    const params = { partnerId: w.partner.id, clientId: w.consenting.id };
    const post = (scorecardId: string, surveyedOn: string) =>
      run(A(clientPpi), formRequest(path(w, w.consenting.id), surveyForm(scorecardId, { q1: "A", q2: "A", q3: "A" }, { surveyedOn }), w.cookies.officer), params);
    await post(w.scorecardId, "2026-01-10");
    await post(w.scorecardId, "2026-04-10");
    await post(v2.id, "2026-07-10");
    const history = await surveyHistory(w.partner.id, w.consenting.id);
    expect(history.map((h) => [h.surveyedOn, h.version, h.changedFrom, h.likelihoods[1]!.bps])).toEqual([
      ["2026-01-10", "v1", null, 4050],
      ["2026-04-10", "v1", null, 4050],
      ["2026-07-10", "v2", "v1", 5000],
    ]);
    // The newest import is the one in force, offered first.
    const page = (await (await run(L(clientPpi), getRequest(path(w, w.consenting.id), w.cookies.officer), params)).json()) as { scorecards: { version: string; inForce: boolean }[] };
    expect(page.scorecards.map((s) => [s.version, s.inForce])).toEqual([["v2", true], ["v1", false]]);
  });
});

describe("rollups follow the surveys", () => {
  it("a consenting client's survey enters every level of the rollups at once; a client without ppi consent does not", async () => {
    const w = await world("ZM");
    const card = parseScorecard(scorecardFile("ZM", "v1"));
    if (!card.ok) throw new Error("test scorecard");
    const params = { partnerId: w.partner.id, clientId: w.consenting.id };
    const rollups = () =>
      w.db.ppiRollup.findMany({
        where: { scorecardId: w.scorecardId, clients: { gt: 0 } },
        select: { level: true, povertyLine: true, clients: true, likelihoodSumBps: true, scoreSum: true, quarter: true },
        orderBy: [{ level: "asc" }, { povertyLine: "asc" }],
      });
    const submit = (clientId: string, answers: Record<string, string>) =>
      run(A(clientPpi), formRequest(path(w, clientId), surveyForm(w.scorecardId, answers, { surveyedOn: "2026-05-20" }), w.cookies.officer), { ...params, clientId });

    await submit(w.silent.id, { q1: "C", q2: "B", q3: "B" });
    expect(await rollups()).toEqual([]);

    await submit(w.consenting.id, { q1: "B", q2: "B", q3: "A" }); // 25: National 3500, Extreme 875
    const quarter = new Date("2026-04-01T00:00:00Z");
    const expected = (level: number, national: number, extreme: number, clients: number, score: number) => [
      { level, povertyLine: "Extreme", clients, likelihoodSumBps: BigInt(extreme), scoreSum: BigInt(score), quarter },
      { level, povertyLine: "National", clients, likelihoodSumBps: BigInt(national), scoreSum: BigInt(score), quarter },
    ];
    expect(await rollups()).toEqual([0, 1, 2, 3].flatMap((level) => expected(level, 3500, 875, 1, 25)));

    // A second consenting client, the best answers (60): the sums add up.
    const second = await makeClient(w.db, { partnerId: w.partner.id, region: "Arusha" });
    await grantConsent(w.db, { clientId: second.id, purpose: "ppi" });
    await submit(second.id, { q1: "C", q2: "B", q3: "B" });
    const best = likelihoodsFor(card.scorecard, 60);
    expect(best).toEqual([{ line: "National", bps: 1000 }, { line: "Extreme", bps: 100 }]);
    expect(await rollups()).toEqual([0, 1, 2, 3].flatMap((level) => expected(level, 3500 + 1000, 875 + 100, 2, 85)));

    // A later survey in the same quarter replaces the client's earlier one.
    await run(A(clientPpi), formRequest(path(w, second.id), surveyForm(w.scorecardId, { q1: "A", q2: "A", q3: "A" }, { surveyedOn: "2026-06-01" }), w.cookies.officer), { ...params, clientId: second.id });
    expect(await rollups()).toEqual([0, 1, 2, 3].flatMap((level) => expected(level, 3500 + 8000, 875 + 4050, 2, 25)));
  });
});

describe("the demo's impact data", () => {
  it("imports the sample scorecards, surveys every demo client for six quarters with Kenya moving from v1 to v2, and running it again changes nothing", async () => {
    const db = await getDb();
    // The demo seed runs seedImpact itself.
    await seed();
    expect(await db.ppiSurvey.count()).toBeGreaterThan(6 * 60);

    const samples = await db.ppiScorecard.findMany({ where: { version: { startsWith: "sample-" } }, select: { country: true, version: true, isSample: true } });
    expect(samples.map((s) => `${s.country} ${s.version} ${s.isSample}`).sort()).toEqual(["KE sample-v1 true", "KE sample-v2 true", "PH sample-v1 true", "UG sample-v1 true"]);

    // Kenya: v1 for the three older quarters, v2 for the last three; never both in one quarter.
    const kenya = await db.ppiClientQuarter.findMany({ where: { partnerId: "seed-partner-1" }, select: { quarter: true, scorecardId: true } });
    const byQuarter = new Map<string, Set<string>>();
    for (const row of kenya) byQuarter.set(row.quarter.toISOString().slice(0, 10), (byQuarter.get(row.quarter.toISOString().slice(0, 10)) ?? new Set()).add(row.scorecardId));
    expect(byQuarter.size).toBe(6);
    const sequence = [...byQuarter.keys()].sort().map((q) => [...byQuarter.get(q)!]);
    expect(sequence.every((ids) => ids.length === 1)).toBe(true);
    expect(new Set(sequence.slice(0, 3).flat()).size).toBe(1);
    expect(new Set(sequence.slice(3).flat()).size).toBe(1);
    expect(sequence[0]![0]).not.toBe(sequence[5]![0]);

    // Consents through the consent model; some clients let funders drill down, and no one without ppi consent does.
    const drilldown = await db.consent.count({ where: { purpose: "investor_drilldown", revokedAt: null } });
    expect(drilldown).toBeGreaterThan(5);
    expect(await db.client.count({ where: { consents: { some: { purpose: "investor_drilldown", revokedAt: null } }, NOT: { consents: { some: { purpose: "ppi", revokedAt: null } } } } })).toBe(0);
    expect(await db.client.count({ where: { id: { startsWith: "seed-client-" }, area: "unknown" } })).toBe(0);
    // The platform rows count exactly the consenting clients surveyed in each quarter.
    const platform = await db.ppiRollup.findMany({ where: { level: 0, clients: { gt: 0 }, scorecardId: { in: (await db.ppiScorecard.findMany({ where: { country: "KE", version: { startsWith: "sample-" } } })).map((s) => s.id) } } });
    expect(platform.length).toBe(6 * 2);

    const counts = { surveys: await db.ppiSurvey.count(), consents: await db.consent.count(), scorecards: await db.ppiScorecard.count() };
    expect((await seedImpact(db)).surveys).toBe(0);
    expect({ surveys: await db.ppiSurvey.count(), consents: await db.consent.count(), scorecards: await db.ppiScorecard.count() }).toEqual(counts);
  }, 240_000);
});
