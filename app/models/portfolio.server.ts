// A lender's portfolio: every loan they hold shares in, what came back, what is
// still owed to them, and what the schedules say comes next. Built for
// portfolios of any size: a page is one SQL statement whatever the number of
// loans (totals, chart and filter choices over all of them, the table one page
// of them), never a query per loan.
import { STATUS_LABELS } from "~/lib/loan-labels.ts";
import { countryName } from "~/lib/places.ts";
import {
  chartMonths,
  isoDay,
  LOANS_CSV_HEADER,
  loanCsvLine,
  PORTFOLIO_PAGE_SIZE,
  REPAYMENTS_CSV_HEADER,
  repaymentCsvLine,
  addMonths,
  CHART_PAST_MONTHS,
  type PortfolioFilters,
  type PortfolioLoan,
  type PortfolioQuery,
} from "~/lib/portfolio.ts";
import { csvRow } from "~/lib/wallet.ts";
import { getDb } from "~/utils/db.server.ts";
import { readableLoanTexts, type Viewer } from "./consent.server.ts";
import { borrowerViews } from "./loan.server.ts";

/** Positional parameters: every value from the URL goes through here, never into the SQL text. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The filters as SQL conditions on the given columns. */
function filterConditions(params: Params, filters: PortfolioFilters, columns: { status: string; country: string; partnerSlug: string }): string[] {
  const where: string[] = [];
  if (filters.status) where.push(`${columns.status} = ${params.add(filters.status)}`);
  if (filters.country) where.push(`${columns.country} = ${params.add(filters.country)}`);
  if (filters.partner) where.push(`${columns.partnerSlug} = ${params.add(filters.partner)}`);
  return where;
}

/**
 * The lender's loans, one row each, as CTEs `mine` (all of them) and `chosen`
 * (those the filters keep). Per loan: their live shares and what they lent,
 * what was refunded, what repayments brought them (allocations), what is
 * still owed to them and whether the loan is in arrears today.
 *
 * Outstanding is their share of the principal (what they lent: shares ×
 * $25 of amount / shares) less what repayments settled of it (allocations'
 * expected_usd_cents: the cash they got plus the FX loss); nothing is
 * outstanding on a loan that is repaid, written off (that is a loss, counted
 * apart), expired or cancelled (refunded).
 */
function portfolioCtes(params: Params, lender: string, today: string, filters: PortfolioFilters): string {
  const day = params.add(today);
  const where = filterConditions(params, filters, { status: "status", country: "country", partnerSlug: "partner_slug" });
  return `
    stake AS MATERIALIZED (
      SELECT s.loan_id,
             coalesce(sum(s.shares) FILTER (WHERE s.status <> 'refunded'), 0)::int AS shares,
             coalesce(sum(s.amount) FILTER (WHERE s.status <> 'refunded'), 0)::bigint AS lent,
             coalesce(sum(s.amount) FILTER (WHERE s.status = 'refunded'), 0)::bigint AS refunded,
             min(s.created_at) AS since
        FROM loan_shares s WHERE s.lender_id = ${lender} GROUP BY s.loan_id),
    got AS MATERIALIZED (
      SELECT a.loan_id, sum(a.usd_cents)::bigint AS repaid, sum(a.expected_usd_cents)::bigint AS settled,
             sum(a.fx_loss_cents)::bigint AS fx_loss
        FROM repayment_allocations a WHERE a.lender_id = ${lender} GROUP BY a.loan_id),
    mine AS MATERIALIZED (
      SELECT l.id, l.reference, l.purpose, l.status::text AS status, p.slug AS partner_slug, p.name AS partner_name,
             p.country, st.shares, st.lent, st.refunded, st.since,
             coalesce(g.repaid, 0)::bigint AS repaid, coalesce(g.fx_loss, 0)::bigint AS fx_loss,
             CASE WHEN l.status IN ('repaid', 'written_off', 'expired', 'cancelled') THEN 0
                  ELSE greatest(st.lent - coalesce(g.settled, 0), 0) END::bigint AS outstanding,
             CASE WHEN l.status = 'written_off' THEN greatest(st.lent - coalesce(g.settled, 0), 0) ELSE 0 END::bigint AS written_off,
             (l.status IN ('paying_back', 'defaulted') AND st.lent > 0 AND l.first_unpaid_due_on < ${day}::date) AS in_arrears,
             CASE WHEN l.status IN ('paying_back', 'defaulted') AND st.lent > 0 AND l.first_unpaid_due_on < ${day}::date
                  THEN (${day}::date - l.first_unpaid_due_on) ELSE 0 END AS days_late,
             l.schedule_version, l.repaid_local_minor, l.principal_repaid_local, l.amount_local_minor, l.first_unpaid_due_on
        FROM stake st JOIN loans l ON l.id = st.loan_id JOIN partners p ON p.id = l.partner_id
        LEFT JOIN got g ON g.loan_id = l.id),
    chosen AS MATERIALIZED (SELECT * FROM mine${where.length ? ` WHERE ${where.join(" AND ")}` : ""})`;
}

