// Opening the database behind a DATABASE_URL: PGlite (embedded) or a real
// PostgreSQL server. Shared by the app (db.server.ts), the migration CLI and
// the tests, so all three open the database the same way.
import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";

export const DEFAULT_DATABASE_URL = "pglite:./data/pglite";

export type DatabaseTarget =
  | { kind: "pglite"; dir: string | null } // null: in memory
  | { kind: "postgres"; url: string };

export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url === "pglite:memory://" || url === "memory://") return { kind: "pglite", dir: null };
  if (url.startsWith("pglite:")) {
    const dir = url.slice("pglite:".length).replace(/^\/\/(?=\/)/, "");
    if (!dir) throw new Error("DATABASE_URL: pglite: needs a directory, e.g. pglite:./data/pglite");
    return { kind: "pglite", dir: path.resolve(dir) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: "postgres", url };
  throw new Error(
    "DATABASE_URL must start with postgresql:// (a PostgreSQL server) or pglite: (an embedded database directory)",
  );
}

export class DatabaseLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(
      `The embedded database at ${dir} is already open in process ${pid}. ` +
        `PGlite cannot be shared between processes (writes would be lost). ` +
        `Stop that process first, or run this command through it.`,
    );
    this.name = "DatabaseLockedError";
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

// PGlite has no lock between processes. One lock file per data directory,
// created atomically, holds the owner's pid; a stale one (owner gone) is taken over.
function acquireLock(dir: string): () => void {
  const lockPath = path.join(dir, ".mavuno.lock");
  fs.mkdirSync(dir, { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, "wx");
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (fs.readFileSync(lockPath, "utf8").trim() === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number.parseInt(fs.readFileSync(lockPath, "utf8").trim(), 10);
      if (Number.isInteger(owner) && owner !== process.pid && processAlive(owner)) {
        throw new DatabaseLockedError(dir, owner);
      }
      if (owner === process.pid) throw new DatabaseLockedError(dir, owner);
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Could not lock the embedded database at ${dir}`);
}

/** A LISTEN on one channel; see `OpenDatabase.listen`. */
export type NotificationListener = {
  /**
   * Resolves once every notification committed before the call has been
   * handled. Absent when notifications are handled before the committing
   * statement returns (PGlite: one process, one session).
   */
  sync?: () => Promise<void>;
  close: () => Promise<void>;
};

export type ListenHandlers = {
  onNotify: (payload: string) => void;
  /** The listening connection failed or ended: notifications may be missed from now on. Called at most once. */
  onLost: (error: Error) => void;
};

export type OpenDatabase = {
  target: DatabaseTarget;
  factory: SqlMigrationAwareDriverAdapterFactory;
  /** Raw SQL for tooling (migrations, verification, tests). */
  query: (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;
  exec: (sql: string) => Promise<void>;
  /**
   * PostgreSQL only: a named prepared statement, parsed and planned once per
   * pooled connection (the driver prepares it on each connection's first use).
   */
  queryPrepared?: (name: string, sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;
  /** LISTENs on `channel`: PostgreSQL on a connection of its own, PGlite on its one session. */
  listen: (channel: string, handlers: ListenHandlers) => Promise<NotificationListener>;
  close: () => Promise<void>;
};

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function openPglite(dir: string | null): Promise<OpenDatabase> {
  const release = dir ? acquireLock(dir) : () => {};
  let client: PGlite;
  try {
    client = new PGlite(dir ?? undefined);
    await client.waitReady;
  } catch (error) {
    release();
    throw error;
  }
  let closed = false;
  return {
    target: { kind: "pglite", dir },
    factory: new PrismaPGlite(client),
    query: async (sql, params) => (await client.query<Record<string, unknown>>(sql, params)).rows,
    exec: async (sql) => {
      await client.exec(sql);
    },
    // PGlite hands a notification to its listeners while it reads the result
    // of the COMMIT that sent it, before that statement returns, so nothing is
    // ever in flight and no sync is needed.
    listen: async (channel, handlers) => {
      const unlisten = await client.listen(channel, handlers.onNotify);
      return {
        close: async () => {
          if (!closed) await unlisten();
        },
      };
    },
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        release();
      }
    },
  };
}

export function openPostgres(url: string, poolOptions: pg.PoolConfig = {}): OpenDatabase {
  const pool = new pg.Pool({ connectionString: url, max: 10, ...poolOptions });
  // An idle connection can be cut by the server (a restart, a forced drop of a
  // test database). The pool discards it and opens another when needed; without
  // a listener the 'error' event would crash the process.
  pool.on("error", (error) => {
    console.warn(`mavuno: a database connection was closed by the server (${error.message}); the pool will reconnect.`);
  });
  let closed = false;
  return {
    target: { kind: "postgres", url },
    factory: new PrismaPg(pool),
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    exec: async (sql) => {
      await pool.query(sql);
    },
    queryPrepared: async (name, sql, params) => (await pool.query<Record<string, unknown>>({ name, text: sql, values: params })).rows,
    listen: (channel, handlers) => listenPostgres(url, channel, handlers),
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/**
 * A connection of its own that only LISTENs (a pooled one would be handed to
 * other queries). PostgreSQL sends a notification after its transaction
 * commits; `sync` is a round trip on this connection, and the server delivers
 * pending notifications to an idle listener before it answers one.
 */
async function listenPostgres(url: string, channel: string, handlers: ListenHandlers): Promise<NotificationListener> {
  const client = new pg.Client({ connectionString: url, application_name: "mavuno-listen", keepAlive: true });
  let open = false;
  let ended = false;
  const lost = (error: Error) => {
    if (!open || ended) return;
    ended = true;
    handlers.onLost(error);
  };
  client.on("error", lost);
  client.on("end", () => lost(new Error("the listening connection ended")));
  client.on("notification", (message) => {
    if (message.channel === channel) handlers.onNotify(message.payload ?? "");
  });
  try {
    await client.connect();
    await client.query(`LISTEN ${quoteIdent(channel)}`);
  } catch (error) {
    ended = true;
    await client.end().catch(() => {});
    throw error;
  }
  open = true;
  return {
    sync: async () => {
      await client.query("SELECT 1");
    },
    close: async () => {
      ended = true;
      await client.end().catch(() => {});
    },
  };
}

export type OpenDatabaseOptions = {
  /** Only used for PostgreSQL: e.g. the migration tooling passes its own pg.Client subclass. */
  poolOptions?: pg.PoolConfig;
};

export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<OpenDatabase> {
  const target = parseDatabaseUrl(url);
  return target.kind === "pglite" ? openPglite(target.dir) : openPostgres(target.url, options.poolOptions);
}
