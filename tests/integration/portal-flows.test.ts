import fs from "node:fs";
import { describe, expect, it } from "vitest";
import * as clientPage from "~/routes/portal.$partnerId.clients.$clientId.tsx";
import * as clientNew from "~/routes/portal.$partnerId.clients.new.tsx";
import * as groupPage from "~/routes/portal.$partnerId.groups.$groupId.tsx";
import * as loanPage from "~/routes/portal.$partnerId.loans.$loanId.tsx";
import * as loanNew from "~/routes/portal.$partnerId.loans.new.tsx";
import * as reviewPage from "~/routes/admin.loans.$loanId.tsx";
import * as publicList from "~/routes/loans._index.tsx";
import * as publicLoan from "~/routes/loans.$loanId.tsx";
import * as partnerProfile from "~/routes/partners.$slug.tsx";
import * as photo from "~/routes/photos.$clientId.tsx";
import { groupHealth } from "~/models/group.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { createSession } from "~/utils/session.server.ts";
import { makeClient, makeGroup, makeMembership, makePartner, makeUser } from "../factories/index.ts";
import { BASE, formRequest, getRequest, run } from "../support/requests.ts";

type Fn = Parameters<typeof run>[0];
const L = (m: { loader?: unknown }) => m.loader as Fn;
const A = (m: { action?: unknown }) => m.action as Fn;

async function setup() {
  const db = await getDb();
  const partner = await makePartner(db, { name: "Flow Finance", country: "KE", regions: ["Kisumu", "Nakuru"], currency: "KES" });
  const officer = await makeUser(db, { name: "Olive Officer" });
  const admin = await makeUser(db, { isPlatformAdmin: true });
  await makeMembership(db, { userId: officer.id, partnerId: partner.id, role: "officer" });
  const cookie = `mavuno_session=${(await createSession(officer.id, null)).token}`;
  const adminCookie = `mavuno_session=${(await createSession(admin.id, null)).token}`;
  return { db, partner, officer, cookie, adminCookie };
}

async function errors(res: Response) {
  expect(res.status).toBeGreaterThanOrEqual(400);
  return ((await res.json()) as { errors: Record<string, string[]> }).errors;
}

const futureDate = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

function loanForm(borrower: string, overrides: Record<string, string> = {}) {
  return {
    intent: "save",
    borrower,
    amountUsd: "500",
    fxRate: "129.50",
    purpose: "To buy a sewing machine for the tailoring shop",
    sector: "Services",
    termMonths: "12",
    frequency: "monthly",
    interestMethod: "declining_balance",
    annualRate: "24",
    graceInstalments: "0",
    fundraisingDeadline: futureDate(20),
    ...overrides,
  };
}

