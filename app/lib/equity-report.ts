// The cycle report's arithmetic with no I/O: the exchange rate as typed, the
// group's net profit in US cents, and when an unfiled report is overdue.
// Shared by the report page (shown before filing) and the model (posted).

/** Days after the cycle ends within which the partner must file its report. */
export const REPORT_GRACE_DAYS = 30;

/** Local currency units per US dollar, as an exact fraction: "129.5" → 1295/10. */
export type Rate = { numerator: bigint; denominator: bigint };

export function parseRate(text: string): Rate | null {
  const match = /^(\d{1,9})(?:\.(\d{1,8}))?$/.exec(text.trim());
  if (!match) return null;
  const fraction = match[2] ?? "";
  const numerator = BigInt(match[1]! + fraction);
  if (numerator === 0n) return null;
  return { numerator, denominator: 10n ** BigInt(fraction.length) };
}

/** round(n / d) for d > 0, halves away from zero. */
function divRound(n: bigint, d: bigint): bigint {
  const m = n < 0n ? -n : n;
  const q = (m * 2n + d) / (2n * d);
  return n < 0n ? -q : q;
}

/** `minor` of a currency with `digits` decimals, in US cents at `rate` local units per dollar. */
export function toUsdCents(minor: bigint, digits: number, rate: Rate): bigint {
  return divRound(minor * 100n * rate.denominator, 10n ** BigInt(digits) * rate.numerator);
}

export function netProfit(figures: { income: bigint; expenses: bigint; loanLosses: bigint }): bigint {
  return figures.income - figures.expenses - figures.loanLosses;
}

/** The day after which an unfiled report is overdue. */
export function reportDueBy(cycleEnd: Date): Date {
  return new Date(cycleEnd.getTime() + REPORT_GRACE_DAYS * 86_400_000);
}

/** Closed (capital with the group), the cycle over more than 30 days, and no report yet. */
export function reportOverdue(offering: { status: string; cycleEnd: Date }, now: Date): boolean {
  return offering.status === "closed" && now.getTime() > reportDueBy(offering.cycleEnd).getTime();
}
