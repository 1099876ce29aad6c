// Micro-equity offerings from draft to listing, through the real routes: the
// terms form and its field errors, the members' meeting and the consent gate,
// the frozen meeting record, admin review, the public pages, and who may do what.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { MeetingAggregate } from "~/components/offering-meeting.tsx";
import { comprehensionQuestions } from "~/lib/equity-terms.ts";
import { termsSummary } from "~/lib/offering-summary.ts";
import { recordMeeting } from "~/models/offering.server.ts";
import * as adminPage from "~/routes/admin.offerings.$offeringId.tsx";
import * as adminQueue from "~/routes/admin.offerings._index.tsx";
import * as portalPage from "~/routes/portal.$partnerId.offerings.$offeringId.tsx";
import * as portalIndex from "~/routes/portal.$partnerId.offerings._index.tsx";
import * as portalNew from "~/routes/portal.$partnerId.offerings.new.tsx";
import * as publicPage from "~/routes/offerings.$offeringId.tsx";
import * as publicIndex from "~/routes/offerings._index.tsx";
import { getDb } from "~/utils/db.server.ts";
import { makeClient, makeGroup, makeMembership, makePartner, makeUser } from "../factories/index.ts";
import { formRequest, getRequest, run, sessionCookieFor } from "../support/requests.ts";

type Fn = Parameters<typeof run>[0];
const L = (m: { loader?: unknown }) => m.loader as Fn;
const A = (m: { action?: unknown }) => m.action as Fn;
const DAY = 86_400_000;
const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);

async function world(memberCount = 5) {
  const db = await getDb();
  const partner = await makePartner(db, { name: "Umoja Test", regions: ["Kisumu"] });
  const other = await makePartner(db, { name: "Other Partner", regions: ["Gulu"] });
  const officer = await makeUser(db);
  const coordinator = await makeUser(db);
  const outsider = await makeUser(db);
  const lender = await makeUser(db);
  const admin = await makeUser(db, { isPlatformAdmin: true });
  await makeMembership(db, { userId: officer.id, partnerId: partner.id, role: "officer" });
  await makeMembership(db, { userId: coordinator.id, partnerId: partner.id, role: "coordinator" });
  await makeMembership(db, { userId: outsider.id, partnerId: other.id, role: "admin" });
  const members = [];
  for (let i = 0; i < memberCount; i++) members.push(await makeClient(db, { partnerId: partner.id, region: "Kisumu", fullName: `Member Zawadi${i}` }));
  const group = await makeGroup(db, { partnerId: partner.id, region: "Kisumu", name: "Tumaini Savings Group", memberIds: members.map((m) => m.id) });
  return {
    partner,
    other,
    group,
    members,
    cookies: {
      officer: await sessionCookieFor(officer.id),
      coordinator: await sessionCookieFor(coordinator.id),
      outsider: await sessionCookieFor(outsider.id),
      lender: await sessionCookieFor(lender.id),
      admin: await sessionCookieFor(admin.id),
    },
  };
}
type World = Awaited<ReturnType<typeof world>>;

function terms(w: World, overrides: Record<string, string> = {}) {
  return {
    groupId: w.group.id,
    title: "Grow the loan fund for the maize season",
    maxRaise: "1000",
    minRaise: "500",
    unitPrice: "25",
    profitSharePercent: "20",
    capitalReturned: "yes",
    cycleStart: day(30),
    cycleEnd: day(395),
    fundraisingDeadline: day(20),
    perInvestorMaxUnits: "10",
    cancellationHours: "48",
    risks: "A drought could cut members' harvests and their loan repayments.",
    requestKey: crypto.randomUUID(),
    ...overrides,
  };
}

async function draft(w: World, overrides: Record<string, string> = {}) {
  const res = await run(A(portalNew), formRequest(`/portal/${w.partner.id}/offerings/new`, terms(w, overrides), w.cookies.officer), { partnerId: w.partner.id });
  expect(res.status).toBe(302);
  return res.headers.get("Location")!.split("/").pop()!;
}