describe("partner portal flows", () => {
  it("refuses a client in a region the partner does not serve, naming the field, and saves nothing", async () => {
    const { db, partner, cookie } = await setup();
    const res = await run(A(clientNew), formRequest(`/portal/${partner.id}/clients/new`, { fullName: "Amani", gender: "female", region: "Atlantis", village: "X", sector: "Retail" }, cookie), { partnerId: partner.id });
    expect((await errors(res)).region?.[0]).toMatch(/Choose one of the regions this partner serves: Kisumu, Nakuru/);
    expect(await db.client.count({ where: { partnerId: partner.id } })).toBe(0);
  });

  it("names each bad loan field and saves nothing", async () => {
    const { db, partner, cookie } = await setup();
    const client = await makeClient(db, { partnerId: partner.id, region: "Kisumu" });
    const save = async (overrides: Record<string, string>) =>
      errors(await run(A(loanNew), formRequest(`/portal/${partner.id}/loans/new`, loanForm(`client:${client.id}`, overrides), cookie), { partnerId: partner.id }));
    expect((await save({ amountUsd: "510" })).amountUsd?.[0]).toMatch(/multiple of \$25/);
    expect((await save({ amountUsd: "-25" })).amountUsd?.[0]).toMatch(/greater than zero/);
    expect((await save({ annualRate: "150" })).annualRate?.[0]).toMatch(/between 0% and 100%/);
    expect((await save({ annualRate: "abc" })).annualRate?.[0]).toMatch(/in percent/);
    expect((await save({ fundraisingDeadline: "2020-01-01" })).fundraisingDeadline?.[0]).toMatch(/in the future/);
    expect((await save({ fundraisingDeadline: futureDate(90) })).fundraisingDeadline?.[0]).toMatch(/at most 60 days/);
    expect((await save({ graceInstalments: "12" })).graceInstalments?.[0]).toMatch(/fewer than the loan's 12 instalments/);
    expect((await save({ fxRate: "0" })).fxRate?.[0]).toMatch(/exchange|US dollar/);
    const other = await makePartner(db, { regions: ["Gulu"] });
    const stranger = await makeClient(db, { partnerId: other.id, region: "Gulu" });
    expect((await save({ borrower: `client:${stranger.id}` })).borrower?.[0]).toMatch(/this partner's clients/);
    expect(await db.loan.count({ where: { partnerId: partner.id } })).toBe(0);
  });

  it("previews the schedule without saving, then drafts, submits, is returned with comments, resubmits and is approved onto /loans", async () => {
    const { db, partner, cookie, adminCookie } = await setup();
    const client = await makeClient(db, { partnerId: partner.id, region: "Kisumu", fullName: "Wanjiru Flowname", story: "Wanjiru tailors school uniforms." });
    const preview = await run(A(loanNew), formRequest(`/portal/${partner.id}/loans/new`, loanForm(`client:${client.id}`, { intent: "preview" }), cookie), { partnerId: partner.id });
    const previewJson = (await preview.json()) as { schedule: { rows: unknown[]; currency: string; aprBps: number } };
    expect(previewJson.schedule.rows).toHaveLength(12);
    expect(previewJson.schedule.currency).toBe("KES");
    expect(await db.loan.count({ where: { partnerId: partner.id } })).toBe(0);

    const saved = await run(A(loanNew), formRequest(`/portal/${partner.id}/loans/new`, loanForm(`client:${client.id}`), cookie), { partnerId: partner.id });
    expect(saved.status).toBe(302);
    const loan = await db.loan.findFirstOrThrow({ where: { partnerId: partner.id } });
    expect(loan.status).toBe("draft");
    expect(loan.amountUsdCents).toBe(50_000);
    expect(loan.amountLocalMinor).toBe(6_475_000n); // 500.00 USD × 129.50 = 64,750.00 KES
    const params = { partnerId: partner.id, loanId: loan.id };
    const path = `/portal/${partner.id}/loans/${loan.id}`;

    // Not public while in draft or review.
    expect((await run(L(publicLoan), getRequest(`/loans/${loan.id}`), { loanId: loan.id })).status).toBe(404);

    await run(A(loanPage), formRequest(path, { intent: "submit" }, cookie), params);
    expect((await db.loan.findUniqueOrThrow({ where: { id: loan.id } })).status).toBe("submitted");

    const missingComment = await run(A(reviewPage), formRequest(`/admin/loans/${loan.id}`, { decision: "return", comment: "" }, adminCookie), { loanId: loan.id });
    expect((await errors(missingComment)).comment?.[0]).toMatch(/what the partner should change/);
    await run(A(reviewPage), formRequest(`/admin/loans/${loan.id}`, { decision: "return", comment: "Please describe the business in more detail." }, adminCookie), { loanId: loan.id });
    const returned = await db.loan.findUniqueOrThrow({ where: { id: loan.id } });
    expect(returned.status).toBe("draft");
    expect(returned.reviewComment).toBe("Please describe the business in more detail.");
    const page = await (await run(L(loanPage), getRequest(path, cookie), params)).text();
    expect(page).toContain("Please describe the business in more detail.");

    await run(A(loanPage), formRequest(path, loanForm(`client:${client.id}`, { intent: "update", purpose: "To buy a second sewing machine so her apprentice can work too" }), cookie), params);
    await run(A(loanPage), formRequest(path, { intent: "submit" }, cookie), params);
    const approved = await run(A(reviewPage), formRequest(`/admin/loans/${loan.id}`, { decision: "approve" }, adminCookie), { loanId: loan.id });
    expect(approved.status).toBe(302);
    const listed = await db.loan.findUniqueOrThrow({ where: { id: loan.id } });
    expect(listed.status).toBe("fundraising");
    expect(listed.listedAt).not.toBeNull();
    const events = await db.loanEvent.findMany({ where: { loanId: loan.id }, orderBy: { at: "asc" } });
    expect(events.map((e) => e.toStatus)).toEqual(["draft", "submitted", "draft", "submitted", "fundraising"]);

    const list = await (await run(L(publicList), getRequest("/loans?country=KE"))).text();
    expect(list).toContain(loan.id);
    // Approving twice is refused: it is no longer waiting for review.
    const again = await run(A(reviewPage), formRequest(`/admin/loans/${loan.id}`, { decision: "approve" }, adminCookie), { loanId: loan.id });
    expect(again.status).toBe(409);

    await run(A(loanPage), formRequest(path, { intent: "cancel", reason: "The client found another lender" }, cookie), params);
    expect((await db.loan.findUniqueOrThrow({ where: { id: loan.id } })).status).toBe("cancelled");
    expect((await run(L(publicLoan), getRequest(`/loans/${loan.id}`), { loanId: loan.id })).status).toBe(404);
  });

  it("each revoked consent takes its datum off the public loan page, the loan list and the partner page on the next request", async () => {
    const { db, partner, cookie, adminCookie } = await setup();
    const marker = "Zqxmarker";
    const client = await makeClient(db, { partnerId: partner.id, region: "Nakuru", village: `${marker}ville`, fullName: `Akinyi ${marker}`, story: `${marker} story of a kiosk.` });
    await run(A(loanNew), formRequest(`/portal/${partner.id}/loans/new`, loanForm(`client:${client.id}`), cookie), { partnerId: partner.id });
    const loan = await db.loan.findFirstOrThrow({ where: { clientId: client.id } });
    await run(A(loanPage), formRequest(`/portal/${partner.id}/loans/${loan.id}`, { intent: "submit" }, cookie), { partnerId: partner.id, loanId: loan.id });
    await run(A(reviewPage), formRequest(`/admin/loans/${loan.id}`, { decision: "approve" }, adminCookie), { loanId: loan.id });

    const clientPath = `/portal/${partner.id}/clients/${client.id}`;
    const params = { partnerId: partner.id, clientId: client.id };
    for (const [purpose, extra] of [["story", {}], ["name", {}], ["location", { granularity: "village" }]] as const) {
      const res = await run(A(clientPage), formRequest(clientPath, { intent: "grant", purpose, evidence: `Form ${purpose}`, ...extra }, cookie), params);
      expect(res.status).toBe(302);
    }
    const pages = async () => ({
      loan: await (await run(L(publicLoan), getRequest(`/loans/${loan.id}`), { loanId: loan.id })).text(),
      list: await (await run(L(publicList), getRequest("/loans?country=KE"))).text(),
      partner: await (await run(L(partnerProfile), getRequest(`/partners/${partner.slug}`), { slug: partner.slug })).text(),
    });
    let seen = await pages();
    expect(seen.loan).toContain(`${marker} story`);
    expect(seen.loan).toContain(`Akinyi ${marker}`);
    expect(seen.loan).toContain(`${marker}ville`);
    expect(seen.list).toContain(`Akinyi ${marker}`);
    expect(seen.partner).not.toContain(marker);

    const live = async (purpose: string) => (await db.consent.findFirstOrThrow({ where: { clientId: client.id, purpose: purpose as never, revokedAt: null } })).id;
    await run(A(clientPage), formRequest(clientPath, { intent: "revoke", consentId: await live("location") }, cookie), params);
    seen = await pages();
    expect(seen.loan).not.toContain(`${marker}ville`);
    expect(seen.loan).toContain(`Akinyi ${marker}`);

    await run(A(clientPage), formRequest(clientPath, { intent: "revoke", consentId: await live("name") }, cookie), params);
    seen = await pages();
    expect(seen.loan).not.toContain(`Akinyi ${marker}`);
    expect(seen.list).not.toContain(`Akinyi ${marker}`);
    // The story stays, with the name in it replaced (ADR 028).
    expect(seen.loan).toContain("The borrower story of a kiosk.");
    expect(seen.loan).not.toContain(marker);

    await run(A(clientPage), formRequest(clientPath, { intent: "revoke", consentId: await live("story") }, cookie), params);
    seen = await pages();
    for (const text of Object.values(seen)) expect(text).not.toContain(marker);
    expect(seen.loan).toContain("A client of Flow Finance in Kenya");
    const history = await db.consent.findMany({ where: { clientId: client.id } });
    expect(history).toHaveLength(3);
    expect(history.every((c) => c.revokedAt !== null)).toBe(true);
  });

  it("checks uploaded photos by their bytes and size, and serves one only while the photo consent is live", async () => {
    const { db, partner, cookie } = await setup();
    const client = await makeClient(db, { partnerId: partner.id, region: "Kisumu" });
    const path = `/portal/${partner.id}/clients/${client.id}`;
    const params = { partnerId: partner.id, clientId: client.id };
    const upload = (bytes: Uint8Array, name: string, type: string) => {
      const form = new FormData();
      form.set("photo", new File([Buffer.from(bytes)], name, { type }));
      return run(A(clientPage), new Request(`${BASE}${path}`, { method: "POST", headers: { Cookie: cookie }, body: form }), params);
    };
    // A PNG: signature, then enough bytes to be a file.
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(200).fill(7)]);
    expect((await errors(await upload(new TextEncoder().encode("<?php echo 1; ?>"), "photo.png", "image/png"))).photo?.[0]).toMatch(/not a JPEG, PNG or WebP/);
    const big = new Uint8Array(3 * 1024 * 1024 + 10);
    big.set(png.slice(0, 8));
    expect((await errors(await upload(big, "big.png", "image/png"))).photo?.[0]).toMatch(/larger than 3 MB/);
    expect((await db.client.findUniqueOrThrow({ where: { id: client.id } })).photoFile).toBeNull();

    expect((await upload(png, "ok.png", "image/png")).status).toBe(302);
    const stored = (await db.client.findUniqueOrThrow({ where: { id: client.id } })).photoFile!;
    expect(stored).toMatch(/\.png$/);

    const fetchPhoto = (c?: string) => run(L(photo), getRequest(`/photos/${client.id}`, c), { clientId: client.id });
    expect((await fetchPhoto()).status).toBe(404);
    const staff = await fetchPhoto(cookie);
    expect(staff.status).toBe(200);
    expect(staff.headers.get("Content-Type")).toBe("image/png");
    await run(A(clientPage), formRequest(path, { intent: "grant", purpose: "photo", evidence: "Form P-1" }, cookie), params);
    const shown = await fetchPhoto();
    expect(shown.status).toBe(200);
    expect(shown.headers.get("Cache-Control")).toContain("no-store");
    const consent = await db.consent.findFirstOrThrow({ where: { clientId: client.id, purpose: "photo" } });
    await run(A(clientPage), formRequest(path, { intent: "revoke", consentId: consent.id }, cookie), params);
    expect((await fetchPhoto()).status).toBe(404);

    await run(A(clientPage), formRequest(path, { intent: "remove-photo" }, cookie), params);
    expect((await db.client.findUniqueOrThrow({ where: { id: client.id } })).photoFile).toBeNull();
    const { photoDir } = await import("~/models/client.server.ts");
    expect(fs.existsSync(`${photoDir()}/${stored}`)).toBe(false);
  });

  it("records meetings with attendance and turns them into group health", async () => {
    const { db, partner, cookie } = await setup();
    const members = [];
    for (let i = 0; i < 4; i++) members.push(await makeClient(db, { partnerId: partner.id, region: "Kisumu" }));
    const group = await makeGroup(db, { partnerId: partner.id, region: "Kisumu", memberIds: members.map((m) => m.id) });
    const path = `/portal/${partner.id}/groups/${group.id}`;
    const params = { partnerId: partner.id, groupId: group.id };
    const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
    const meet = (heldOn: string, savings: string, present: string[]) => {
      const form = new URLSearchParams({ intent: "meeting", heldOn, savingsCollected: savings, loansOutstanding: "1000", repaymentsCollected: "0" });
      for (const id of present) form.append("present", id);
      return run(A(groupPage), new Request(`${BASE}${path}`, { method: "POST", headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" }, body: form.toString() }), params);
    };
    expect((await meet(day(120), "1000", members.map((m) => m.id))).status).toBe(302);
    expect((await meet(day(10), "1500", [members[0]!.id, members[1]!.id])).status).toBe(302);
    expect((await errors(await meet(day(10), "1", []))).heldOn?.[0]).toMatch(/already recorded/);
    expect((await errors(await meet(futureDate(3), "1", []))).heldOn?.[0]).toMatch(/before it happens/);
    expect((await errors(await meet(day(3), "-5", []))).savingsCollected?.[0]).toMatch(/greater than zero/);
    const [health] = await groupHealth(partner.id);
    expect(health!.attendanceRate).toBeCloseTo(6 / 8); // 4 of 4, then 2 of 4
    expect(health!.savingsGrowth).toBeCloseTo(0.5); // 1,500 in the last 90 days vs 1,000 the 90 before
    expect(await db.groupMeeting.count({ where: { groupId: group.id } })).toBe(2);
  });
});
