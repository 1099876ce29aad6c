// The project's migration command (Prisma's native `prisma migrate` cannot run
// offline, see scripts/lib/schema-engine.ts):
//
//   tsx scripts/db.ts migrate --name <name> [--accept-data-loss]   like `prisma migrate dev --name`
//   tsx scripts/db.ts deploy                                       like `prisma migrate deploy`
//   tsx scripts/db.ts status                                       like `prisma migrate status`
//
// The database comes from DATABASE_URL (default: the development PGlite directory).
import { parseArgs } from "node:util";
import { DEFAULT_DATABASE_URL } from "../app/utils/database.server.ts";
import { createMigration, deployMigrations, migrationStatus } from "./lib/schema-engine.ts";

const USAGE = "usage: tsx scripts/db.ts migrate --name <name> [--accept-data-loss] | deploy | status";

class UsageError extends Error {}

/** For messages: never print a password from DATABASE_URL. */
function describeUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgresql://…";
  }
}

function list(names: string[]): string {
  return names.length === 0 ? "" : ` (${names.join(", ")})`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** Returns the exit code; throws on failure. */
async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: "string", short: "n" },
        "accept-data-loss": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { positionals, values } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [command, ...extra] = positionals;
  if (!command || extra.length > 0) throw new UsageError(USAGE);

  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const where = describeUrl(databaseUrl);
  const started = performance.now();
  const took = () => `${((performance.now() - started) / 1000).toFixed(1)}s`;

  switch (command) {
    case "deploy": {
      const { applied } = await deployMigrations(databaseUrl);
      console.log(
        applied.length === 0
          ? `db deploy: ${where} is up to date, nothing to apply (${took()})`
          : `db deploy: applied ${plural(applied.length, "migration")} to ${where}${list(applied)} (${took()})`,
      );
      return 0;
    }
    case "status": {
      const { applied, pending, problems } = await migrationStatus(databaseUrl);
      const summary = `${plural(applied.length, "migration")} applied, ${pending.length} pending${list(pending)}`;
      if (problems.length > 0) {
        console.error(`db status: ${where}: ${summary}; problems: ${problems.join("; ")}`);
        return 1;
      }
      if (pending.length > 0) {
        console.error(`db status: ${where}: ${summary}; run \`tsx scripts/db.ts deploy\``);
        return 1;
      }
      console.log(`db status: ${where} is up to date: ${summary} (${took()})`);
      return 0;
    }
    case "migrate": {
      if (!values.name) throw new UsageError(`migrate needs --name <name>\n${USAGE}`);
      const result = await createMigration(databaseUrl, values.name, { acceptDataLoss: values["accept-data-loss"] });
      const appliedNote = result.applied.length > 0 ? `; applied${list(result.applied)}` : "";
      const warningNote = result.warnings.length > 0 ? `; data loss accepted: ${result.warnings.join("; ")}` : "";
      console.log(
        result.created === null
          ? `db migrate: no schema changes, no migration created${appliedNote} (${where}, ${took()})`
          : `db migrate: created prisma/migrations/${result.created}/migration.sql${appliedNote}${warningNote} (${where}, ${took()})`,
      );
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"\n${USAGE}`);
  }
}

let exitCode: number;
try {
  exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(error.message);
  } else {
    // One line: engine and PostgreSQL messages span several.
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ");
    console.error(`db ${process.argv[2] ?? ""} failed: ${message}`);
  }
  if (process.env.MAVUNO_SCHEMA_ENGINE_DEBUG && error instanceof Error) console.error(error.stack);
  exitCode = error instanceof UsageError ? 2 : 1;
}
// PGlite and the WASM engine may leave timers behind; everything is closed by now.
process.exit(exitCode);
