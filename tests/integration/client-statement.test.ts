import { describe, expect, it } from "vitest";
import * as clientPage from "~/routes/portal.$partnerId.clients.$clientId.tsx";
import * as signIn from "~/routes/statement._index.tsx";
import * as statementPage from "~/routes/statement.me.tsx";
import { getStatementSession, REVOKED_BY_CLIENT, signInWithCode, STATEMENT_SESSION_MS } from "~/models/client-access.server.ts";
import { liveConsents } from "~/models/consent.server.ts";
import { checkout, reserve } from "~/models/lending.server.ts";
import { recordDisbursement } from "~/models/loan-request.server.ts";
import { recordRepayment } from "~/models/repayment.server.ts";
import { normaliseAccessCode } from "~/lib/statement.ts";
import { getDb } from "~/utils/db.server.ts";
import { createSession } from "~/utils/session.server.ts";
import { grantConsent, makeClient, makeGroup, makeLoan, makeMembership, makeUser } from "../factories/index.ts";
import { creditWallet, disbursedLoan } from "../factories/repayments.ts";
import { context, formRequest, getRequest, run } from "../support/requests.ts";

type Fn = Parameters<typeof run>[0];
const L = (m: { loader?: unknown }) => m.loader as Fn;
const A = (m: { action?: unknown }) => m.action as Fn;
const DAY = 86_400_000;
let ipCounter = 0;
/** Each test signs in from its own address, so one test's failed codes never throttle another. */
const freshIp = () => `198.51.100.${++ipCounter}`;

type Statement = {
  client: { fullName: string; partnerName: string };
  loans: {
    id: string;
    reference: string;
    status: string;
    group: string | null;
    currency: string;
    amount: string;
    repaid: string;
    leftToPay: string | null;
    lateCount: number;
    next: { dueOn: string; left: string } | null;
    rows: { number: number; total: string; paid: string; state: string }[];
    repayments: { paidOn: string; amount: string; currency: string }[];
  }[];
  consents: { id: string; purpose: string; revokedAt: string | null; revokedByClient: boolean }[];
};

async function staffCookie(userId: string) {
  return `mavuno_session=${(await createSession(userId, null)).token}`;
}

/** A client with a loan paying back (one instalment and a half repaid), in a savings group with a loan of its own. */
async function world() {
  const db = await getDb();
  const { loan, partner, officer, client, lenders } = await disbursedLoan({ shares: [2, 2], termMonths: 6, disbursedOn: new Date(Date.now() - 200 * DAY) });
  await db.client.update({ where: { id: client.id }, data: { fullName: "Amina Wekesa" } });
  const rows = await db.loanInstalment.findMany({ where: { loanId: loan.id, version: 1 }, orderBy: { number: "asc" } });
  const first = rows[0]!.principal + rows[0]!.interest;
  const half = (rows[1]!.principal + rows[1]!.interest) / 2n;
  await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey: `s-${loan.id}-1`, paidOn: new Date(Date.now() - 160 * DAY), localAmount: first, fxRate: "129.5" });
  await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey: `s-${loan.id}-2`, paidOn: new Date(Date.now() - 120 * DAY), localAmount: half, fxRate: "129.5" });

  // The group: Amina, a neighbour, and someone who left before the group's second loan.
  const neighbour = await makeClient(db, { partnerId: partner.id, fullName: "Neighbour Nafula" });
  const leaver = await makeClient(db, { partnerId: partner.id, fullName: "Leaver Luka" });
  const group = await makeGroup(db, { partnerId: partner.id, name: "Tumaini Savings Group", memberIds: [client.id, neighbour.id, leaver.id] });
  const groupLoan = await makeLoan(db, { partnerId: partner.id, groupId: group.id, amountUsdCents: 5_000, termMonths: 3 });
  const groupLender = await makeUser(db, { name: "Grace Lender", email: `grace-${group.id}@example.test` });
  await creditWallet(groupLender.id, 5_000n);
  await reserve({ userId: groupLender.id, loanId: groupLoan.id, shares: 2 });
  await checkout({ userId: groupLender.id, requestKey: `g-${groupLoan.id}`, tipCents: 0n });
  await recordDisbursement(partner.id, groupLoan.id, officer.id, new Date());
  await db.groupMember.update({ where: { groupId_clientId: { groupId: group.id, clientId: leaver.id } }, data: { leftAt: new Date() } });
  const laterGroupLoan = await makeLoan(db, { partnerId: partner.id, groupId: group.id, amountUsdCents: 2_500, status: "fundraising" });
  await db.loan.update({ where: { id: laterGroupLoan.id }, data: { createdAt: new Date(Date.now() + 1_000) } });

  // Someone else's loan at the same partner, and a draft of Amina's that is still the partner's work.
  const other = await makeClient(db, { partnerId: partner.id, fullName: "Other Otieno" });
  const otherLoan = await makeLoan(db, { partnerId: partner.id, clientId: other.id, amountUsdCents: 2_500, status: "fundraising" });
  const draft = await makeLoan(db, { partnerId: partner.id, clientId: client.id, amountUsdCents: 2_500, status: "draft" });

  const story = await grantConsent(db, { clientId: client.id, purpose: "story", recordedById: officer.id });
  await grantConsent(db, { clientId: client.id, purpose: "location", granularity: "region", recordedById: officer.id });
  const othersConsent = await grantConsent(db, { clientId: other.id, purpose: "story" });
  return { db, partner, officer, client, loan, lenders, rows, first, half, group, groupLoan, laterGroupLoan, groupLender, neighbour, leaver, other, otherLoan, draft, story, othersConsent };
}

