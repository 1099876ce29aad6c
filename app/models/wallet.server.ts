// A lender's wallet: its balance and movements (read from the ledger), the
// forms that change it, and donations. Card money in and out is in
// payment.server.ts.
import { z } from "zod";
import { parseMoneyInput, toDecimalString } from "~/lib/money.ts";
import { csvCell, csvRow, DONATION_MIN, entryLink, TOP_UP_MAX, TOP_UP_MIN, WALLET_CURRENCY, WITHDRAWAL_MIN } from "~/lib/wallet.ts";
import { getBalance, listEntries, PLATFORM_DONATIONS, postTransaction, walletAccount } from "./ledger.server.ts";

export const WALLET_PAGE_SIZE = 20;

// ---------------------------------------------------------------------------
// Forms

/** Every wallet form carries a key made when the page was rendered: sending it twice changes nothing twice. */
const requestKey = z.uuid({ message: "This form has expired. Reload the page and try again." });

const currency = z.literal(WALLET_CURRENCY, { message: "Wallets are in US dollars (USD)." });

function amountField(limits: { min: bigint; max?: bigint }) {
  return z.string({ message: "Enter an amount." }).transform((text, ctx) => {
    const parsed = parseMoneyInput(text, WALLET_CURRENCY, limits);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: parsed.message });
      return z.NEVER;
    }
    return parsed.amount;
  });
}

export const walletCommandSchema = z.discriminatedUnion(
  "intent",
  [
    z.object({ intent: z.literal("top-up"), key: requestKey, currency, topUpAmount: amountField({ min: TOP_UP_MIN, max: TOP_UP_MAX }) }),
    z.object({ intent: z.literal("donate"), key: requestKey, currency, donationAmount: amountField({ min: DONATION_MIN }) }),
    z.object({ intent: z.literal("withdraw"), key: requestKey, currency, withdrawalAmount: amountField({ min: WITHDRAWAL_MIN }) }),
  ],
  { message: "Unknown request." },
);

export type WalletCommand = z.infer<typeof walletCommandSchema>;

// ---------------------------------------------------------------------------
// Reading

export type WalletEntry = {
  postingId: string;
  transactionId: string;
  amount: string;
  memo: string;
  kind: string;
  createdAt: string;
  link: { href: string; label: string } | null;
};

export async function getWalletBalance(userId: string): Promise<bigint> {
  return getBalance(walletAccount(userId), WALLET_CURRENCY);
}

/** One page of movements, newest first, from before the posting id `before`. */
export async function getWalletHistory(userId: string, options: { before?: bigint } = {}) {
  const rows = await listEntries(walletAccount(userId), WALLET_CURRENCY, { before: options.before, limit: WALLET_PAGE_SIZE + 1 });
  const page = rows.slice(0, WALLET_PAGE_SIZE);
  const entries: WalletEntry[] = page.map((row) => ({
    postingId: row.postingId.toString(),
    transactionId: row.transactionId.toString(),
    amount: row.amount.toString(),
    memo: row.memo,
    kind: row.kind,
    createdAt: row.createdAt.toISOString(),
    link: entryLink(row.reference),
  }));
  return { entries, nextBefore: rows.length > WALLET_PAGE_SIZE ? page[page.length - 1]!.postingId.toString() : null };
}

const CSV_BATCH = 500;
const CSV_HEADER = ["date", "description", "amount", "currency", "kind", "transaction_id", "posting_id", "link"];

/**
 * The wallet's full history as CSV, newest first, read in batches as the
 * stream is consumed so a long history never sits in memory. Entries posted
 * after the export starts are left out (ids only grow), so the file is one
 * consistent picture.
 */
export function walletCsv(userId: string, origin: string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const account = walletAccount(userId);
  let before: bigint | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(csvRow(CSV_HEADER)));
        return;
      }
      const rows = await listEntries(account, WALLET_CURRENCY, { before, limit: CSV_BATCH });
      let chunk = "";
      for (const row of rows) {
        const link = entryLink(row.reference);
        chunk += csvRow([
          csvCell(row.createdAt.toISOString()),
          csvCell(row.memo),
          csvCell(toDecimalString(row.amount, WALLET_CURRENCY), { raw: true }),
          csvCell(WALLET_CURRENCY),
          csvCell(row.kind),
          csvCell(row.transactionId.toString()),
          csvCell(row.postingId.toString()),
          csvCell(link ? `${origin}${link.href}` : ""),
        ]);
      }
      if (chunk) controller.enqueue(encoder.encode(chunk));
      if (rows.length < CSV_BATCH) controller.close();
      else before = rows[rows.length - 1]!.postingId;
    },
  });
}

// ---------------------------------------------------------------------------
// Donating

/** Gives wallet credit to Mavuno. The ledger refuses more than the wallet holds (InsufficientFunds). */
export async function donate(input: { userId: string; amount: bigint; requestKey: string }) {
  return postTransaction({
    idempotencyKey: `donation:${input.userId}:${input.requestKey}`,
    kind: "donation",
    memo: "Donation to Mavuno",
    reference: { userId: input.userId },
    postings: [
      { account: walletAccount(input.userId), amount: -input.amount, currency: WALLET_CURRENCY },
      { account: PLATFORM_DONATIONS, amount: input.amount, currency: WALLET_CURRENCY },
    ],
  });
}
