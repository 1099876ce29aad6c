// Periodic work, run inside the server process (the embedded database admits
// one process only): free lapsed reservations, expire overdue loans and refund
// their lenders, finish repayments a crash left undistributed, mark loans late
// beyond their partner's grace as defaulted, lend opted-in lenders' idle credit,
// send lenders' repayment emails, and rebuild the impact portal's social
// indicators when they are an hour old. Each run is idempotent, so a missed or
// doubled tick is harmless.
import { runAutoLend } from "~/models/auto-lend.server.ts";
import { sendEquityEmails } from "~/models/equity-emails.server.ts";
import { settleOfferings } from "~/models/equity.server.ts";
import { rebuildSocialIfStale } from "~/models/impact-social.server.ts";
import { expireOverdueLoans, sweepExpiredReservations } from "~/models/lending.server.ts";
import { notifyRefunded } from "~/models/notifications.server.ts";
import { sendRepaymentEmails } from "~/models/repayment-emails.server.ts";
import { settleUploads } from "~/models/repayment-upload.server.ts";
import { distributePending, markDefaults } from "~/models/repayment.server.ts";

const INTERVAL_MS = 60_000;
let timer: NodeJS.Timeout | undefined;
let running: Promise<void> | undefined;

export async function runJobsOnce(now = new Date()) {
  await sweepExpiredReservations(now);
  const expired = await expireOverdueLoans(now);
  await notifyRefunded(expired);
  // Repayments recorded but not yet in the lenders' wallets (a crash, a stopped upload).
  const distributed = await distributePending();
  // CSV uploads whose repayments are now all distributed read as posted.
  await settleUploads();
  const defaulted = await markDefaults(now);
  // Micro-equity offerings past their deadline: closed to the partner, or every investor refunded.
  const offerings = await settleOfferings(now);
  // After the sweep: auto-lending checks out a whole basket, so it waits for a lender's lapsed reservations to go.
  const autoLend = await runAutoLend(now);
  // Last: lenders' emails about repaid, late and repaid-this-week loans, each sent once however often this runs.
  const emails = await sendRepaymentEmails(now);
  // Investors' emails about refunds, closings, share-outs and overdue reports, each once.
  const equityEmails = await sendEquityEmails(now);
  // The impact portal's women / rural / retention / loan-size figures, at most an hour old.
  const socialRebuilt = await rebuildSocialIfStale(now);
  return {
    expired: expired.length,
    distributed,
    defaulted: defaulted.length,
    offeringsSettled: offerings.settled.length,
    autoLent: autoLend.lent,
    emails,
    equityEmails,
    socialRebuilt,
  };
}

export function startJobs() {
  if (timer) return;
  const tick = () => {
    if (running) return;
    running = runJobsOnce()
      .then(() => undefined)
      .catch((error: unknown) => console.warn(`mavuno: periodic jobs failed: ${(error as Error).message}`))
      .finally(() => {
        running = undefined;
      });
  };
  tick();
  timer = setInterval(tick, INTERVAL_MS);
  timer.unref();
}

export async function stopJobs() {
  if (timer) clearInterval(timer);
  timer = undefined;
  await running;
}
