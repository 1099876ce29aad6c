// What a repayments file must look like, and the checks that need no database:
// shared by the upload model and the upload page's instructions.
import { minorDigits } from "./money.ts";

export const UPLOAD_MAX_BYTES = 10 * 1024 * 1024;
export const UPLOAD_MAX_LINES = 100_000;

export type ColumnKey = "reference" | "date" | "amount" | "rate";

/** The columns, in the order the instructions name them, with the headings each accepts (compared without case, spaces or punctuation). */
export const UPLOAD_COLUMNS: readonly { key: ColumnKey; label: string; accepts: readonly string[] }[] = [
  { key: "reference", label: "loan reference", accepts: ["loan reference", "loan ref", "reference", "ref", "loan", "loan number", "loan no"] },
  { key: "date", label: "date", accepts: ["date", "paid on", "date paid", "paid date", "payment date", "repayment date", "date of payment"] },
  { key: "amount", label: "local amount", accepts: ["local amount", "amount", "amount paid", "paid amount", "repayment amount", "amount local", "local amount paid"] },
  { key: "rate", label: "rate", accepts: ["rate", "fx rate", "exchange rate", "rate used", "usd rate", "fx"] },
];

/** "Amount (KES)" and "Date [YYYY-MM-DD]" name the amount and the date: what is in brackets is a note. */
export function normalizeHeading(heading: string): string {
  return heading
    .replace(/\([^)]*\)|\[[^\]]*\]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");
}

const ACCEPTED = new Map<string, ColumnKey>(UPLOAD_COLUMNS.flatMap((c) => c.accepts.map((a) => [normalizeHeading(a), c.key] as const)));

export type ColumnMap = Record<ColumnKey, number>;

/** Which field holds which column, or a message that names what is missing or ambiguous. */
export function matchColumns(header: readonly string[]): { ok: true; columns: ColumnMap } | { ok: false; message: string } {
  const found = new Map<ColumnKey, number[]>();
  header.forEach((heading, index) => {
    const key = ACCEPTED.get(normalizeHeading(heading));
    if (key) found.set(key, [...(found.get(key) ?? []), index]);
  });
  const twice = UPLOAD_COLUMNS.filter((c) => (found.get(c.key)?.length ?? 0) > 1);
  if (twice.length > 0) {
    const which = twice.map((c) => `${c.label} (${found.get(c.key)!.map((i) => `“${header[i]!.trim()}”`).join(" and ")})`);
    return { ok: false, message: `More than one column could be the ${which.join("; ")}. Keep one of each, or rename the others.` };
  }
  const missing = UPLOAD_COLUMNS.filter((c) => !found.has(c.key));
  if (missing.length > 0) {
    const names = header.map((h) => h.trim()).filter(Boolean);
    return {
      ok: false,
      message:
        `The file has no column for the ${listOf(missing.map((c) => c.label))}. ` +
        `Its first line must name the columns: ${UPLOAD_COLUMNS.map((c) => c.label).join(", ")}` +
        (names.length ? ` (this file's first line names: ${names.map((n) => `“${truncate(n, 40)}”`).join(", ")}).` : " (this file's first line is empty)."),
    };
  }
  return { ok: true, columns: Object.fromEntries([...found].map(([key, [index]]) => [key, index])) as ColumnMap };
}

function listOf(items: string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A decimal amount as written in the file, before we know the loan's currency. */
export type AmountText = { whole: string; fraction: string };

/**
 * Digits with an optional decimal point, nothing else. Thousands separators
 * are refused, not guessed: "1,500" is fifteen hundred in one country and one
 * and a half in another.
 */
export function parseAmountText(text: string): { ok: true; amount: AmountText } | { ok: false; message: string } {
  const value = text.trim();
  if (value === "") return { ok: false, message: "The amount is missing." };
  if (/^-/.test(value)) return { ok: false, message: "The amount must be more than zero (a repayment cannot be negative)." };
  const plain = /^(\d+)(?:\.(\d*))?$/.exec(value);
  if (plain) {
    if (/^0*$/.test(plain[1]! + (plain[2] ?? ""))) return { ok: false, message: "The amount must be more than zero." };
    return { ok: true, amount: { whole: plain[1]!.replace(/^0+(?=\d)/, ""), fraction: plain[2] ?? "" } };
  }
  if (/^\d{1,3}([, ']\d{3})+(\.\d+)?$/.test(value)) {
    return { ok: false, message: `Write the amount without thousands separators: ${value.replace(/[, ']/g, "")}, not ${value}.` };
  }
  if (/^\d+,\d{1,2}$/.test(value)) return { ok: false, message: `Use a point for decimals: ${value.replace(",", ".")}, not ${value}.` };
  return { ok: false, message: `The amount “${truncate(value, 30)}” is not a number: write digits with a decimal point, like 1500.50.` };
}

/** The amount in the currency's minor units, or why it does not fit the currency. */
export function amountInMinor(amount: AmountText, currency: string): { ok: true; minor: bigint } | { ok: false; message: string } {
  const digits = minorDigits(currency);
  const fraction = amount.fraction.replace(/0+$/, "");
  if (fraction.length > digits) {
    return { ok: false, message: digits === 0 ? `${currency} amounts have no decimals.` : `${currency} amounts have at most ${digits} decimal places.` };
  }
  if (amount.whole.length > 15) return { ok: false, message: "The amount is too large." };
  return { ok: true, minor: BigInt(amount.whole) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, "0") || "0") };
}

/** Why a date is not YYYY-MM-DD, with the fix when we can tell what was meant. */
export function dateFormatMessage(text: string): string {
  const value = text.trim();
  if (value === "") return "The date is missing.";
  const dmy = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value);
  if (dmy) return `Write the date as YYYY-MM-DD (year first), e.g. ${dmy[3]}-MM-DD, not ${value}.`;
  return `The date “${truncate(value, 30)}” is not a date: write it as YYYY-MM-DD, e.g. 2026-03-15.`;
}

/**
 * A rate more than this many times off the loan's own rate is a slip (a
 * missing decimal point, dollars per local unit) far more often than a real
 * devaluation, and would quietly give lenders almost nothing.
 */
export const RATE_SLIP_FACTOR = 5;

export function rateSlipMessage(rate: number, loanRate: number, currency: string): string | null {
  if (!(loanRate > 0) || !(rate > 0)) return null;
  if (rate > loanRate * RATE_SLIP_FACTOR || rate < loanRate / RATE_SLIP_FACTOR) {
    return (
      `The rate ${rate} is far from the ${loanRate} ${currency} per US dollar this loan was made at: ` +
      `the rate is ${currency} per US dollar (e.g. ${loanRate}). If it is right, record this repayment on the loan's own page.`
    );
  }
  return null;
}

export const UPLOAD_STATUS_LABELS: Record<string, string> = {
  validated: "Checked, not posted",
  recording: "Posting",
  posting: "Posting",
  posted: "Posted",
};

/** "2026-03-15 09:41 UTC": the same text on the server and in the browser, whatever their time zones. */
export function utcMinute(date: Date | string): string {
  return `${new Date(date).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
