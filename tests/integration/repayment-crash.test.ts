// The distribution process killed with SIGKILL at random points: no repayment
// is ever half distributed, and running it again finishes each exactly once.
// Runs against a database a child process can open: a PGlite directory, or a
// fresh database on the PostgreSQL server in TEST_POSTGRES_URL.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { inTransaction, verifyLedger } from "~/models/ledger.server.ts";
import { recordRepayments, type RepaymentInput } from "~/models/repayment.server.ts";
import { openPglite, openPostgres } from "~/utils/database.server.ts";
import { closeDb, getDb, setDatabase } from "~/utils/db.server.ts";
import { disbursedLoan } from "../factories/repayments.ts";
import { createTestDatabase, migrationSql } from "../support/test-database.ts";

const root = path.resolve(import.meta.dirname, "../..");
let dir: string | null = null;
let url = "";
let cleanup: (() => Promise<void>) | null = null;

async function openOwnDatabase() {
  if (process.env.TEST_POSTGRES_URL) {
    // A database of its own, dropped at the end; the app's client on it is
    // closed and opened again around each child run like the PGlite one.
    const created = await createTestDatabase();
    url = created.name;
    cleanup = () => created.close();
    setDatabase(openPostgres(url));
    return;
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "mavuno-crash-"));
  url = `pglite:${dir}`;
  const database = await openPglite(dir);
  for (const sql of migrationSql()) await database.exec(sql);
  setDatabase(database);
}

/**
 * Runs a script in a child process. With `killAt`, SIGKILLs it a random few
 * milliseconds after it reports that many repayments distributed, so the kill
 * lands somewhere inside the next batch's transaction or between batches.
 */
function run(script: string, args: string[], killAt: number | null): Promise<{ code: number | null; killed: boolean; out: string }> {
  return new Promise((resolve) => {
    // One process (tsx's CLI would run the script in a grandchild that SIGKILL does not reach).
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url, NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let killed = false;
    let armed = false;
    child.stdout.on("data", (d) => {
      out += d;
      const done = [...out.matchAll(/distributed (\d+)/g)].map((m) => Number(m[1]));
      if (killAt !== null && !armed && done.some((n) => n >= killAt)) {
        armed = true;
        setTimeout(() => {
          killed = child.kill("SIGKILL");
        }, Math.floor(Math.random() * 25));
      }
    });
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => resolve({ code, killed: killed && code === null, out }));
  });
}

type State = { recorded: number; distributed: number; partial: string[] };

/** Every repayment is either untouched (recorded, no allocations, no ledger entry) or whole. */
async function inspect(): Promise<State> {
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(`
    SELECT r.id, r.status, r.usd_cents, r.expected_usd_cents,
           (SELECT COUNT(*) FROM repayment_allocations a WHERE a.repayment_id = r.id)::int AS allocations,
           (SELECT COALESCE(SUM(a.usd_cents), 0) FROM repayment_allocations a WHERE a.repayment_id = r.id)::bigint AS allocated,
           (SELECT COUNT(*) FROM ledger_transactions t WHERE t.idempotency_key = 'repayment:' || r.id)::int AS ledger
      FROM repayments r`)) as Record<string, unknown>[];
  const state: State = { recorded: 0, distributed: 0, partial: [] };
  for (const r of rows) {
    if (r.status === "recorded") {
      state.recorded++;
      if (Number(r.allocations) !== 0 || Number(r.ledger) !== 0) state.partial.push(r.id as string);
    } else {
      state.distributed++;
      const usd = BigInt(r.usd_cents as string);
      const whole =
        Number(r.allocations) > 0 === BigInt(r.expected_usd_cents as string) > 0n &&
        BigInt(r.allocated as string) === usd &&
        Number(r.ledger) === (usd > 0n ? 1 : 0);
      if (!whole) state.partial.push(r.id as string);
    }
  }
  return state;
}

afterAll(async () => {
  await closeDb();
  await cleanup?.();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("distribution killed at random points", () => {
  it("leaves no partial distribution, and a re-run finishes each repayment exactly once", async () => {
    await closeDb(); // the file's in-memory database: this test brings its own
    await openOwnDatabase();
    const loans = [];
    for (let i = 0; i < 2; i++) loans.push(await disbursedLoan({ shares: Array.from({ length: 12 }, (_, j) => 1 + (j % 3)), termMonths: 12 }));
    const inputs: RepaymentInput[] = [];
    for (const { loan, partner } of loans) {
      for (let k = 0; k < 20; k++) {
        inputs.push({ partnerId: partner.id, loanId: loan.id, requestKey: `crash:${loan.id}:${k}`, paidOn: new Date(), localAmount: 300_000n + BigInt(k), fxRate: k % 2 ? "129.5" : "140" });
      }
    }
    for (const { partner } of loans) {
      await inTransaction((tx) => recordRepayments(tx, inputs.filter((x) => x.partnerId === partner.id)));
    }
    expect((await inspect()).recorded).toBe(40);
    await closeDb(); // let the child processes open it

    let midwayDone = 0;
    let kills = 0;
    let midway = 0;
    for (let attempt = 0; attempt < 5; attempt++) {
      const remaining = 40 - midwayDone;
      if (remaining <= 1) break;
      const result = await run("scripts/repayments-distribute.ts", ["--batch", "1"], 1 + Math.floor(Math.random() * (remaining - 1)));
      await openOwnDatabaseAgain();
      const state = await inspect();
      expect(state.partial).toEqual([]);
      midwayDone = state.distributed;
      if (result.killed) {
        kills++;
        if (state.recorded > 0 && state.distributed > 0) midway++;
      }
      await closeDb();
      if (!result.killed) {
        expect(result.code, result.out).toBe(0);
        break;
      }
    }
    // Whatever is left is finished by an uninterrupted run.
    const final = await run("scripts/repayments-distribute.ts", [], null);
    expect(final.code, final.out).toBe(0);
    const verify = await run("scripts/ledger-verify.ts", [], null);
    expect(verify.code, verify.out).toBe(0);
    expect(verify.out).toMatch(/OK/);

    await openOwnDatabaseAgain();
    const state = await inspect();
    expect(state).toEqual({ recorded: 0, distributed: 40, partial: [] });
    expect((await verifyLedger()).ok).toBe(true);
    console.log(`crash test: ${kills} kill(s), ${midway} landed with the distribution part done`);
    expect(kills).toBeGreaterThan(0);
    expect(midway).toBeGreaterThan(0);
  }, 300_000);
});

async function openOwnDatabaseAgain() {
  // The PostgreSQL database stays on its server; the PGlite directory is opened
  // again after the child let go of it (a killed child's lock is stale and taken over).
  setDatabase(process.env.TEST_POSTGRES_URL ? openPostgres(url) : await openPglite(dir));
}
