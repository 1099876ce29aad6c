// The partner's repayment pages, through their loaders and actions with real
// sessions: recording a repayment from the form (once, however often it is
// posted), field errors, who may act, reschedule and write-off, the arrears
// list, and the track record the public pages show.
import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import { createElement } from "react";
import { TrackRecordRows } from "~/components/track-record.tsx";
import { getBalance, verifyLedger, walletAccount } from "~/models/ledger.server.ts";
import { toDecimalString } from "~/lib/money.ts";
import { trackRecordJson } from "~/lib/track-record.ts";
import { partnerTrackRecord } from "~/models/repayment.server.ts";
import * as arrearsPage from "~/routes/portal.$partnerId.arrears.tsx";
import * as dashboard from "~/routes/portal.$partnerId._index.tsx";
import * as partnerLoan from "~/routes/portal.$partnerId.loans.$loanId.tsx";
import * as publicLoan from "~/routes/loans.$loanId.tsx";
import * as publicPartner from "~/routes/partners.$slug.tsx";
import { getDb } from "~/utils/db.server.ts";
import { makeMembership, makePartner, makeUser } from "../factories/index.ts";
import { disbursedLoan } from "../factories/repayments.ts";
import { formRequest, getRequest, run, sessionCookieFor } from "../support/requests.ts";
import { smtpServerForFile } from "../support/smtp.ts";

const smtp = smtpServerForFile();

type Fn = Parameters<typeof run>[0];
const L = (m: { loader?: unknown }) => m.loader as Fn;
const A = (m: { action?: unknown }) => m.action as Fn;
const DAY = 86_400_000;

type LoanPage = {
  loan: { status: string; scheduleVersion: number };
  repayment: {
    requestKey: string;
    loanRate: string;
    today: string;
    daysLate: number;
    canRecord: boolean;
    canRestructure: boolean;
    recorded: { localAmount: string; usdCents: string; principalLocal: string; interestLocal: string } | null;
    repayments: { id: string; localAmount: string; usdCents: string; fxLossCents: string }[];
    schedule: { version: number; rows: { state: string; total: string }[]; history: { version: number; reason: string }[] };
  } | null;
};
type Failure = { intent: string; errors: Record<string, string[]> };

/** A paying-back loan with three lenders, disbursed 200 days ago: every monthly instalment of its six is past due. */
async function world() {
  const made = await disbursedLoan({ shares: [2, 1, 1] });
  const db = await getDb();
  const coordinator = await makeUser(db);
  await makeMembership(db, { userId: coordinator.id, partnerId: made.partner.id, role: "coordinator" });
  const admin = await makeUser(db);
  await makeMembership(db, { userId: admin.id, partnerId: made.partner.id, role: "admin" });
  const other = await makePartner(db, { status: "active" });
  const outsider = await makeUser(db);
  await makeMembership(db, { userId: outsider.id, partnerId: other.id, role: "officer" });
  const firstInstalment = await db.loanInstalment.findFirstOrThrow({ where: { loanId: made.loan.id, version: 1 }, orderBy: { number: "asc" } });
  return {
    ...made,
    other,
    officerCookie: await sessionCookieFor(made.officer.id),
    adminCookie: await sessionCookieFor(admin.id),
    coordinatorCookie: await sessionCookieFor(coordinator.id),
    outsiderCookie: await sessionCookieFor(outsider.id),
    path: `/portal/${made.partner.id}/loans/${made.loan.id}`,
    params: { partnerId: made.partner.id, loanId: made.loan.id },
    instalment: firstInstalment.principal + firstInstalment.interest,
  };
}
type World = Awaited<ReturnType<typeof world>>;

async function page(w: World, cookie = w.officerCookie, search = ""): Promise<LoanPage> {
  const res = await run(L(partnerLoan), getRequest(`${w.path}${search}`, cookie), w.params);
  expect(res.status).toBe(200);
  return (await res.json()) as LoanPage;
}

async function repaymentForm(w: World, fields: Record<string, string> = {}, cookie = w.officerCookie) {
  const view = (await page(w, cookie)).repayment!;
  return {
    intent: "repay",
    requestKey: view.requestKey,
    paidOn: view.today,
    amount: toDecimalString(w.instalment, "KES"),
    fxRate: view.loanRate,
    rateConfirmed: "yes",
    ...fields,
  };
}