/**
 * What is still to come on the loans in `source` (a relation with id, status,
 * lent, schedule_version, amount_local_minor, principal_repaid_local,
 * first_unpaid_due_on): the instalments of the schedule in force from the
 * first unpaid one on, those that repay principal, with what is needed to
 * find the unpaid principal of each.
 *
 * Payments fill instalments in due order, interest before principal (as
 * app/lib/repayment.ts records them), so every instalment after the first
 * unpaid one is unpaid in full, and the first unpaid one lacks the principal
 * still owed on the loan (amount − principal repaid, in local currency) less
 * the principal of the instalments after it. Read this way each loan is one
 * index range read, which is what keeps 10,000 loans cheap.
 *
 * The lender's part of an amount is their share of the loan (lent ÷ amount in
 * USD) at the loan's own rate (amount in USD ÷ amount in local currency),
 * that is lent × amount ÷ local amount, rounded to the cent. Only loans paying
 * back are projected: a defaulted loan's future is not an expectation.
 */
function unpaidRows(source: string): string {
  return `
    SELECT m.id AS loan_id, i.number, i.due_on, i.principal, m.amount_local_minor - m.principal_repaid_local AS owed,
           m.first_unpaid_due_on AS first_due, m.lent, m.amount_local_minor AS amount_local
      FROM ${source} m JOIN loan_instalments i ON i.loan_id = m.id AND i.version = m.schedule_version AND i.due_on >= m.first_unpaid_due_on
     WHERE m.status = 'paying_back' AND m.lent > 0 AND m.amount_local_minor > 0 AND i.principal > 0`;
}

const lenderCents = (local: string, row: string) => `round((${local})::numeric * ${row}.lent / ${row}.amount_local)::bigint`;
const firstUnpaidPrincipal = (row: string, principal: string, others: string) =>
  `greatest(0, least(${principal}, ${row}.owed - (${others})))`;

// The next one per loan, with the lender's part of its unpaid principal.
function nextExpected(source: string): string {
  return `
    SELECT DISTINCT ON (u.loan_id) u.loan_id, u.due_on,
           ${lenderCents(firstUnpaidPrincipal("u", "u.principal", "sum(u.principal) OVER (PARTITION BY u.loan_id) - u.principal"), "u")} AS cents
      FROM (${unpaidRows(source)}) u
     ORDER BY u.loan_id, u.number`;
}

// The lender's expected principal by due day: every unpaid instalment in full,
// then a correction per loan on its first unpaid one for the part already
// paid. Summing per loan this way needs no sort of the rows by loan.
function expectedByDay(source: string): string {
  return `
    WITH u AS MATERIALIZED (${unpaidRows(source)})
    SELECT day, sum(cents) AS cents FROM (
      SELECT u.due_on AS day, ${lenderCents("u.principal", "u")} AS cents FROM u
      UNION ALL
      SELECT f.first_due, ${lenderCents(firstUnpaidPrincipal("f", "f.first", "f.total - f.first"), "f")} - ${lenderCents("f.first", "f")}
        FROM (SELECT loan_id, first_due, owed, lent, amount_local, sum(principal) AS total,
                     sum(principal) FILTER (WHERE due_on = first_due) AS first
                FROM u GROUP BY loan_id, first_due, owed, lent, amount_local) f
       WHERE f.first IS NOT NULL) x
    GROUP BY day`;
}

type Json = Record<string, unknown>;

const big = (value: unknown) => BigInt((value as string | number | null) ?? 0);

