// Migrations without Prisma's native schema engine: its CLI downloads a binary
// that this offline machine cannot fetch, so we drive Prisma's own WASM build of
// the schema engine through the same driver adapters the app uses. The
// `_prisma_migrations` table and checksums are the engine's, so stock
// `prisma migrate deploy` can take over wherever the native binary exists.
//
// Facts this file relies on (measured, see docs/stack.md):
// - the package entry imports the .wasm as an ES module, which needs
//   --experimental-wasm-modules; we instantiate it by hand over the JS glue;
// - the engine arms a 60 s timer that would keep the process alive;
// - on an empty database devDiagnostic fails with P1014 until migrations have
//   been applied once (that creates `_prisma_migrations`);
// - through @prisma/adapter-pg the engine cannot read pg_catalog columns of
//   internal types ("char", int2vector, regclass, ...), and the adapter's own
//   shadow database is dropped while still connected.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import { ColumnTypeEnum } from "@prisma/driver-adapter-utils";
import * as engineGlue from "@prisma/schema-engine-wasm/schema_engine_bg";
import type {
  MigrationDirectory,
  MigrationList,
  SchemaEngine,
  SchemaFilter,
  SchemasContainer,
} from "@prisma/schema-engine-wasm/schema_engine_bg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { openDatabase, type OpenDatabase } from "../../app/utils/database.server.ts";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export type ProjectPaths = {
  /** prisma/schema.prisma: the target of createMigration. */
  schemaPath: string;
  /** prisma/migrations: the migration history. */
  migrationsDir: string;
};

export const DEFAULT_PATHS: ProjectPaths = {
  schemaPath: path.join(PROJECT_ROOT, "prisma", "schema.prisma"),
  migrationsDir: path.join(PROJECT_ROOT, "prisma", "migrations"),
};

// Same file names and lock file text as Prisma's CLI, so both tools accept each other's history.
const LOCKFILE_NAME = "migration_lock.toml";
const MIGRATION_FILE_NAME = "migration.sql";
const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

// ---------------------------------------------------------------------------
// The WASM engine

type EngineGlue = typeof engineGlue;
let engineModule: EngineGlue | null = null;

// The engine reports a Rust panic's message through this global before it
// throws; without it the message is lost behind a TypeError.
const panics = globalThis as typeof globalThis & { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
let lastPanic: string | null = null;
panics.PRISMA_WASM_PANIC_REGISTRY ??= {
  set_message(message: string) {
    lastPanic = message;
    console.error(`schema engine panicked: ${message}`);
  },
};
export const lastEnginePanic = () => lastPanic;

function loadEngine(): EngineGlue {
  if (engineModule) return engineModule;
  const require = createRequire(import.meta.url);
  const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  const wasmModule = new WebAssembly.Module(fs.readFileSync(path.join(path.dirname(gluePath), "schema_engine_bg.wasm")));

  // The glue module exports every function the WASM imports; we pass them on
  // unchanged except setTimeout, whose timers we unref so that the engine's
  // never-cleared 60 s timer cannot keep a finished process (or test worker) alive.
  const glueFunctions = engineGlue as unknown as Record<string, unknown>;
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const { module, name } of WebAssembly.Module.imports(wasmModule)) {
    const value = glueFunctions[name];
    if (typeof value !== "function") throw new Error(`schema engine WASM imports ${module}:${name}, which the glue lacks`);
    const fn = value as (...args: unknown[]) => unknown;
    imports[module] ??= {};
    imports[module][name] = name.startsWith("__wbg_setTimeout_")
      ? (...args: unknown[]) => {
          const handle = fn(...args);
          (handle as NodeJS.Timeout | undefined)?.unref?.();
          return handle;
        }
      : fn;
  }
  const instance = new WebAssembly.Instance(wasmModule, imports);
  engineGlue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  engineModule = engineGlue;
  return engineModule;
}

/** What the engine throws: a JS Error, or an object with Prisma's error code and message. */
export class SchemaEngineError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(code ? `${code}: ${message}` : message);
    this.name = "SchemaEngineError";
    this.code = code;
  }
}

// Engine messages end with a Rust span trace ("   0: sql_schema_connector::...");
// it says where in the engine, not what is wrong, so it is dropped.
function withoutSpanTrace(message: string): string {
  const trace = message.search(/\n\s*0: \S+::/);
  return (trace === -1 ? message : message.slice(0, trace)).trimEnd();
}

