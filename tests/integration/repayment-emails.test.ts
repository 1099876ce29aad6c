import { describe, expect, it, vi } from "vitest";
import { isoWeekName } from "~/lib/iso-week.ts";
import { daysLate } from "~/lib/repayment.ts";
import { getBalance, inTransaction, walletAccount } from "~/models/ledger.server.ts";
import { distributePending, recordRepayment, recordRepayments } from "~/models/repayment.server.ts";
import { notifyLoanRepaid, sendArrearsEmails, sendRepaidEmails, sendWeeklyDigests } from "~/models/repayment-emails.server.ts";
import { runJobsOnce } from "~/utils/jobs.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { disbursedLoan } from "../factories/repayments.ts";
import { linkIn } from "../support/mail.ts";
import { smtpServerForFile } from "../support/smtp.ts";

const smtp = smtpServerForFile({ rejectRecipients: /@refused\.test$/ });
const DAY = 86_400_000;
let n = 0;
const key = () => `email-test-${++n}-${Math.random().toString(36).slice(2, 8)}`;

const mailsTo = (email: string, subject: RegExp) => smtp.received.filter((m) => m.envelopeTo.includes(email) && subject.test(m.subject));

async function scheduleTotal(loanId: string) {
  const db = await getDb();
  const rows = await db.loanInstalment.findMany({ where: { loanId, version: 1 }, orderBy: { number: "asc" } });
  return { rows, total: rows.reduce((sum, r) => sum + r.principal + r.interest, 0n) };
}

/**
 * Gives any stray message a moment to arrive before a test says none (or no
 * second one) came. The server records a message before it acknowledges it,
 * so once a send returns, its message is already counted: this is a margin.
 */
async function settle() {
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe("loan repaid", () => {
  it("tells each lender at once what came back, with the FX loss and links, exactly once however often it is asked", async () => {
    const { loan, partner, lenders } = await disbursedLoan({ shares: [2, 1], termMonths: 3, fxRate: "100", disbursedOn: new Date(Date.now() - 100 * DAY) });
    const { total } = await scheduleTotal(loan.id);
    // The shilling has weakened from 100 to 125 a dollar: lenders get four fifths of the principal.
    const result = await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey: key(), paidOn: new Date(), localAmount: total, fxRate: "125" });
    expect(result.loanRepaid).toBe(true);
    expect((await notifyLoanRepaid(loan.id)).sent).toBe(2);

    const db = await getDb();
    for (const [index, lender] of lenders.entries()) {
      const mail = await smtp.waitFor((m) => m.envelopeTo.includes(lender.email) && /repaid in full/.test(m.subject));
      expect(mail.subject).toBe(`Loan ${loan.reference} is repaid in full`);
      const got = await getBalance(walletAccount(lender.id), "USD");
      const parts = await db.repaymentAllocation.findMany({ where: { lenderId: lender.id, loanId: loan.id } });
      const loss = parts.reduce((sum, p) => sum + p.fxLossCents, 0n);
      expect(loss).toBeGreaterThan(0n);
      const dollars = (cents: bigint) => `$${(Number(cents) / 100).toFixed(2)}`;
      expect(mail.text).toContain(`You lent ${index === 0 ? "$50.00" : "$25.00"}, and ${dollars(got)} has come back to your Mavuno wallet`);
      expect(mail.text).toContain(`The other ${dollars(loss)} was lost because the borrower's currency fell`);
      expect(linkIn(mail.text, `/my/loans/${loan.id}`)).toBe(`http://localhost:3000/my/loans/${loan.id}`);
      expect(linkIn(mail.text, "/loans")).toBe("http://localhost:3000/loans");
      expect(await db.emailLog.count({ where: { key: `repaid:${loan.id}:${lender.id}` } })).toBe(1);
    }

    // Asked again, and by the periodic job: nothing more.
    expect((await notifyLoanRepaid(loan.id)).sent).toBe(0);
    await runJobsOnce();
    await settle();
    for (const lender of lenders) expect(mailsTo(lender.email, /repaid in full/)).toHaveLength(1);
  });

  it("the periodic job sends what nobody sent straight away, but only once the money has reached the wallets", async () => {
    const { loan, partner, lenders } = await disbursedLoan({ shares: [1, 1], termMonths: 2, disbursedOn: new Date(Date.now() - 70 * DAY) });
    const { total } = await scheduleTotal(loan.id);
    // As a CSV upload records it: in the caller's transaction, distributed afterwards.
    const outcome = await inTransaction((tx) => recordRepayments(tx, [{ partnerId: partner.id, loanId: loan.id, requestKey: key(), paidOn: new Date(), localAmount: total, fxRate: "129.5" }]));
    expect(outcome.repaidLoanIds).toEqual([loan.id]);
    await sendRepaidEmails();
    await settle();
    for (const lender of lenders) expect(mailsTo(lender.email, /repaid in full/)).toHaveLength(0);

    await distributePending();
    await runJobsOnce();
    for (const lender of lenders) {
      const mail = await smtp.waitFor((m) => m.envelopeTo.includes(lender.email) && /repaid in full/.test(m.subject));
      expect(mail.text).toContain("You lent $25.00, and $25.00 has come back to your Mavuno wallet as credit.");
      expect(mail.text).not.toContain("lost");
    }
  });

  it("a lender whose mail server refuses the address is not retried every minute; the others still hear", async () => {
    const { loan, partner, lenders } = await disbursedLoan({ shares: [1, 1], termMonths: 2, disbursedOn: new Date(Date.now() - 70 * DAY) });
    const db = await getDb();
    const refused = await db.user.update({ where: { id: lenders[0]!.id }, data: { email: `gone-${lenders[0]!.id}@refused.test` } });
    const { total } = await scheduleTotal(loan.id);
    await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey: key(), paidOn: new Date(), localAmount: total, fxRate: "129.5" });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      expect((await notifyLoanRepaid(loan.id)).sent).toBe(1);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining(`${refused.email} refused "Loan ${loan.reference} is repaid in full"`));
      warn.mockClear();
      expect((await notifyLoanRepaid(loan.id)).sent).toBe(0);
      await sendRepaidEmails();
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
    await smtp.waitFor((m) => m.envelopeTo.includes(lenders[1]!.email) && /repaid in full/.test(m.subject));
  });
});

