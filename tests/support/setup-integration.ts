// Every integration test file gets its own freshly migrated database, pinned
// as the app's database before any test runs.
import { afterAll, beforeAll } from "vitest";
import { closeDb, setDatabase } from "~/utils/db.server.ts";
import { createTestDatabase } from "./test-database.ts";

beforeAll(async () => {
  const database = await createTestDatabase();
  setDatabase(database);
}, 60_000);

afterAll(async () => {
  await closeDb();
});
