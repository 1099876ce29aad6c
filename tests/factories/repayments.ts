// A loan that lenders funded through the real checkout and that the partner
// disbursed, ready for repayments. Shared by the repayment, portfolio,
// statement and auto-lend tests.
import { EXTERNAL_CARD, postTransaction, walletAccount } from "~/models/ledger.server.ts";
import { checkout, reserve, SHARE_CENTS } from "~/models/lending.server.ts";
import { recordDisbursement } from "~/models/loan-request.server.ts";
import type { RepaymentFrequency, InterestMethod } from "~/generated/prisma/enums.ts";
import { getDb } from "~/utils/db.server.ts";
import { makeClient, makeLoan, makeMembership, makePartner, makeUser } from "./index.ts";

let counter = 0;
const tag = () => `${Date.now().toString(36)}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

export async function creditWallet(userId: string, cents: bigint) {
  await postTransaction({
    idempotencyKey: `test-credit:${userId}:${tag()}`,
    kind: "card_top_up",
    memo: "Added credit by card",
    postings: [
      { account: EXTERNAL_CARD, amount: -cents, currency: "USD" },
      { account: walletAccount(userId), amount: cents, currency: "USD" },
    ],
  });
}

export type DisbursedLoanOptions = {
  /** Shares bought by each lender, in buying order (the first lender buys first). */
  shares: number[];
  partnerId?: string;
  localCurrency?: string;
  fxRate?: string;
  termMonths?: number;
  frequency?: RepaymentFrequency;
  interestMethod?: InterestMethod;
  annualRateBps?: number;
  graceInstalments?: number;
  disbursedOn?: Date;
  sector?: string;
  country?: string;
};

export async function disbursedLoan(options: DisbursedLoanOptions) {
  const db = await getDb();
  const partner = options.partnerId
    ? await db.partner.findUniqueOrThrow({ where: { id: options.partnerId } })
    : await makePartner(db, { status: "active", ...(options.country ? { country: options.country } : {}) });
  const officer = await makeUser(db);
  await makeMembership(db, { userId: officer.id, partnerId: partner.id, role: "officer" });
  const client = await makeClient(db, { partnerId: partner.id });
  const totalShares = options.shares.reduce((a, b) => a + b, 0);
  const loan = await makeLoan(db, {
    partnerId: partner.id,
    clientId: client.id,
    amountUsdCents: totalShares * Number(SHARE_CENTS),
    localCurrency: options.localCurrency ?? "KES",
    fxRate: options.fxRate ?? "129.5",
    termMonths: options.termMonths ?? 6,
    frequency: options.frequency ?? "monthly",
    interestMethod: options.interestMethod ?? "declining_balance",
    annualRateBps: options.annualRateBps ?? 2400,
    graceInstalments: options.graceInstalments ?? 0,
    ...(options.sector ? { sector: options.sector } : {}),
  });
  const lenders = [];
  for (const shares of options.shares) {
    const lender = await makeUser(db);
    await creditWallet(lender.id, BigInt(shares) * SHARE_CENTS);
    await reserve({ userId: lender.id, loanId: loan.id, shares });
    const result = await checkout({ userId: lender.id, requestKey: `test-${tag()}`, tipCents: 0n });
    if (result.status !== "completed") throw new Error("disbursedLoan: checkout did not complete");
    lenders.push(lender);
  }
  const disbursedOn = options.disbursedOn ?? new Date(Date.now() - 200 * 86_400_000);
  // recordDisbursement refuses a date before funding; the fixture back-dates funding too.
  await db.loan.update({ where: { id: loan.id }, data: { fundedAt: disbursedOn } });
  await recordDisbursement(partner.id, loan.id, officer.id, disbursedOn);
  const fresh = await db.loan.findUniqueOrThrow({ where: { id: loan.id } });
  return { loan: fresh, partner, officer, client, lenders };
}