function toRow(r: Json): PortfolioLoan {
  return {
    id: r.id as string,
    reference: r.reference as string,
    purpose: r.purpose as string,
    status: r.status as string,
    partnerName: r.partner_name as string,
    partnerSlug: r.partner_slug as string,
    country: r.country as string,
    shares: Number(r.shares),
    lent: big(r.lent),
    refunded: big(r.refunded),
    repaid: big(r.repaid),
    outstanding: big(r.outstanding),
    writtenOff: big(r.written_off),
    fxLoss: big(r.fx_loss),
    inArrears: r.in_arrears === true,
    daysLate: Number(r.days_late ?? 0),
    nextExpected: r.next_due_on ? { cents: big(r.next_cents), dueOn: String(r.next_due_on).slice(0, 10) } : null,
    since: r.since as string,
  };
}

// Row columns as JSON: bigints as text (JSON numbers would round past 2^53).
const ROW_JSON = `json_build_object('id', c.id, 'reference', c.reference, 'purpose', c.purpose, 'status', c.status,
  'partner_name', c.partner_name, 'partner_slug', c.partner_slug, 'country', c.country, 'shares', c.shares,
  'lent', c.lent::text, 'refunded', c.refunded::text, 'repaid', c.repaid::text, 'outstanding', c.outstanding::text,
  'written_off', c.written_off::text, 'fx_loss', c.fx_loss::text, 'in_arrears', c.in_arrears, 'days_late', c.days_late,
  'next_cents', nx.cents::text, 'next_due_on', nx.due_on, 'since', to_char(c.since, 'YYYY-MM-DD'))`;

export type PortfolioTotals = {
  loans: number;
  lent: bigint;
  refunded: bigint;
  repaid: bigint;
  outstanding: bigint;
  writtenOff: bigint;
  fxLoss: bigint;
  arrearsLoans: number;
  arrearsOutstanding: bigint;
};

/**
 * The one statement behind a page of the portfolio: totals, chart and filter
 * choices over every loan the filters keep, the table's page of them. Exported
 * for the benchmark, which times it apart from the page.
 */
export function portfolioStatement(input: { lenderId: string; query: PortfolioQuery; today: string }) {
  const today = input.today;
  const params = new Params();
  const lender = params.add(input.lenderId);
  const ctes = portfolioCtes(params, lender, today, input.query);
  const pageSize = params.add(PORTFOLIO_PAGE_SIZE);
  const wantedOffset = params.add((input.query.page - 1) * PORTFOLIO_PAGE_SIZE);
  const receivedFrom = params.add(`${addMonths(today.slice(0, 7), -CHART_PAST_MONTHS)}-01`);
  // Unfiltered, every allocation of the lender's is on one of their loans: no need to join them to the loans.
  const onChosen = input.query.status || input.query.country || input.query.partner ? "JOIN chosen c ON c.id = a.loan_id" : "";
  const sql = `WITH ${ctes},
     -- Past the last page (an old link after a filter narrowed): the last page.
     paging AS (SELECT count(*)::int AS total,
                       least(${wantedOffset}::int, greatest(count(*)::int - 1, 0) / ${pageSize}::int * ${pageSize}::int) AS start FROM chosen),
     page AS MATERIALIZED (
       SELECT c.* FROM chosen c ORDER BY c.since DESC, c.id DESC
        LIMIT ${pageSize}::int OFFSET (SELECT start FROM paging))
     SELECT
       (SELECT row_to_json(paging) FROM paging) AS paging,
       (SELECT json_build_object(
          'loans', count(*), 'lent', coalesce(sum(lent), 0)::text, 'refunded', coalesce(sum(refunded), 0)::text,
          'repaid', coalesce(sum(repaid), 0)::text, 'outstanding', coalesce(sum(outstanding), 0)::text,
          'written_off', coalesce(sum(written_off), 0)::text, 'fx_loss', coalesce(sum(fx_loss), 0)::text,
          'arrears_loans', count(*) FILTER (WHERE in_arrears),
          'arrears_outstanding', coalesce(sum(outstanding) FILTER (WHERE in_arrears), 0)::text) FROM chosen) AS totals,
       (SELECT coalesce(json_agg(${ROW_JSON} ORDER BY c.since DESC, c.id DESC), '[]'::json)
          FROM page c LEFT JOIN (${nextExpected("page")}) nx ON nx.loan_id = c.id) AS rows,
       (SELECT coalesce(json_agg(json_build_object('month', month, 'cents', cents::text)), '[]'::json) FROM (
          SELECT to_char(day, 'YYYY-MM') AS month, sum(cents) AS cents FROM (
            SELECT a.paid_on AS day, sum(a.usd_cents) AS cents
              FROM repayment_allocations a ${onChosen}
             WHERE a.lender_id = ${lender} AND a.paid_on >= ${receivedFrom}::date GROUP BY 1) d GROUP BY 1) x) AS received,
       (SELECT coalesce(sum(a.usd_cents), 0)::text
          FROM repayment_allocations a ${onChosen}
         WHERE a.lender_id = ${lender} AND a.paid_on < ${receivedFrom}::date) AS received_earlier,
       (SELECT coalesce(json_agg(json_build_object('month', month, 'cents', cents::text)), '[]'::json) FROM (
          -- By day first (a few hundred days), then by month: a month per row costs more than the rest of the sum.
          SELECT to_char(day, 'YYYY-MM') AS month, sum(cents) AS cents FROM (${expectedByDay("chosen")}) d GROUP BY 1) x) AS expected,
       (SELECT json_build_object(
          'statuses', (SELECT coalesce(json_agg(DISTINCT status), '[]'::json) FROM mine),
          'countries', (SELECT coalesce(json_agg(DISTINCT country), '[]'::json) FROM mine),
          'partners', (SELECT coalesce(json_agg(json_build_object('slug', slug, 'name', name) ORDER BY name, slug), '[]'::json)
                         FROM (SELECT DISTINCT partner_slug AS slug, partner_name AS name FROM mine) x))) AS options`;
  return { sql, values: params.values };
}

