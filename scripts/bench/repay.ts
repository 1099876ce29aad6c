// `npm run bench -- repay`: issue 6's targets, one section each, all in one
// run. `npm run bench -- repay <section>` runs one section.
//
// Each section is a function returning whether its targets passed, listed in
// SECTIONS at the end of this file; a new section is a new function and a new
// line there.
//
// distribution — one repayment to a loan with 10,000 lenders (allocations,
// one ledger transaction of 10,001 postings, the wallets' balances) against
// inserting the same ledger rows raw (the transaction and its postings, one
// statement); and the same at 1,000 lenders, for the 1,000→10,000 cost ratio
// (scripts/bench/_repay-distribution.ts).
//
// portfolio — GET /my/loans for a lender with 10,000 loans, rendered by the
// built app in this process (Remix's request handler: the root and page
// loaders, the one portfolio statement, the consent check for the page's
// borrowers, React's render to HTML), against the bare read of the same
// portfolio from the same database in the same run: one SELECT of the
// lender's 10,000 shares joined to their loans, returning every row to the
// app through the same Prisma client (what a page listing all of them would
// have to fetch before computing anything). No HTTP: the page's cost over the
// read is what the target judges, and loopback transfer would only add the
// same constant to both. `npm run build` first.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/node";
import { portfolioStatement } from "../../app/models/portfolio.server.ts";
import { isoDay, parsePortfolioQuery } from "../../app/lib/portfolio.ts";
import { closeDb, setDatabase } from "../../app/utils/db.server.ts";
import { createSession } from "../../app/utils/session.server.ts";
import { makeUser } from "../../tests/factories/index.ts";
import { makeScalePortfolio } from "../../tests/support/portfolio-scale.ts";
import { benchDatabases, machine, median, target, time } from "./_support.ts";
import { runDistribution } from "./_repay-distribution.ts";

const root = path.resolve(import.meta.dirname, "../..");

// --- portfolio ---------------------------------------------------------------

const PORTFOLIO_LOANS = 10_000;
const PORTFOLIO_ROUNDS = 9;

/** The rows a page of all the lender's loans would read, without the page's sums, projections or rendering. */
const BARE_PORTFOLIO_READ = `
  SELECT s.loan_id, s.shares, s.amount, s.status AS share_status, s.created_at, l.reference, l.purpose, l.status::text AS status,
         l.amount_usd_cents, l.amount_local_minor, l.partner_id, l.schedule_version, l.repaid_local_minor, l.first_unpaid_due_on
    FROM loan_shares s JOIN loans l ON l.id = s.loan_id
   WHERE s.lender_id = $1`;

export async function benchPortfolio(): Promise<boolean> {
  const buildFile = path.join(root, "build/index.js");
  if (!fs.existsSync(buildFile)) {
    console.error("bench repay portfolio: no build found; run `npm run build` first.");
    return false;
  }
  console.log(
    `bench repay portfolio: GET /my/loans, ${PORTFOLIO_LOANS.toLocaleString("en")} loans, median of ${PORTFOLIO_ROUNDS} alternating rounds; ${machine()}; build of ${fs.statSync(buildFile).mtime.toISOString()}`,
  );
  const build = await import(pathToFileURL(buildFile).href);
  const handle = createRequestHandler(build, "production");
  let ok = true;
  for (const { label, database, dispose } of await benchDatabases()) {
    try {
      const db = setDatabase(database);
      const lender = await makeUser(db, { name: "Bench Lender" });
      const loaded = await time(() => makeScalePortfolio(db, { lenderId: lender.id, loans: PORTFOLIO_LOANS }));
      console.log(`${label}: ${PORTFOLIO_LOANS.toLocaleString("en")} loans with schedules, repayments and allocations loaded in ${(loaded / 1000).toFixed(0)} s`);
      const cookie = `mavuno_session=${(await createSession(lender.id, "bench")).token}`;
      let bytes = 0;
      const page = async () => {
        const response = await handle(new Request("http://localhost/my/loans", { headers: { Cookie: cookie } }), { cspNonce: "bench", clientIp: "127.0.0.1" });
        const body = await response.text();
        if (response.status !== 200 || !body.includes("Repayments by month")) throw new Error(`GET /my/loans: ${response.status}`);
        bytes = body.length;
      };
      const bare = async () => {
        const rows = (await db.$queryRawUnsafe(BARE_PORTFOLIO_READ, lender.id)) as unknown[];
        if (rows.length !== PORTFOLIO_LOANS) throw new Error(`bare read: ${rows.length} rows`);
      };
      // For information: the same read counted inside the database (no rows sent back), and the page's one statement alone.
      const counted = async () => db.$queryRawUnsafe(`SELECT count(*)::int AS n FROM (${BARE_PORTFOLIO_READ}) AS x`, lender.id);
      const statement = portfolioStatement({ lenderId: lender.id, query: parsePortfolioQuery(new URLSearchParams()), today: isoDay(new Date()) });
      const sql = async () => db.$queryRawUnsafe(statement.sql, ...statement.values);
      // Warm up: plans, caches, the JIT.
      for (let i = 0; i < 2; i++) {
        await page();
        await bare();
        await sql();
        await counted();
      }
      const pageTimes: number[] = [];
      const bareTimes: number[] = [];
      const sqlTimes: number[] = [];
      const countedTimes: number[] = [];
      for (let round = 0; round < PORTFOLIO_ROUNDS; round++) {
        // A different one goes first each round, so neither always runs on a warmer cache.
        const order = [
          async () => pageTimes.push(await time(page)),
          async () => bareTimes.push(await time(bare)),
          async () => sqlTimes.push(await time(sql)),
          async () => countedTimes.push(await time(counted)),
        ];
        for (let i = 0; i < order.length; i++) await order[(i + round) % order.length]!();
      }
      const pageMs = median(pageTimes);
      const bareMs = median(bareTimes);
      console.log(
        `${label}: page ${pageMs.toFixed(0)} ms (${bytes.toLocaleString("en")} bytes of HTML), bare read ${bareMs.toFixed(0)} ms, ` +
          `the page's statement alone ${median(sqlTimes).toFixed(0)} ms, the bare read counted in the database ${median(countedTimes).toFixed(0)} ms`,
      );
      ok = target(`portfolio-10k-page-vs-bare-read-${label}`, pageMs / bareMs, { max: 5 }) && ok;
    } finally {
      await closeDb();
      await dispose();
    }
  }
  return ok;
}

// --- sections ----------------------------------------------------------------

const SECTIONS: { name: string; run: () => Promise<boolean> }[] = [
  { name: "distribution", run: runDistribution },
  { name: "portfolio", run: benchPortfolio },
];

export async function run(): Promise<boolean> {
  const only = process.argv[3];
  const chosen = only ? SECTIONS.filter((s) => s.name === only) : SECTIONS;
  if (chosen.length === 0) {
    console.error(`usage: npm run bench -- repay [${SECTIONS.map((s) => s.name).join("|")}]`);
    return false;
  }
  let ok = true;
  for (const section of chosen) ok = (await section.run()) && ok;
  return ok;
}
