// The lender's portfolio with no I/O: the query in the URL, the months of the
// repayments chart and its bar geometry, and the CSV layouts. Shared with the
// browser bundle, so nothing here may touch the database.
import { z } from "zod";
import { PUBLIC_STATUSES } from "./loan-labels.ts";
import { toDecimalString } from "./money.ts";
import { countryName } from "./places.ts";
import { csvCell, csvRow } from "./wallet.ts";

export const PORTFOLIO_PAGE_SIZE = 50;
/** Months of repayments received shown before the current one, and months expected after it. */
export const CHART_PAST_MONTHS = 12;
export const CHART_FUTURE_MONTHS = 12;

/** Every status a lender's loan can be in: lenders also held shares of loans cancelled while fundraising. */
export const LENDER_STATUSES = [...PUBLIC_STATUSES, "cancelled"] as const;
export type LenderStatus = (typeof LENDER_STATUSES)[number];

// Like /loans: a value that does not parse is dropped, so a stale or hand-edited URL still shows the portfolio.
export const portfolioQuery = z.object({
  status: z.enum(LENDER_STATUSES).optional().catch(undefined),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/)
    .transform((c) => c.toUpperCase())
    .optional()
    .catch(undefined),
  partner: z.string().regex(/^[a-z0-9-]{1,80}$/).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type PortfolioQuery = z.infer<typeof portfolioQuery>;
export type PortfolioFilters = Omit<PortfolioQuery, "page">;

export function parsePortfolioQuery(search: URLSearchParams): PortfolioQuery {
  return portfolioQuery.parse(Object.fromEntries(search));
}

/** The query string of the same filters (empty ones left out), optionally on another page. */
export function portfolioSearch(filters: PortfolioFilters, page = 1): string {
  const params = new URLSearchParams();
  if (filters.status) params.set("status", filters.status);
  if (filters.country) params.set("country", filters.country);
  if (filters.partner) params.set("partner", filters.partner);
  if (page > 1) params.set("page", String(page));
  const search = params.toString();
  return search ? `?${search}` : "";
}

// --- Dates ---------------------------------------------------------------

/** The calendar day (UTC) of an instant, as YYYY-MM-DD: due dates are dates, so "late" is counted in whole days. */
export function isoDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** "2026-11" plus `offset` months. */
export function addMonths(month: string, offset: number): string {
  const [year, mon] = month.split("-").map(Number) as [number, number];
  const index = year * 12 + (mon - 1) + offset;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
}

const monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** "Nov 2026": written out here rather than by Intl, whose output differs between server and browser. */
export function monthLabel(month: string): string {
  const [year, mon] = month.split("-").map(Number) as [number, number];
  return `${monthNames[mon - 1]} ${year}`;
}

// --- The chart -----------------------------------------------------------

export type MonthAmount = { month: string; cents: bigint };
export type ChartMonth = { month: string; label: string; received: bigint; expected: bigint };

/**
 * One row per month from CHART_PAST_MONTHS before the current month to
 * CHART_FUTURE_MONTHS after it, received and expected side by side (the
 * current month has both: what came in so far, and what is still due,
 * including instalments already late). Expected beyond the last month is
 * returned as `later` so the page can say so rather than drop it.
 */
export function chartMonths(received: readonly MonthAmount[], expected: readonly MonthAmount[], today: string) {
  const current = today.slice(0, 7);
  const first = addMonths(current, -CHART_PAST_MONTHS);
  const last = addMonths(current, CHART_FUTURE_MONTHS);
  const months: ChartMonth[] = [];
  for (let offset = -CHART_PAST_MONTHS; offset <= CHART_FUTURE_MONTHS; offset++) {
    const month = addMonths(current, offset);
    months.push({ month, label: monthLabel(month), received: 0n, expected: 0n });
  }
  const index = (month: string) => months.findIndex((m) => m.month === month);
  let earlier = 0n;
  let later = 0n;
  for (const r of received) {
    const i = index(r.month);
    if (i >= 0) months[i]!.received += r.cents;
    else if (r.month < first) earlier += r.cents;
  }
  for (const e of expected) {
    // Anything due before this month and still unpaid is expected now.
    const month = e.month < current ? current : e.month;
    if (month > last) later += e.cents;
    else months[index(month)]!.expected += e.cents;
  }
  return { months, earlierReceived: earlier, laterExpected: later };
}

export type Bar = { x: number; y: number; width: number; height: number; kind: "received" | "expected"; cents: bigint; label: string };

/**
 * Bars for an inline SVG: one slot per month, a received bar and an expected
 * bar side by side, scaled to the largest amount. Geometry only; the page
 * draws it and repeats every number in a table.
 */
export function chartBars(months: readonly ChartMonth[], size: { width: number; height: number }) {
  const max = months.reduce((m, x) => (x.received > m ? x.received : x.expected > m ? x.expected : m), 0n);
  const slot = size.width / Math.max(1, months.length);
  const barWidth = Math.max(1, slot * 0.4);
  const scale = (cents: bigint) => (max === 0n ? 0 : (Number(cents) / Number(max)) * size.height);
  const bars: Bar[] = [];
  months.forEach((m, i) => {
    const x = i * slot + slot * 0.1;
    for (const [kind, cents, dx] of [
      ["received", m.received, 0],
      ["expected", m.expected, barWidth],
    ] as const) {
      if (cents === 0n) continue;
      // A non-zero amount is always at least a sliver, so it is visible.
      const height = Math.max(1, scale(cents));
      bars.push({ x: x + dx, y: size.height - height, width: barWidth, height, kind, cents, label: m.label });
    }
  });
  return { bars, max, slot };
}

// --- CSV -----------------------------------------------------------------

export const LOANS_CSV_HEADER = [
  "loan_reference",
  "purpose",
  "field_partner",
  "country",
  "status",
  "shares",
  "lent_usd",
  "refunded_usd",
  "repaid_usd",
  "outstanding_usd",
  "written_off_usd",
  "fx_loss_usd",
  "in_arrears",
  "days_late",
  "next_expected_usd",
  "next_expected_on",
  "first_lent_on",
];

/** One loan of the lender's, with their figures in US cents. */
export type PortfolioLoan = {
  id: string;
  reference: string;
  purpose: string;
  status: string;
  partnerName: string;
  partnerSlug: string;
  /** ISO 3166 code of the field partner's country. */
  country: string;
  shares: number;
  lent: bigint;
  refunded: bigint;
  repaid: bigint;
  outstanding: bigint;
  writtenOff: bigint;
  fxLoss: bigint;
  inArrears: boolean;
  daysLate: number;
  nextExpected: { cents: bigint; dueOn: string } | null;
  /** The day (UTC) of their first share. */
  since: string;
};

const usd = (cents: bigint) => csvCell(toDecimalString(cents, "USD"), { raw: true });

/**
 * A file of the lender's loans. No borrower names or places: a download is a
 * copy that outlives a later revocation of consent, so it carries only what is
 * the lender's own (the loan reference leads back to the page, which checks
 * consent on every visit).
 */
export function loanCsvLine(row: PortfolioLoan): string {
  return csvRow([
    csvCell(row.reference),
    csvCell(row.purpose),
    csvCell(row.partnerName),
    csvCell(countryName(row.country)),
    csvCell(row.status),
    csvCell(String(row.shares), { raw: true }),
    usd(row.lent),
    usd(row.refunded),
    usd(row.repaid),
    usd(row.outstanding),
    usd(row.writtenOff),
    usd(row.fxLoss),
    csvCell(row.inArrears ? "yes" : "no"),
    csvCell(String(row.daysLate), { raw: true }),
    row.nextExpected ? usd(row.nextExpected.cents) : "",
    row.nextExpected ? csvCell(row.nextExpected.dueOn) : "",
    csvCell(row.since),
  ]);
}

export const REPAYMENTS_CSV_HEADER = ["paid_on", "loan_reference", "field_partner", "shares", "amount_usd", "fx_loss_usd", "owed_usd", "repayment_id"];

export type RepaymentCsvRow = {
  paidOn: string;
  reference: string;
  partnerName: string;
  shares: number;
  usdCents: bigint;
  fxLossCents: bigint;
  expectedUsdCents: bigint;
  repaymentId: string;
};

export function repaymentCsvLine(row: RepaymentCsvRow): string {
  return csvRow([
    csvCell(row.paidOn),
    csvCell(row.reference),
    csvCell(row.partnerName),
    csvCell(String(row.shares), { raw: true }),
    usd(row.usdCents),
    usd(row.fxLossCents),
    usd(row.expectedUsdCents),
    csvCell(row.repaymentId),
  ]);
}