/**
 * One page of the portfolio with totals, the chart and the filter choices, in
 * one statement. `now` decides what is late and which months are past.
 */
export async function getPortfolio(input: { lenderId: string; query: PortfolioQuery; viewer: Viewer; now?: Date }) {
  const db = await getDb();
  const today = isoDay(input.now ?? new Date());
  const statement = portfolioStatement({ lenderId: input.lenderId, query: input.query, today });
  const [result] = (await db.$queryRawUnsafe(statement.sql, ...statement.values)) as {
    paging: { total: number; start: number };
    totals: Json;
    rows: Json[];
    received: { month: string; cents: string }[];
    received_earlier: string;
    expected: { month: string; cents: string }[];
    options: { statuses: string[]; countries: string[]; partners: { slug: string; name: string }[] };
  }[];
  const { paging, totals: t, options } = result!;
  const rows = result!.rows.map(toRow);
  const borrowers = await borrowerViews(
    rows.map((r) => r.id),
    input.viewer,
  );
  const chart = chartMonths(
    result!.received.map((r) => ({ month: r.month, cents: BigInt(r.cents) })),
    result!.expected.map((r) => ({ month: r.month, cents: BigInt(r.cents) })),
    today,
  );
  const totals: PortfolioTotals = {
    loans: Number(t.loans),
    lent: big(t.lent),
    refunded: big(t.refunded),
    repaid: big(t.repaid),
    outstanding: big(t.outstanding),
    writtenOff: big(t.written_off),
    fxLoss: big(t.fx_loss),
    arrearsLoans: Number(t.arrears_loans),
    arrearsOutstanding: big(t.arrears_outstanding),
  };
  const byName = (a: { label: string }, b: { label: string }) => a.label.localeCompare(b.label, "en");
  return {
    today,
    total: paging.total,
    page: Math.floor(paging.start / PORTFOLIO_PAGE_SIZE) + 1,
    pageCount: Math.max(1, Math.ceil(paging.total / PORTFOLIO_PAGE_SIZE)),
    totals,
    // The purpose as the viewer may read it, from the same consent check as the borrower's title.
    rows: rows.map((row) => ({ ...row, purpose: borrowers.get(row.id)?.purpose ?? "", borrower: borrowers.get(row.id)?.title ?? null })),
    chart: { ...chart, earlierReceived: chart.earlierReceived + big(result!.received_earlier) },
    options: {
      statuses: options.statuses.map((s) => ({ value: s, label: STATUS_LABELS[s] ?? s })).sort(byName),
      countries: options.countries.map((c) => ({ value: c, label: countryName(c) })).sort(byName),
      partners: options.partners.map((p) => ({ value: p.slug, label: p.name })),
    },
  };
}
export type Portfolio = Awaited<ReturnType<typeof getPortfolio>>;

