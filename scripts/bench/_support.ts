// Shared by the benches: fresh databases to measure on, timing, target lines.
import crypto from "node:crypto";
import os from "node:os";
import pg from "pg";
import { openPglite, openPostgres, type OpenDatabase } from "../../app/utils/database.server.ts";
import { migrationSql } from "../../tests/support/test-database.ts";

export type BenchDatabase = { label: string; database: OpenDatabase; dispose: () => Promise<void> };

/** An in-memory PGlite, and a fresh database on the PostgreSQL server when DATABASE_URL names one. */
export async function benchDatabases(): Promise<BenchDatabase[]> {
  const out: BenchDatabase[] = [];
  const pglite = await openPglite(null);
  for (const sql of migrationSql()) await pglite.exec(sql);
  out.push({ label: "pglite", database: pglite, dispose: () => pglite.close() });
  const url = process.env.DATABASE_URL;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    const name = `mavuno_bench_${crypto.randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const target = new URL(url);
    target.pathname = `/${name}`;
    const database = openPostgres(target.toString(), { max: 10 });
    for (const sql of migrationSql()) await database.exec(sql);
    out.push({
      label: "postgresql",
      database,
      dispose: async () => {
        await database.close();
        const cleanup = new pg.Client({ connectionString: url });
        await cleanup.connect();
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await cleanup.end();
      },
    });
  }
  return out;
}

export async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function machine(): string {
  return `${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? "unknown cpu"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`;
}

/** Prints the target line; returns whether it passed. */
export function target(name: string, measured: number, goal: { max?: number; min?: number }, unit = "x"): boolean {
  const pass = (goal.max === undefined || measured <= goal.max) && (goal.min === undefined || measured >= goal.min);
  const goalText = goal.max !== undefined ? `<= ${goal.max}${unit}` : `>= ${goal.min}${unit}`;
  console.log(`target ${name}: ${measured.toFixed(2)}${unit} (goal ${goalText}) ${pass ? "PASS" : "FAIL"}`);
  return pass;
}
