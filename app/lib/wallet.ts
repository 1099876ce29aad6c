// Wallet rules with no I/O: amount limits (shared with the forms' hints), what a
// wallet movement links to, how a withdrawal is split over earlier card
// payments, and CSV cells.

export const WALLET_CURRENCY = "USD";

/** Top-ups: small ones cost more in card fees than they are worth; large ones want a bank transfer. */
export const TOP_UP_MIN = 500n;
export const TOP_UP_MAX = 1_000_000n;
export const DONATION_MIN = 1n;
/** Refunds below a dollar are not worth a card round-trip; such a remainder can be donated or relent. */
export const WITHDRAWAL_MIN = 100n;

export type EntryLink = { href: string; label: string };

/** Where a movement came from, from its ledger reference; null when there is nothing to show. */
export function entryLink(reference: Record<string, string>): EntryLink | null {
  const id = (key: string) => {
    const value = reference[key];
    return value && /^[A-Za-z0-9_-]{1,64}$/.test(value) ? encodeURIComponent(value) : null;
  };
  const loanId = id("loanId");
  if (loanId) return { href: `/loans/${loanId}`, label: "Loan" };
  const withdrawalId = id("withdrawalId");
  if (withdrawalId) return { href: `/wallet/withdrawals/${withdrawalId}`, label: "Withdrawal" };
  const cardPaymentId = id("cardPaymentId");
  if (cardPaymentId) return { href: `/wallet/payments/${cardPaymentId}`, label: "Card payment" };
  return null;
}

export type RefundablePayment = { id: string; refundable: bigint };

/**
 * Splits a withdrawal over card payments given most recent first: each gives
 * what it still has unrefunded until the amount is covered. Null when all of
 * them together cannot cover it.
 */
export function planRefunds(amount: bigint, payments: readonly RefundablePayment[]): { id: string; amount: bigint }[] | null {
  const parts: { id: string; amount: bigint }[] = [];
  let left = amount;
  for (const payment of payments) {
    if (left <= 0n) break;
    if (payment.refundable <= 0n) continue;
    const take = payment.refundable < left ? payment.refundable : left;
    parts.push({ id: payment.id, amount: take });
    left -= take;
  }
  return left > 0n ? null : parts;
}

/**
 * One CSV cell (RFC 4180). Text that a spreadsheet would run as a formula is
 * prefixed with an apostrophe; numbers are passed as `raw` so a minus sign stays a minus sign.
 */
export function csvCell(value: string, options: { raw?: boolean } = {}): string {
  const text = !options.raw && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(cells: string[]): string {
  return `${cells.join(",")}\r\n`;
}