const CSV_BATCH = 1_000;

/**
 * The filtered loans as CSV, every one (not a page), with the next expected
 * repayment of each. The statement is run once and streamed out in pieces.
 */
export function portfolioLoansCsv(input: { lenderId: string; filters: PortfolioFilters; viewer: Viewer; now?: Date }): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let rows: PortfolioLoan[] | null = null;
  let at = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!rows) {
        const db = await getDb();
        const params = new Params();
        const ctes = portfolioCtes(params, params.add(input.lenderId), isoDay(input.now ?? new Date()), input.filters);
        const raw = (await db.$queryRawUnsafe(
          `WITH ${ctes}
           SELECT ${ROW_JSON} AS row FROM chosen c LEFT JOIN (${nextExpected("chosen")}) nx ON nx.loan_id = c.id
            ORDER BY c.since DESC, c.id DESC`,
          ...params.values,
        )) as { row: Json }[];
        // Each purpose as the lender may read it (consent.server.ts readableText).
        const read = raw.map((r) => toRow(r.row));
        const readable = await readableLoanTexts(read.map((r) => ({ loanId: r.id, purpose: r.purpose })), ["purpose"], input.viewer);
        rows = read.map((r, i) => ({ ...r, purpose: readable[i]!.purpose }));
        controller.enqueue(encoder.encode(csvRow(LOANS_CSV_HEADER)));
        return;
      }
      let chunk = "";
      for (const row of rows.slice(at, at + CSV_BATCH)) {
        chunk += loanCsvLine(row);
      }
      at += CSV_BATCH;
      if (chunk) controller.enqueue(encoder.encode(chunk));
      if (at >= rows.length) controller.close();
    },
  });
}

/**
 * Every repayment the lender received on the filtered loans (their
 * allocations), newest first, read in batches as the stream is consumed.
 * Batches continue after the last (paid_on, repayment id) seen, so a
 * repayment distributed during the export cannot shift the ones not yet read.
 */
export function portfolioRepaymentsCsv(input: { lenderId: string; filters: PortfolioFilters }): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after: { paidOn: string; repaymentId: string } | null = null;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(csvRow(REPAYMENTS_CSV_HEADER)));
        return;
      }
      const db = await getDb();
      const params = new Params();
      const where = [`a.lender_id = ${params.add(input.lenderId)}`];
      where.push(...filterConditions(params, input.filters, { status: "l.status::text", country: "p.country", partnerSlug: "p.slug" }));
      if (after) where.push(`(a.paid_on, a.repayment_id) < (${params.add(after.paidOn)}::date, ${params.add(after.repaymentId)})`);
      const rows = (await db.$queryRawUnsafe(
        `SELECT to_char(a.paid_on, 'YYYY-MM-DD') AS paid_on, a.repayment_id, l.reference, p.name AS partner_name, a.shares,
                a.usd_cents::text AS usd_cents, a.fx_loss_cents::text AS fx_loss_cents, a.expected_usd_cents::text AS expected_usd_cents
           FROM repayment_allocations a JOIN loans l ON l.id = a.loan_id JOIN partners p ON p.id = l.partner_id
          WHERE ${where.join(" AND ")}
          ORDER BY a.paid_on DESC, a.repayment_id DESC LIMIT ${CSV_BATCH}`,
        ...params.values,
      )) as Json[];
      let chunk = "";
      for (const r of rows) {
        chunk += repaymentCsvLine({
          paidOn: r.paid_on as string,
          reference: r.reference as string,
          partnerName: r.partner_name as string,
          shares: Number(r.shares),
          usdCents: big(r.usd_cents),
          fxLossCents: big(r.fx_loss_cents),
          expectedUsdCents: big(r.expected_usd_cents),
          repaymentId: r.repayment_id as string,
        });
      }
      if (chunk) controller.enqueue(encoder.encode(chunk));
      if (rows.length < CSV_BATCH) controller.close();
      else after = { paidOn: rows[rows.length - 1]!.paid_on as string, repaymentId: rows[rows.length - 1]!.repayment_id as string };
    },
  });
}
