// `npm run bench -- impact`: the impact portal's drill-down views over the
// scale data set with 1,000,000 PPI surveys (`seed:scale`'s data, loaded into
// a fresh database here), each against reading the precomputed rollup rows it
// is built from, in the same run.
//
// A view is what the page's loader gets: impactView() for a platform admin
// (the viewer who sees the most), with both sections (PPI and social
// indicators), for the node, its children and eight quarters of trend. The
// baseline is the bare SELECT of the rows the view is built from in
// ppi_rollups and social_rollups — node and children under that scorecard and
// poverty line, the node's other scorecards, the quarter before the range for
// retention, the node's loans by sector (see bareRead) — returned to the app
// through the same Prisma client. The view's cost over the baseline (scoping,
// suppression, the trend, the children's names) is what the target judges; ≤ 2×. A partner's and a group's views also
// list client rows (a group's members, a partner's clients in no group), which no
// rollup holds: their baseline also reads the first page of those clients (as the
// page shows them, CLIENT_PAGE_SIZE by name) and their precomputed PPI quarters
// (ppi_client_quarters), as one bare SELECT.
//
// Before measuring, it checks that the rollups hold what the surveys say for
// one country after another thousand surveys arrive.
import { impactView, ADMIN_PORTAL_VIEWER } from "../../app/models/impact.server.ts";
import { rebuildSocialRollups } from "../../app/models/impact-social.server.ts";
import { addQuarters, CLIENT_PAGE_SIZE, quarterOf, quarterStart, type NodePath, type PortalFilters } from "../../app/lib/impact.ts";
import { setDatabase, type Db } from "../../app/utils/db.server.ts";
import { seedScale, seedScaleImpact } from "../seed-scale.ts";
import { benchDatabases, machine, median, target, time } from "./_support.ts";

// Smaller data for a quick try: BENCH_IMPACT_LOANS=5000 BENCH_IMPACT_SURVEYS=20000 (the targets are judged at the defaults).
const LOANS = Number(process.env.BENCH_IMPACT_LOANS ?? 100_000);
const SURVEYS = Number(process.env.BENCH_IMPACT_SURVEYS ?? 1_000_000);
const ROUNDS = 15;
/**
 * Untimed rounds first, for the view and both reads alike: on a PostgreSQL server the view's first calls on each
 * pooled connection prepare its statement and plan it for their parameters, until PostgreSQL settles on one plan
 * (after five); a running site does that once per connection, so the timed rounds measure the settled state.
 */
const WARM_ROUNDS = 5;
/** A slow view still gets at least three rounds, but no more than this much time per case. */
const CASE_BUDGET_MS = 90_000;
const LEVELS = ["", "country", "region", "partner", "group"] as const;

type Case = { name: string; level: number; path: NodePath };

/** Four views down one branch: the busiest country, its busiest region, partner and group. */
async function cases(db: Db, scorecardId: string): Promise<Case[]> {
  const pick = async (level: number, where: string, params: unknown[]) => {
    const rows = (await db.$queryRawUnsafe(
      `SELECT country, region, partner_id, group_id FROM ppi_rollups
        WHERE level = ${level} AND scorecard_id = $1 ${where} ORDER BY clients DESC, country, region, partner_id, group_id LIMIT 1`,
      scorecardId,
      ...params,
    )) as { country: string; region: string; partner_id: string; group_id: string }[];
    if (!rows[0]) throw new Error(`no level-${level} rollup`);
    return rows[0];
  };
  const country = await pick(1, "", []);
  const region = await pick(2, "AND country = $2", [country.country]);
  const partner = await pick(3, "AND country = $2 AND region = $3", [country.country, region.region]);
  const group = await pick(4, "AND country = $2 AND region = $3 AND partner_id = $4", [country.country, region.region, partner.partner_id]);
  return [
    { name: "platform", level: 0, path: {} },
    { name: "country", level: 1, path: { country: country.country } },
    { name: "region", level: 2, path: { country: country.country, region: region.region } },
    { name: "partner", level: 3, path: { country: country.country, region: region.region, partner: partner.partner_id } },
    { name: "group", level: 4, path: { country: country.country, region: region.region, partner: partner.partner_id, group: group.group_id } },
  ];
}

