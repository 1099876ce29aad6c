import { beforeAll, describe, expect, it } from "vitest";
import { EXTERNAL_CARD, postTransaction, walletAccount } from "~/models/ledger.server.ts";
import { checkout, expireOverdueLoans, reserve } from "~/models/lending.server.ts";
import { recordDisbursement } from "~/models/loan-request.server.ts";
import { getPortfolio } from "~/models/portfolio.server.ts";
import { recordRepayment, rescheduleLoan, writeOffLoan } from "~/models/repayment.server.ts";
import { PUBLIC_VIEWER } from "~/models/consent.server.ts";
import { parsePortfolioQuery } from "~/lib/portfolio.ts";
import * as myLoans from "~/routes/my.loans._index.tsx";
import * as loansCsv from "~/routes/my.loans[.]csv.tsx";
import * as repaymentsCsv from "~/routes/my.repayments[.]csv.tsx";
import { getDb } from "~/utils/db.server.ts";
import { grantConsent, makeClient, makeLoan, makeMembership, makePartner, makeUser } from "../factories/index.ts";
import { makeScalePortfolio } from "../support/portfolio-scale.ts";
import { getRequest, run, sessionCookieFor } from "../support/requests.ts";

type Fn = Parameters<typeof run>[0];
const L = (m: { loader?: unknown }) => m.loader as Fn;

const DAY = 86_400_000;
const today = new Date(new Date().toISOString().slice(0, 10));
/** `months` calendar months after the disbursement day, clamped to the month's end as the schedule counts them. */
function monthsLater(months: number, days = 0): Date {
  const lastDay = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + months + 1, 0)).getUTCDate();
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + months, Math.min(today.getUTCDate(), lastDay)) + days * DAY);
}
const iso = (d: Date) => d.toISOString().slice(0, 10);
const query = (search = "") => parsePortfolioQuery(new URLSearchParams(search));

type Lender = { id: string; cookie: string };

async function lender(name: string): Promise<Lender> {
  const db = await getDb();
  const user = await makeUser(db, { name });
  await postTransaction({
    idempotencyKey: `credit:${user.id}`,
    kind: "card_top_up",
    memo: "Added credit by card",
    postings: [
      { account: EXTERNAL_CARD, amount: -100_000n, currency: "USD" },
      { account: walletAccount(user.id), amount: 100_000n, currency: "USD" },
    ],
  });
  return { id: user.id, cookie: await sessionCookieFor(user.id) };
}

async function lend(who: Lender, loanId: string, shares: number) {
  await reserve({ userId: who.id, loanId, shares });
  const result = await checkout({ userId: who.id, requestKey: `k-${who.id}-${loanId}`, tipCents: 0n });
  expect(result.status).toBe("completed");
}

let staffId = "";
let kenya: { id: string; slug: string };
let uganda: { id: string; slug: string };
let seq = 0;

/** A loan fully lent by `holders` through checkout, then disbursed today (schedule version 1). */
async function disbursedLoan(
  partner: { id: string },
  holders: [Lender, number][],
  terms: { fxRate?: string; termMonths?: number; annualRateBps?: number; purpose?: string; currency?: string } = {},
) {
  const db = await getDb();
  const client = await makeClient(db, { partnerId: partner.id, fullName: "Amina Wanjiru", story: "Sells vegetables." });
  const shares = holders.reduce((a, [, s]) => a + s, 0);
  const loan = await makeLoan(db, {
    partnerId: partner.id,
    clientId: client.id,
    reference: `PF-${++seq}`,
    amountUsdCents: shares * 2500,
    fxRate: terms.fxRate ?? "100",
    localCurrency: terms.currency ?? "KES",
    termMonths: terms.termMonths ?? 4,
    annualRateBps: terms.annualRateBps ?? 0,
    interestMethod: "declining_balance",
    purpose: terms.purpose ?? "To buy stock for the shop",
  });
  for (const [who, n] of holders) await lend(who, loan.id, n);
  await recordDisbursement(partner.id, loan.id, staffId, new Date());
  return { loan, client };
}

async function repay(partnerId: string, loanId: string, key: string, paidOn: Date, localAmount: bigint, fxRate: string) {
  return recordRepayment({ partnerId, loanId, requestKey: key, paidOn, localAmount, fxRate, now: paidOn });
}

