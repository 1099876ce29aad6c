// One Prisma client per process, created on first use (never at import, so
// tests and scripts choose their database first) and kept across dev rebuilds.
import { PrismaClient } from "~/generated/prisma/client.ts";
import { openDatabase, type OpenDatabase } from "./database.server.ts";
import { getEnv } from "./env.server.ts";

export type Db = InstanceType<typeof PrismaClient>;

type Holder = { client: Db; database: OpenDatabase };

const store = globalThis as typeof globalThis & { __mavunoDb?: Promise<Holder> };

export function clientFor(database: OpenDatabase): Db {
  return new PrismaClient({ adapter: database.factory });
}

async function connect(): Promise<Holder> {
  const database = await openDatabase(getEnv().DATABASE_URL);
  return { client: clientFor(database), database };
}

/** The process's database client. Opens the database on first call. */
export async function getDb(): Promise<Db> {
  store.__mavunoDb ??= connect();
  try {
    return (await store.__mavunoDb).client;
  } catch (error) {
    store.__mavunoDb = undefined;
    throw error;
  }
}

/** The open database behind the client, for what Prisma does not do (LISTEN). */
export async function getDatabase(): Promise<OpenDatabase> {
  await getDb();
  return (await store.__mavunoDb!).database;
}

/** Tests pin their own database (a fresh migrated one per test file). */
export function setDatabase(database: OpenDatabase): Db {
  const client = clientFor(database);
  store.__mavunoDb = Promise.resolve({ client, database });
  return client;
}

/** Close cleanly (PGlite must be closed or its directory may hang the next open). */
export async function closeDb(): Promise<void> {
  const pending = store.__mavunoDb;
  store.__mavunoDb = undefined;
  if (!pending) return;
  const { client, database } = await pending;
  await client.$disconnect();
  await database.close();
}