/** The client rows a partner's or group's view lists, and their PPI quarters: read directly, no rules applied. */
function bareClientRows(db: Db, c: Case, scorecardId: string, from: Date, to: Date) {
  const inGroup =
    c.level === 4
      ? `EXISTS (SELECT 1 FROM group_members m WHERE m.client_id = c.id AND m.group_id = $5::text AND m.left_at IS NULL)`
      : `NOT EXISTS (SELECT 1 FROM group_members m WHERE m.client_id = c.id AND m.left_at IS NULL) AND $5::text IS NULL`;
  return db.$queryRawUnsafe(
    `WITH listed AS (
       SELECT c.id, c.full_name, c.gender, c.area, c.region, c.village FROM clients c
        WHERE c.partner_id = $1 AND c.region = $2 AND ${inGroup} ORDER BY c.full_name, c.id LIMIT ${CLIENT_PAGE_SIZE}
     )
     SELECT l.*, f.quarter, f.score FROM listed l
       LEFT JOIN ppi_client_quarters f ON f.client_id = l.id AND f.scorecard_id = $3 AND f.quarter BETWEEN $4 AND $6`,
    c.path.partner,
    c.path.region,
    scorecardId,
    from,
    c.level === 4 ? c.path.group : null,
    to,
  );
}

/**
 * The rollup rows a view of `c` is built from, read directly. From ppi_rollups: the node and its children under the
 * scorecard and poverty line on view, the node under every scorecard and line (the view's list of scorecards) and the
 * children under the other scorecards (a child with figures only there is still listed). From social_rollups: the node
 * and its children for everyone, over the range and the quarter before it (retention's base), and the node's loans by
 * sector. `narrow` is the baseline used before 2026-11-23 (session 6), printed beside it: only the scorecard on view and
 * the range's rows for everyone, which left out rows the view reads.
 */
function bareRead(db: Db, c: Case, scorecardId: string, line: string, from: Date, to: Date, before: Date, narrow: boolean) {
  const keys = [c.path.country ?? "", c.path.region ?? "", c.path.partner ?? "", c.path.group ?? ""];
  const prefix = keys.slice(0, c.level).map((_, i) => `AND ${["country", "region", "partner_id", "group_id"][i]} = $${i + 3}`).join(" ");
  const levels = c.level === 4 ? [4] : [c.level, c.level + 1];
  const card = `$${c.level + 3}`;
  const ppiRows = narrow
    ? `scorecard_id = ${card} AND poverty_line = $${c.level + 4}`
    : `((scorecard_id = ${card} AND poverty_line = $${c.level + 4}) OR level = ${c.level} OR scorecard_id <> ${card})`;
  const socialRows = narrow ? `filter = ''` : `(filter = '' OR (level = ${c.level} AND filter LIKE 'sector:%'))`;
  return Promise.all([
    db.$queryRawUnsafe(
      `SELECT level, country, region, partner_id, group_id, scorecard_id, poverty_line, quarter, clients, likelihood_sum_bps, score_sum FROM ppi_rollups
        WHERE level IN (${levels.join(",")}) ${prefix} AND quarter BETWEEN $1 AND $2 AND ${ppiRows} AND clients > 0`,
      from,
      to,
      ...keys.slice(0, c.level),
      scorecardId,
      line,
    ),
    db.$queryRawUnsafe(
      `SELECT level, country, region, partner_id, group_id, filter, quarter, active_clients, women, rural, retained, loans_disbursed, disbursed_usd_cents
         FROM social_rollups
        WHERE level IN (${levels.join(",")}) ${prefix} AND quarter BETWEEN $1 AND $2 AND ${socialRows}`,
      narrow ? from : before,
      to,
      ...keys.slice(0, c.level),
    ),
    ...(c.level >= 3 ? [bareClientRows(db, c, scorecardId, from, to)] : []),
  ]);
}

/** New surveys move the rollups: one country's rows equal the facts they come from. */
async function checkRollups(db: Db, scorecardId: string): Promise<boolean> {
  await db.$executeRawUnsafe(
    `INSERT INTO ppi_surveys (id, client_id, partner_id, scorecard_id, surveyed_on, answers, score, request_key)
     SELECT 'bench-survey-' || c.id, c.id, c.partner_id, $1, current_date, '{}'::jsonb, (abs(hashtext(c.id)) % 101), 'bench-survey-' || c.id
       FROM clients c JOIN partners p ON p.id = c.partner_id
      WHERE p.country = (SELECT country FROM ppi_scorecards WHERE id = $1) ORDER BY c.id LIMIT 1000`,
    scorecardId,
  );
  const rows = (await db.$queryRawUnsafe(
    `WITH direct AS (
       SELECT f.quarter, l.poverty_line, count(*)::int AS clients, sum(l.likelihood_bps)::bigint AS likelihood
         FROM ppi_client_quarters f JOIN ppi_lookup l ON l.scorecard_id = f.scorecard_id AND l.score = f.score
        WHERE f.scorecard_id = $1 AND f.counted GROUP BY 1, 2
     )
     SELECT count(*)::int AS mismatched FROM direct d
       FULL JOIN (SELECT quarter, poverty_line, clients, likelihood_sum_bps FROM ppi_rollups
                   WHERE level = 1 AND scorecard_id = $1 AND clients > 0) r
         ON r.quarter = d.quarter AND r.poverty_line = d.poverty_line
      WHERE r.clients IS DISTINCT FROM d.clients OR r.likelihood_sum_bps IS DISTINCT FROM d.likelihood`,
    scorecardId,
  )) as { mismatched: number }[];
  return rows[0]!.mismatched === 0;
}