async function issueCode(partnerId: string, clientId: string, cookie: string, requestKey: string = crypto.randomUUID()) {
  const res = await run(A(clientPage), formRequest(`/portal/${partnerId}/clients/${clientId}`, { intent: "issue-code", requestKey }, cookie), { partnerId, clientId });
  const json = res.headers.get("Content-Type")?.includes("json");
  return { res, body: (json ? await res.json() : { errors: {} }) as { issued?: { code: string; expiresAt: string }; errors: Record<string, string[]> } };
}

async function signInAs(code: string, ip = freshIp()) {
  return run(A(signIn), formRequest("/statement", { code }), {}, context(ip));
}

function cookieFrom(res: Response): string {
  const match = /mavuno_statement=([^;]*)/.exec(res.headers.get("Set-Cookie") ?? "");
  if (!match?.[1]) throw new Error(`No statement cookie in: ${res.headers.get("Set-Cookie")}`);
  return `mavuno_statement=${match[1]}`;
}

async function statementOf(cookie: string): Promise<Statement> {
  const res = await run(L(statementPage), getRequest("/statement/me", cookie));
  expect(res.status).toBe(200);
  expect(res.headers.get("Cache-Control")).toBe("private, no-store");
  return (await res.json()) as Statement;
}

describe("statement access codes, from the partner's client page", () => {
  it("shows a new code once, stores only its hash, gives the same code for a resubmitted form, and a new code ends the old one", async () => {
    const { db, partner, officer, client } = await world();
    const cookie = await staffCookie(officer.id);
    const { res, body } = await issueCode(partner.id, client.id, cookie, "form-key-0001");
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("private, no-store");
    const code = body.issued!.code;
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}$/);
    expect(new Date(body.issued!.expiresAt).getTime() - Date.now()).toBeGreaterThan(179 * DAY);

    const stored = await db.clientAccessCode.findMany({ where: { clientId: client.id } });
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(normaliseAccessCode(code)!);
    expect(stored[0]!.issuedById).toBe(officer.id);

    // The page afterwards says a code is live, by whom, and never shows it.
    const page = await run(L(clientPage), getRequest(`/portal/${partner.id}/clients/${client.id}`, cookie), { partnerId: partner.id, clientId: client.id });
    const text = await page.text();
    expect(text).not.toContain(normaliseAccessCode(code)!);
    expect(text).not.toContain(code);
    expect(JSON.parse(text).accessCode).toMatchObject({ state: "live", issuedBy: officer.name, lastUsedAt: null });

    // The same form sent again (a double click, a refresh): the same code, nothing new stored.
    const again = await issueCode(partner.id, client.id, cookie, "form-key-0001");
    expect(again.body.issued!.code).toBe(code);
    expect(await db.clientAccessCode.count({ where: { clientId: client.id } })).toBe(1);

    // A double click racing itself: both answers show the one code stored.
    const [one, two] = await Promise.all([issueCode(partner.id, client.id, cookie, "form-key-race"), issueCode(partner.id, client.id, cookie, "form-key-race")]);
    expect(one.body.issued!.code).toBe(two.body.issued!.code);
    expect(await db.clientAccessCode.count({ where: { clientId: client.id, revokedAt: null } })).toBe(1);
    expect((await signInAs(code)).status).toBe(400);

    // A new form: a new code; the old one no longer opens anything.
    const fresh = await issueCode(partner.id, client.id, cookie);
    expect(fresh.body.issued!.code).not.toBe(one.body.issued!.code);
    expect(await db.clientAccessCode.count({ where: { clientId: client.id, revokedAt: null } })).toBe(1);
    expect((await signInAs(one.body.issued!.code)).status).toBe(400);
    expect((await signInAs(fresh.body.issued!.code)).status).toBe(302);

    // The first form sent yet again now cannot bring its code back.
    const stale = await issueCode(partner.id, client.id, cookie, "form-key-0001");
    expect(stale.res.status).toBe(400);
    expect(stale.body.errors[""]![0]).toMatch(/already used/);
  });

  it("lets officers and partner admins issue codes, not coordinators or another partner's staff", async () => {
    const { db, partner, client } = await world();
    const coordinator = await makeUser(db);
    await makeMembership(db, { userId: coordinator.id, partnerId: partner.id, role: "coordinator" });
    const outsider = await makeUser(db);
    const elsewhere = await disbursedLoan({ shares: [1] });
    await makeMembership(db, { userId: outsider.id, partnerId: elsewhere.partner.id, role: "admin" });
    expect((await issueCode(partner.id, client.id, await staffCookie(coordinator.id))).res.status).toBe(403);
    expect((await issueCode(partner.id, client.id, await staffCookie(outsider.id))).res.status).toBe(403);
    // Another partner's admin cannot reach this client through their own partner either.
    expect((await issueCode(elsewhere.partner.id, client.id, await staffCookie(outsider.id))).res.status).toBe(404);
    const admin = await makeUser(db);
    await makeMembership(db, { userId: admin.id, partnerId: partner.id, role: "admin" });
    expect((await issueCode(partner.id, client.id, await staffCookie(admin.id))).body.issued?.code).toBeTruthy();
    expect(await db.clientAccessCode.count({ where: { clientId: client.id } })).toBe(1);
  });
});

