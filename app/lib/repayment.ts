// Repayment arithmetic with no I/O: how a borrower's payment splits into
// interest and principal, what the lenders are owed for that principal, what
// they get at the day's exchange rate, and each lender's part. Integer minor
// units throughout; every split adds up exactly.
import { allocate, minorDigits } from "./money.ts";

export type DueInstalment = { dueOn: Date; principal: bigint; interest: bigint };

export class RateError extends Error {}

/** A positive decimal exchange rate ("129.5" local units per US dollar) as a scaled integer. */
export function parseRate(rate: string): { units: bigint; scale: bigint } {
  const text = rate.trim();
  if (!/^\d{1,10}(\.\d{1,8})?$/.test(text)) throw new RateError("The rate must be a number such as 129.50 (local units per US dollar).");
  const [whole, fraction = ""] = text.split(".");
  const scale = 10n ** BigInt(fraction.length);
  const units = BigInt(whole!) * scale + BigInt(fraction || "0");
  if (units === 0n) throw new RateError("The rate must be more than zero.");
  return { units, scale };
}

/**
 * A borrower's payments fill each instalment in due order, interest before
 * principal. Returns how much principal the first `paid` minor units cover.
 */
export function principalCovered(instalments: readonly DueInstalment[], paid: bigint): bigint {
  let left = paid;
  let principal = 0n;
  for (const instalment of instalments) {
    if (left <= 0n) break;
    const towardsInterest = left < instalment.interest ? left : instalment.interest;
    left -= towardsInterest;
    const towardsPrincipal = left < instalment.principal ? left : instalment.principal;
    left -= towardsPrincipal;
    principal += towardsPrincipal;
  }
  return principal;
}

export function scheduleTotal(instalments: readonly DueInstalment[]): bigint {
  return instalments.reduce((sum, i) => sum + i.principal + i.interest, 0n);
}

/** The due date of the oldest instalment that `paid` does not fully cover; null when all are covered. */
export function firstUnpaidDue(instalments: readonly DueInstalment[], paid: bigint): Date | null {
  let cumulative = 0n;
  for (const instalment of instalments) {
    cumulative += instalment.principal + instalment.interest;
    if (paid < cumulative) return instalment.dueOn;
  }
  return null;
}

/** The interest and principal parts of a payment of `amount` made after `paidBefore` was already paid on these instalments. */
export function splitPayment(instalments: readonly DueInstalment[], paidBefore: bigint, amount: bigint): { principal: bigint; interest: bigint } {
  const principal = principalCovered(instalments, paidBefore + amount) - principalCovered(instalments, paidBefore);
  return { principal, interest: amount - principal };
}

/**
 * What lenders are owed, in US cents, once `principalLocal` of the loan's local
 * principal has been repaid: the same fraction of the USD amount, rounded down,
 * so the last repayment brings it to the whole amount exactly.
 */
export function owedUsdFor(principalLocal: bigint, amountLocal: bigint, amountUsdCents: bigint): bigint {
  if (amountLocal <= 0n) return 0n;
  return (amountUsdCents * principalLocal) / amountLocal;
}

/** Local minor units converted to US cents at `rate` local units per dollar, halves rounded up. */
export function toUsdCents(localMinor: bigint, rate: string, currency: string): bigint {
  const { units, scale } = parseRate(rate);
  const numerator = localMinor * 100n * scale;
  const denominator = units * 10n ** BigInt(minorDigits(currency));
  return (numerator * 2n + denominator) / (2n * denominator);
}

/**
 * The US cents lenders receive for principal owed at the loan's rate: the
 * principal at the repayment's own rate, never more than what is owed (a
 * stronger local currency does not make a 0% loan earn). The difference is
 * the FX loss.
 */
export function convertPrincipal(input: { principalLocal: bigint; owedUsdCents: bigint; rate: string; currency: string }) {
  const atRate = toUsdCents(input.principalLocal, input.rate, input.currency);
  const usdCents = atRate < input.owedUsdCents ? atRate : input.owedUsdCents;
  return { usdCents, fxLossCents: input.owedUsdCents - usdCents };
}

export type Holder = { lenderId: string; shares: number };
export type LenderPart = Holder & { usdCents: bigint; fxLossCents: bigint; owedUsdCents: bigint };

/**
 * Each lender's part, pro rata to shares by largest remainder, ties to the
 * earliest holder (callers pass holders ordered by their first share). The
 * money and the FX loss are split separately so each adds up exactly and
 * nobody's loss is negative.
 */
export function splitToLenders(holders: readonly Holder[], usdCents: bigint, fxLossCents: bigint): LenderPart[] {
  if (holders.length === 0) return [];
  const weights = holders.map((h) => BigInt(h.shares));
  const money = allocate(usdCents, weights);
  const loss = fxLossCents === 0n ? weights.map(() => 0n) : allocate(fxLossCents, weights);
  // Named fields, not `...holder`: spreading 10,000 objects cost more than the split itself.
  return holders.map((holder, index) => ({
    lenderId: holder.lenderId,
    shares: holder.shares,
    usdCents: money[index]!,
    fxLossCents: loss[index]!,
    owedUsdCents: money[index]! + loss[index]!,
  }));
}

const DAY_MS = 86_400_000;

/** Whole days from a due date to `today` (both as calendar dates, UTC); 0 when not yet due. */
export function daysLate(firstUnpaidDueOn: Date | null, today: Date): number {
  if (!firstUnpaidDueOn) return 0;
  const due = Date.UTC(firstUnpaidDueOn.getUTCFullYear(), firstUnpaidDueOn.getUTCMonth(), firstUnpaidDueOn.getUTCDate());
  const now = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Math.max(0, Math.floor((now - due) / DAY_MS));
}