function toError(error: unknown): Error {
  if (error instanceof Error) {
    if (error instanceof SchemaEngineError) return error;
    const rawCode = (error as { code?: unknown }).code;
    const code = typeof rawCode === "string" && /^P\d{4}$/.test(rawCode) ? rawCode : undefined;
    const message = withoutSpanTrace(error.message);
    if (!code && message === error.message) return error;
    const wrapped = new SchemaEngineError(message, code);
    wrapped.cause = error;
    return wrapped;
  }
  if (error && typeof error === "object") {
    const record = error as Record<string, unknown>;
    const message = typeof record.message === "string" ? withoutSpanTrace(record.message) : JSON.stringify(error);
    const code = typeof record.error_code === "string" ? record.error_code : typeof record.code === "string" ? record.code : undefined;
    return new SchemaEngineError(message, code);
  }
  return new SchemaEngineError(String(error));
}

function engineLog(message: unknown): void {
  // The engine reports tracing events here; they are only noise unless debugging.
  if (process.env.MAVUNO_SCHEMA_ENGINE_DEBUG) process.stderr.write(`[schema-engine] ${String(message)}\n`);
}

// ---------------------------------------------------------------------------
// PostgreSQL: make pg_catalog columns readable through @prisma/adapter-pg

// Internal catalog types that adapter-pg refuses ("Column type 'char' could not
// be deserialized") although their text form is all the engine needs.
const INTERNAL_TYPE_OIDS = new Set([
  18, // "char"
  22, // int2vector
  24, // regproc
  27, // tid
  28, // xid
  29, // cid
  30, // oidvector
  194, // pg_node_tree
  1033, // aclitem
  2202, // regprocedure
  2203, // regoper
  2204, // regoperator
  2205, // regclass
  2206, // regtype
  3220, // pg_lsn
  3734, // regconfig
  3769, // regdictionary
  4089, // regnamespace
  4096, // regrole
  4191, // regcollation
  5069, // xid8
]);
const TEXT_OID = 25;
const CHAR_OID = 18;
// Columns of the last result that were "char" (one-byte catalog codes such as
// pg_constraint.contype). Text to pg and adapter-pg, but the engine reads them
// as characters: `charColumns` gives them back their type. The engine awaits
// each query before the next, so "the last result" is the one just returned.
let lastCharColumns: number[] = [];

/** Marks the "char" columns of each result as characters for the engine (a CHECK constraint otherwise makes its describer panic). */
function charColumns(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const queryRaw = adapter.queryRaw.bind(adapter);
  adapter.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of lastCharColumns) if (index < result.columnTypes.length) result.columnTypes[index] = ColumnTypeEnum.Character;
    return result;
  };
  return adapter;
}
// Only relabel types that pg leaves as raw strings; a type pg parses into
// something else (an array, a number) would not match the "text" label.
const textParser = pg.types.getTypeParser(TEXT_OID, "text");
const RELABELLED_OIDS = new Set([...INTERNAL_TYPE_OIDS].filter((oid) => pg.types.getTypeParser(oid, "text") === textParser));

type RowDescription = { fields: Array<{ dataTypeID: number }> };

/**
 * A pg.Client whose result columns of internal catalog types are reported as
 * text. The listener is attached in the constructor, before pg.Client attaches
 * its own on connect(), so it relabels the columns before pg builds the result
 * (pg's parsers and adapter-pg's column types then both see "text").
 */
export class CatalogTextClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.connection.on("rowDescription", (message: RowDescription) => {
      lastCharColumns = message.fields.flatMap((field, index) => (field.dataTypeID === CHAR_OID ? [index] : []));
      for (const field of message.fields) {
        if (RELABELLED_OIDS.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
      }
    });
  }
}

// ---------------------------------------------------------------------------
// Shadow databases (createMigration replays the history into one)

type Cleanup = () => Promise<void>;

function once(fn: Cleanup): Cleanup {
  let done: Promise<void> | null = null;
  return () => (done ??= fn());
}

/** Replaces the adapters' own connectToShadowDb; every shadow is removed in `disposeAll`, even if the engine forgets. */
class ShadowDatabases {
  private readonly cleanups = new Set<Cleanup>();

  constructor(private readonly db: OpenDatabase) {}