type Member = { present?: boolean; vote?: "yes" | "no" | "abstain"; understood?: boolean; optedOut?: boolean };

/** The meeting form: each member's attendance, answers (all right, or all wrong), vote and opt-out. */
function meetingForm(w: World, people: Member[], capitalReturned = true) {
  const questions = comprehensionQuestions({ profitShareBps: 2000, capitalReturned });
  const form: Record<string, string> = { intent: "meeting", heldOn: day(-1) };
  w.members.forEach((m, i) => {
    const p = people[i] ?? {};
    if (p.present) form[`present.${m.id}`] = "on";
    if (p.optedOut) form[`optedOut.${m.id}`] = "on";
    if (p.vote) form[`vote.${m.id}`] = p.vote;
    if (p.present) {
      for (const q of questions) form[`answer.${q.id}.${m.id}`] = p.understood === false ? q.options.find((o) => o.id !== q.correct)!.id : q.correct;
    }
  });
  return form;
}

async function post(w: World, offeringId: string, form: Record<string, string>, cookie = w.cookies.officer) {
  return run(A(portalPage), formRequest(`/portal/${w.partner.id}/offerings/${offeringId}`, form, cookie), { partnerId: w.partner.id, offeringId });
}

const yes = (n: number): Member[] => Array.from({ length: n }, () => ({ present: true, vote: "yes" }));

describe("drafting an offering", () => {
  it("saves the terms in minor units and basis points, and the summary states them", async () => {
    const w = await world();
    const id = await draft(w);
    const db = await getDb();
    const o = await db.offering.findUniqueOrThrow({ where: { id } });
    expect(o).toMatchObject({ status: "draft", maxRaiseCents: 100_000n, minRaiseCents: 50_000n, unitPriceCents: 2_500n, profitShareBps: 2000, capitalReturned: true, perInvestorMaxUnits: 10, cancellationHours: 48, groupId: w.group.id });
    const page = await (await run(L(portalPage), getRequest(`/portal/${w.partner.id}/offerings/${id}`, w.cookies.officer), { partnerId: w.partner.id, offeringId: id })).json();
    // The member names are shown to the partner's own staff on the meeting form.
    expect(page.members.map((m: { name: string }) => m.name)).toContain("Member Zawadi0");
    const list = await (await run(L(portalIndex), getRequest(`/portal/${w.partner.id}/offerings`, w.cookies.officer), { partnerId: w.partner.id })).json();
    expect(list.offerings.map((x: { id: string }) => x.id)).toEqual([id]);
  });

  const bad: [string, Record<string, string>, string, RegExp][] = [
    ["profit share over 100%", { profitSharePercent: "120" }, "profitSharePercent", /more than 100%/],
    ["cycle end before its start", { cycleStart: day(30), cycleEnd: day(10) }, "cycleEnd", /end after it starts/],
    ["minimum above the maximum", { minRaise: "2000" }, "minRaise", /cannot be more than the capital sought/],
    ["a unit price that does not divide the capital", { unitPrice: "30" }, "unitPrice", /whole number of units/],
    ["a deadline after the cycle starts", { fundraisingDeadline: day(40) }, "fundraisingDeadline", /on or before the day the cycle starts/],
    ["a deadline in the past", { fundraisingDeadline: day(-2) }, "fundraisingDeadline", /in the future/],
    ["a negative amount", { maxRaise: "-5" }, "maxRaise", /greater than zero/],
    ["no risks", { risks: "" }, "risks", /risks/],
    ["a per-investor limit above all the units", { perInvestorMaxUnits: "41" }, "perInvestorMaxUnits", /more than all 40 units/],
    ["another partner's group", {}, "groupId", /this partner's groups/],
  ];
  for (const [name, overrides, field, message] of bad) {
    it(`refuses ${name} with a field error and saves nothing`, async () => {
      const w = await world(1);
      const fields = name === "another partner's group" ? { ...terms(w), groupId: (await makeGroup(await getDb(), { partnerId: w.other.id, memberIds: [] })).id } : terms(w, overrides);
      const res = await run(A(portalNew), formRequest(`/portal/${w.partner.id}/offerings/new`, fields, w.cookies.officer), { partnerId: w.partner.id });
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.errors[field].join(" ")).toMatch(message);
      expect(await (await getDb()).offering.count({ where: { partnerId: w.partner.id } })).toBe(0);
    });
  }

  it("the same form posted twice (or twice at once) creates one draft", async () => {
    const w = await world(1);
    const form = terms(w);
    const send = () => run(A(portalNew), formRequest(`/portal/${w.partner.id}/offerings/new`, form, w.cookies.officer), { partnerId: w.partner.id });
    const [a, b] = await Promise.all([send(), send()]);
    const c = await send();
    expect([a, b, c].map((r) => r.status)).toEqual([302, 302, 302]);
    expect(new Set([a, b, c].map((r) => r.headers.get("Location"))).size).toBe(1);
    expect(await (await getDb()).offering.count({ where: { partnerId: w.partner.id } })).toBe(1);
    const noKey = await run(A(portalNew), formRequest(`/portal/${w.partner.id}/offerings/new`, { ...form, requestKey: "" }, w.cookies.officer), { partnerId: w.partner.id });
    expect(noKey.status).toBe(400);
    expect((await noKey.json()).errors[""].join(" ")).toMatch(/out of date/);
  });

  it("edits a draft, and new terms discard a meeting recorded for the old ones", async () => {
    const w = await world();
    const id = await draft(w);
    expect((await post(w, id, meetingForm(w, yes(5)))).status).toBe(302);
    const res = await post(w, id, { intent: "update", ...terms(w, { profitSharePercent: "25" }) });
    expect(res.status).toBe(302);
    const db = await getDb();
    expect((await db.offering.findUniqueOrThrow({ where: { id } })).profitShareBps).toBe(2500);
    expect(await db.offeringMeeting.count({ where: { offeringId: id } })).toBe(0);
    const refused = await post(w, id, { intent: "update", ...terms(w, { profitSharePercent: "101" }) });
    expect(refused.status).toBe(400);
    expect((await db.offering.findUniqueOrThrow({ where: { id } })).profitShareBps).toBe(2500);
  });
});

