// Offerings for a client's own enterprise, through the real routes: the owner's
// answers and decision gate submission, and the public pages show the owner's
// name, story and place only with the owner's live consents.
import { describe, expect, it } from "vitest";
import { comprehensionQuestions } from "~/lib/equity-terms.ts";
import { buyUnits, fileReport, settleOfferings } from "~/models/equity.server.ts";
import * as adminPage from "~/routes/admin.offerings.$offeringId.tsx";
import * as portalPage from "~/routes/portal.$partnerId.offerings.$offeringId.tsx";
import * as portalNew from "~/routes/portal.$partnerId.offerings.new.tsx";
import * as publicPage from "~/routes/offerings.$offeringId.tsx";
import * as publicIndex from "~/routes/offerings._index.tsx";
import { getDb } from "~/utils/db.server.ts";
import { grantConsent, makeClient, makeMembership, makePartner, makeUser } from "../factories/index.ts";
import { formRequest, getRequest, run, sessionCookieFor } from "../support/requests.ts";
import { creditFromRepayment } from "../support/wallet.ts";

type Fn = Parameters<typeof run>[0];
const L = (m: { loader?: unknown }) => m.loader as Fn;
const A = (m: { action?: unknown }) => m.action as Fn;
const DAY = 86_400_000;
const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);

async function world() {
  const db = await getDb();
  const partner = await makePartner(db, { name: "Enterprise Partner", country: "KE", regions: ["Kisumu"] });
  const other = await makePartner(db, { name: "Other Partner", regions: ["Gulu"] });
  const officer = await makeUser(db);
  const admin = await makeUser(db, { isPlatformAdmin: true });
  await makeMembership(db, { userId: officer.id, partnerId: partner.id, role: "officer" });
  const owner = await makeClient(db, {
    partnerId: partner.id,
    fullName: "Achieng Otieno",
    region: "Kisumu",
    village: "Kondele",
    sector: "Tailoring",
    story: "Achieng sews school uniforms and wants a second machine.",
  });
  return { partner, other, owner, officerId: officer.id, cookies: { officer: await sessionCookieFor(officer.id), admin: await sessionCookieFor(admin.id) } };
}
type World = Awaited<ReturnType<typeof world>>;

function terms(w: World, overrides: Record<string, string> = {}) {
  return {
    clientId: w.owner.id,
    title: "A second sewing machine for school uniforms",
    maxRaise: "500",
    minRaise: "250",
    unitPrice: "25",
    profitSharePercent: "15",
    capitalReturned: "yes",
    cycleStart: day(30),
    cycleEnd: day(210),
    fundraisingDeadline: day(20),
    perInvestorMaxUnits: "10",
    cancellationHours: "48",
    risks: "Fewer school orders in a bad harvest year would cut the workshop's sales.",
    requestKey: crypto.randomUUID(),
    ...overrides,
  };
}

async function draft(w: World, overrides: Record<string, string> = {}) {
  const res = await run(A(portalNew), formRequest(`/portal/${w.partner.id}/offerings/new`, terms(w, overrides), w.cookies.officer), { partnerId: w.partner.id });
  expect(res.status).toBe(302);
  return res.headers.get("Location")!.split("/").pop()!;
}

/** The owner's record: answers all right or not, and their decision. */
function decisionForm(w: World, decision: { vote?: "yes" | "no" | "abstain"; understood: boolean }) {
  const form: Record<string, string> = { intent: "meeting", heldOn: day(-1) };
  for (const q of comprehensionQuestions({ profitShareBps: 1500, capitalReturned: true }, "enterprise")) {
    form[`answer.${q.id}.${w.owner.id}`] = decision.understood ? q.correct : q.options.find((o) => o.id !== q.correct)!.id;
  }
  if (decision.vote) form[`vote.${w.owner.id}`] = decision.vote;
  return form;
}

async function post(w: World, offeringId: string, form: Record<string, string>) {
  return run(A(portalPage), formRequest(`/portal/${w.partner.id}/offerings/${offeringId}`, form, w.cookies.officer), { partnerId: w.partner.id, offeringId });
}

