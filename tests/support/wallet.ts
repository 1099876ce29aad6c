// Helpers for the wallet and payment tests: a signed-in lender, the wallet
// form as a browser sends it, and the numbers to check afterwards.
import { action as walletAction, loader as walletLoader } from "~/routes/wallet._index.tsx";
import { getBalance, postTransaction, walletAccount } from "~/models/ledger.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { createSession } from "~/utils/session.server.ts";
import { makeUser } from "../factories/index.ts";
import { formRequest, getRequest, run } from "./requests.ts";

export type Lender = { id: string; cookie: string };

export async function signedInLender(name = "Test Lender"): Promise<Lender> {
  const user = await makeUser(await getDb(), { name });
  const { token } = await createSession(user.id, "vitest");
  return { id: user.id, cookie: `mavuno_session=${token}` };
}

/** Sends one of the wallet page's forms, with a fresh key unless one is given. */
export function submitWallet(lender: Lender, fields: Record<string, string>) {
  return run(walletAction, formRequest("/wallet?index", { key: crypto.randomUUID(), currency: "USD", ...fields }, lender.cookie));
}

export const topUp = (lender: Lender, amount: string, key?: string) =>
  submitWallet(lender, { intent: "top-up", topUpAmount: amount, ...(key ? { key } : {}) });
export const donateFrom = (lender: Lender, amount: string, key?: string) =>
  submitWallet(lender, { intent: "donate", donationAmount: amount, ...(key ? { key } : {}) });
export const withdrawFrom = (lender: Lender, amount: string, key?: string) =>
  submitWallet(lender, { intent: "withdraw", withdrawalAmount: amount, ...(key ? { key } : {}) });

export type WalletPage = {
  balance: string;
  entries: { postingId: string; amount: string; memo: string; kind: string; link: { href: string; label: string } | null }[];
  nextBefore: string | null;
  keys: Record<string, string>;
  demo: boolean;
};

export async function walletPage(lender: Lender, query = ""): Promise<WalletPage> {
  const response = await run(walletLoader, getRequest(`/wallet${query}`, lender.cookie));
  if (response.status !== 200) throw new Error(`wallet page answered ${response.status}`);
  return (await response.json()) as WalletPage;
}

export const balanceOf = (userId: string) => getBalance(walletAccount(userId), "USD");

export async function ledgerTransactionCount(): Promise<number> {
  return (await getDb()).ledgerTransaction.count();
}

export async function formErrors(response: Response): Promise<Record<string, string[]>> {
  if (response.status !== 400) throw new Error(`expected 400, got ${response.status}`);
  return ((await response.json()) as { errors: Record<string, string[]> }).errors;
}

/** Credit that did not come by card (a loan repayment, say), posted through the ledger as lending will post it. */
export function creditFromRepayment(userId: string, amount: bigint, options: { memo?: string; loanId?: string } = {}) {
  return postTransaction({
    idempotencyKey: `test:repayment:${userId}:${crypto.randomUUID()}`,
    kind: "repayment",
    memo: options.memo ?? "Repayment",
    reference: options.loanId ? { loanId: options.loanId } : {},
    postings: [
      { account: "external:partner:test", amount: -amount, currency: "USD" },
      { account: walletAccount(userId), amount, currency: "USD" },
    ],
  });
}