describe("the client's own statement", () => {
  it("shows their loans with the schedule paid so far, their group's loan, the payments made and their consents — nothing of anyone else", async () => {
    const w = await world();
    const { body } = await issueCode(w.partner.id, w.client.id, await staffCookie(w.officer.id));
    // Typed the way people type: small letters, spaces instead of dashes.
    const typed = body.issued!.code.toLowerCase().replace(/-/g, " ");
    const res = await signInAs(typed);
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/statement/me");
    const setCookie = res.headers.get("Set-Cookie")!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/Path=\/statement/);
    expect(setCookie).toMatch(new RegExp(`Max-Age=${STATEMENT_SESSION_MS / 1000}`));
    const cookie = cookieFrom(res);

    const statement = await statementOf(cookie);
    expect(statement.client).toMatchObject({ fullName: "Amina Wekesa", partnerName: w.partner.name });
    expect(statement.loans.map((l) => l.reference).sort()).toEqual([w.loan.reference, w.groupLoan.reference, w.laterGroupLoan.reference].sort());

    const own = statement.loans.find((l) => l.id === w.loan.id)!;
    expect(own).toMatchObject({ status: "paying_back", group: null, currency: "KES", amount: w.loan.amountLocalMinor.toString() });
    expect(own.repaid).toBe((w.first + w.half).toString());
    expect(own.rows).toHaveLength(6);
    expect(own.rows[0]).toMatchObject({ state: "paid", paid: own.rows[0]!.total });
    expect(own.rows[1]).toMatchObject({ state: "late", paid: w.half.toString() });
    expect(own.rows.slice(2).every((r) => r.paid === "0" && r.state === "late")).toBe(true);
    const scheduled = w.rows.reduce((sum, r) => sum + r.principal + r.interest, 0n);
    expect(own.leftToPay).toBe((scheduled - w.first - w.half).toString());
    expect(own.lateCount).toBe(5);
    expect(own.next?.left).toBe((BigInt(own.rows[1]!.total) - w.half).toString());
    expect(own.repayments.map((r) => r.amount)).toEqual([w.half.toString(), w.first.toString()]);

    const group = statement.loans.find((l) => l.id === w.groupLoan.id)!;
    expect(group.group).toBe("Tumaini Savings Group");
    expect(group.rows.length).toBeGreaterThan(0);
    expect(group.rows.every((r) => r.state === "due")).toBe(true);
    expect(group.repayments).toEqual([]);

    expect(statement.consents.filter((c) => !c.revokedAt).map((c) => c.purpose).sort()).toEqual(["location", "story"]);

    // Nothing about other clients, group members or lenders: not in the data, not in the page.
    const all = JSON.stringify(statement);
    for (const secret of [w.other.fullName, w.otherLoan.reference, w.draft.reference, w.neighbour.fullName, w.groupLender.name, w.groupLender.email, ...w.lenders.map((l) => l.email), ...w.lenders.map((l) => l.id), "usd", "fxRate"]) {
      expect(all).not.toContain(secret);
    }

    // Someone who left the group sees its loans from their time, not the one made after they left.
    const leaverCode = (await issueCode(w.partner.id, w.leaver.id, await staffCookie(w.officer.id))).body.issued!.code;
    const leaver = await statementOf(cookieFrom(await signInAs(leaverCode)));
    expect(leaver.loans.map((l) => l.id)).toEqual([w.groupLoan.id]);

    // The code's last use shows on the partner's page.
    const used = await w.db.clientAccessCode.findFirstOrThrow({ where: { clientId: w.client.id } });
    expect(used.lastUsedAt).not.toBeNull();
  });

  it("lets the client withdraw their own consent, recorded as theirs and in force on the next request; never someone else's", async () => {
    const w = await world();
    const code = (await issueCode(w.partner.id, w.client.id, await staffCookie(w.officer.id))).body.issued!.code;
    const cookie = cookieFrom(await signInAs(code));

    const res = await run(A(statementPage), formRequest("/statement/me", { intent: "revoke", consentId: w.story.id }, cookie));
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/statement/me?withdrawn=1#consents");
    const row = await w.db.consent.findUniqueOrThrow({ where: { id: w.story.id } });
    expect(row.revokedAt).not.toBeNull();
    expect(row.revokedBy).toBe(REVOKED_BY_CLIENT);
    expect((await liveConsents([w.client.id])).get(w.client.id)?.purposes.has("story")).toBe(false);
    const after = await statementOf(cookie);
    expect(after.consents.find((c) => c.id === w.story.id)).toMatchObject({ revokedByClient: true });
    // The partner's page shows who withdrew it.
    const partnerPage = await run(L(clientPage), getRequest(`/portal/${w.partner.id}/clients/${w.client.id}`, await staffCookie(w.officer.id)), { partnerId: w.partner.id, clientId: w.client.id });
    expect(((await partnerPage.json()) as { consents: { id: string; revokedBy: string }[] }).consents.find((c) => c.id === w.story.id)?.revokedBy).toBe(REVOKED_BY_CLIENT);

    // Sent twice: no error, nothing changes.
    expect((await run(A(statementPage), formRequest("/statement/me", { intent: "revoke", consentId: w.story.id }, cookie))).status).toBe(302);

    // Another client's consent id: refused, and that consent stays live.
    const foreign = await run(A(statementPage), formRequest("/statement/me", { intent: "revoke", consentId: w.othersConsent.id }, cookie));
    expect(foreign.status).toBe(400);
    expect(((await foreign.json()) as { errors: Record<string, string[]> }).errors.consentId![0]).toMatch(/not one of your consents/);
    expect((await w.db.consent.findUniqueOrThrow({ where: { id: w.othersConsent.id } })).revokedAt).toBeNull();
    // No consent named at all: the field is named.
    const empty = await run(A(statementPage), formRequest("/statement/me", { intent: "revoke", consentId: "" }, cookie));
    expect(((await empty.json()) as { errors: Record<string, string[]> }).errors.consentId).toBeTruthy();
  });
});