export async function run(): Promise<boolean> {
  console.log(`bench impact: drill-down views with ${LOANS.toLocaleString("en")} loans and ${SURVEYS.toLocaleString("en")} PPI surveys, median of ${ROUNDS} alternating rounds after ${WARM_ROUNDS} untimed ones; ${machine()}`);
  let ok = true;
  for (const { label, database, dispose } of await benchDatabases()) {
    try {
      const db = setDatabase(database);
      const loadedMs = await time(async () => {
        await seedScale(db, { loans: LOANS, lenders: 1_000 });
        await seedScaleImpact(db, { surveys: SURVEYS });
        await rebuildSocialRollups();
      });
      const counted = (await db.$queryRawUnsafe(
        `SELECT (SELECT count(*) FROM ppi_surveys)::int AS surveys, (SELECT count(*) FROM ppi_rollups)::int AS rollups,
                (SELECT count(*) FROM social_rollups)::int AS social`,
      )) as { surveys: number; rollups: number; social: number }[];
      console.log(
        `${label}: loaded in ${(loadedMs / 1000).toFixed(0)} s: ${counted[0]!.surveys.toLocaleString("en")} surveys, ${counted[0]!.rollups.toLocaleString("en")} PPI rollup rows, ${counted[0]!.social.toLocaleString("en")} social rollup rows`,
      );
      // The scorecard with the most counted clients: Kenya's current version.
      const top = (await db.$queryRawUnsafe(
        `SELECT r.scorecard_id, s.poverty_lines[1] AS line FROM ppi_rollups r JOIN ppi_scorecards s ON s.id = r.scorecard_id
          WHERE r.level = 1 GROUP BY 1, 2 ORDER BY sum(r.clients) DESC LIMIT 1`,
      )) as { scorecard_id: string; line: string }[];
      const { scorecard_id: scorecardId, line } = top[0]!;
      const fresh = await checkRollups(db, scorecardId);
      console.log(`${label}: rollups after 1,000 new surveys equal the facts they come from: ${fresh ? "yes" : "NO"}`);
      ok = fresh && ok;

      const to = quarterOf(new Date());
      const from = addQuarters(to, -7);
      const filters: PortalFilters = { from, to, scorecard: scorecardId, line, gender: null, area: null, sector: null };
      for (const c of await cases(db, scorecardId)) {
        const viewTimes: number[] = [];
        const bareTimes: number[] = [];
        const narrowTimes: number[] = [];
        let children = 0;
        const view = async () => {
          const v = await impactView(ADMIN_PORTAL_VIEWER, c.path, filters, { auditPath: "/bench" });
          children = (v as { children?: unknown[] }).children?.length ?? 0;
        };
        const bare = () => bareRead(db, c, scorecardId, line, quarterStart(from), quarterStart(to), quarterStart(addQuarters(from, -1)), false);
        const narrow = () => bareRead(db, c, scorecardId, line, quarterStart(from), quarterStart(to), quarterStart(addQuarters(from, -1)), true);
        for (let round = 0; round < WARM_ROUNDS; round++) {
          await view();
          await bare();
          await narrow();
        }
        const caseStart = performance.now();
        for (let round = 0; round < ROUNDS && (round < 3 || performance.now() - caseStart < CASE_BUDGET_MS); round++) {
          // Alternate which goes first, so neither always gets the warmer cache.
          if (round % 2) {
            viewTimes.push(await time(view));
            bareTimes.push(await time(bare));
          } else {
            bareTimes.push(await time(bare));
            viewTimes.push(await time(view));
          }
          narrowTimes.push(await time(narrow));
        }
        const v = median(viewTimes);
        const b = median(bareTimes);
        const n = median(narrowTimes);
        console.log(
          `${label} ${c.name} (${LEVELS[c.level] || "platform"} view, ${children} children, ${viewTimes.length} rounds): view ${v.toFixed(1)} ms, rollup rows ${b.toFixed(1)} ms` +
            ` (the earlier, narrower read: ${n.toFixed(1)} ms, ${(v / n).toFixed(2)}x)`,
        );
        ok = target(`impact-${label}-${c.name}-view-vs-rollups`, v / b, { max: 2 }) && ok;
      }
    } finally {
      await dispose();
    }
  }
  return ok;
}
