// The project's migration command (scripts/lib/schema-engine.ts, Prisma's WASM
// schema engine over the driver adapters) against an empty embedded database,
// and against an empty PostgreSQL database when TEST_POSTGRES_URL names a server.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../app/utils/database.server.ts";
import { createMigration, deployMigrations, migrationStatus } from "../../scripts/lib/schema-engine.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const MIGRATIONS_DIR = path.join(ROOT, "prisma", "migrations");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

// Opening a new PGlite directory takes seconds; the engine's first use compiles 5 MB of WASM.
const SLOW = { timeout: 120_000 };

function migrationNames(): string[] {
  return fs
    .readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

async function hasUsersTable(databaseUrl: string): Promise<boolean> {
  const db = await openDatabase(databaseUrl);
  try {
    const rows = await db.query(`SELECT to_regclass('public.users')::text AS name`);
    return rows[0]?.name === "users";
  } finally {
    await db.close();
  }
}

function runDbCommand(args: string[], databaseUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ["scripts/db.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The same checks for every backend: an empty database gets the whole history, once. */
function deploysFromScratch(databaseUrl: () => string) {
  it("applies every migration to an empty database and creates the users table", SLOW, async () => {
    const expected = migrationNames();
    expect(expected.length).toBeGreaterThan(0);
    expect(await deployMigrations(databaseUrl())).toEqual({ applied: expected });
    expect(await hasUsersTable(databaseUrl())).toBe(true);
  });

  it("applies nothing the second time", SLOW, async () => {
    expect(await deployMigrations(databaseUrl())).toEqual({ applied: [] });
  });

  it("reports everything applied and nothing pending", SLOW, async () => {
    expect(await migrationStatus(databaseUrl())).toEqual({ applied: migrationNames(), pending: [], problems: [] });
  });

  it("finds nothing to migrate from the committed schema, with the ledger's hand-written guards in place", SLOW, async () => {
    // A copy of the schema and history: a stray change in the working tree must not write a migration here.
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "mavuno-migrations-"));
    fs.copyFileSync(path.join(ROOT, "prisma", "schema.prisma"), path.join(copy, "schema.prisma"));
    fs.cpSync(MIGRATIONS_DIR, path.join(copy, "migrations"), { recursive: true });
    try {
      const result = await createMigration(databaseUrl(), "noop", { paths: { schemaPath: path.join(copy, "schema.prisma"), migrationsDir: path.join(copy, "migrations") } });
      expect(result.created).toBeNull();
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
    const db = await openDatabase(databaseUrl());
    try {
      await db.exec(`INSERT INTO ledger_accounts (name, currency, kind, allow_negative) VALUES ('external:card', 'USD', 'external', true);
        INSERT INTO ledger_transactions (idempotency_key, input_hash, kind, memo) VALUES ('guard-test', 'x', 'test', 'test');
        INSERT INTO ledger_postings (transaction_id, account_id, amount, currency)
          SELECT t.id, a.id, 1, 'USD' FROM ledger_transactions t, ledger_accounts a WHERE t.idempotency_key = 'guard-test';`);
      await expect(db.exec(`UPDATE ledger_postings SET amount = 0`)).rejects.toThrow(/append-only/);
      await expect(db.exec(`DELETE FROM ledger_transactions`)).rejects.toThrow(/append-only/);
      await expect(db.exec(`INSERT INTO ledger_accounts (name, currency, kind, allow_negative, balance) VALUES ('lender:x:wallet', 'USD', 'wallet', false, -1)`)).rejects.toThrow(/ledger_accounts_floor/);
    } finally {
      await db.close();
    }
  });
}

describe("migrations on an empty PGlite directory", () => {
  let tmp = "";
  let url = "";

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mavuno-migrations-"));
    url = `pglite:${path.join(tmp, "db")}`;
  });

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("reports every migration pending before the first deploy", SLOW, async () => {
    expect(await migrationStatus(url)).toEqual({ applied: [], pending: migrationNames(), problems: [] });
  });

  deploysFromScratch(() => url);

  it("refuses a second process while the directory is open, and serves it once closed", SLOW, async () => {
    const db = await openDatabase(url);
    let refused;
    try {
      refused = await runDbCommand(["status"], url);
    } finally {
      await db.close();
    }
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`is already open in process ${process.pid}`);
    expect(refused.stderr).toContain("PGlite cannot be shared between processes");

    const after = await runDbCommand(["status"], url);
    expect(after.stderr).toBe("");
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/up to date/);
  });
});

describe.skipIf(!process.env.TEST_POSTGRES_URL)("migrations on an empty PostgreSQL database", () => {
  const serverUrl = process.env.TEST_POSTGRES_URL ?? "";
  const name = `mavuno_migrate_test_${crypto.randomBytes(6).toString("hex")}`;
  let url = "";

  async function admin(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    await admin(`CREATE DATABASE "${name}"`);
    const databaseUrl = new URL(serverUrl);
    databaseUrl.pathname = `/${name}`;
    url = databaseUrl.toString();
  }, 60_000);

  afterAll(async () => {
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }, 60_000);

  it("reports every migration pending before the first deploy", SLOW, async () => {
    expect(await migrationStatus(url)).toEqual({ applied: [], pending: migrationNames(), problems: [] });
  });

  deploysFromScratch(() => url);
});

describe("Prisma's own migrate command", () => {
  it("fails loudly instead of silently applying nothing", SLOW, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mavuno-stray-"));
    try {
      const result = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
        const child = spawn(path.join(ROOT, "node_modules", ".bin", "prisma"), ["migrate", "deploy", "--schema", "prisma/schema.prisma"], {
          cwd: ROOT,
          // The same guard `npm run prisma` sets; the URL only gets the CLI as far as the engine.
          env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: path.join(ROOT, "scripts", "no-schema-engine.sh"), DATABASE_URL: `file:${dir}/x` },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout.on("data", (c: Buffer) => (output += c.toString()));
        child.stderr.on("data", (c: Buffer) => (output += c.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, output }));
      });
      expect(result.code).not.toBe(0);
      expect(result.output.length).toBeGreaterThan(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
