// Money is integer minor units plus an ISO 4217 currency. Formatting happens
// only at the edge, here.

const formatters = new Map<string, Intl.NumberFormat>();

const digitsByCurrency = new Map<string, number>();

export function minorDigits(currency: string): number {
  // Building an Intl.NumberFormat costs far more than formatting with one, and pages format dozens of amounts.
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

export function formatMoney(minor: number | bigint, currency: string, locale = "en-US"): string {
  const key = `${locale}:${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: "currency", currency });
    formatters.set(key, formatter);
  }
  // Formatted from a decimal string so amounts beyond 2^53 minor units stay exact.
  return formatter.format(toDecimalString(minor, currency) as unknown as number);
}

/** Minor units as a plain decimal in the currency's own decimals ("25.00", "-0.05", "1850000"), for files and machines. */
export function toDecimalString(minor: number | bigint, currency: string): string {
  const digits = minorDigits(currency);
  const value = typeof minor === "bigint" ? minor : BigInt(Math.trunc(minor));
  if (digits === 0) return value.toString();
  const scale = 10n ** BigInt(digits);
  const magnitude = value < 0n ? -value : value;
  return `${value < 0n ? "-" : ""}${magnitude / scale}.${(magnitude % scale).toString().padStart(digits, "0")}`;
}

export type Money = { amount: bigint; currency: string };

export const SUPPORTED_CURRENCIES = ["USD", "KES", "UGX", "PHP", "TZS", "RWF", "GHS", "NGN", "INR", "XOF"] as const;

export type ParseResult = { ok: true; amount: bigint } | { ok: false; message: string };

/**
 * Parses what a person typed ("25", "25.00", "1,000", "$1,000.5") into minor
 * units, strictly: no exponent, no more decimals than the currency has, comma
 * grouping only in groups of three, nothing negative, nothing but digits.
 */
export function parseMoneyInput(
  input: string,
  currency: string,
  options: { min?: bigint; max?: bigint } = {},
): ParseResult {
  const digits = minorDigits(currency);
  let text = input.trim();
  if (text === "") return { ok: false, message: "Enter an amount." };
  if (text.startsWith("$") && currency === "USD") text = text.slice(1).trim();
  if (text.startsWith("-")) return { ok: false, message: "Enter an amount greater than zero." };
  const match = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return { ok: false, message: "Enter an amount in numbers, like 25 or 25.00." };
  const whole = match[1]!.replace(/,/g, "");
  const fraction = match[2] ?? "";
  if (fraction.length > digits) {
    return {
      ok: false,
      message: digits === 0 ? `${currency} amounts have no decimals.` : `Use at most ${digits} decimal places.`,
    };
  }
  if (whole.length > 15) return { ok: false, message: "That amount is too large." };
  const amount = BigInt(whole) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, "0") || "0");
  const min = options.min ?? 1n;
  if (amount < min) {
    return { ok: false, message: min <= 1n ? "Enter an amount greater than zero." : `The smallest amount is ${formatMoney(min, currency)}.` };
  }
  if (options.max !== undefined && amount > options.max) {
    return { ok: false, message: `The largest amount is ${formatMoney(options.max, currency)}.` };
  }
  return { ok: true, amount };
}

/**
 * Splits `total` into parts proportional to `weights` by the largest-remainder
 * method: every part gets its floor, and the units left over go one each to the
 * largest remainders; ties go to the earliest weight. The parts always sum to
 * `total` exactly.
 */
export function allocate(total: bigint, weights: readonly bigint[]): bigint[] {
  if (weights.length === 0) throw new RangeError("allocate needs at least one weight");
  if (weights.some((w) => w < 0n)) throw new RangeError("allocate weights must not be negative");
  const sum = weights.reduce((a, b) => a + b, 0n);
  if (sum === 0n) throw new RangeError("allocate weights must not all be zero");
  const negative = total < 0n;
  const magnitude = negative ? -total : total;
  const parts =
    magnitude * sum <= BigInt(Number.MAX_SAFE_INTEGER) ? allocateExactInDoubles(Number(magnitude), weights.map(Number), Number(sum)) : allocateBig(magnitude, weights, sum);
  return negative ? parts.map((p) => -p) : parts;
}

// Every product magnitude × weight is below 2^53 here, so doubles hold it, its
// remainder and its quotient exactly; a repayment to 10,000 lenders splits
// several times faster than with bigints.
function allocateExactInDoubles(magnitude: number, weights: readonly number[], sum: number): bigint[] {
  const floors = new Array<number>(weights.length);
  const remainders = new Array<number>(weights.length);
  let left = magnitude;
  for (let i = 0; i < weights.length; i++) {
    const product = magnitude * weights[i]!;
    remainders[i] = product % sum;
    floors[i] = (product - remainders[i]!) / sum;
    left -= floors[i]!;
  }
  const order = weights.map((_, index) => index).sort((a, b) => remainders[b]! - remainders[a]! || a - b);
  for (let i = 0; i < left; i++) floors[order[i]!]! += 1;
  return floors.map((f) => BigInt(f));
}

function allocateBig(magnitude: bigint, weights: readonly bigint[], sum: bigint): bigint[] {
  const parts = weights.map((w) => (magnitude * w) / sum);
  let left = magnitude - parts.reduce((a, b) => a + b, 0n);
  const order = weights
    .map((w, index) => ({ index, remainder: (magnitude * w) % sum }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of order) {
    if (left === 0n) break;
    parts[index]! += 1n;
    left -= 1n;
  }
  return parts;
}