describe("loan in arrears", () => {
  it("tells lenders once a loan is more than 14 days late, once per episode, and again only after it caught up and fell behind", async () => {
    // Monthly instalments: the first fell due about 20 days ago.
    const late = await disbursedLoan({ shares: [3, 1], termMonths: 3, disbursedOn: new Date(Date.now() - 50 * DAY) });
    // Another whose first instalment is only about 10 days late: not yet.
    const recent = await disbursedLoan({ shares: [1], termMonths: 3, disbursedOn: new Date(Date.now() - 40 * DAY) });
    const db = await getDb();
    const now = new Date();
    const dueOn = (await db.loan.findUniqueOrThrow({ where: { id: late.loan.id } })).firstUnpaidDueOn!;
    const days = daysLate(dueOn, now);
    expect(days).toBeGreaterThan(14);

    await sendArrearsEmails(now);
    await sendArrearsEmails(now);
    await runJobsOnce(now);
    await settle();
    const first = await smtp.waitFor((m) => m.envelopeTo.includes(late.lenders[0]!.email) && /behind/.test(m.subject));
    expect(first.subject).toBe(`Loan ${late.loan.reference} is ${days} days behind on its repayments`);
    expect(first.text).toContain(`Of the $75.00 you lent, $75.00 is still to be repaid.`);
    expect(first.text).toContain(`If it is still unpaid 180 days after it was due, the loan will be marked as defaulted.`);
    expect(linkIn(first.text, `/my/loans/${late.loan.id}`)).toBeTruthy();
    for (const lender of late.lenders) expect(mailsTo(lender.email, /behind/)).toHaveLength(1);
    expect(mailsTo(recent.lenders[0]!.email, /behind/)).toHaveLength(0);
    expect((await db.loan.findUniqueOrThrow({ where: { id: late.loan.id } })).arrearsNotifiedAt).not.toBeNull();

    // The borrower pays the late instalment: the loan is current, the episode is over.
    const { rows } = await scheduleTotal(late.loan.id);
    await recordRepayment({ partnerId: late.partner.id, loanId: late.loan.id, requestKey: key(), paidOn: now, localAmount: rows[0]!.principal + rows[0]!.interest, fxRate: "129.5" });
    await sendArrearsEmails(now);
    expect((await db.loan.findUniqueOrThrow({ where: { id: late.loan.id } })).arrearsNotifiedAt).toBeNull();

    // A month on, the next instalment is more than 14 days late: a new episode, a new email.
    const later = new Date(now.getTime() + 30 * DAY);
    await sendArrearsEmails(later);
    await sendArrearsEmails(later);
    await settle();
    for (const lender of late.lenders) expect(mailsTo(lender.email, /behind/)).toHaveLength(2);
    const second = mailsTo(late.lenders[0]!.email, /behind/)[1]!;
    const nextDue = (await db.loan.findUniqueOrThrow({ where: { id: late.loan.id } })).firstUnpaidDueOn!;
    expect(second.subject).toBe(`Loan ${late.loan.reference} is ${daysLate(nextDue, later)} days behind on its repayments`);
    expect(second.text).toMatch(/Of the \$75\.00 you lent, \$\d+\.\d\d is still to be repaid/);
  });
});

