// Investors' micro-equity emails through a real SMTP server: refunded (missed
// minimum, or cancelled), closed and disbursed, the share-out credited (with
// its amount) and the cycle report overdue; each once per event and investor,
// however often the periodic job's part runs.
import { describe, expect, it } from "vitest";
import { sendEquityEmails } from "~/models/equity-emails.server.ts";
import { buyUnits, cancelInvestment, fileReport, settleOfferings } from "~/models/equity.server.ts";
import { getBalance, walletAccount } from "~/models/ledger.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { smtpServerForFile } from "../support/smtp.ts";
import { investor, listedOffering, requestKey } from "./equity-helpers.ts";

const smtp = smtpServerForFile();
const DAY = 86_400_000;

const mailsTo = (email: string, subject: RegExp) => smtp.received.filter((m) => m.envelopeTo.includes(email) && subject.test(m.subject));

async function investorWith(cents: bigint, name: string) {
  const user = await investor(cents, name);
  const { email } = await (await getDb()).user.findUniqueOrThrow({ where: { id: user.id }, select: { email: true } });
  return { id: user.id, email };
}

/** Runs the job's part several times, as the minute timer would, and lets any stray message arrive. */
async function runJobTimes(now: Date, times = 3) {
  for (let i = 0; i < times; i++) await sendEquityEmails(now);
  await new Promise((resolve) => setTimeout(resolve, 100));
}

describe("investors' equity emails", () => {
  it("an offering that missed its minimum: each investor is told once what came back, summed over their purchases", async () => {
    const { offering } = await listedOffering({ minRaiseCents: 50_000n });
    const a = await investorWith(10_000n, "Refund Investor");
    await buyUnits({ investorId: a.id, offeringId: offering.id, units: 2, requestKey: requestKey() });
    await buyUnits({ investorId: a.id, offeringId: offering.id, units: 3, requestKey: requestKey() });
    const deadline = new Date(offering.fundraisingDeadline.getTime() + 1);
    await settleOfferings(deadline);
    await runJobTimes(deadline);
    const mails = mailsTo(a.email, /refunded/);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe(`${offering.title}: $50.00 refunded`);
    expect(mails[0]!.text).toContain("did not raise its minimum of $500.00 by its deadline");
    expect(await getBalance(walletAccount(a.id), "USD")).toBe(10_000n);
  });

  it("a cancellation within the window: one email with the refund", async () => {
    const { offering } = await listedOffering();
    const a = await investorWith(5_000n, "Cancel Investor");
    const bought = await buyUnits({ investorId: a.id, offeringId: offering.id, units: 2, requestKey: requestKey() });
    await cancelInvestment({ investorId: a.id, investmentId: bought.investmentId });
    await runJobTimes(new Date());
    const mails = mailsTo(a.email, /cancelled/);
    expect(mails.map((m) => m.subject)).toEqual([`${offering.title}: your units cancelled, $20.00 refunded`]);
  });

  it("closed and disbursed, then the share-out with each investor's own amount, then nothing more; each once", async () => {
    const { offering, partner } = await listedOffering({ minRaiseCents: 5_000n, profitShareBps: 2_000, capitalReturned: true });
    const a = await investorWith(10_000n, "First Investor");
    const b = await investorWith(10_000n, "Second Investor");
    await buyUnits({ investorId: a.id, offeringId: offering.id, units: 3, requestKey: requestKey() });
    await buyUnits({ investorId: b.id, offeringId: offering.id, units: 7, requestKey: requestKey() });
    const deadline = new Date(offering.fundraisingDeadline.getTime() + 1);
    await settleOfferings(deadline);
    await runJobTimes(deadline);
    for (const [who, amount] of [[a, "$30.00"], [b, "$70.00"]] as const) {
      const mails = mailsTo(who.email, /is funded/);
      expect(mails.map((m) => m.subject)).toEqual([`${offering.title} is funded: your ${amount} is invested`]);
      expect(mails[0]!.text).toContain(`its capital has been passed to ${partner.name}`);
    }

    // Net profit 33,333 KES at 100 a dollar = $333.33; 20% = $66.67 plus the $100 capital: $166.67 split 3:7.
    const db = await getDb();
    const filedAt = new Date(offering.cycleEnd.getTime() + DAY);
    const officer = await db.user.findFirstOrThrow({ select: { id: true } });
    await fileReport({
      partnerId: partner.id,
      offeringId: offering.id,
      userId: officer.id,
      figures: { income: 3_333_300n, expenses: 0n, loanLosses: 0n, rate: { numerator: 100n, denominator: 1n }, rateText: "100" },
      now: filedAt,
    });
    await runJobTimes(filedAt);
    const shareA = mailsTo(a.email, /share-out/);
    const shareB = mailsTo(b.email, /share-out/);
    expect(shareA.map((m) => m.subject)).toEqual([`${offering.title}: $50.00 share-out in your wallet`]);
    expect(shareB.map((m) => m.subject)).toEqual([`${offering.title}: $116.67 share-out in your wallet`]);
    expect(shareB[0]!.text).toContain("Investors together received $166.67");
    // What the email says is what the wallet got.
    expect(await getBalance(walletAccount(a.id), "USD")).toBe(10_000n - 3_000n + 5_000n);
    expect(await getBalance(walletAccount(b.id), "USD")).toBe(10_000n - 7_000n + 11_667n);
    // The funded email was not sent again by the later runs, and a distributed offering is never overdue.
    await runJobTimes(new Date(offering.cycleEnd.getTime() + 40 * DAY));
    expect(mailsTo(a.email, /is funded/)).toHaveLength(1);
    expect(mailsTo(a.email, /overdue/)).toHaveLength(0);
  });

  it("a cycle report not filed 30 days after the cycle ends: each investor is told once", async () => {
    const { offering } = await listedOffering({ minRaiseCents: 1_000n });
    const a = await investorWith(5_000n, "Overdue Investor");
    await buyUnits({ investorId: a.id, offeringId: offering.id, units: 1, requestKey: requestKey() });
    await settleOfferings(new Date(offering.fundraisingDeadline.getTime() + 1));
    // Thirty days after the cycle: not yet overdue.
    await runJobTimes(new Date(offering.cycleEnd.getTime() + 30 * DAY - 1000));
    expect(mailsTo(a.email, /overdue/)).toHaveLength(0);
    await runJobTimes(new Date(offering.cycleEnd.getTime() + 31 * DAY));
    await runJobTimes(new Date(offering.cycleEnd.getTime() + 45 * DAY));
    const mails = mailsTo(a.email, /overdue/);
    expect(mails.map((m) => m.subject)).toEqual([`${offering.title}: the cycle report is overdue`]);
    expect(mails[0]!.text).toContain("has not filed the cycle report");
  });
});