  async open(): Promise<SqlDriverAdapter> {
    const { adapter, cleanup } = this.db.target.kind === "pglite" ? await this.openPglite() : await this.openPostgres(this.db.target.url);
    const release = once(cleanup);
    this.cleanups.add(release);
    const disposeAdapter = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      this.cleanups.delete(release);
      try {
        await disposeAdapter();
      } finally {
        await release();
      }
    };
    return adapter;
  }

  async disposeAll(): Promise<void> {
    const pending = [...this.cleanups];
    this.cleanups.clear();
    const results = await Promise.allSettled(pending.map((cleanup) => cleanup()));
    const failure = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failure) throw failure.reason;
  }

  // pglite-prisma-adapter's own shadow is an in-memory PGlite that is never closed.
  private async openPglite(): Promise<{ adapter: SqlDriverAdapter; cleanup: Cleanup }> {
    const shadow = new PGlite();
    await shadow.waitReady;
    const adapter = awaitScripts(await new PrismaPGlite(shadow).connect(), (script) => shadow.exec(script));
    return { adapter, cleanup: () => shadow.close() };
  }

  // adapter-pg's own shadow is dropped while its pool is still connected (the
  // DROP fails). Create it ourselves and drop it after its pool has ended.
  private async openPostgres(url: string): Promise<{ adapter: SqlDriverAdapter; cleanup: Cleanup }> {
    const name = `mavuno_shadow_${randomUUID().replaceAll("-", "")}`;
    await this.db.exec(`CREATE DATABASE "${name}"`);
    const dropDatabase = () => this.db.exec(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    const shadowUrl = new URL(url);
    shadowUrl.pathname = `/${name}`;
    const pool = new pg.Pool({ connectionString: shadowUrl.toString(), max: 2, Client: CatalogTextClient });
    // Dropping the shadow WITH (FORCE) ends any connection still open on it; that
    // is the point, so the idle client's "terminating connection" is expected.
    pool.on("error", () => {});
    try {
      const adapter = charColumns(awaitScripts(await new PrismaPg(pool).connect(), (script) => pool.query(script)));
      return {
        adapter,
        cleanup: async () => {
          try {
            await pool.end();
          } finally {
            await dropDatabase();
          }
        },
      };
    } catch (error) {
      await pool.end().catch(() => {});
      await dropDatabase();
      throw error;
    }
  }
}

// Run migration scripts ourselves, whole, and report SQL errors the way the
// adapters report query errors. pglite-prisma-adapter's executeScript starts
// PGlite's exec without awaiting it (a failed migration would be recorded as
// applied); adapter-pg's splits the script on every ";", which breaks
// dollar-quoted function bodies such as the ledger's append-only trigger.
function awaitScripts(adapter: SqlDriverAdapter, exec: (script: string) => Promise<unknown>): SqlDriverAdapter {
  adapter.executeScript = async (script: string) => {
    try {
      await exec(script);
    } catch (error) {
      throw asDriverAdapterError(error);
    }
  };
  return adapter;
}

type PostgresErrorFields = { code: string; severity: string; message: string; detail?: string; column?: string; hint?: string };

function asDriverAdapterError(error: unknown): unknown {
  const e = error as Partial<PostgresErrorFields> | null;
  if (!e || typeof e.code !== "string" || typeof e.severity !== "string" || typeof e.message !== "string") return error;
  return new DriverAdapterError({
    kind: "postgres",
    code: e.code,
    severity: e.severity,
    message: e.message,
    detail: e.detail,
    column: e.column,
    hint: e.hint,
  });
}

// ---------------------------------------------------------------------------
// Opening the database and the engine together

type EngineSession = {
  engine: SchemaEngine;
  db: OpenDatabase;
  paths: ProjectPaths;
  schema: SchemasContainer;
};