async function listed(w: World) {
  const id = await draft(w);
  expect((await post(w, id, decisionForm(w, { vote: "yes", understood: true }))).status).toBe(302);
  expect((await post(w, id, { intent: "submit" })).status).toBe(302);
  expect((await run(A(adminPage), formRequest(`/admin/offerings/${id}`, { decision: "approve" }, w.cookies.admin), { offeringId: id })).status).toBe(302);
  return id;
}

async function publicView(id: string) {
  const page = (await (await run(L(publicPage), getRequest(`/offerings/${id}`), { offeringId: id })).json()) as {
    offering: { owner: { kind: string; label: string; story: string | null; place: string } };
  };
  const index = (await (await run(L(publicIndex), getRequest("/offerings"))).json()) as { offerings: { id: string; owner: string }[] };
  return { owner: page.offering.owner, listed: index.offerings.find((o) => o.id === id)!.owner, text: JSON.stringify(page) + JSON.stringify(index) };
}

describe("an enterprise offering", () => {
  it("is drafted for one of the partner's own clients, never another partner's, and not for a group and a client at once", async () => {
    const w = await world();
    const id = await draft(w);
    const db = await getDb();
    expect(await db.offering.findUniqueOrThrow({ where: { id } })).toMatchObject({ clientId: w.owner.id, groupId: null, status: "draft" });

    const stranger = await makeClient(db, { partnerId: w.other.id });
    const foreign = await run(A(portalNew), formRequest(`/portal/${w.partner.id}/offerings/new`, terms(w, { clientId: stranger.id }), w.cookies.officer), { partnerId: w.partner.id });
    expect(foreign.status).toBe(400);
    expect((await foreign.json()).errors.clientId.join(" ")).toMatch(/this partner's clients/);

    const neither = await run(A(portalNew), formRequest(`/portal/${w.partner.id}/offerings/new`, terms(w, { clientId: "" }), w.cookies.officer), { partnerId: w.partner.id });
    expect(neither.status).toBe(400);
    expect((await neither.json()).errors.groupId.join(" ")).toMatch(/Choose the group, or the client/);
    expect(await db.offering.count({ where: { partnerId: w.partner.id } })).toBe(1);
  });

  it("cannot be submitted until the owner has passed the check and agreed; the record is then frozen", async () => {
    const w = await world();
    const id = await draft(w);
    // The facilitator's form asks the owner, by name, the enterprise's questions; no attendance or opt-out to record.
    const page = (await (await run(L(portalPage), getRequest(`/portal/${w.partner.id}/offerings/${id}`, w.cookies.officer), { partnerId: w.partner.id, offeringId: id })).json()) as {
      offering: { kind: string };
      members: { id: string; name: string }[];
      questions: { text: string }[];
    };
    expect(page.offering.kind).toBe("enterprise");
    expect(page.members).toEqual([{ id: w.owner.id, name: "Achieng Otieno" }]);
    expect(page.questions.map((q) => q.text)).toContain("Can you say no to this offer?");
    const refusals: [string, Record<string, string>, RegExp][] = [
      ["with no decision recorded", {}, /Record the owner's decision before submitting/],
      ["when the owner said no", decisionForm(w, { vote: "no", understood: true }), /did not agree/],
      ["when the owner abstained", decisionForm(w, { vote: "abstain", understood: true }), /did not agree/],
      ["when the owner agreed without understanding the terms", decisionForm(w, { vote: "yes", understood: false }), /did not answer all three questions correctly/],
    ];
    const db = await getDb();
    for (const [name, form, reason] of refusals) {
      if (form.intent) expect((await post(w, id, form)).status, name).toBe(302);
      const res = await post(w, id, { intent: "submit" });
      expect(res.status, name).toBe(409);
      expect((await res.json()).errors[""].join(" "), name).toMatch(reason);
      expect((await db.offering.findUniqueOrThrow({ where: { id } })).status, name).toBe("draft");
    }

    // A decision must be recorded: no vote is a field error on the owner's decision.
    const missing = await post(w, id, decisionForm(w, { understood: true }));
    expect(missing.status).toBe(400);
    expect((await missing.json()).errors[`vote.${w.owner.id}`].join(" ")).toMatch(/Record Achieng Otieno's decision/);

    expect((await post(w, id, decisionForm(w, { vote: "yes", understood: true }))).status).toBe(302);
    expect((await post(w, id, { intent: "submit" })).status).toBe(302);
    const meeting = await db.offeringMeeting.findFirstOrThrow({ where: { offeringId: id }, include: { responses: true } });
    expect(meeting.lockedAt).not.toBeNull();
    expect(meeting.membersTotal).toBe(1);
    expect(meeting.responses).toEqual([expect.objectContaining({ clientId: w.owner.id, present: true, passed: true, vote: "yes", optedOut: false })]);
    const again = await post(w, id, decisionForm(w, { vote: "no", understood: true }));
    expect(again.status).toBe(409);
    expect((await db.offeringMemberResponse.findFirstOrThrow({ where: { meetingId: meeting.id } })).vote).toBe("yes");
  });

  it("is shown to the public as a neutral label without the owner's consents, and with name, story and place once they are live", async () => {
    const w = await world();
    const id = await listed(w);
    const without = await publicView(id);
    expect(without.owner).toMatchObject({ kind: "enterprise", label: "An enterprise in Kenya", story: null, place: "Kenya" });
    expect(without.listed).toBe("An enterprise in Kenya · Kenya");
    for (const secret of ["Achieng", "Otieno", "Kondele", "Kisumu", "school uniforms and wants"]) expect(without.text).not.toContain(secret);

    const db = await getDb();
    // A story consent alone shows the story, not the name.
    await grantConsent(db, { clientId: w.owner.id, purpose: "story" });
    // ... with the owner's name in it replaced (ADR 028).
    expect((await publicView(id)).owner).toMatchObject({ kind: "enterprise", label: "An enterprise in Kenya", story: "The owner sews school uniforms and wants a second machine.", place: "Kenya" });

    const name = await grantConsent(db, { clientId: w.owner.id, purpose: "name" });
    await grantConsent(db, { clientId: w.owner.id, purpose: "location", granularity: "region" });
    const withAll = await publicView(id);
    expect(withAll.owner).toMatchObject({ kind: "enterprise", label: "Achieng Otieno's tailoring enterprise", story: "Achieng sews school uniforms and wants a second machine.", place: "Kisumu, Kenya" });
    expect(withAll.text).not.toContain("Kondele");

    // Revoked: gone at once.
    await db.consent.update({ where: { id: name.id }, data: { revokedAt: new Date() } });
    expect((await publicView(id)).owner.label).toBe("An enterprise in Kenya");
  });

  it("shows investors the owner's decision in aggregate, and its cycle report pays out from the same figures", async () => {
    const w = await world();
    const id = await listed(w);
    const page = (await (await run(L(publicPage), getRequest(`/offerings/${id}`), { offeringId: id })).json()) as { meeting: { gate: { ok: boolean; understood: boolean; majority: boolean } } };
    expect(page.meeting.gate).toMatchObject({ ok: true, understood: true, majority: true });

    const db = await getDb();
    const investor = await makeUser(db);
    await creditFromRepayment(investor.id, 25_000n);
    await buyUnits({ investorId: investor.id, offeringId: id, units: 10, requestKey: "enterprise-buy-1" });
    const deadline = (await db.offering.findUniqueOrThrow({ where: { id } })).fundraisingDeadline;
    await settleOfferings(new Date(deadline.getTime() + 1));
    const o = await db.offering.findUniqueOrThrow({ where: { id } });
    expect(o.status).toBe("closed");
    // Income 100,000.00, expenses 60,000.00, losses 10,000.00 KES at 100 per dollar: net $300; 15% is $45, plus the $250 returned.
    const filed = await fileReport({
      partnerId: w.partner.id,
      offeringId: id,
      userId: w.officerId,
      figures: { income: 10_000_000n, expenses: 6_000_000n, loanLosses: 1_000_000n, rate: { numerator: 100n, denominator: 1n }, rateText: "100" },
      now: new Date(o.cycleEnd.getTime() + DAY),
    });
    expect(filed.distributionCents).toBe(25_000n + 4_500n);
  });
});