describe("signing in and out of a statement", () => {
  it("explains a mistyped or wrong code, naming the field, and throttles guessing per address", async () => {
    const w = await world();
    const code = (await issueCode(w.partner.id, w.client.id, await staffCookie(w.officer.id))).body.issued!.code;
    const ip = freshIp();
    const short = await signInAs("ABCD-EFGH", ip);
    expect(short.status).toBe(400);
    expect(((await short.json()) as { errors: Record<string, string[]> }).errors.code![0]).toMatch(/10 letters and numbers/);
    const blank = await signInAs("  ", ip);
    expect(((await blank.json()) as { errors: Record<string, string[]> }).errors.code![0]).toMatch(/Enter the code/);

    // Twenty wrong codes from one address, then even the right one waits; another address is not affected.
    for (let i = 0; i < 20; i++) {
      const wrong = await signInAs("ABCD-EFGH-JK", ip);
      expect(wrong.status).toBe(400);
      expect(((await wrong.json()) as { errors: Record<string, string[]> }).errors.code![0]).toMatch(/does not work/);
    }
    const throttled = await signInAs(code, ip);
    expect(throttled.status).toBe(429);
    expect(((await throttled.json()) as { errors: Record<string, string[]> }).errors.code![0]).toMatch(/Try again in 1[45] minutes/);
    expect((await signInAs(code)).status).toBe(302);
  });

  it("ends the session when the partner revokes the code, when it expires, after 30 minutes, or on sign-out; a forged cookie opens nothing", async () => {
    const w = await world();
    const staff = await staffCookie(w.officer.id);
    const code = (await issueCode(w.partner.id, w.client.id, staff)).body.issued!.code;
    const cookie = cookieFrom(await signInAs(code));
    await statementOf(cookie);
    // While signed in, the code page goes straight to the statement.
    expect((await run(L(signIn), getRequest("/statement", cookie))).headers.get("Location")).toBe("/statement/me");

    // Thirty minutes on, the same cookie opens nothing.
    expect(await getStatementSession(getRequest("/statement/me", cookie), new Date(Date.now() + STATEMENT_SESSION_MS + 1_000))).toBeNull();
    // A cookie whose expiry was pushed back no longer matches its signature.
    const [id, expires, signature] = cookie.slice("mavuno_statement=".length).split(".");
    const forged = `mavuno_statement=${id}.${Number(expires) + 86_400_000}.${signature}`;
    expect((await run(L(statementPage), getRequest("/statement/me", forged))).headers.get("Location")).toBe("/statement?ended=1");

    // Signing out clears the cookie.
    const out = await run(A(statementPage), formRequest("/statement/me", { intent: "sign-out" }, cookie));
    expect(out.headers.get("Location")).toBe("/statement");
    expect(out.headers.get("Set-Cookie")).toMatch(/mavuno_statement=;.*Max-Age=0/);

    // The partner revokes the code: the open statement closes on its next request, and the code no longer works.
    const revoke = await run(A(clientPage), formRequest(`/portal/${w.partner.id}/clients/${w.client.id}`, { intent: "revoke-code" }, staff), { partnerId: w.partner.id, clientId: w.client.id });
    expect(revoke.status).toBe(302);
    const closed = await run(L(statementPage), getRequest("/statement/me", cookie));
    expect(closed.status).toBe(302);
    expect(closed.headers.get("Location")).toBe("/statement?ended=1");
    const withdrawWhileClosed = await run(A(statementPage), formRequest("/statement/me", { intent: "revoke", consentId: w.story.id }, cookie));
    expect(withdrawWhileClosed.headers.get("Location")).toBe("/statement?ended=1");
    expect((await w.db.consent.findUniqueOrThrow({ where: { id: w.story.id } })).revokedAt).toBeNull();
    expect((await signInAs(code)).status).toBe(400);

    // A code 180 days old no longer opens a statement.
    const later = (await issueCode(w.partner.id, w.client.id, staff)).body.issued!.code;
    const expired = await signInWithCode(normaliseAccessCode(later)!, freshIp(), new Date(Date.now() + 181 * DAY));
    expect(expired).toEqual({ ok: false, reason: "invalid" });
    // Without any cookie the statement sends the visitor to the code form.
    expect((await run(L(statementPage), getRequest("/statement/me"))).headers.get("Location")).toBe("/statement");
  });
});
