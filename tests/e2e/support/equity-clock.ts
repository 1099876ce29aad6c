// Run with the server stopped: `node --import tsx tests/e2e/support/equity-clock.ts <offering reference> <days>`.
// Moves one offering's calendar <days> into the past (its fundraising deadline
// and cycle) — the only thing the journey cannot wait for — and then settles
// offerings past their deadline with the real settleOfferings, as the server's
// job would on its next tick. Nothing else is written: the purchases, the
// holds and the closing go through the equity model.
import { settleOfferings } from "~/models/equity.server.ts";
import { closeDb, getDb } from "~/utils/db.server.ts";

const [reference, daysText] = process.argv.slice(2);
const days = Number(daysText);
if (!reference || !Number.isInteger(days) || days <= 0) throw new Error("usage: equity-clock.ts <offering reference> <days>");
const db = await getDb();
const moved = await db.$executeRawUnsafe(
  `UPDATE offerings SET fundraising_deadline = fundraising_deadline - make_interval(days => $2),
                        cycle_start = cycle_start - $2::int, cycle_end = cycle_end - $2::int
    WHERE reference = $1`,
  reference,
  days,
);
if (moved !== 1) throw new Error(`no offering ${reference}`);
const { settled } = await settleOfferings(new Date());
console.log(JSON.stringify(settled.map((s) => ({ offeringId: s.offeringId, outcome: s.outcome }))));
await closeDb();
