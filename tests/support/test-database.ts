// A fresh, migrated database for one test file: an in-memory PGlite by default,
// or a new database on the PostgreSQL server named by TEST_POSTGRES_URL.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { openPglite, openPostgres, type OpenDatabase } from "~/utils/database.server.ts";

const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../prisma/migrations");

export function migrationSql(): string[] {
  return fs
    .readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => fs.readFileSync(path.join(MIGRATIONS_DIR, name, "migration.sql"), "utf8"));
}

export type TestDatabase = OpenDatabase & { name: string };

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_POSTGRES_URL;
  if (!serverUrl) {
    const database = await openPglite(null);
    for (const sql of migrationSql()) await database.exec(sql);
    return { ...database, name: "pglite:memory://" };
  }
  const name = `mavuno_test_${crypto.randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = openPostgres(url.toString(), { max: 20 });
  for (const sql of migrationSql()) await database.exec(sql);
  return {
    ...database,
    name: url.toString(),
    close: async () => {
      await database.close();
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