describe("weekly digest", () => {
  it("sends each lender one email a week listing what reached their wallet, adding up to the credit, never twice", async () => {
    const { loan, partner, lenders } = await disbursedLoan({ shares: [2, 1], termMonths: 6, fxRate: "100", disbursedOn: new Date(Date.now() - 100 * DAY) });
    const { rows } = await scheduleTotal(loan.id);
    await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey: key(), paidOn: new Date(Date.now() - 40 * DAY), localAmount: rows[0]!.principal + rows[0]!.interest, fxRate: "100" });
    await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey: key(), paidOn: new Date(), localAmount: rows[1]!.principal + rows[1]!.interest, fxRate: "110" });

    // During the week itself nothing goes: the digest waits for the week to end.
    await sendWeeklyDigests(new Date());
    await settle();
    for (const lender of lenders) expect(mailsTo(lender.email, /Your repayments this week/)).toHaveLength(0);

    const nextWeek = new Date(Date.now() + 7 * DAY);
    await sendWeeklyDigests(nextWeek);
    await sendWeeklyDigests(nextWeek);
    await runJobsOnce(nextWeek);
    const db = await getDb();
    for (const lender of lenders) {
      const mail = await smtp.waitFor((m) => m.envelopeTo.includes(lender.email) && /Your repayments this week/.test(m.subject));
      // The lenders spent all their credit on the loan, so what is in their wallets now is what came back.
      const credit = await getBalance(walletAccount(lender.id), "USD");
      const dollars = `$${(Number(credit) / 100).toFixed(2)}`;
      expect(mail.subject).toBe(`Your repayments this week: ${dollars} back in your wallet`);
      expect(mail.text).toContain(`- Loan ${loan.reference} (${loan.purpose}): ${dollars} from 2 repayments, last paid by the borrower on`);
      expect(mail.text).toMatch(/lost to the exchange rate/);
      expect(linkIn(mail.text, "/my/loans")).toBeTruthy();
      expect(await db.emailLog.count({ where: { key: `digest:${lender.id}:${isoWeekName(new Date())}` } })).toBe(1);
    }
    await settle();
    for (const lender of lenders) expect(mailsTo(lender.email, /Your repayments this week/)).toHaveLength(1);
  });
});

// Last in the file: it stops the mail server.
describe("when the mail server is down", () => {
  it("gives every claim back, so the next run sends them, and stops trying after the first failure", async () => {
    const { loan, partner, lenders } = await disbursedLoan({ shares: [1, 1, 1], termMonths: 2, disbursedOn: new Date(Date.now() - 70 * DAY) });
    const { total } = await scheduleTotal(loan.id);
    await recordRepayment({ partnerId: partner.id, loanId: loan.id, requestKey: key(), paidOn: new Date(), localAmount: total, fxRate: "129.5" });
    await smtp.close();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      expect(await notifyLoanRepaid(loan.id)).toEqual({ sent: 0, mailServerDown: true });
      // One warning, not one per lender: the run stopped at the first.
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/could not send "Loan .* is repaid in full" to .*, will try again/));
    } finally {
      warn.mockRestore();
    }
    const db = await getDb();
    expect(await db.emailLog.count({ where: { key: { in: lenders.map((l) => `repaid:${loan.id}:${l.id}`) } } })).toBe(0);
  });
});
