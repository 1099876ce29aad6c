// Emails about lending events. Sent after the money has moved and committed; a
// failed send is logged, never undoes the movement.
import { formatMoney } from "~/lib/money.ts";
import { getDb } from "~/utils/db.server.ts";
import { trySendEmail } from "~/utils/email.server.ts";
import type { RefundedLoan } from "./lending.server.ts";
import { PUBLIC_VIEWER, readableLoanTexts } from "./consent.server.ts";

/** Tells every lender of each newly funded loan. */
export async function notifyFunded(loanIds: readonly string[]) {
  if (loanIds.length === 0) return;
  const db = await getDb();
  for (const loanId of loanIds) {
    const loan = await db.loan.findUnique({
      where: { id: loanId },
      select: { reference: true, purpose: true, amountUsdCents: true, partner: { select: { name: true } } },
    });
    if (!loan) continue;
    // An email says no more than a public page: the purpose as the public may read it.
    const purpose = (await readableLoanTexts([{ loanId, purpose: loan.purpose }], ["purpose"], PUBLIC_VIEWER))[0]!.purpose;
    const lenders = await db.loanShare.groupBy({ by: ["lenderId"], where: { loanId }, _sum: { amount: true } });
    const users = await db.user.findMany({ where: { id: { in: lenders.map((l) => l.lenderId) } }, select: { id: true, email: true, name: true } });
    for (const user of users) {
      const stake = lenders.find((l) => l.lenderId === user.id)?._sum.amount ?? 0n;
      await trySendEmail({
        to: user.email,
        subject: `Loan ${loan.reference} is fully funded`,
        text:
          `Hello ${user.name},\n\nLoan ${loan.reference} (${purpose}) has raised all ${formatMoney(loan.amountUsdCents, "USD")}. ` +
          `Your ${formatMoney(stake, "USD")} is on its way to ${loan.partner.name}, who will disburse the loan. ` +
          `Repayments will come back to your Mavuno wallet.\n\nThank you for lending.\n`,
      });
    }
  }
}

/** Tells every lender of an expired or cancelled loan that their money is back in their wallet. */
export async function notifyRefunded(loans: readonly RefundedLoan[]) {
  const db = await getDb();
  for (const loan of loans) {
    const users = await db.user.findMany({ where: { id: { in: loan.lenders.map((l) => l.lenderId) } }, select: { id: true, email: true, name: true } });
    for (const user of users) {
      const amount = loan.lenders.find((l) => l.lenderId === user.id)!.amount;
      const why = loan.reason === "expired" ? "did not raise its full amount before its deadline" : "was cancelled by its field partner";
      await trySendEmail({
        to: user.email,
        subject: `Loan ${loan.reference} ${loan.reason === "expired" ? "expired" : "was cancelled"}: ${formatMoney(amount, "USD")} refunded`,
        text:
          `Hello ${user.name},\n\nLoan ${loan.reference} ${why}. The ${formatMoney(amount, "USD")} you lent is back in your Mavuno wallet ` +
          `as credit, to lend again, donate or withdraw.\n`,
      });
    }
  }
}

/**
 * A checkout paid partly by card could not buy its shares when the payment
 * arrived (they went meanwhile): the lender may never come back to the page
 * that would say so.
 */
export async function notifyCheckoutFailed(input: { userId: string; reason: string; paid: bigint; currency: string }) {
  const db = await getDb();
  const user = await db.user.findUnique({ where: { id: input.userId }, select: { email: true, name: true } });
  if (!user) return;
  const paid = formatMoney(input.paid, input.currency);
  await trySendEmail({
    to: user.email,
    subject: `Your checkout did not go through: ${paid} is in your wallet`,
    text:
      `Hello ${user.name},\n\nYour card payment of ${paid} arrived, but the checkout it was for could not be completed: ${input.reason}\n\n` +
      `The ${paid} is in your Mavuno wallet as credit, to lend again, donate or withdraw.\n`,
  });
}
