// Repayment schedules: flat or declining-balance interest, equal instalments,
// weekly / fortnightly / monthly, with principal grace. Money is integer minor
// units; the instalments always sum exactly to principal + interest.
import { allocate } from "./money.ts";

export type Frequency = "weekly" | "fortnightly" | "monthly";
export type InterestMethod = "flat" | "declining_balance";

export type ScheduleInput = {
  /** Principal in minor units. */
  principal: bigint;
  /** Nominal annual interest rate in basis points (2400 = 24% a year). */
  annualRateBps: number;
  termMonths: number;
  frequency: Frequency;
  method: InterestMethod;
  /** Leading instalments that repay no principal (interest only). */
  graceInstalments: number;
  /** When the loan is disbursed; the first instalment falls one period later. */
  disbursedOn: Date;
};

export type Instalment = {
  number: number;
  dueDate: Date;
  principal: bigint;
  interest: bigint;
  total: bigint;
  /** Principal still owed after this instalment. */
  balanceAfter: bigint;
};

export type Schedule = {
  instalments: Instalment[];
  totalPrincipal: bigint;
  totalInterest: bigint;
  totalRepaid: bigint;
  /** The borrower's effective annual rate (nominal APR from the cash flows), in basis points. */
  aprBps: number;
};

export const PERIODS_PER_YEAR: Record<Frequency, number> = { weekly: 52, fortnightly: 26, monthly: 12 };

export function instalmentCount(termMonths: number, frequency: Frequency): number {
  return Math.max(1, Math.round((termMonths * PERIODS_PER_YEAR[frequency]) / 12));
}

export class ScheduleError extends Error {}

// Exact rational arithmetic on bigints: interest rates are bps, so every rate is
// a fraction with a power-of-ten denominator and no float rounding creeps in.
const BPS_SCALE = 10_000n;

/** round(numerator / denominator), halves away from zero. */
function divRound(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (n * 2n + d) / (2n * d);
  return negative ? -q : q;
}

function addPeriods(start: Date, frequency: Frequency, count: number): Date {
  if (frequency !== "monthly") {
    const days = (frequency === "weekly" ? 7 : 14) * count;
    return new Date(start.getTime() + days * 86_400_000);
  }
  // Calendar months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb).
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth() + count;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(start.getUTCDate(), lastDay);
  return new Date(Date.UTC(year, month, day, start.getUTCHours(), start.getUTCMinutes()));
}

export function validateScheduleInput(input: ScheduleInput): void {
  if (input.principal <= 0n) throw new ScheduleError("The principal must be more than zero.");
  if (!Number.isInteger(input.annualRateBps) || input.annualRateBps < 0 || input.annualRateBps > 20_000) {
    throw new ScheduleError("The interest rate must be between 0% and 200% a year.");
  }
  if (!Number.isInteger(input.termMonths) || input.termMonths < 1 || input.termMonths > 120) {
    throw new ScheduleError("The term must be between 1 and 120 months.");
  }
  const n = instalmentCount(input.termMonths, input.frequency);
  if (!Number.isInteger(input.graceInstalments) || input.graceInstalments < 0 || input.graceInstalments >= n) {
    throw new ScheduleError(`The grace period must be fewer instalments than the ${n} the loan has.`);
  }
}

export function computeSchedule(input: ScheduleInput): Schedule {
  validateScheduleInput(input);
  const n = instalmentCount(input.termMonths, input.frequency);
  const grace = input.graceInstalments;
  const periods = BigInt(PERIODS_PER_YEAR[input.frequency]);
  const rate = BigInt(input.annualRateBps);
  const P = input.principal;

  const principalParts: bigint[] = [];
  const interestParts: bigint[] = [];

  if (input.method === "flat") {
    // Interest on the full principal for the whole term, spread evenly over every
    // instalment; principal spread over the instalments after the grace period.
    const totalInterest = divRound(P * rate * BigInt(input.termMonths), BPS_SCALE * 12n);
    interestParts.push(...allocate(totalInterest, Array<bigint>(n).fill(1n)));
    const repaying = allocate(P, Array<bigint>(n - grace).fill(1n));
    principalParts.push(...Array<bigint>(grace).fill(0n), ...repaying);
  } else {
    // Periodic rate i = rate / (10,000 × periods). Grace instalments pay interest
    // only; then an annuity: A = B·i / (1 − (1+i)^−m), rounded to the minor unit.
    // Each period's interest is rounded on its own; the last instalment takes
    // whatever principal is left, so principal sums to P exactly.
    const denominator = BPS_SCALE * periods;
    let balance = P;
    for (let k = 0; k < grace; k++) {
      interestParts.push(divRound(balance * rate, denominator));
      principalParts.push(0n);
    }
    const m = n - grace;
    let payment: bigint;
    if (rate === 0n) {
      payment = divRound(balance, BigInt(m));
    } else {
      // (1+i)^m as an exact fraction (D+r)^m / D^m.
      const growth = (denominator + rate) ** BigInt(m);
      const base = denominator ** BigInt(m);
      // A = B · r/D · growth / (growth − base)
      payment = divRound(balance * rate * growth, denominator * (growth - base));
    }
    for (let k = 0; k < m; k++) {
      const interest = divRound(balance * rate, denominator);
      let principal = k === m - 1 ? balance : payment - interest;
      if (principal > balance) principal = balance;
      if (principal < 0n) principal = 0n;
      interestParts.push(interest);
      principalParts.push(principal);
      balance -= principal;
    }
  }

  const instalments: Instalment[] = [];
  let owed = P;
  for (let k = 0; k < n; k++) {
    const principal = principalParts[k]!;
    const interest = interestParts[k]!;
    owed -= principal;
    instalments.push({
      number: k + 1,
      dueDate: addPeriods(input.disbursedOn, input.frequency, k + 1),
      principal,
      interest,
      total: principal + interest,
      balanceAfter: owed,
    });
  }
  const totalInterest = interestParts.reduce((a, b) => a + b, 0n);
  return {
    instalments,
    totalPrincipal: P,
    totalInterest,
    totalRepaid: P + totalInterest,
    aprBps: effectiveAprBps(P, instalments.map((i) => i.total), PERIODS_PER_YEAR[input.frequency]),
  };
}

/**
 * The nominal annual rate that discounts the instalments back to the principal
 * (the rate the borrower really pays, which for flat interest is well above the
 * quoted rate). Bisection on the periodic rate; accurate to a hundredth of a bp.
 */
export function effectiveAprBps(principal: bigint, payments: bigint[], periodsPerYear: number): number {
  const P = Number(principal);
  const flows = payments.map(Number);
  const pv = (j: number) => flows.reduce((sum, amount, k) => sum + amount / (1 + j) ** (k + 1), 0);
  if (pv(0) <= P) return 0;
  let low = 0;
  let high = 1;
  while (pv(high) > P) high *= 2;
  for (let step = 0; step < 200 && high - low > 1e-12; step++) {
    const mid = (low + high) / 2;
    if (pv(mid) > P) low = mid;
    else high = mid;
  }
  return Math.round(((low + high) / 2) * periodsPerYear * 10_000 * 100) / 100;
}