function rowOf(portfolio: Awaited<ReturnType<typeof getPortfolio>>, loanId: string) {
  const row = portfolio.rows.find((r) => r.id === loanId);
  if (!row) throw new Error(`loan ${loanId} not in the portfolio`);
  return row;
}

/** RFC 4180, enough for the tests: quoted cells with doubled quotes and line breaks inside. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ",") {
      row.push(cell);
      cell = "";
    } else if (!quoted && c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else {
      cell += c;
    }
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

let amina: Lender;
let baraka: Lender;
// L1: $100 in four shares, Amina 3 and Baraka 1, KES at 100 a dollar, four monthly instalments of KES 2,500 and no interest.
let l1: { loan: { id: string; reference: string } };

beforeAll(async () => {
  const db = await getDb();
  const staff = await makeUser(db, { name: "Loan Officer" });
  staffId = staff.id;
  kenya = await makePartner(db, { name: 'Umoja "Best", Ltd', country: "KE", currency: "KES" });
  uganda = await makePartner(db, { name: "Pamoja Uganda", country: "UG", currency: "UGX" });
  await makeMembership(db, { userId: staff.id, partnerId: kenya.id, role: "officer" });
  await makeMembership(db, { userId: staff.id, partnerId: uganda.id, role: "officer" });
  amina = await lender("Amina Lender");
  baraka = await lender("Baraka Lender");
  l1 = await disbursedLoan(kenya, [
    [amina, 3],
    [baraka, 1],
  ]);
  // KES 2,500 at the loan's own rate (no loss), then KES 2,500 at 125 a dollar: $20 instead of $25, a $5 loss.
  await repay(kenya.id, l1.loan.id, "r1", monthsLater(1), 250_000n, "100");
  await repay(kenya.id, l1.loan.id, "r2", monthsLater(2), 250_000n, "125");
}, 120_000);

describe("a lender's loans", () => {
  it("repaid so far, outstanding, FX loss and the next expected repayment, per lender from the real split", async () => {
    const a = rowOf(await getPortfolio({ lenderId: amina.id, query: query(), viewer: PUBLIC_VIEWER, now: monthsLater(2, 5) }), l1.loan.id);
    // Amina has 3 of 4 shares: $18.75 + $15.00 received, $3.75 lost to the exchange rate, $75 − $37.50 settled still owed.
    expect(a).toMatchObject({ status: "paying_back", shares: 3, lent: 7_500n, repaid: 3_375n, fxLoss: 375n, outstanding: 3_750n, inArrears: false, daysLate: 0 });
    // The third instalment: KES 2,500 of principal, $25 at the loan's rate, three quarters of it hers.
    expect(a.nextExpected).toEqual({ cents: 1_875n, dueOn: iso(monthsLater(3)) });
    const b = rowOf(await getPortfolio({ lenderId: baraka.id, query: query(), viewer: PUBLIC_VIEWER, now: monthsLater(2, 5) }), l1.loan.id);
    expect(b).toMatchObject({ shares: 1, lent: 2_500n, repaid: 1_125n, fxLoss: 125n, outstanding: 1_250n });
    expect(b.nextExpected).toEqual({ cents: 625n, dueOn: iso(monthsLater(3)) });
    // What the page says was repaid is what reached the wallet.
    const db = await getDb();
    const credited = await db.repaymentAllocation.aggregate({ where: { lenderId: amina.id, loanId: l1.loan.id }, _sum: { usdCents: true } });
    expect(credited._sum.usdCents).toBe(3_375n);
  });

  it("flags arrears with the days late once the oldest unpaid instalment is past due", async () => {
    const late = await getPortfolio({ lenderId: amina.id, query: query(), viewer: PUBLIC_VIEWER, now: monthsLater(3, 7) });
    expect(rowOf(late, l1.loan.id)).toMatchObject({ inArrears: true, daysLate: 7 });
    expect(late.totals.arrearsLoans).toBe(1);
    expect(late.totals.arrearsOutstanding).toBe(3_750n);
    const onTime = await getPortfolio({ lenderId: amina.id, query: query(), viewer: PUBLIC_VIEWER, now: monthsLater(3) });
    expect(rowOf(onTime, l1.loan.id)).toMatchObject({ inArrears: false, daysLate: 0 });
  });

  it("projects only the unpaid principal of a part-paid instalment (interest is paid first)", async () => {
    const carol = await lender("Carol Lender");
    const { loan } = await disbursedLoan(kenya, [[carol, 4]], { annualRateBps: 2400, termMonths: 4 });
    const db = await getDb();
    const instalments = await db.loanInstalment.findMany({ where: { loanId: loan.id, version: 1 }, orderBy: { number: "asc" } });
    const [first, second] = instalments;
    // The first instalment, the second's interest and half its principal.
    const half = second!.principal / 2n;
    await repay(kenya.id, loan.id, "part", monthsLater(1), first!.principal + first!.interest + second!.interest + half, "100");
    const portfolio = await getPortfolio({ lenderId: carol.id, query: query(), viewer: PUBLIC_VIEWER, now: monthsLater(1, 1) });
    const row = rowOf(portfolio, loan.id);
    const localToCents = (local: bigint) => (local * 10_000n + loan.amountLocalMinor / 2n) / loan.amountLocalMinor; // her 4 of 4 shares, $100
    expect(row.nextExpected).toEqual({ cents: localToCents(second!.principal - half), dueOn: iso(second!.dueOn) });
    // The chart expects the rest of the principal, month by month.
    const expected = portfolio.chart.months.filter((m) => m.expected > 0n).map((m) => [m.month, m.expected]);
    expect(expected).toEqual(
      [second!, instalments[2]!, instalments[3]!].map((i, k) => [iso(i.dueOn).slice(0, 7), localToCents(k === 0 ? i.principal - half : i.principal)]),
    );
  });
});

describe("after a reschedule", () => {
  it("projects from the schedule in force, counting only what was paid under it", async () => {
    const hana = await lender("Hana Lender");
    const { loan } = await disbursedLoan(kenya, [[hana, 2]]); // $50, KES 5,000 in four instalments of 1,250
    await repay(kenya.id, loan.id, "h1", monthsLater(1), 125_000n, "100");
    // The remaining KES 3,750 over three months from a month after the first instalment.
    await rescheduleLoan(kenya.id, loan.id, staffId, { startsOn: monthsLater(1), termMonths: 3, frequency: "monthly", reason: "Harvest came late." });
    const db = await getDb();
    const v2 = await db.loanInstalment.findMany({ where: { loanId: loan.id, version: 2 }, orderBy: { number: "asc" } });
    expect(v2.map((i) => i.principal)).toEqual([125_000n, 125_000n, 125_000n]);
    const before = await getPortfolio({ lenderId: hana.id, query: query(), viewer: PUBLIC_VIEWER, now: monthsLater(1, 1) });
    expect(rowOf(before, loan.id).nextExpected).toEqual({ cents: 1_250n, dueOn: iso(v2[0]!.dueOn) });
    // KES 500 towards the first new instalment: KES 750 of it left, $7.50.
    await repay(kenya.id, loan.id, "h2", monthsLater(1, 2), 50_000n, "100");
    const after = await getPortfolio({ lenderId: hana.id, query: query(), viewer: PUBLIC_VIEWER, now: monthsLater(1, 3) });
    expect(rowOf(after, loan.id)).toMatchObject({ nextExpected: { cents: 750n, dueOn: iso(v2[0]!.dueOn) }, outstanding: 5_000n - 1_250n - 500n });
    expect(after.chart.months.reduce((a, m) => a + m.expected, 0n)).toBe(750n + 1_250n + 1_250n);
  });
});

describe("statuses, filters, totals and the chart", () => {
  let dan: Lender;
  let repaid: string;
  let writtenOff: string;
  let expired: string;
  let fundraising: string;
  let ugandan: string;

  beforeAll(async () => {
    const db = await getDb();
    dan = await lender("Dan Lender");
    const other = await lender("Other Lender");
    // Repaid in full in one go.
    const r = await disbursedLoan(kenya, [[dan, 2]], { termMonths: 2 });
    repaid = r.loan.id;
    await repay(kenya.id, repaid, "all", monthsLater(1), r.loan.amountLocalMinor, "100");
    // Written off after one of four instalments, in Uganda (UGX has no minor units).
    const w = await disbursedLoan(
      uganda,
      [
        [dan, 2],
        [other, 2],
      ],
      { currency: "UGX", fxRate: "3700" },
    );
    writtenOff = w.loan.id;
    await repay(uganda.id, writtenOff, "w1", monthsLater(1), w.loan.amountLocalMinor / 4n, "3700");
    await writeOffLoan(uganda.id, writtenOff, staffId, { reason: "The business closed after a flood." });
    ugandan = writtenOff;
    // Expired while fundraising: refunded.
    const client = await makeClient(db, { partnerId: kenya.id });
    const e = await makeLoan(db, { partnerId: kenya.id, clientId: client.id, amountUsdCents: 10_000, reference: `PF-${++seq}`, fundraisingDeadline: new Date(Date.now() + DAY) });
    await lend(dan, e.id, 1);
    await expireOverdueLoans(new Date(Date.now() + 2 * DAY));
    expired = e.id;
    // Still fundraising: held in escrow.
    const f = await makeLoan(db, { partnerId: kenya.id, clientId: client.id, amountUsdCents: 10_000, reference: `PF-${++seq}` });
    await lend(dan, f.id, 1);
    fundraising = f.id;
  }, 120_000);

  it("shows every status with what is owed: nothing on repaid, written-off losses as such, refunds as refunds", async () => {
    const p = await getPortfolio({ lenderId: dan.id, query: query(), viewer: PUBLIC_VIEWER, now: monthsLater(1, 1) });
    expect(rowOf(p, repaid)).toMatchObject({ status: "repaid", lent: 5_000n, repaid: 5_000n, outstanding: 0n, writtenOff: 0n, nextExpected: null });
    // Half the loan: $50 lent, a quarter repaid, the rest lost.
    const w = rowOf(p, writtenOff);
    expect(w).toMatchObject({ status: "written_off", lent: 5_000n, outstanding: 0n, nextExpected: null });
    expect(w.repaid + w.fxLoss + w.writtenOff).toBe(5_000n);
    expect(w.writtenOff).toBe(3_750n);
    expect(rowOf(p, expired)).toMatchObject({ status: "expired", lent: 0n, refunded: 2_500n, outstanding: 0n });
    expect(rowOf(p, fundraising)).toMatchObject({ status: "fundraising", lent: 2_500n, outstanding: 2_500n, nextExpected: null });
    expect(p.totals).toEqual({
      loans: 4,
      lent: 12_500n,
      refunded: 2_500n,
      repaid: 5_000n + w.repaid,
      outstanding: 2_500n,
      writtenOff: 3_750n,
      fxLoss: w.fxLoss,
      arrearsLoans: 0,
      arrearsOutstanding: 0n,
    });
    expect(p.options.statuses.map((s) => s.value).sort()).toEqual(["expired", "fundraising", "repaid", "written_off"]);
    expect(p.options.countries.map((c) => c.value).sort()).toEqual(["KE", "UG"]);
  });

  it("filters by status, country and partner, with totals and the chart over the filtered loans only", async () => {
    const now = monthsLater(1, 1);
    const byStatus = await getPortfolio({ lenderId: dan.id, query: query("status=repaid"), viewer: PUBLIC_VIEWER, now });
    expect(byStatus.rows.map((r) => r.id)).toEqual([repaid]);
    expect(byStatus.totals).toMatchObject({ loans: 1, lent: 5_000n, repaid: 5_000n, outstanding: 0n });
    const byCountry = await getPortfolio({ lenderId: dan.id, query: query("country=ug"), viewer: PUBLIC_VIEWER, now });
    expect(byCountry.rows.map((r) => r.id)).toEqual([ugandan]);
    const receivedThisMonth = (p: typeof byCountry) => p.chart.months.find((m) => m.month === iso(monthsLater(1)).slice(0, 7))!.received;
    expect(receivedThisMonth(byCountry)).toBe(byCountry.totals.repaid);
    expect(receivedThisMonth(byStatus)).toBe(5_000n);
    const byPartner = await getPortfolio({ lenderId: dan.id, query: query(`partner=${kenya.slug}`), viewer: PUBLIC_VIEWER, now });
    expect(byPartner.rows.map((r) => r.id).sort()).toEqual([repaid, expired, fundraising].sort());
    const nothing = await getPortfolio({ lenderId: dan.id, query: query(`partner=${kenya.slug}&country=UG`), viewer: PUBLIC_VIEWER, now });
    expect(nothing.total).toBe(0);
    expect(nothing.totals.lent).toBe(0n);
    // A value that does not parse is dropped, never an error.
    const junk = await getPortfolio({ lenderId: dan.id, query: query("status=bogus&country=Kenya&partner=%27;drop&page=-4"), viewer: PUBLIC_VIEWER, now });
    expect(junk.total).toBe(4);
  });

  it("the chart shows received by month in the past and expected by month ahead", async () => {
    const p = await getPortfolio({ lenderId: amina.id, query: query(), viewer: PUBLIC_VIEWER, now: monthsLater(2, 5) });
    const month = (m: number) => p.chart.months.find((x) => x.month === iso(monthsLater(m)).slice(0, 7))!;
    expect(month(1).received).toBe(1_875n);
    expect(month(2).received).toBe(1_500n);
    expect(month(3).expected).toBe(1_875n);
    expect(month(4).expected).toBe(1_875n);
    expect(p.chart.months).toHaveLength(25);
  });
});

describe("the pages", () => {
  it("My loans is the portfolio: the lender's loans with their figures, only after logging in", async () => {
    const page = await run(L(myLoans), getRequest("/my/loans", amina.cookie));
    expect(page.status).toBe(200);
    const data = (await page.json()) as { loans: { id: string; repaid: string; outstanding: string; fxLoss: string; borrower: string }[]; totals: { lent: string } };
    const row = data.loans.find((l) => l.id === l1.loan.id)!;
    expect(row).toMatchObject({ repaid: "3375", outstanding: "3750", fxLoss: "375" });
    // No consent to show the name: the borrower is described, not named.
    expect(row.borrower).toBe('A client of Umoja "Best", Ltd in Kenya');
    const anonymous = await run(L(myLoans), getRequest("/my/loans"));
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("Location")).toMatch(/^\/login/);
  });

  it("names a borrower only with their consent, and stops on the next request after it is revoked", async () => {
    const db = await getDb();
    const erin = await lender("Erin Lender");
    const { loan, client } = await disbursedLoan(kenya, [[erin, 1]]);
    const story = await grantConsent(db, { clientId: client.id, purpose: "story" });
    await grantConsent(db, { clientId: client.id, purpose: "name" });
    const borrower = async () =>
      ((await (await run(L(myLoans), getRequest("/my/loans", erin.cookie))).json()) as { loans: { id: string; borrower: string }[] }).loans.find((l) => l.id === loan.id)!.borrower;
    expect(await borrower()).toBe("Amina Wanjiru");
    await db.consent.update({ where: { id: story.id }, data: { revokedAt: new Date(), revokedBy: "the client" } });
    expect(await borrower()).toBe('A client of Umoja "Best", Ltd in Kenya');
  });

  it("never shows another lender's loans or repayments", async () => {
    const frank = await lender("Frank Lender");
    const own = await disbursedLoan(kenya, [[frank, 1]]);
    const page = (await (await run(L(myLoans), getRequest("/my/loans", frank.cookie))).json()) as { loans: { id: string }[]; totals: { lent: string; repaid: string } };
    expect(page.loans.map((l) => l.id)).toEqual([own.loan.id]);
    expect(page.totals).toMatchObject({ lent: "2500", repaid: "0" });
    const csv = await (await run(L(repaymentsCsv), getRequest("/my/repayments.csv", frank.cookie))).text();
    expect(parseCsv(csv)).toHaveLength(1); // the header only
    const loans = await (await run(L(loansCsv), getRequest("/my/loans.csv", frank.cookie))).text();
    expect(parseCsv(loans).slice(1).map((r) => r[0])).toEqual([own.loan.reference]);
    // Baraka shares L1 with Amina: he sees his part, never hers.
    const b = await (await run(L(repaymentsCsv), getRequest("/my/repayments.csv", baraka.cookie))).text();
    expect(parseCsv(b).slice(1).map((r) => r[4])).toEqual(["5.00", "6.25"]);
  });

  it("CSV of loans and of repayments: right figures, quoting, and no formulas", async () => {
    const db = await getDb();
    const gina = await lender("Gina Lender");
    const { loan } = await disbursedLoan(kenya, [[gina, 4]], { purpose: '=HYPERLINK("http://evil.example","Click"), then "more"' });
    await repay(kenya.id, loan.id, "g1", monthsLater(1), 250_000n, "125");
    const res = await run(L(loansCsv), getRequest("/my/loans.csv", gina.cookie));
    expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("Content-Disposition")).toMatch(/^attachment; filename="mavuno-loans-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.headers.get("Cache-Control")).toBe("private, no-store");
    const loanRows = parseCsv(await res.text());
    expect(loanRows[0]).toEqual([
      "loan_reference", "purpose", "field_partner", "country", "status", "shares", "lent_usd", "refunded_usd", "repaid_usd",
      "outstanding_usd", "written_off_usd", "fx_loss_usd", "in_arrears", "days_late", "next_expected_usd", "next_expected_on", "first_lent_on",
    ]);
    expect(loanRows[1]).toEqual([
      loan.reference, `'=HYPERLINK("http://evil.example","Click"), then "more"`, 'Umoja "Best", Ltd', "Kenya", "paying_back", "4",
      "100.00", "0.00", "20.00", "75.00", "0.00", "5.00", "no", "0", "25.00", iso(monthsLater(2)), iso(today),
    ]);
    const raw = await (await run(L(repaymentsCsv), getRequest("/my/repayments.csv", gina.cookie))).text();
    expect(raw).toContain('"Umoja ""Best"", Ltd"');
    const repaymentId = (await db.repayment.findFirstOrThrow({ where: { loanId: loan.id } })).id;
    expect(parseCsv(raw)).toEqual([
      ["paid_on", "loan_reference", "field_partner", "shares", "amount_usd", "fx_loss_usd", "owed_usd", "repayment_id"],
      [iso(monthsLater(1)), loan.reference, 'Umoja "Best", Ltd', "4", "20.00", "5.00", "25.00", repaymentId],
    ]);
    // The filters of the page apply to the files too.
    const none = await (await run(L(loansCsv), getRequest("/my/loans.csv?status=repaid", gina.cookie))).text();
    expect(parseCsv(none)).toHaveLength(1);
  });
});

describe("a portfolio of 10,000 loans", () => {
  it("renders with projections: totals and chart over all of them, the table a page at a time", async () => {
    const db = await getDb();
    const big = await lender("Big Lender");
    await makeScalePortfolio(db, { lenderId: big.id, loans: 10_000 });
    const started = performance.now();
    const res = await run(L(myLoans), getRequest("/my/loans", big.cookie));
    const ms = performance.now() - started;
    expect(res.status).toBe(200);
    type Page = {
      total: number;
      page: number;
      pageCount: number;
      loans: { id: string; status: string; nextExpected: { amount: string; dueOn: string } | null; inArrears: boolean }[];
      totals: { loans: number; lent: string; repaid: string; fxLoss: string; arrearsLoans: number };
      chart: { months: { received: string; expected: string }[] };
    };
    const first = (await res.json()) as Page;
    expect(first).toMatchObject({ total: 10_000, page: 1, pageCount: 200 });
    expect(first.loans).toHaveLength(50);
    expect(first.totals.loans).toBe(10_000);
    const sums = (await db.$queryRawUnsafe(
      `SELECT sum(usd_cents)::text AS repaid, sum(fx_loss_cents)::text AS loss FROM repayment_allocations WHERE lender_id = $1`,
      big.id,
    )) as { repaid: string; loss: string }[];
    expect(first.totals.repaid).toBe(sums[0]!.repaid);
    expect(first.totals.fxLoss).toBe(sums[0]!.loss);
    expect(first.totals.arrearsLoans).toBeGreaterThan(500);
    const payingBack = first.loans.filter((l) => l.status === "paying_back");
    expect(payingBack.length).toBeGreaterThan(0);
    expect(payingBack.every((l) => l.nextExpected && BigInt(l.nextExpected.amount) > 0n)).toBe(true);
    expect(first.chart.months.some((m) => BigInt(m.received) > 0n)).toBe(true);
    expect(first.chart.months.some((m) => BigInt(m.expected) > 0n)).toBe(true);
    // Pages are stable and disjoint; past the end is the last page.
    const second = (await (await run(L(myLoans), getRequest("/my/loans?page=2", big.cookie))).json()) as Page;
    expect(second.loans.some((l) => first.loans.some((f) => f.id === l.id))).toBe(false);
    const past = (await (await run(L(myLoans), getRequest("/my/loans?page=999", big.cookie))).json()) as Page;
    expect(past.page).toBe(200);
    expect(past.loans).toHaveLength(50);
    const csv = await (await run(L(loansCsv), getRequest("/my/loans.csv", big.cookie))).text();
    expect(parseCsv(csv)).toHaveLength(10_001);
    console.info(`portfolio of 10,000 loans: first page in ${ms.toFixed(0)} ms`);
  }, 300_000);
});
