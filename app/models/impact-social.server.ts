// Social-performance rollups (social_rollups): rebuilt from clients and loans
// by one database function (migration 20261123015112_social_rollups), from the
// periodic job when they are older than an hour, and by the seeds. Readers take
// the rows as of `rebuilt_at` and say so.
import { getDb } from "~/utils/db.server.ts";

export const SOCIAL_MAX_AGE_MS = 60 * 60_000;

/** Rebuilds every row in one transaction; returns how many rows were written. */
export async function rebuildSocialRollups(): Promise<number> {
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(`SELECT "impact_rebuild_social"() AS written`)) as { written: number }[];
  // Every rebuild leaves the previous rows dead. The embedded database has no autovacuum: without this
  // the table grows by a full copy each hour, and each rebuild's inserts check the dead keys they
  // collide with (at 20,000 scale loans about half the rebuild's time, docs/decisions/025).
  // Outside the rebuild's transaction, as VACUUM must be. ANALYZE too: the rows are all new, and the views'
  // plans need their statistics (PGlite never gathers them by itself; a server's autovacuum would, later).
  await db.$executeRawUnsafe(`VACUUM (ANALYZE) "social_rollups"`);
  return rows[0]?.written ?? 0;
}

/** When the rows were last rebuilt, or null if never. */
export async function socialRebuiltAt(): Promise<Date | null> {
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(`SELECT max("rebuilt_at") AS at FROM "social_rollups"`)) as { at: Date | null }[];
  return rows[0]?.at ?? null;
}

/** For the periodic job: rebuild when the rows are older than `maxAgeMs` (or missing while there are loans). */
export async function rebuildSocialIfStale(now = new Date(), maxAgeMs = SOCIAL_MAX_AGE_MS): Promise<boolean> {
  const at = await socialRebuiltAt();
  if (at && now.getTime() - at.getTime() < maxAgeMs) return false;
  if (!at) {
    const db = await getDb();
    if ((await db.loan.count({ where: { disbursedAt: { not: null } } })) === 0) return false;
  }
  await rebuildSocialRollups();
  return true;
}
