// One large read statement that pages run over and over, planned once per
// database session instead of on every call.
//
// On the embedded database (PGlite) every statement is parsed and planned in
// WebAssembly on each call, and Prisma's driver adapter has no named prepared
// statements. For the impact portal's one-statement views, parsing and planning
// took longer than running the statement. PL/pgSQL keeps the plans of the statements inside
// a function for the life of the session, so the statement is wrapped once in
// a temporary function (pg_temp: it goes away with the session, and nothing is
// added to the schema) and called with the same bind parameters. PostgreSQL
// itself invalidates those plans when a table they use changes.
//
// On a PostgreSQL server the same is done the usual way: a named prepared
// statement, which the driver prepares on each pooled connection's first use.
// See docs/decisions/026-cached-view-statement.md.
import crypto from "node:crypto";
import { getDatabase, getDb, type Db } from "./db.server.ts";

/** A bind parameter with its PostgreSQL type, as the statement's `$n::type` casts say. */
export type TypedParam = { type: "int" | "text" | "date" | "text[]"; value: unknown };

const created = new WeakMap<Db, Set<string>>();

/**
 * Runs `sql` (a SELECT returning exactly one row; its parameters $1…$n are
 * `params` in order) and returns that row as PostgreSQL's row_to_json gives it
 * (text stays text, a date or timestamp becomes PostgreSQL's ISO text).
 */
export async function queryOneRowCached(name: string, sql: string, params: readonly TypedParam[]): Promise<Record<string, unknown>> {
  const db = await getDb();
  const database = await getDatabase();
  const values = params.map((p) => p.value);
  const types = params.map((p) => p.type);
  const fn = `${name}_${crypto.createHash("sha256").update(`${types.join(",")}\n${sql}`).digest("hex").slice(0, 16)}`;
  if (database.target.kind !== "pglite") {
    // The same row_to_json as the function's, so both paths give the same values (dates as PostgreSQL writes them).
    const wrapped = `SELECT row_to_json(q)::text AS row FROM (${sql}) q`;
    const rows = (
      database.queryPrepared ? await database.queryPrepared(fn, wrapped, values) : await db.$queryRawUnsafe(wrapped, ...values)
    ) as { row: string | null }[];
    return rows[0]?.row ? (JSON.parse(rows[0].row) as Record<string, unknown>) : {};
  }
  let known = created.get(db);
  if (!known) created.set(db, (known = new Set()));
  if (!known.has(fn)) {
    // Dollar-quoted with a tag the statement cannot contain (the statement is the caller's own SQL, never user text).
    if (sql.includes("$mv_body$")) throw new Error("statement contains the function body's quote tag");
    await db.$executeRawUnsafe(
      `CREATE OR REPLACE FUNCTION pg_temp.${fn}(${types.join(", ")}) RETURNS text LANGUAGE plpgsql STABLE AS $mv_body$
       BEGIN
         RETURN (SELECT row_to_json(q)::text FROM (${sql}) q);
       END
       $mv_body$`,
    );
    known.add(fn);
  }
  const call = `SELECT pg_temp.${fn}(${types.map((t, i) => `$${i + 1}::${t}`).join(", ")}) AS row`;
  const rows = (await db.$queryRawUnsafe(call, ...values)) as { row: string | null }[];
  return rows[0]?.row ? (JSON.parse(rows[0].row) as Record<string, unknown>) : {};
}

/**
 * queryOneRowCached of a statement whose columns read unrelated rows: `parts`
 * are the statement with some of its columns each (every column in one part).
 * A PostgreSQL server runs the parts at once on the pool's connections and the
 * rows are merged; PGlite, one connection, gets `whole` in one round trip.
 * The parts may read at slightly different moments (no common snapshot).
 */
export async function queryOneRowCachedInParts(
  name: string,
  whole: string,
  parts: readonly string[],
  params: readonly TypedParam[],
): Promise<Record<string, unknown>> {
  const database = await getDatabase();
  if (database.target.kind === "pglite" || parts.length < 2) return queryOneRowCached(name, whole, params);
  const rows = await Promise.all(parts.map((sql) => queryOneRowCached(name, sql, params)));
  return Object.assign({}, ...rows) as Record<string, unknown>;
}