async function withEngine<T>(databaseUrl: string, paths: ProjectPaths, run: (session: EngineSession) => Promise<T>): Promise<T> {
  const schemaText = await fsp.readFile(paths.schemaPath, "utf8");
  const schema: SchemasContainer = { files: [{ path: paths.schemaPath, content: schemaText }] };
  const { SchemaEngine } = loadEngine();
  const db = await openDatabase(databaseUrl, { poolOptions: { Client: CatalogTextClient } });
  const shadows = new ShadowDatabases(db);
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: db.factory.provider,
    adapterName: db.factory.adapterName,
    connect: async () => {
      const adapter = await db.factory.connect();
      // Both ways run a migration script whole: adapter-pg's own executeScript
      // splits it on ";", which breaks dollar-quoted function bodies.
      return db.target.kind === "postgres" ? charColumns(awaitScripts(adapter, db.exec)) : awaitScripts(adapter, db.exec);
    },
    connectToShadowDb: () => shadows.open(),
  };

  let engine: SchemaEngine | null = null;
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    engine = await SchemaEngine.new(
      { datamodels: [[paths.schemaPath, schemaText]] },
      engineLog,
      bindMigrationAwareSqlAdapterFactory(factory),
    );
    outcome = { ok: true, value: await run({ engine, db, paths, schema }) };
  } catch (error) {
    outcome = { ok: false, error: toError(error) };
  }

  // Always release everything, in this order (the engine holds connections
  // into the pool / PGlite), and never let a cleanup failure hide the real error.
  const cleanupErrors: unknown[] = [];
  try {
    engine?.free();
  } catch (error) {
    cleanupErrors.push(error);
  }
  await shadows.disposeAll().catch((error: unknown) => cleanupErrors.push(error));
  await db.close().catch((error: unknown) => cleanupErrors.push(error));

  if (!outcome.ok) throw outcome.error;
  if (cleanupErrors.length > 0) throw toError(cleanupErrors[0]);
  return outcome.value;
}

/** The migration history as the engine wants it: every directory, with its SQL or the read error. */
async function readMigrations(migrationsDir: string): Promise<MigrationList> {
  const lockfileContent = await fsp.readFile(path.join(migrationsDir, LOCKFILE_NAME), "utf8").catch(() => null);
  const entries = await fsp.readdir(migrationsDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  const migrationDirectories: MigrationDirectory[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const content = await fsp
      .readFile(path.join(migrationsDir, entry.name, MIGRATION_FILE_NAME), "utf8")
      .then((value) => ({ tag: "ok" as const, value }))
      .catch((error: Error) => ({ tag: "error" as const, value: error.message }));
    migrationDirectories.push({ path: entry.name, migrationFile: { path: MIGRATION_FILE_NAME, content } });
  }
  // Directory names start with a UTC timestamp: name order is history order.
  migrationDirectories.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    baseDir: migrationsDir,
    lockfile: { path: LOCKFILE_NAME, content: lockfileContent },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}

// ---------------------------------------------------------------------------
// Public API

/** `prisma migrate deploy`: apply every migration not yet applied. Works on an empty database. */
export async function deployMigrations(databaseUrl: string, paths: ProjectPaths = DEFAULT_PATHS): Promise<{ applied: string[] }> {
  return withEngine(databaseUrl, paths, async ({ engine }) => {
    const migrationsList = await readMigrations(paths.migrationsDir);
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
    return { applied: appliedMigrationNames };
  });
}

export type MigrationStatus = {
  /** Finished migrations recorded in the database, in the order they were applied. */
  applied: string[];
  /** Migrations in prisma/migrations that the database has not applied yet. */
  pending: string[];
  /** Anything `deploy` cannot fix by itself: failed, edited or unknown migrations. */
  problems: string[];
};

/** `prisma migrate status`, without a shadow database. */
export async function migrationStatus(databaseUrl: string, paths: ProjectPaths = DEFAULT_PATHS): Promise<MigrationStatus> {
  return withEngine(databaseUrl, paths, async ({ engine, db }) => {
    const migrationsList = await readMigrations(paths.migrationsDir);
    const diagnosis = await engine.diagnoseMigrationHistory({
      migrationsList,
      optInToShadowDatabase: false,
      filters: NO_FILTER,
    });

    const applied = diagnosis.hasMigrationsTable
      ? (
          await db.query(
            `SELECT migration_name FROM "_prisma_migrations"
             WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL
             ORDER BY started_at, migration_name`,
          )
        ).map((row) => String(row.migration_name))
      : [];

    const problems: string[] = [];
    for (const name of diagnosis.failedMigrationNames) {
      problems.push(`${name} failed to apply: fix the database by hand, then mark it rolled back or applied`);
    }
    for (const name of diagnosis.editedMigrationNames) {
      problems.push(`${name} was edited after it was applied (checksum differs)`);
    }

    let pending: string[] = [];
    const history = diagnosis.history;
    if (!diagnosis.hasMigrationsTable) {
      pending = migrationsList.migrationDirectories.map((dir) => dir.path);
    } else if (history?.diagnostic === "databaseIsBehind") {
      pending = history.unappliedMigrationNames;
    } else if (history?.diagnostic === "migrationsDirectoryIsBehind") {
      for (const name of history.unpersistedMigrationNames) problems.push(`${name} is applied but missing from prisma/migrations`);
    } else if (history?.diagnostic === "historiesDiverge") {
      pending = history.unappliedMigrationNames;
      for (const name of history.unpersistedMigrationNames) problems.push(`${name} is applied but missing from prisma/migrations`);
      problems.push(
        `the database history diverges from prisma/migrations after ${history.lastCommonMigrationName ?? "the first migration"}`,
      );
    }
    return { applied, pending, problems };
  });
}

export type CreateMigrationOptions = {
  /** Go ahead even when the new migration would lose data (dropped columns, tables...). */
  acceptDataLoss?: boolean;
  paths?: ProjectPaths;
};

export type CreateMigrationResult = {
  /** The new migration's directory name, or null when the schema matches the history. */
  created: string | null;
  /** Migrations applied on the way (pending ones first, then the new one). */
  applied: string[];
  /** Data-loss warnings accepted for the new migration. */
  warnings: string[];
};

const MIGRATION_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,199}$/;

