// queryOneRowCached: the impact portal's view statement planned once per
// session on the embedded database, run as it is on a PostgreSQL server. Both
// must give the row the statement itself gives, with fresh data every call.
import { beforeAll, describe, expect, it } from "vitest";
import { queryOneRowCached, queryOneRowCachedInParts, type TypedParam } from "~/utils/cached-statement.server.ts";
import { getDatabase, getDb } from "~/utils/db.server.ts";

const SQL = `
  SELECT (SELECT count(*)::int FROM cached_probe t
           WHERE t.region = $2::text AND t.day BETWEEN $3::date AND $4::date
             AND ($5::text[] IS NULL OR t.id IN (SELECT unnest($5::text[])))) AS matching,
         (SELECT json_agg(t.id ORDER BY t.id) FROM cached_probe t WHERE t.score >= $1::int)::text AS ids,
         (SELECT max(t.day) FROM cached_probe t) AS last_day,
         (SELECT min(t.day) FROM cached_probe t WHERE t.region = $2::text)::text AS first_day,
         $2::text AS region`;

const params = (minScore: number, only: string[] | null): TypedParam[] => [
  { type: "int", value: minScore },
  { type: "text", value: "Coast" },
  { type: "date", value: "2026-01-01" },
  { type: "date", value: "2026-12-31" },
  { type: "text[]", value: only },
];

/** The statement run as it is, through Prisma (dates come back as Date objects: written as days to compare). */
async function direct(minScore: number, only: string[] | null) {
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(SQL, ...params(minScore, only).map((p) => p.value))) as Record<string, unknown>[];
  const row = { ...rows[0] };
  row.last_day = (row.last_day as Date).toISOString().slice(0, 10);
  return row;
}

async function wrappedFunctions(): Promise<number> {
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(
    `SELECT count(*)::int AS n FROM pg_proc WHERE pronamespace = pg_my_temp_schema() AND proname LIKE 'cached_probe_%'`,
  )) as { n: number }[];
  return rows[0]!.n;
}

describe("a statement planned once per session", () => {
  beforeAll(async () => {
    const db = await getDb();
    await db.$executeRawUnsafe(`CREATE TABLE cached_probe (id text PRIMARY KEY, region text NOT NULL, day date NOT NULL, score int NOT NULL)`);
    await db.$executeRawUnsafe(
      `INSERT INTO cached_probe VALUES ('a', 'Coast', '2026-02-01', 10), ('b', 'Coast', '2026-05-01', 40), ('c', 'Rift', '2026-05-01', 70), ('d', 'Coast', '2025-12-31', 90)`,
    );
  });

  it("returns the row the statement itself returns, for every kind of parameter, a null array included", async () => {
    for (const [minScore, only] of [
      [0, null],
      [50, ["a"]],
      [95, []],
    ] as const) {
      const got = await queryOneRowCached("cached_probe", SQL, params(minScore, only === null ? null : [...only]));
      expect(got).toEqual(await direct(minScore, only === null ? null : [...only]));
    }
    expect(await queryOneRowCached("cached_probe", SQL, params(0, null))).toEqual({
      matching: 2,
      ids: '["a", "b", "c", "d"]',
      last_day: "2026-05-01",
      first_day: "2025-12-31",
      region: "Coast",
    });
  });

  it("sees rows written after its first call, and keeps working when a table it reads changes", async () => {
    const db = await getDb();
    const before = await queryOneRowCached("cached_probe", SQL, params(0, null));
    await db.$executeRawUnsafe(`INSERT INTO cached_probe VALUES ('e', 'Coast', '2026-08-01', 55)`);
    expect((await queryOneRowCached("cached_probe", SQL, params(0, null))).matching).toBe(Number(before.matching) + 1);
    await db.$executeRawUnsafe(`ALTER TABLE cached_probe ADD COLUMN note text`);
    await db.$executeRawUnsafe(`CREATE INDEX cached_probe_region ON cached_probe (region, day)`);
    const after = await queryOneRowCached("cached_probe", SQL, params(50, null));
    expect(after).toEqual(await direct(50, null));
    expect(after.ids).toBe('["c", "d", "e"]');
  });

  it("wraps the statement in one function per session on the embedded database, and in none on a PostgreSQL server", async () => {
    for (let i = 0; i < 5; i++) await queryOneRowCached("cached_probe", SQL, params(i * 10, null));
    const embedded = (await getDatabase()).target.kind === "pglite";
    expect(await wrappedFunctions()).toBe(embedded ? 1 : 0);
  });

  it("gives the same row when the statement's columns are read in parts (at once on a PostgreSQL server)", async () => {
    // The WITH names every parameter, as the impact view's does, so each part can be typed.
    const withClause = `WITH probe AS (
        SELECT t.* FROM cached_probe t
         WHERE t.score >= $1::int AND t.region = $2::text AND t.day BETWEEN $3::date AND $4::date
           AND ($5::text[] IS NULL OR t.id IN (SELECT unnest($5::text[]))))`;
    const counted = `(SELECT count(*)::int FROM probe) AS matching, (SELECT json_agg(p.id ORDER BY p.id) FROM probe p)::text AS ids`;
    const other = `(SELECT max(t.day) FROM cached_probe t)::text AS last_day, $2::text AS region`;
    const whole = `${withClause} SELECT ${counted}, ${other}`;
    const parts = [`${withClause} SELECT ${counted}`, `${withClause} SELECT ${other}`];
    for (const only of [null, ["a", "b"], []]) {
      const p = params(0, only);
      const got = await queryOneRowCachedInParts("probe_parts", whole, parts, p);
      expect(got).toEqual(await queryOneRowCached("probe_whole", whole, p));
      expect(Object.keys(got).sort()).toEqual(["ids", "last_day", "matching", "region"]);
    }
    expect(await queryOneRowCachedInParts("probe_parts", whole, parts, params(0, ["a", "b"]))).toMatchObject({ matching: 2, ids: '["a", "b"]' });
  });
});
