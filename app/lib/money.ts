// Money is integer minor units plus an ISO 4217 currency. Formatting happens
// only at the edge, here.

const formatters = new Map<string, Intl.NumberFormat>();

export function minorDigits(currency: string): number {
  return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

export function formatMoney(minor: number | bigint, currency: string, locale = "en-US"): string {
  const key = `${locale}:${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: "currency", currency });
    formatters.set(key, formatter);
  }
  const digits = minorDigits(currency);
  const value = typeof minor === "bigint" ? minor : BigInt(Math.trunc(minor));
  const scale = 10n ** BigInt(digits);
  const whole = value / scale;
  const fraction = (value < 0n ? -value : value) % scale;
  // Built from a decimal string so amounts beyond 2^53 minor units stay exact.
  const text = digits === 0 ? `${whole}` : `${value < 0n && whole === 0n ? "-" : ""}${whole}.${fraction.toString().padStart(digits, "0")}`;
  return formatter.format(text as unknown as number);
}