const post = (w: World, form: Record<string, string>, cookie = w.officerCookie) => run(A(partnerLoan), formRequest(w.path, form, cookie), w.params);

async function lenderTotal(w: World) {
  const balances = await Promise.all(w.lenders.map((l) => getBalance(walletAccount(l.id), "USD")));
  return balances.reduce((a, b) => a + b, 0n);
}

async function repaymentCount(loanId: string) {
  return (await getDb()).repayment.count({ where: { loanId } });
}

describe("recording a repayment from the loan page", () => {
  it("shows the schedule in force with each instalment late, days late, and the form prefilled with the loan's rate", async () => {
    const w = await world();
    const view = (await page(w)).repayment!;
    expect(view.canRecord).toBe(true);
    expect(view.loanRate).toBe("129.5");
    expect(view.schedule.version).toBe(1);
    expect(view.schedule.rows.map((r) => r.state)).toEqual(Array(6).fill("late"));
    expect(view.schedule.history).toEqual([expect.objectContaining({ version: 1, reason: "Schedule at disbursement" })]);
    expect(view.daysLate).toBeGreaterThanOrEqual(165);
    expect(view.repayments).toEqual([]);
    // Two renders, two keys: a key belongs to one form, never to the next visit.
    expect((await page(w)).repayment!.requestKey).not.toBe(view.requestKey);
  });

  it("an officer records one: lenders are credited, the page lists it and says what lenders got; posting the same form again records nothing more", async () => {
    const w = await world();
    const form = await repaymentForm(w);
    const res = await post(w, form);
    expect(res.status).toBe(302);
    const location = res.headers.get("Location")!;
    expect(location).toMatch(new RegExp(`^${w.path}\\?recorded=`));
    const credited = await lenderTotal(w);
    expect(credited).toBeGreaterThan(0n);

    const again = await post(w, form);
    expect(again.status).toBe(302);
    expect(again.headers.get("Location")).toBe(location);
    expect(await repaymentCount(w.loan.id)).toBe(1);
    expect(await lenderTotal(w)).toBe(credited);

    // Both at once, as a double click without JavaScript sends them: still one.
    const form2 = await repaymentForm(w);
    const both = await Promise.all([post(w, form2), post(w, form2)]);
    expect(both.map((r) => r.status)).toEqual([302, 302]);
    expect(both[0]!.headers.get("Location")).toBe(both[1]!.headers.get("Location"));
    expect(await repaymentCount(w.loan.id)).toBe(2);

    const after = await page(w, w.officerCookie, location.slice(w.path.length));
    expect(after.repayment!.recorded).toMatchObject({ localAmount: w.instalment.toString(), usdCents: credited.toString() });
    expect(after.repayment!.repayments).toHaveLength(2);
    expect(after.repayment!.schedule.rows.slice(0, 2).map((r) => r.state)).toEqual(["paid", "paid"]);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("a partner admin may record too; paying everything off marks the loan repaid and emails its lenders", async () => {
    const w = await world();
    const view = (await page(w, w.adminCookie)).repayment!;
    const total = view.schedule.rows.reduce((sum, r) => sum + BigInt(r.total), 0n);
    const res = await post(w, { ...(await repaymentForm(w, {}, w.adminCookie)), amount: toDecimalString(total, "KES") }, w.adminCookie);
    expect(res.status).toBe(302);
    const after = await page(w, w.adminCookie, res.headers.get("Location")!.slice(w.path.length));
    expect(after.loan.status).toBe("repaid");
    expect(after.repayment!.canRecord).toBe(false);
    expect(after.repayment!.daysLate).toBe(0);
    expect(await lenderTotal(w)).toBe(BigInt(w.loan.amountUsdCents));
    const lenderEmail = (await (await getDb()).user.findUniqueOrThrow({ where: { id: w.lenders[0]!.id } })).email;
    await smtp.waitFor((m) => m.to.includes(lenderEmail) && /repaid/i.test(m.subject));
  });

  it("bad input comes back as errors on the fields, with a 4xx, and records nothing", async () => {
    const w = await world();
    const cases: { fields: Record<string, string>; field: string; message: RegExp }[] = [
      { fields: { amount: "lots" }, field: "amount", message: /./ },
      { fields: { amount: "0" }, field: "amount", message: /(more|greater) than zero/ },
      { fields: { amount: "99999999" }, field: "amount", message: /more than the .* still owed/ },
      { fields: { paidOn: "31/12/2026" }, field: "paidOn", message: /YYYY-MM-DD/ },
      { fields: { paidOn: new Date(Date.now() + 3 * DAY).toISOString().slice(0, 10) }, field: "paidOn", message: /future/ },
      { fields: { paidOn: new Date(Date.now() - 400 * DAY).toISOString().slice(0, 10) }, field: "paidOn", message: /before the loan was disbursed/ },
      { fields: { fxRate: "0" }, field: "fxRate", message: /exchange rate/ },
      { fields: { fxRate: "1e3" }, field: "fxRate", message: /exchange rate/ },
      { fields: { rateConfirmed: "" }, field: "rateConfirmed", message: /Confirm the exchange rate/ },
      { fields: { requestKey: "" }, field: "", message: /out of date/ },
    ];
    for (const c of cases) {
      const form = await repaymentForm(w, c.fields);
      if (c.fields.rateConfirmed === "") delete (form as Record<string, string>).rateConfirmed;
      const res = await post(w, form);
      expect({ case: c.fields, status: res.status }).toEqual({ case: c.fields, status: 400 });
      const body = (await res.json()) as Failure;
      expect(body.intent).toBe("repay");
      expect(body.errors[c.field]?.join(" ")).toMatch(c.message);
    }
    expect(await repaymentCount(w.loan.id)).toBe(0);
    expect(await lenderTotal(w)).toBe(0n);
  });

  it("the same request key with other details is refused with a 409, and nothing moves", async () => {
    const w = await world();
    const form = await repaymentForm(w);
    expect((await post(w, form)).status).toBe(302);
    const credited = await lenderTotal(w);
    const res = await post(w, { ...form, amount: "1.00" });
    expect(res.status).toBe(409);
    expect(((await res.json()) as Failure).errors[""]?.[0]).toMatch(/already recorded with different details/);
    expect(await lenderTotal(w)).toBe(credited);
  });
});

describe("who may act on a partner's loan", () => {
  it("a coordinator can neither open the loan nor record, reschedule or write off (403), and nothing changes", async () => {
    const w = await world();
    const officerForm = await repaymentForm(w);
    expect((await run(L(partnerLoan), getRequest(w.path, w.coordinatorCookie), w.params)).status).toBe(403);
    const forms: Record<string, string>[] = [
      officerForm,
      { intent: "reschedule", fromVersion: "1", startsOn: new Date().toISOString().slice(0, 10), termMonths: "6", frequency: "monthly", rescheduleReason: "Harvest failed this year" },
      { intent: "write-off", writeOffReason: "Borrower moved away", confirm: "yes" },
    ];
    for (const form of forms) expect({ intent: form.intent, status: (await post(w, form, w.coordinatorCookie)).status }).toEqual({ intent: form.intent, status: 403 });
    const loan = await (await getDb()).loan.findUniqueOrThrow({ where: { id: w.loan.id } });
    expect({ status: loan.status, version: loan.scheduleVersion }).toEqual({ status: "paying_back", version: 1 });
    expect(await repaymentCount(w.loan.id)).toBe(0);
  });

  it("another partner's officer gets 403 under that partner's address and 404 under their own, and nothing is recorded", async () => {
    const w = await world();
    const form = await repaymentForm(w);
    expect((await run(L(partnerLoan), getRequest(w.path, w.outsiderCookie), w.params)).status).toBe(403);
    expect((await post(w, form, w.outsiderCookie)).status).toBe(403);
    const ownPath = `/portal/${w.other.id}/loans/${w.loan.id}`;
    const ownParams = { partnerId: w.other.id, loanId: w.loan.id };
    expect((await run(L(partnerLoan), getRequest(ownPath, w.outsiderCookie), ownParams)).status).toBe(404);
    expect((await run(A(partnerLoan), formRequest(ownPath, form, w.outsiderCookie), ownParams)).status).toBe(404);
    expect(await repaymentCount(w.loan.id)).toBe(0);
    expect(await lenderTotal(w)).toBe(0n);
  });
});

describe("reschedule and write-off through the page", () => {
  const rescheduleForm = (fields: Record<string, string> = {}) => ({
    intent: "reschedule",
    fromVersion: "1",
    startsOn: new Date().toISOString().slice(0, 10),
    termMonths: "9",
    frequency: "monthly",
    rescheduleReason: "The harvest failed; the borrower asked for more time",
    ...fields,
  });

  it("reschedules once, however often the form is posted; the old version stays as history and the loan is no longer late", async () => {
    const w = await world();
    const bad = await post(w, rescheduleForm({ termMonths: "nine", rescheduleReason: "x" }));
    expect(bad.status).toBe(400);
    const errors = ((await bad.json()) as Failure).errors;
    expect(Object.keys(errors).sort()).toEqual(["rescheduleReason", "termMonths"]);

    const both = await Promise.all([post(w, rescheduleForm()), post(w, rescheduleForm())]);
    expect(both.map((r) => r.headers.get("Location"))).toEqual([`${w.path}?done=rescheduled`, `${w.path}?done=rescheduled`]);
    const again = await post(w, rescheduleForm());
    expect(again.headers.get("Location")).toBe(`${w.path}?done=rescheduled`);
    const view = (await page(w)).repayment!;
    expect(view.schedule.version).toBe(2);
    expect(view.schedule.history.map((h) => h.version)).toEqual([1, 2]);
    expect(view.schedule.rows).toHaveLength(9);
    expect(view.daysLate).toBe(0);

    // A form drawn from version 1 with other details is someone else's stale view: refused, not applied.
    const stale = await post(w, rescheduleForm({ rescheduleReason: "Another officer's idea of a new plan" }));
    expect(stale.status).toBe(409);
    expect((await page(w)).repayment!.schedule.version).toBe(2);
  });

  it("writes off only with the box ticked; a repeat is answered as done; recoveries can still be recorded", async () => {
    const w = await world();
    const unconfirmed = await post(w, { intent: "write-off", writeOffReason: "The borrower has left the district" });
    expect(unconfirmed.status).toBe(400);
    expect(((await unconfirmed.json()) as Failure).errors.confirm?.[0]).toMatch(/Tick the box/);
    const short = await post(w, { intent: "write-off", writeOffReason: "no", confirm: "yes" });
    expect(((await short.json()) as Failure).errors.writeOffReason?.[0]).toMatch(/at least 5/);
    expect((await (await getDb()).loan.findUniqueOrThrow({ where: { id: w.loan.id } })).status).toBe("paying_back");

    const form = { intent: "write-off", writeOffReason: "The borrower has left the district", confirm: "yes" };
    expect((await post(w, form)).headers.get("Location")).toBe(`${w.path}?done=written-off`);
    expect((await post(w, form)).headers.get("Location")).toBe(`${w.path}?done=written-off`);
    const view = await page(w);
    expect(view.loan.status).toBe("written_off");
    expect(view.repayment).toMatchObject({ canRecord: true, canRestructure: false });
    expect((await post(w, await repaymentForm(w))).status).toBe(302);
    expect(await lenderTotal(w)).toBeGreaterThan(0n);
  });
});

describe("arrears in the portal", () => {
  it("lists loans in arrears, most late first, with borrowers for officers and without for coordinators; the dashboard sums them up", async () => {
    const w = await world();
    const later = await disbursedLoan({ shares: [1], partnerId: w.partner.id, disbursedOn: new Date(Date.now() - 45 * DAY) });
    const arrearsPath = `/portal/${w.partner.id}/arrears`;
    const asOfficer = (await (await run(L(arrearsPage), getRequest(arrearsPath, w.officerCookie), { partnerId: w.partner.id })).json()) as {
      manages: boolean;
      summary: { loans: number; over30: number; par30Bps: number | null };
      loans: { id: string; borrower: string | null; daysLate: number; overdueLocal: string; outstandingUsdCents: string }[];
    };
    expect(asOfficer.manages).toBe(true);
    expect(asOfficer.loans.map((l) => l.id)).toEqual([w.loan.id, later.loan.id]);
    expect(asOfficer.loans[0]!.daysLate).toBeGreaterThan(asOfficer.loans[1]!.daysLate);
    expect(asOfficer.loans[0]!.borrower).toBe(w.client.fullName);
    expect(asOfficer.loans[0]!.outstandingUsdCents).toBe(String(w.loan.amountUsdCents));
    expect(BigInt(asOfficer.loans[1]!.overdueLocal)).toBeGreaterThan(0n);
    expect(asOfficer.summary).toMatchObject({ loans: 2, over30: 1 });
    // Principal on loans more than 30 days late ÷ all principal outstanding: $100 of $125.
    expect(asOfficer.summary.par30Bps).toBe(8_000);

    const asCoordinator = (await (await run(L(arrearsPage), getRequest(arrearsPath, w.coordinatorCookie), { partnerId: w.partner.id })).json()) as typeof asOfficer;
    expect(asCoordinator.manages).toBe(false);
    expect(asCoordinator.loans.map((l) => l.borrower)).toEqual([null, null]);
    expect((await run(L(arrearsPage), getRequest(arrearsPath, w.outsiderCookie), { partnerId: w.partner.id })).status).toBe(403);

    const dash = (await (await run(L(dashboard), getRequest(`/portal/${w.partner.id}`, w.coordinatorCookie), { partnerId: w.partner.id })).json()) as {
      arrears: { loans: number; outstandingUsdCents: string; par30Bps: number };
    };
    expect(dash.arrears).toEqual({ loans: 2, over30: 1, outstandingUsdCents: "12500", par30Bps: 8_000 });

    // Paying the late loan up to date takes it off the list.
    const view = (await page(w)).repayment!;
    const due = view.schedule.rows.reduce((sum, r) => sum + BigInt(r.total), 0n);
    await post(w, await repaymentForm(w, { amount: toDecimalString(due, "KES") }));
    const after = (await (await run(L(arrearsPage), getRequest(arrearsPath, w.officerCookie), { partnerId: w.partner.id })).json()) as typeof asOfficer;
    expect(after.loans.map((l) => l.id)).toEqual([later.loan.id]);
    expect(after.summary.par30Bps).toBe(0);
  });
});

describe("the public track record", () => {
  it("the partner page and the loan page show the rates computed from repayments", async () => {
    const w = await world();
    // Pay one of six instalments, at a weaker shilling: some of it is lost to the rate.
    await post(w, await repaymentForm(w, { fxRate: "140" }));
    const expected = await partnerTrackRecord(w.partner.id);
    expect(expected.repaymentRateBps).toBeGreaterThan(1_000);
    expect(expected.repaymentRateBps).toBeLessThan(2_500);
    expect(expected.par30Bps).toBe(10_000);
    expect(expected.defaultRateBps).toBe(0);
    expect(expected.fxLossRateBps).toBeGreaterThan(0);

    const res = await run(L(publicPartner), getRequest(`/partners/${w.partner.slug}`), { slug: w.partner.slug });
    const body = (await res.json()) as { record: unknown };
    expect(body.record).toEqual({ ...trackRecordJson(expected), loansDisbursed: 1 });
    const loanBody = (await (await run(L(publicLoan), getRequest(`/loans/${w.loan.id}`), { loanId: w.loan.id })).json()) as { repaymentRecord: unknown };
    expect(loanBody.repaymentRecord).toEqual(body.record);
  });

  it("a partner with no history says so instead of showing 0%", async () => {
    const db = await getDb();
    const partner = await makePartner(db, { status: "active" });
    const body = (await (await run(L(publicPartner), getRequest(`/partners/${partner.slug}`), { slug: partner.slug })).json()) as {
      record: Parameters<typeof TrackRecordRows>[0]["record"];
    };
    expect(body.record).toMatchObject({ loansDisbursed: 0, repaymentRateBps: null, par30Bps: null, defaultRateBps: null, fxLossRateBps: null });
    const html = renderToStaticMarkup(createElement("dl", null, createElement(TrackRecordRows, { record: body.record })));
    expect(html.match(/Not enough history yet/g)).toHaveLength(4);
    // No figure at all: a bare 0% would read as a good sign.
    expect(html).not.toMatch(/<strong>/);
  });
});