describe("the members' meeting and the consent gate", () => {
  const cases: [string, Member[], RegExp][] = [
    ["without a quorum (2 of 5 present)", yes(2), /No quorum: 2 of 5/],
    ["without a majority (1 yes, 1 no, 1 abstain)", [{ present: true, vote: "yes" }, { present: true, vote: "no" }, { present: true, vote: "abstain" }], /No majority: 1 of 3/],
    [
      "without comprehension (1 of 3 voters passed)",
      [{ present: true, vote: "yes" }, { present: true, vote: "yes", understood: false }, { present: true, vote: "yes", understood: false }],
      /Not understood: 1 of 3/,
    ],
  ];
  for (const [name, people, reason] of cases) {
    it(`cannot be submitted ${name}`, async () => {
      const w = await world();
      const id = await draft(w);
      expect((await post(w, id, meetingForm(w, people))).status).toBe(302);
      const res = await post(w, id, { intent: "submit" });
      expect(res.status).toBe(409);
      expect((await res.json()).errors[""].join(" ")).toMatch(reason);
      const db = await getDb();
      expect((await db.offering.findUniqueOrThrow({ where: { id } })).status).toBe("draft");
      expect((await db.offeringMeeting.findFirstOrThrow({ where: { offeringId: id } })).lockedAt).toBeNull();
    });
  }

  it("cannot be submitted with no meeting at all", async () => {
    const w = await world();
    const id = await draft(w);
    const res = await post(w, id, { intent: "submit" });
    expect(res.status).toBe(409);
    expect((await res.json()).errors[""].join(" ")).toMatch(/Record the members' meeting/);
  });

  it("records each member's answers, computed pass, vote and opt-out; re-recording replaces it; only present members vote", async () => {
    const w = await world();
    const id = await draft(w);
    const absentVoting = meetingForm(w, yes(3));
    absentVoting[`vote.${w.members[4]!.id}`] = "yes";
    const refused = await post(w, id, absentVoting);
    expect(refused.status).toBe(400);
    expect((await refused.json()).errors[`present.${w.members[4]!.id}`].join(" ")).toMatch(/not marked present/);
    const noVote = meetingForm(w, [{ present: true }]);
    expect((await (await post(w, id, noVote)).json()).errors[`vote.${w.members[0]!.id}`].join(" ")).toMatch(/vote/);
    const db = await getDb();
    expect(await db.offeringMeeting.count({ where: { offeringId: id } })).toBe(0);
    // A member who is not (or no longer) in the group cannot be recorded, nor a member left out.
    const stranger = (await makeClient(db, { partnerId: w.partner.id, region: "Kisumu" })).id;
    const all = w.members.map((m) => ({ clientId: m.id, present: true, answers: {}, vote: "yes" as const, optedOut: false }));
    for (const responses of [all.slice(1), [...all.slice(1), { ...all[0]!, clientId: stranger }]]) {
      await expect(recordMeeting(w.partner.id, id, { heldOn: new Date(), notes: "", responses }, "x")).rejects.toThrow(/members changed/);
    }

    await post(w, id, meetingForm(w, yes(2)));
    await post(w, id, meetingForm(w, [{ present: true, vote: "yes" }, { present: true, vote: "no", understood: false, optedOut: true }, { present: true, vote: "abstain" }, { optedOut: true }]));
    const meetings = await db.offeringMeeting.findMany({ where: { offeringId: id }, include: { responses: true } });
    expect(meetings).toHaveLength(1);
    expect(meetings[0]!.membersTotal).toBe(5);
    const byClient = new Map(meetings[0]!.responses.map((r) => [r.clientId, r]));
    expect(byClient.get(w.members[0]!.id)).toMatchObject({ present: true, passed: true, vote: "yes", optedOut: false });
    expect(byClient.get(w.members[1]!.id)).toMatchObject({ present: true, passed: false, vote: "no", optedOut: true });
    expect(byClient.get(w.members[3]!.id)).toMatchObject({ present: false, passed: false, vote: null, optedOut: true });
    const page = await (await run(L(portalPage), getRequest(`/portal/${w.partner.id}/offerings/${id}`, w.cookies.officer), { partnerId: w.partner.id, offeringId: id })).json();
    expect(page.meeting.tally).toEqual({ membersTotal: 5, present: 3, voted: 3, yes: 1, no: 1, abstain: 1, passedAmongVoters: 2, optedOut: 2 });
  });

  it("submits with quorum, majority and comprehension; the meeting is then frozen and cannot change", async () => {
    const w = await world();
    const id = await draft(w);
    await post(w, id, meetingForm(w, [...yes(3), { present: true, vote: "no" }]));
    const res = await post(w, id, { intent: "submit" });
    expect(res.status).toBe(302);
    const db = await getDb();
    const o = await db.offering.findUniqueOrThrow({ where: { id } });
    expect(o.status).toBe("submitted");
    const before = await db.offeringMeeting.findFirstOrThrow({ where: { offeringId: id }, include: { responses: { orderBy: { clientId: "asc" } } } });
    expect(before.lockedAt).not.toBeNull();

    // Through the page, and straight through the model: refused, and nothing changed.
    const again = await post(w, id, meetingForm(w, yes(5)));
    expect(again.status).toBe(409);
    expect((await again.json()).errors[""].join(" ")).toMatch(/frozen/);
    await expect(recordMeeting(w.partner.id, id, { heldOn: new Date(), notes: "", responses: w.members.map((m) => ({ clientId: m.id, present: true, answers: {}, vote: "no", optedOut: false })) }, "x")).rejects.toThrow(/frozen/);
    expect((await post(w, id, { intent: "update", ...terms(w, { profitSharePercent: "50" }) })).status).toBe(409);
    const after = await db.offeringMeeting.findFirstOrThrow({ where: { offeringId: id }, include: { responses: { orderBy: { clientId: "asc" } } } });
    expect(after).toEqual(before);
    expect(await db.offeringMeeting.count({ where: { offeringId: id } })).toBe(1);
  });

  it("of two submissions at once, one succeeds", async () => {
    const w = await world();
    const id = await draft(w);
    await post(w, id, meetingForm(w, yes(5)));
    const results = await Promise.all([post(w, id, { intent: "submit" }), post(w, id, { intent: "submit" })]);
    expect(results.map((r) => r.status).sort()).toEqual([302, 409]);
  });
});

describe("admin review and the public pages", () => {
  it("approve lists it; the public page shows the terms, the worked example's figures and the meeting in aggregate, never a name", async () => {
    const w = await world();
    const id = await draft(w);
    await post(w, id, meetingForm(w, [...yes(3), { present: true, vote: "no" }, { optedOut: true }]));
    await post(w, id, { intent: "submit" });

    // Not public while waiting for review.
    expect((await run(L(publicPage), getRequest(`/offerings/${id}`), { offeringId: id })).status).toBe(404);
    const queue = await (await run(L(adminQueue), getRequest("/admin/offerings", w.cookies.admin))).json();
    expect(queue.queue.map((o: { id: string }) => o.id)).toContain(id);

    const approve = await run(A(adminPage), formRequest(`/admin/offerings/${id}`, { decision: "approve" }, w.cookies.admin), { offeringId: id });
    expect(approve.status).toBe(302);
    const db = await getDb();
    const o = await db.offering.findUniqueOrThrow({ where: { id } });
    expect(o.status).toBe("listed");
    expect(o.listedAt).not.toBeNull();

    const res = await run(L(publicPage), getRequest(`/offerings/${id}`), { offeringId: id });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toMatch(/Zawadi/);
    const page = JSON.parse(text);
    expect(page.meeting.tally).toMatchObject({ membersTotal: 5, present: 4, yes: 3, no: 1, abstain: 0, passedAmongVoters: 4, optedOut: 1 });
    expect(page.meeting.gate.ok).toBe(true);
    // The page computes the example from these terms: hand-worked, 40 units of $25, profit $200 → $26.00; loss $100 → $24.50.
    const s = termsSummary({ ...page.terms, unitPriceCents: BigInt(page.terms.unitPriceCents), maxRaiseCents: BigInt(page.terms.maxRaiseCents), minRaiseCents: BigInt(page.terms.minRaiseCents) });
    expect([s.example.onProfitCents, s.example.breakEvenCents, s.example.onLossCents]).toEqual([2_600n, 2_500n, 2_450n]);
    const list = await (await run(L(publicIndex), getRequest("/offerings"))).json();
    expect(list.offerings.map((x: { id: string }) => x.id)).toContain(id);
  });

  it("return sends it back to draft with the comment; the frozen meeting stays as history and a new meeting is needed", async () => {
    const w = await world();
    const id = await draft(w);
    await post(w, id, meetingForm(w, yes(5)));
    await post(w, id, { intent: "submit" });
    const noComment = await run(A(adminPage), formRequest(`/admin/offerings/${id}`, { decision: "return" }, w.cookies.admin), { offeringId: id });
    expect(noComment.status).toBe(400);
    expect((await noComment.json()).errors.comment.join(" ")).toMatch(/Say what the partner should change/);
    const ret = await run(A(adminPage), formRequest(`/admin/offerings/${id}`, { decision: "return", comment: "Explain the drought risk in more detail." }, w.cookies.admin), { offeringId: id });
    expect(ret.status).toBe(302);
    const db = await getDb();
    expect(await db.offering.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "draft", reviewComment: "Explain the drought risk in more detail." });

    const resubmit = await post(w, id, { intent: "submit" });
    expect(resubmit.status).toBe(409);
    expect((await resubmit.json()).errors[""].join(" ")).toMatch(/Record a new members' meeting/);
    expect((await post(w, id, meetingForm(w, yes(4)))).status).toBe(302);
    expect((await post(w, id, { intent: "submit" })).status).toBe(302);
    const meetings = await db.offeringMeeting.findMany({ where: { offeringId: id } });
    expect(meetings).toHaveLength(2);
    expect(meetings.every((m) => m.lockedAt !== null)).toBe(true);
  });

  it("a small group's meeting counts are not shown to the public, only whether the gate passed", async () => {
    const w = await world(3);
    const id = await draft(w);
    await post(w, id, meetingForm(w, yes(3)));
    await post(w, id, { intent: "submit" });
    await run(A(adminPage), formRequest(`/admin/offerings/${id}`, { decision: "approve" }, w.cookies.admin), { offeringId: id });
    const page = await (await run(L(publicPage), getRequest(`/offerings/${id}`), { offeringId: id })).json();
    expect(page.meeting.gate.ok).toBe(true);
    const html = renderToStaticMarkup(createElement(MeetingAggregate, { meeting: page.meeting, showCounts: false }));
    expect(html).toMatch(/fewer than 5 members, so the counts are not shown/);
    expect(html).toMatch(/Quorum \(more than half the members present\): yes/);
    expect(html).not.toMatch(/Present/);
  });
});

describe("who may do what", () => {
  it("other partners' staff, coordinators, lenders and anonymous visitors cannot read or change offerings; drafts are not public", async () => {
    const w = await world();
    const id = await draft(w);
    await post(w, id, meetingForm(w, yes(5)));
    const p = w.partner.id;
    const portal: { route: object; path: string; params: Record<string, string>; form?: Record<string, string> }[] = [
      { route: portalIndex, path: `/portal/${p}/offerings`, params: { partnerId: p } },
      { route: portalNew, path: `/portal/${p}/offerings/new`, params: { partnerId: p }, form: terms(w) },
      { route: portalPage, path: `/portal/${p}/offerings/${id}`, params: { partnerId: p, offeringId: id }, form: { intent: "submit" } },
    ];
    for (const who of ["outsider", "coordinator", "lender"] as const) {
      for (const c of portal) {
        expect((await run(L(c.route), getRequest(c.path, w.cookies[who]), c.params)).status, `${who} reads ${c.path}`).toBe(403);
        if (c.form) expect((await run(A(c.route), formRequest(c.path, c.form, w.cookies[who]), c.params)).status, `${who} writes ${c.path}`).toBe(403);
      }
    }
    for (const c of portal) {
      expect((await run(L(c.route), getRequest(c.path), c.params)).status).toBe(302);
      if (c.form) expect((await run(A(c.route), formRequest(c.path, c.form), c.params)).status).toBe(401);
    }
    // Another partner's offering id under this partner's URL: not found.
    const otherOfficer = w.cookies.outsider;
    expect((await run(L(portalPage), getRequest(`/portal/${w.other.id}/offerings/${id}`, otherOfficer), { partnerId: w.other.id, offeringId: id })).status).toBe(404);

    for (const who of ["officer", "lender"] as const) {
      expect((await run(L(adminQueue), getRequest("/admin/offerings", w.cookies[who]))).status).toBe(403);
      expect((await run(A(adminPage), formRequest(`/admin/offerings/${id}`, { decision: "approve" }, w.cookies[who]), { offeringId: id })).status).toBe(403);
    }
    expect((await run(L(publicPage), getRequest(`/offerings/${id}`), { offeringId: id })).status).toBe(404);
    const list = await (await run(L(publicIndex), getRequest("/offerings"))).json();
    expect(list.offerings.map((x: { id: string }) => x.id)).not.toContain(id);
    const db = await getDb();
    expect(await db.offering.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "draft" });
    expect(await db.offering.count({ where: { partnerId: p } })).toBe(1);
  });
});
