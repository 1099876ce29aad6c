// Periodic work, run inside the server process (the embedded database admits
// one process only): free lapsed reservations, expire overdue loans and refund
// their lenders. Each run is idempotent, so a missed or doubled tick is harmless.
import { expireOverdueLoans, sweepExpiredReservations } from "~/models/lending.server.ts";
import { notifyRefunded } from "~/models/notifications.server.ts";

const INTERVAL_MS = 60_000;
let timer: NodeJS.Timeout | undefined;
let running: Promise<void> | undefined;

export async function runJobsOnce(now = new Date()) {
  await sweepExpiredReservations(now);
  const expired = await expireOverdueLoans(now);
  await notifyRefunded(expired);
  return { expired: expired.length };
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