/**
 * `prisma migrate dev --name <name>`, non-interactive: apply pending
 * migrations, check for drift, generate a migration from prisma/schema.prisma
 * against the history (replayed in a shadow database), write it, apply it.
 */
export async function createMigration(
  databaseUrl: string,
  name: string,
  options: CreateMigrationOptions = {},
): Promise<CreateMigrationResult> {
  if (!MIGRATION_NAME.test(name)) {
    throw new Error(`Invalid migration name "${name}": use letters, digits, "_" and "-" (e.g. add_partner_logo)`);
  }
  const paths = options.paths ?? DEFAULT_PATHS;
  return withEngine(databaseUrl, paths, async ({ engine, schema }) => {
    const applied: string[] = [];
    // Applying first also creates _prisma_migrations, without which devDiagnostic fails (P1014).
    let migrationsList = await readMigrations(paths.migrationsDir);
    applied.push(...(await engine.applyMigrations({ migrationsList, filters: NO_FILTER })).appliedMigrationNames);

    const { action } = await engine.devDiagnostic({ migrationsList, filters: NO_FILTER });
    if (action.tag === "reset") {
      // Prisma would offer to wipe the database here; a script must not decide that.
      throw new Error(
        `The database has drifted from prisma/migrations and must be reset before a new migration can be created: ${action.reason}`,
      );
    }

    const dataLoss = await engine.evaluateDataLoss({ migrationsList, schema, filters: NO_FILTER });
    if (dataLoss.unexecutableSteps.length > 0) {
      throw new Error(`The migration cannot be applied to this database: ${dataLoss.unexecutableSteps.map((s) => s.message).join("; ")}`);
    }
    const warnings = dataLoss.warnings.map((warning) => warning.message);
    if (warnings.length > 0 && !options.acceptDataLoss) {
      throw new Error(`The migration would lose data (re-run with --accept-data-loss to go ahead): ${warnings.join("; ")}`);
    }

    const generated = await engine.createMigration({
      draft: false,
      migrationName: name,
      migrationsList,
      schema,
      filters: NO_FILTER,
    });
    if (generated.migrationScript === null) return { created: null, applied, warnings: [] };

    const directory = path.join(paths.migrationsDir, generated.generatedMigrationName);
    await fsp.mkdir(paths.migrationsDir, { recursive: true });
    await fsp.mkdir(directory); // fails if it exists: never overwrite a migration
    await fsp.writeFile(path.join(directory, `migration.${generated.extension}`), generated.migrationScript, "utf8");
    await fsp.writeFile(
      path.join(paths.migrationsDir, LOCKFILE_NAME),
      `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${generated.connectorType}"\n`,
      "utf8",
    );

    migrationsList = await readMigrations(paths.migrationsDir);
    applied.push(...(await engine.applyMigrations({ migrationsList, filters: NO_FILTER })).appliedMigrationNames);
    return { created: generated.generatedMigrationName, applied, warnings };
  });
}
