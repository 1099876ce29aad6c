// The impact portal's figures read from the precomputed rollups (ppi_rollups,
// kept by triggers; social_rollups, rebuilt by impact_rebuild_social()) plus the
// small viewer-specific sets the suppression rules need: the partners a member
// of staff works for, and the few clients a funder sees one by one. Nothing here
// aggregates clients, loans or surveys for a whole node, so a view costs about
// what reading its rollup rows costs (docs/decisions/019-impact-rollups.md).
//
// Node keys are the portal's: "P" for the platform, then C|country,
// R|country|region, T|country|region|partner, G|…|group, X|client.
import {
  addQuarters,
  cellShown,
  filterSubsets,
  quarterOf,
  quarterStart,
  socialFilterKey,
  SOCIAL_FILTER_FIELDS,
  withheldValues,
  AREAS,
  GENDERS,
  type CellCounts,
  type FilterField,
  type NodePath,
  type Quarter,
  type SocialFilter,
} from "~/lib/impact.ts";
import { queryOneRowCachedInParts, type TypedParam } from "~/utils/cached-statement.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { liveConsentRowsSql, liveConsentsFrom, type LiveConsents } from "./consent.server.ts";
import { clientFactsSql, parseClientFacts, type ClientFactsRow } from "./impact-client-facts.server.ts";

export const ROOT = "P";
export const countryKey = (c: string) => `C|${c}`;
export const regionKey = (c: string, r: string) => `R|${c}|${r}`;
export const partnerKey = (c: string, r: string, p: string) => `T|${c}|${r}|${p}`;
export const groupKey = (c: string, r: string, p: string, g: string) => `G|${c}|${r}|${p}|${g}`;
export const clientKey = (id: string) => `X|${id}`;

type KeyCols = { level: number; country: string; region: string; partner_id: string; group_id: string };

export function rollupKey(r: KeyCols): string {
  switch (Number(r.level)) {
    case 0:
      return ROOT;
    case 1:
      return countryKey(r.country);
    case 2:
      return regionKey(r.country, r.region);
    case 3:
      return partnerKey(r.country, r.region, r.partner_id);
    default:
      return groupKey(r.country, r.region, r.partner_id, r.group_id);
  }
}

/** The keys of every node a client (or loan) placed here counts in: one per level, one per group. */
function placementKeys(country: string, region: string, partnerId: string, groupIds: readonly string[]): string[] {
  return [
    ROOT,
    countryKey(country),
    regionKey(country, region),
    partnerKey(country, region, partnerId),
    ...groupIds.map((g) => groupKey(country, region, partnerId, g)),
  ];
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const PATH_COLS = ["country", "region", "partner_id", "group_id"] as const;
const LEVEL_INDEX = { platform: 0, country: 1, region: 2, partner: 3, group: 4 } as const;

/** The rollup level of a node path (0 platform … 4 group); a client path counts as its group or partner. */
export function rollupLevel(path: NodePath): number {
  if (path.group) return LEVEL_INDEX.group;
  if (path.partner) return LEVEL_INDEX.partner;
  if (path.region) return LEVEL_INDEX.region;
  if (path.country) return LEVEL_INDEX.country;
  return LEVEL_INDEX.platform;
}

const pathValues = (path: NodePath) => [path.country ?? "", path.region ?? "", path.partner ?? "", path.group ?? ""];

/**
 * The WHERE of the rows of every node on the path and of the node's children:
 * one index-prefix condition per level (the primary keys start with level,
 * country, region, partner, group), OR-ed so the planner can use each prefix.
 * `params` receives the values; returns SQL using $n from `offset`.
 */
function treeCondition(path: NodePath, params: unknown[], alias: string): string {
  const level = rollupLevel(path);
  const values = pathValues(path);
  const parts: string[] = [];
  // Only the values used: PostgreSQL cannot type a parameter no condition mentions.
  const placeholders = values.slice(0, level).map((v) => {
    params.push(v);
    return `$${params.length}::text`;
  });
  for (let l = 0; l <= Math.min(level + 1, 4); l++) {
    // Level l holds the path's node at that level and its siblings (every decision is among all of a
    // parent's children), or the node's own children at level + 1: they share the first l - 1 key columns.
    const fixed = Math.max(l - 1, 0);
    const cond = [`${alias}.level = ${l}`, ...PATH_COLS.slice(0, fixed).map((c, i) => `${alias}.${c} = ${placeholders[i]}`)];
    parts.push(`(${cond.join(" AND ")})`);
  }
  return `(${parts.join(" OR ")})`;
}

// --- PPI ------------------------------------------------------------------------------------

export type PpiRollupRow = KeyCols & { quarter: Date; clients: number; likelihood: string; score: string };

// --- Everything a node's view needs, in one statement ----------------------------------------

export type ScorecardAtNode = {
  id: string;
  title: string;
  version: string;
  country: string;
  isSample: boolean;
  lines: string[];
  clients: number;
  firstQuarter: Quarter;
  lastQuarter: Quarter;
};

export type RollupBundle = {
  /** Scorecards with figures at the node in the range, most clients first. */
  scorecards: ScorecardAtNode[];
  /** The scorecard and poverty line the view uses: the requested ones when present here, else the first. */
  scorecardId: string | null;
  line: string | null;
  ppiRows: PpiRollupRow[];
  /** Child ids with figures in the range (countries, regions, partner or group ids), with names for partners and groups. */
  children: { id: string; name: string }[];
  socialRows: SocialRollupRow[];
  socialRebuiltAt: Date | null;
  /** The path's partner and group as stored (null when the path names none, or no such row). */
  partner: { name: string; country: string } | null;
  group: { name: string; partnerId: string } | null;
  /** A partner's or group's client rows as asked for (`clients.list`), by name; none otherwise. */
  clientRows: ClientRowRecord[];
  /** The live consents of those client rows (from consent.server.ts's own rule). */
  clientConsents: Map<string, LiveConsents>;
  /** The facts of the client rows and of `clients.extra`, with the chosen scorecard's PPI quarters. */
  clientFacts: Map<string, ClientFacts>;
  /** How many client rows there are on every page together (0 when none were asked for). */
  clientTotal: number;
};

export type ClientRowRecord = { id: string; full_name: string; gender: string; area: string; region: string; village: string };

/** A partner's or group's CSV lists every client row up to this many, by name (the page shows them a page at a time). */
export const CLIENT_ROWS_MAX = 5_000;

/**
 * One round trip for a node's view (platform to group): its scorecards, the
 * chosen scorecard's PPI rows on the path and for the children, the children's
 * keys and names, and the social rows (the quarter before the range included,
 * for retention; the node's own sector rows under the gender and area filters and
 * every smaller set of them; the viewer's own partners' rows).
 * A view's cost on an embedded database is mostly round trips, so the rows come
 * back as one JSON text each.
 */
export async function readRollupBundle(args: {
  path: NodePath;
  from: Quarter;
  to: Quarter;
  scorecard: string | null;
  line: string | null;
  /** The social_rollups keys a figure is weighed against (socialReadKeys of the view's filters). */
  social: SocialReadKeys;
  staffPartners: readonly string[];
  sections: { ppi: boolean; social: boolean };
  /**
   * Read the siblings of every node on the path too (every viewer but an admin): a
   * parent decides its children's suppression among all of them. An admin sees every
   * figure, so the node and its children are all an admin's view needs.
   */
  siblings: boolean;
  /**
   * Client rows and facts read in the same statement. `list`: the group's current
   * members, or at a partner the partner's clients in no group (in the path's region).
   * `only`: just these clients (a funder's funded ones; null for all); with
   * `drilldownOnly`, just those with a live `investor_drilldown` consent (a
   * pre-filter so the limit counts rows that can be shown; the caller still
   * decides from the consents). `extra`: more clients whose facts are needed (a
   * funder's funded clients: only those with that consent are read).
   */
  clients?: {
    list: boolean;
    only: readonly string[] | null;
    drilldownOnly: boolean;
    extra: readonly string[];
    /** The rows of one page (by name), or every row up to CLIENT_ROWS_MAX when null. */
    page: { size: number; number: number } | null;
  };
}): Promise<RollupBundle> {
  const { path } = args;
  const level = rollupLevel(path);
  const prefix = (alias: string, upTo: number) => PATH_COLS.slice(0, upTo).map((c, i) => ` AND ${alias}.${c} = $${i + 2}::text`).join("");
  // Every node on the path with its siblings, and the node's children (see treeCondition); or the node and its children.
  const tree = (alias: string) =>
    "(" +
    (args.siblings
      ? Array.from({ length: Math.min(level + 1, 4) + 1 }, (_, l) => `(${alias}.level = ${l}${prefix(alias, Math.max(l - 1, 0))})`)
      : [`(${alias}.level = ${level}${prefix(alias, level)})`, ...(level < 4 ? [`(${alias}.level = ${level + 1}${prefix(alias, level)})`] : [])]
    ).join(" OR ") +
    ")";
  const childCol = PATH_COLS[level];
  const childNames =
    level === 2 ? `(SELECT p.name FROM partners p WHERE p.id = k.id)` : level === 3 ? `(SELECT g.name FROM groups g WHERE g.id = k.id)` : `k.id`;
  const ppiOn = args.sections.ppi;
  const socialOn = args.sections.social;
  const list = Boolean(args.clients?.list) && level >= 3;
  const drilldownConsent = (col: string) =>
    `EXISTS (SELECT 1 FROM consents k WHERE k.client_id = ${col} AND k.purpose = 'investor_drilldown' AND k.revoked_at IS NULL)`;
  const membership =
    level === 4
      ? `EXISTS (SELECT 1 FROM group_members m WHERE m.client_id = c.id AND m.group_id = $5::text AND m.left_at IS NULL)`
      : `NOT EXISTS (SELECT 1 FROM group_members m WHERE m.client_id = c.id AND m.left_at IS NULL)`;
  const facts = clientFactsSql("SELECT f.id FROM fact_ids f", {
    card: "(SELECT ch.id FROM chosen ch)",
    line: "(SELECT ch.line FROM chosen ch)",
    from: "$6::date",
    to: "$7::date",
  });
  // Client rows and facts only where asked for: each piece of the statement costs planning time, even when empty.
  const extra = args.clients?.extra ?? [];
  const page = args.clients?.page ?? null;
  const withClients = list || extra.length > 0;
  const clientCtes = withClients
    ? `, matching AS (
      SELECT c.id, c.full_name, c.gender::text AS gender, c.area::text AS area, c.region, c.village FROM clients c
       WHERE ${list ? "true" : "false"} AND c.partner_id = $4::text AND c.region = $3::text AND ${membership}
         AND ($14::text[] IS NULL OR c.id IN (SELECT unnest($14::text[])))
         ${args.clients?.drilldownOnly ? `AND ${drilldownConsent("c.id")}` : ""}
    ), listed AS (
      SELECT m.* FROM matching m ORDER BY m.full_name, m.id LIMIT $16::int OFFSET $17::int
    ), fact_ids AS (
      SELECT l.id FROM listed l
      UNION
      SELECT x.id FROM unnest($15::text[]) AS x(id) WHERE ${drilldownConsent("x.id")}
    ), ${facts.ctes}`
    : "";
  const clientColumns = withClients
    ? `(SELECT json_agg(json_build_array(l.id, l.full_name, l.gender, l.area, l.region, l.village) ORDER BY l.full_name, l.id) FROM listed l)::text AS listed,
      ${liveConsentRowsSql("SELECT l.id FROM listed l")} AS listed_consents,
      (SELECT count(*)::int FROM matching) AS listed_total,
      ${facts.columns}`
    : `NULL::text AS listed, NULL::text AS listed_consents, NULL::int AS listed_total, NULL::text AS fx_people, NULL::text AS fx_active, NULL::text AS fx_loans, NULL::text AS fx_ppi`;
  // Without gender or area filters the sector rows are one prefix, which the primary key's order serves as a range;
  // LIKE ANY over a list of patterns cannot use it and reads every filter key at the node.
  const sectorPatterns = args.social.sectorPatterns;
  const sectorOnly = sectorPatterns.length === 1 && sectorPatterns[0] === "sector:%";
  const sectorRows = sectorOnly ? `r.filter LIKE 'sector:%' AND $13::text[] IS NOT NULL` : "r.filter LIKE ANY ($13::text[])";
  // With a sector filter, every sector at every node decided (the sector's field in each node's cross table).
  const orSectorEverywhere = args.social.sectorEverywhere ? ` OR ${sectorRows}` : "";
  // When the figures weigh only the rows for everyone (an admin's view without gender or area filters), a constant, as
  // above: the plan then does not depend on how many keys $10 holds, and PostgreSQL keeps one generic plan.
  const everyoneOnly = args.social.keys.length === 1 && args.social.keys[0] === "";
  const filterRows = everyoneOnly ? `r.filter = '' AND $10::text[] IS NOT NULL` : "r.filter = ANY ($10::text[])";
  // The viewer's own partners' rows. With none (an admin), a constant false the planner drops: the plan then no longer
  // depends on the parameters' values, and PostgreSQL keeps one generic plan instead of planning every call (with the
  // condition in, a generic plan reads every level-3 row). $11 stays in the text so it still has a type.
  const staffRows = args.staffPartners.length > 0 ? "r.level = 3 AND r.partner_id = ANY ($11::text[])" : "false AND r.partner_id = ANY ($11::text[])";
  const withClause = `
    WITH cards AS (
      SELECT r.scorecard_id, max(r.clients)::int AS clients, min(r.quarter) AS first_q, max(r.quarter) AS last_q
        FROM ppi_rollups r
       WHERE ${ppiOn ? "true" : "false"} AND r.level = ${level} AND r.country = $2::text AND r.region = $3::text AND r.partner_id = $4::text
         AND r.group_id = $5::text AND r.quarter BETWEEN $6::date AND $7::date AND r.clients > 0
       GROUP BY 1
    ), card_info AS (
      SELECT c.*, s.title, s.version, s.country, s.is_sample, s.poverty_lines FROM cards c JOIN ppi_scorecards s ON s.id = c.scorecard_id
    ), chosen AS (
      SELECT ci.scorecard_id AS id,
             CASE WHEN $9::text = ANY (ci.poverty_lines) THEN $9::text ELSE ci.poverty_lines[1] END AS line
        FROM card_info ci ORDER BY (ci.scorecard_id = $8::text) DESC, ci.clients DESC, ci.scorecard_id LIMIT 1
    ), ppi AS (
      SELECT r.level, r.country, r.region, r.partner_id, r.group_id, r.quarter, r.clients, r.likelihood_sum_bps, r.score_sum
        FROM ppi_rollups r JOIN chosen ch ON r.scorecard_id = ch.id AND r.poverty_line = ch.line
       WHERE r.quarter BETWEEN $6::date AND $7::date AND r.clients > 0
         AND (${tree("r")} OR (${staffRows}))
    ), social AS (
      SELECT r.level, r.country, r.region, r.partner_id, r.group_id, r.filter, r.quarter, r.active_clients, r.women, r.rural, r.retained,
             r.loans_disbursed, r.disbursed_usd_cents
        FROM social_rollups r
       WHERE ${socialOn ? "true" : "false"} AND r.quarter BETWEEN $12::date AND $7::date
         AND (((${filterRows}${orSectorEverywhere}) AND ${tree("r")})
           OR (${sectorRows} AND r.level = ${level} AND r.country = $2::text AND r.region = $3::text AND r.partner_id = $4::text
               AND r.group_id = $5::text)
           OR (${staffRows} AND (${filterRows} OR ${sectorRows})))
    ), kids AS (
      -- The node's children with figures: in the rows just read, and under another scorecard when the node has several.
      SELECT p.${childCol ?? "group_id"} AS id FROM ppi p WHERE p.level = ${level + 1}${prefix("p", level)}
      UNION
      SELECT s.${childCol ?? "group_id"} FROM social s WHERE s.level = ${level + 1}${prefix("s", level)} AND s.filter = ''
      UNION
      SELECT r.${childCol ?? "group_id"} FROM ppi_rollups r
       WHERE (SELECT count(*) FROM cards) > 1 AND r.level = ${level + 1}${prefix("r", level)} AND r.quarter BETWEEN $6::date AND $7::date
         AND r.clients > 0 AND r.scorecard_id <> (SELECT ch.id FROM chosen ch)
    )${clientCtes}`;
  // A partner's client rows and facts read other tables than the rollup rows: on a PostgreSQL server they are a
  // statement of their own (the same WITH, their columns only), run at the same time on another connection. A group's
  // rollup rows are a few dozen, and there a second statement cost more than it saved (measured): one statement.
  const rollupColumns = `
      (SELECT json_agg(json_build_array(ci.scorecard_id, ci.title, ci.version, ci.country, ci.is_sample, ci.poverty_lines, ci.clients, ci.first_q, ci.last_q)) FROM card_info ci)::text AS cards,
      (SELECT json_build_array(ch.id, ch.line) FROM chosen ch)::text AS chosen,
      (SELECT json_agg(json_build_array(p.level, p.country, p.region, p.partner_id, p.group_id, p.quarter, p.clients, p.likelihood_sum_bps::text, p.score_sum::text)) FROM ppi p)::text AS ppi,
      (SELECT json_agg(json_build_array(k.id, ${childNames}) ORDER BY k.id) FROM kids k)::text AS kids,
      (SELECT json_agg(json_build_array(s.level, s.country, s.region, s.partner_id, s.group_id, s.filter, s.quarter, s.active_clients, s.women, s.rural,
                                        s.retained, s.loans_disbursed, s.disbursed_usd_cents::text)) FROM social s)::text AS social,
      -- One rebuild writes every row with the same time.
      (SELECT r.rebuilt_at FROM social_rollups r WHERE ${socialOn ? "true" : "false"} AND r.level = 0 LIMIT 1) AS rebuilt_at,
      (SELECT json_build_array(p.name, p.country) FROM partners p WHERE p.id = NULLIF($4::text, ''))::text AS partner,
      (SELECT json_build_array(g.name, g.partner_id) FROM groups g WHERE g.id = NULLIF($5::text, ''))::text AS "group"`;
  // Each statement names $1 (PostgreSQL cannot type a parameter nothing mentions, and the WITH does not).
  const select = (columns: string) => `${withClause}
    SELECT${columns},
      $1::int AS level`;
  const sql = select(`${rollupColumns},
      ${clientColumns}`);
  const parts = withClients && level === 3 ? [select(rollupColumns), select(`
      ${clientColumns}`)] : [sql];
  const params: TypedParam[] = [
    { type: "int", value: level },
    { type: "text", value: path.country ?? "" },
    { type: "text", value: path.region ?? "" },
    { type: "text", value: path.partner ?? "" },
    { type: "text", value: path.group ?? "" },
    { type: "date", value: isoDay(quarterStart(args.from)) },
    { type: "date", value: isoDay(quarterStart(args.to)) },
    { type: "text", value: args.scorecard ?? "" },
    { type: "text", value: args.line ?? "" },
    { type: "text[]", value: [...args.social.keys] },
    { type: "text[]", value: [...args.staffPartners] },
    { type: "date", value: isoDay(quarterStart(addQuarters(args.from, -1))) },
    { type: "text[]", value: sectorPatterns },
    // Only sent when the statement uses them: PostgreSQL cannot type a parameter nothing mentions.
    ...(withClients
      ? [
          { type: "text[]" as const, value: args.clients?.only ? [...args.clients.only] : null },
          { type: "text[]" as const, value: [...extra] },
          { type: "int" as const, value: page ? page.size : CLIENT_ROWS_MAX },
          { type: "int" as const, value: page ? (page.number - 1) * page.size : 0 },
        ]
      : []),
  ];
  // Planned once per session on the embedded database (parsing and planning this statement cost more than running it).
  const row = (await queryOneRowCachedInParts(`impact_view_${level}`, sql, parts, params)) as ClientFactsRow & {
    cards: string | null;
    chosen: string | null;
    ppi: string | null;
    kids: string | null;
    social: string | null;
    rebuilt_at: string | null;
    partner: string | null;
    group: string | null;
    listed: string | null;
    listed_consents: string | null;
    listed_total: number | null;
  };
  const parse = <T,>(text: string | null): T[] => (text ? (JSON.parse(text) as T[]) : []);
  const day = (text: string) => new Date(`${text}T00:00:00Z`);
  const scorecards = parse<[string, string, string, string, boolean, string[], number, string, string]>(row.cards)
    .map(([id, title, version, country, isSample, lines, clients, firstQ, lastQ]) => ({
      id,
      title,
      version,
      country,
      isSample,
      lines,
      clients,
      firstQuarter: quarterOf(day(firstQ)),
      lastQuarter: quarterOf(day(lastQ)),
    }))
    .sort((a, b) => b.clients - a.clients || a.id.localeCompare(b.id));
  const chosen = row.chosen ? (JSON.parse(row.chosen) as [string, string | null]) : null;
  return {
    scorecards,
    scorecardId: chosen?.[0] ?? null,
    line: chosen?.[1] ?? null,
    ppiRows: parse<[number, string, string, string, string, string, number, string, string]>(row.ppi).map(
      ([level, country, region, partner_id, group_id, quarter, clients, likelihood, score]) => ({
        level,
        country,
        region,
        partner_id,
        group_id,
        quarter: day(quarter),
        clients,
        likelihood,
        score,
      }),
    ),
    children: parse<[string, string | null]>(row.kids).map(([id, name]) => ({ id, name: name ?? id })),
    socialRows: parse<[number, string, string, string, string, string, string, number, number, number, number, number, string]>(row.social).map(
      ([level, country, region, partner_id, group_id, filter, quarter, active_clients, women, rural, retained, loans_disbursed, usd]) => ({
        level,
        country,
        region,
        partner_id,
        group_id,
        filter,
        quarter: day(quarter),
        active_clients,
        women,
        rural,
        retained,
        loans_disbursed,
        usd,
      }),
    ),
    socialRebuiltAt: row.rebuilt_at ? new Date(row.rebuilt_at) : null,
    partner: row.partner ? (([name, country]) => ({ name, country }))(JSON.parse(row.partner) as [string, string]) : null,
    group: row.group ? (([name, partnerId]) => ({ name, partnerId }))(JSON.parse(row.group) as [string, string]) : null,
    clientRows: parse<[string, string, string, string, string, string]>(row.listed).map(([id, full_name, gender, area, region, village]) => ({
      id,
      full_name,
      gender,
      area,
      region,
      village,
    })),
    clientConsents: liveConsentsFrom(row.listed_consents),
    clientFacts: parseClientFacts(row),
    clientTotal: row.listed_total ?? 0,
  };
}

// --- Social indicators ---------------------------------------------------------------------

/** The counts the portal's social section decides on, per node and quarter (as its live SQL returned them). */
export type SocialCounts = {
  reached: number;
  reached_known: number;
  reached_f: number;
  reached_f_known: number;
  women_f: number;
  rural_f: number;
  base: number;
  base_known: number;
  base_f: number;
  base_f_known: number;
  retained_f: number;
  /** With filters on: reached and the retention base under every smaller set of them (cellShown's `wider`). */
  reached_wider: CellCounts[];
  base_wider: CellCounts[];
  /** Each filter's value not withheld among its field's other values at this node (withheldValues); true without filters. */
  reached_values_ok: boolean;
  base_values_ok: boolean;
  /**
   * The share of women (of rural clients) is the count of clients reached under the view's filters plus female (plus
   * rural): a figure of its own, weighed as one (null when that field is filtered on already, or for an admin).
   */
  women_share: ShareCounts | null;
  rural_share: ShareCounts | null;
  /** Of the retained, how many the viewer knows (the rest of the base, not retained, must not be 1 to 4 either). */
  retained_known: number;
};

export type ShareCounts = { filtered: CellCounts; wider: CellCounts[]; values_ok: boolean };

/**
 * Loans disbursed in a quarter. `reach` counts loans (a group loan once): the
 * rollups do not keep how many people each loan reached, and counting a group
 * loan as one person suppresses more, never less.
 */
export type LoanCounts = {
  reach: number;
  reach_known: number;
  reach_f: number;
  reach_f_known: number;
  loans_f: number;
  amount_f: string | null;
  /** With filters on: loans under every smaller set of them (cellShown's `wider`). */
  reach_wider: CellCounts[];
  /** Each filter's value not withheld among its field's other values at this node (withheldValues); true without filters. */
  reach_values_ok: boolean;
};

/**
 * Loans by sector over the range. `wider`: the same loans under every smaller set of the cell's filters (cellShown's
 * `wider`: the view's gender and area filters plus the sector; for the total, the gender and area filters alone).
 */
export type SectorCounts = {
  sector: string | null;
  loans: number;
  amount: string;
  reach: number;
  reach_known: number;
  wider: CellCounts[];
  /**
   * Every quarter's part of this range total passes cellShown against its own wider views, and its filters' values
   * (the sector's among the sectors, gender's and area's among theirs) are not withheld in that quarter (or the part
   * is empty). The range is the viewer's to choose, so two ranges one quarter apart, or the total against the
   * quarterly trend, give any single quarter's part; a total is shown only if each part could be.
   */
  quarterlyShown: boolean;
};

export type { SocialFilter };

/**
 * The social_rollups filters a view reads: its own key last, after the key of
 * every smaller set of its filters (index = filterSubsets' mask; '' first).
 */
export function socialFilterKeys(f: SocialFilter): string[] {
  return filterSubsets(f).map(socialFilterKey);
}

/**
 * LIKE patterns for the node's loans-by-sector rows: each key among `filterKeys`
 * that names no sector, followed by any sector ('sector:%', 'gender:female;sector:%',
 * …). A sector cell under gender or area filters is weighed against the same
 * sector under every smaller set of them (docs/decisions/025), so all of them are read.
 */
export function sectorKeyPatterns(filterKeys: readonly string[]): string[] {
  const escape = (text: string) => text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
  const withoutSector = filterKeys.filter((k) => !k.split(";").some((part) => part.startsWith("sector:")));
  return [...new Set(withoutSector)].map((k) => (k ? `${escape(k)};sector:%` : "sector:%"));
}

/**
 * What a view with these filters reads from social_rollups, for every node it
 * decides: `keys`, the node under every set of values of the view's gender and
 * area fields (each unset or at any value: 'gender:male;area:urban' for a view
 * of rural women), for its figures, the smaller sets of filters they are weighed
 * against (cellShown), and the whole cross table of those fields
 * (withheldValues); `sectorPatterns`, every sector under each of those keys, at
 * the node on view for loans by sector, and at every node when `sectorEverywhere`
 * (a sector filter: the sector's own field in the cross table).
 */
export type SocialReadKeys = { keys: string[]; sectorPatterns: string[]; sectorEverywhere: boolean };

export function socialReadKeys(f: SocialFilter): SocialReadKeys {
  let keys: SocialFilter[] = [{ gender: null, area: null, sector: null }];
  for (const field of ["gender", "area"] as const) {
    if (!f[field]) continue;
    const values: readonly string[] = field === "gender" ? GENDERS : AREAS;
    keys = keys.flatMap((k) => [k, ...values.map((v) => ({ ...k, [field]: v }))]);
  }
  const strings = keys.map(socialFilterKey);
  return { keys: strings, sectorPatterns: sectorKeyPatterns(strings), sectorEverywhere: Boolean(f.sector) };
}

/** The filters whose counts give a view's shares: its own plus female, plus rural (when not filtered on already). */
export function shareFilterSets(f: SocialFilter): { field: "gender" | "area"; set: SocialFilter }[] {
  return [
    ...(f.gender ? [] : [{ field: "gender" as const, set: { ...f, gender: "female" } }]),
    ...(f.area ? [] : [{ field: "area" as const, set: { ...f, area: "rural" } }]),
  ];
}

/**
 * What a view reads (socialReadKeys) with its shares of women and of rural clients weighed too (`shares`: every
 * viewer but an admin): the same for the filters plus female and plus rural.
 */
export function socialViewKeys(f: SocialFilter, shares: boolean): SocialReadKeys {
  const own = socialReadKeys(f);
  if (!shares) return own;
  const keys = [...new Set([...own.keys, ...shareFilterSets(f).flatMap((s) => socialReadKeys(s.set).keys)])];
  return { keys, sectorPatterns: own.sectorEverywhere ? sectorKeyPatterns(keys) : own.sectorPatterns, sectorEverywhere: own.sectorEverywhere };
}

export type SocialViewer = { isPlatformAdmin: boolean; partnerIds: readonly string[] };

export type SocialRollupRow = KeyCols & {
  filter: string;
  quarter: Date;
  active_clients: number;
  women: number;
  rural: number;
  retained: number;
  loans_disbursed: number;
  usd: string;
};

/** One client's activity by the rollups' own definition, for the few clients counted one by one. */
export type ClientFacts = {
  id: string;
  gender: string;
  area: string;
  sector: string;
  country: string;
  region: string;
  partnerId: string;
  groupIds: string[];
  /** Quarter start (ISO day) → whether active then (true) and retained (active the quarter before too). */
  active: Map<string, { retained: boolean }>;
  /** Individual loans disbursed: quarter start → sector, cents. */
  loans: { quarter: string; sector: string; cents: number }[];
  /** PPI quarters of one scorecard and line, when asked for (a client row's own score). */
  ppi: { quarter: string; score: number; likelihoodBps: number }[];
};

/** A client's own PPI quarters to read with their other facts: one scorecard and line, a quarter range. */
export type ClientPpiSpec = { scorecardId: string; line: string; from: Quarter; to: Quarter };

/**
 * The listed clients' facts, computed as impact_rebuild_social() computes them
 * (disbursed loans, the client's own and those of groups they were in when
 * disbursed; active from the disbursal's quarter until the loan ended, within
 * twelve quarters of now), so counts made from them add up with the rollups.
 */
export async function clientSocialFacts(ids: readonly string[], ppi: ClientPpiSpec | null = null): Promise<Map<string, ClientFacts>> {
  if (ids.length === 0) return new Map();
  const db = await getDb();
  const sql = clientFactsSql("SELECT unnest($1::text[])", { card: "$2::text", line: "$3::text", from: "$4::date", to: "$5::date" });
  const rows = (await db.$queryRawUnsafe(
    `WITH ${sql.ctes} SELECT ${sql.columns}`,
    [...ids],
    ppi?.scorecardId ?? null,
    ppi?.line ?? "",
    isoDay(quarterStart(ppi?.from ?? "2000-Q1")),
    isoDay(quarterStart(ppi?.to ?? "2000-Q1")),
  )) as ClientFactsRow[];
  return parseClientFacts(rows[0]);
}

const personMatches = (c: ClientFacts, f: SocialFilter) =>
  (!f.gender || c.gender === f.gender) && (!f.area || c.area === f.area) && (!f.sector || c.sector === f.sector);

// A loan's own sector for loan figures; a gender or area filter selects its borrower.
const loanMatches = (c: ClientFacts, loanSector: string, f: SocialFilter) =>
  personMatches(c, { ...f, sector: null }) && (!f.sector || loanSector === f.sector);

/** A count in a social_rollups row. */
type RowCount = (r: SocialRollupRow) => number;
const activeOf: RowCount = (r) => r.active_clients;
const loansOf: RowCount = (r) => r.loans_disbursed;
const retainedOf: RowCount = (r) => r.retained;
/** A known client's part of a count under a set of filters in a quarter. */
type FactCount = (c: ClientFacts, set: SocialFilter, q: string) => number;
const activeCount: FactCount = (c, set, q) => (c.active.has(q) && personMatches(c, set) ? 1 : 0);
const retainedCount: FactCount = (c, set, q) => (c.active.get(q)?.retained && personMatches(c, set) ? 1 : 0);
const loanCount: FactCount = (c, set, q) => {
  let n = 0;
  for (const l of c.loans) if (l.quarter === q && loanMatches(c, l.sector, set)) n += 1;
  return n;
};

export type SocialRead = {
  /** When the rows were rebuilt (the figures are as of then); null when never. */
  rebuiltAt: Date | null;
  social: Map<Quarter, Map<string, SocialCounts>>;
  loans: Map<Quarter, Map<string, LoanCounts>>;
  /**
   * Loans over the range at the node by sector, under the gender and area filters; the entry with sector null is
   * the total. With a sector filter every sector is here still (the model shows only that one, decided among them).
   */
  sectors: SectorCounts[];
};

/**
 * The social section's counts for a view, from social_rollups: the node, every
 * node on its path and their children, per quarter (with the quarter before the
 * range, for retention), under the view's filters and every smaller set of
 * them (socialFilterKeys); "known" counts from the
 * viewer's own partners' rows and the few clients they see one by one
 * (`knownClients`: a funder's drill-down clients). `clientIds` are client rows
 * (or the client on view), whose own counts come from their facts.
 */
export async function socialFromRollups(args: {
  path: NodePath;
  quarters: readonly Quarter[];
  filters: SocialFilter;
  viewer: SocialViewer;
  knownClients: readonly string[];
  clientIds: readonly string[];
  /** The rows, when readRollupBundle already read them (with their rebuild time). */
  rows?: { rows: SocialRollupRow[]; rebuiltAt: Date | null };
  /** The clients' facts, when already read (clientSocialFacts of knownClients and clientIds). */
  facts?: Map<string, ClientFacts>;
}): Promise<SocialRead> {
  const { path, quarters, viewer } = args;
  const db = await getDb();
  // The view's filters and every smaller set of them: a figure's suppression weighs them all (cellShown).
  const subsets = filterSubsets(args.filters);
  const filterKeys = subsets.map(socialFilterKey);
  const full = subsets.length - 1;
  const first = quarters[0]!;
  const last = quarters[quarters.length - 1]!;
  const readKeys = socialViewKeys(args.filters, !viewer.isPlatformAdmin);
  const params: unknown[] = [
    isoDay(quarterStart(addQuarters(first, -1))),
    isoDay(quarterStart(last)),
    readKeys.keys,
    readKeys.sectorPatterns,
    readKeys.sectorEverywhere,
  ];
  const tree = treeCondition(path, params, "r");
  const staff = viewer.isPlatformAdmin ? [] : [...viewer.partnerIds];
  params.push(staff);
  const cols = `r.level, r.country, r.region, r.partner_id, r.group_id, r.filter, r.quarter, r.active_clients, r.women, r.rural, r.retained,
                r.loans_disbursed, r.disbursed_usd_cents::text AS usd`;
  const everyNode = `(r.filter = ANY($3::text[]) OR ($5::boolean AND r.filter LIKE ANY($4::text[])))`;
  const common = `r.quarter BETWEEN $1::date AND $2::date AND (${everyNode} OR r.filter LIKE ANY($4::text[]))`;
  const level = rollupLevel(path);
  const nodeValues = pathValues(path).slice(0, level);
  const nodeCond = `r.level = ${level} ${nodeValues.map((_, i) => `AND r.${PATH_COLS[i]} = $${i + 6}::text`).join(" ")}`;
  const [rows, stamp] = args.rows ? [args.rows.rows, [{ at: args.rows.rebuiltAt }]] : await Promise.all([
    db.$queryRawUnsafe(
      // Sector rows only at the node itself (loans by sector); the tree's rows for the filters.
      `SELECT ${cols} FROM social_rollups r WHERE ${common} AND ${tree} AND (${everyNode} OR (${nodeCond}))
       UNION
       SELECT ${cols} FROM social_rollups r WHERE ${common} AND r.level = 3 AND r.partner_id = ANY($${params.length}::text[])`,
      ...params,
    ) as Promise<SocialRollupRow[]>,
    db.$queryRawUnsafe(`SELECT max(r.rebuilt_at) AS at FROM social_rollups r WHERE r.level = 0`) as Promise<{ at: Date | null }[]>,
  ]);

  const nodeKeyOnView = rollupKey({ level, country: path.country ?? "", region: path.region ?? "", partner_id: path.partner ?? "", group_id: path.group ?? "" });
  const isStaffKey = (key: string) => {
    const parts = key.split("|");
    return (parts[0] === "T" || parts[0] === "G") && staff.includes(parts[3]!);
  };
  /** An admin, or staff at their own partner's nodes, know every client there one by one. */
  const knowsAll = (key: string) => viewer.isPlatformAdmin || isStaffKey(key);
  // Rows by quarter, filter and key.
  const byQuarter = new Map<string, Map<string, Map<string, SocialRollupRow>>>();
  const staffRows = new Map<string, SocialRollupRow[]>(); // quarter|filter → level-3 rows of the viewer's partners
  const days = new Map<number, string>(); // a quarter's time → its ISO day (toISOString per row cost more than the rest)
  for (const r of rows) {
    const time = new Date(r.quarter).getTime();
    let q = days.get(time);
    if (q === undefined) days.set(time, (q = isoDay(new Date(time))));
    let byFilter = byQuarter.get(q);
    if (!byFilter) byQuarter.set(q, (byFilter = new Map()));
    let byKey = byFilter.get(r.filter);
    if (!byKey) byFilter.set(r.filter, (byKey = new Map()));
    byKey.set(rollupKey(r), r);
    if (Number(r.level) === 3 && staff.includes(r.partner_id)) {
      const k = `${q}|${r.filter}`;
      const list = staffRows.get(k);
      if (list) list.push(r);
      else staffRows.set(k, [r]);
    }
  }

  // The few clients counted one by one: a funder's drill-down clients outside their own partners, and client rows.
  const knownIds = viewer.isPlatformAdmin ? [] : args.knownClients;
  const facts = args.facts ?? (await clientSocialFacts([...new Set([...knownIds, ...args.clientIds])]));
  const knownFacts = knownIds.flatMap((id) => {
    const f = facts.get(id);
    return f && !staff.includes(f.partnerId) ? [f] : [];
  });
  const knowsNone = staff.length === 0 && knownFacts.length === 0;
  const staffSum = (key: string, q: string, flt: string, pick: RowCount): number => {
    const parts = key.split("|");
    // A partner or group of someone else's: none of its clients are the viewer's partners'.
    if (parts[0] !== "P" && parts[0] !== "C" && parts[0] !== "R") return 0;
    let n = 0;
    for (const r of staffRows.get(`${q}|${flt}`) ?? []) {
      if (parts[0] === "C" && r.country !== parts[1]) continue;
      if (parts[0] === "R" && (r.country !== parts[1] || r.region !== parts[2])) continue;
      n += pick(r);
    }
    return n;
  };
  /**
   * How many of a node's `total` (a count under the filter key `flt` in quarter `q`, `pick` of its row) the viewer
   * knows one by one: from their own partners' rows, and each known client's part (`count` of their facts under `set`).
   */
  const known = (key: string, total: number, q: string, flt: string, pick: RowCount, count: FactCount, set: SocialFilter): number => {
    if (knowsAll(key)) return total;
    if (knowsNone || total === 0) return 0;
    let n = staffSum(key, q, flt, pick);
    for (const f of knownFacts) if (placementKeys(f.country, f.region, f.partnerId, f.groupIds).includes(key)) n += count(f, set, q);
    return Math.min(total, n);
  };
  const cellOf = (key: string, n: number, q: string, flt: string, pick: RowCount, count: FactCount, set: SocialFilter): CellCounts => ({
    clients: n,
    known: known(key, n, q, flt, pick, count, set),
  });

  // Each quarter's sectors (a sector's values in the cross tables: whatever sectors the rows read have).
  const sectorsIn = new Map<string, string[]>();
  const sectorsOf = (q: string): string[] => {
    let names = sectorsIn.get(q);
    if (!names) {
      const found = new Set<string>();
      for (const flt of byQuarter.get(q)?.keys() ?? []) {
        const at = flt.indexOf("sector:");
        if (at >= 0) found.add(flt.slice(at + "sector:".length));
      }
      sectorsIn.set(q, (names = [...found].sort()));
    }
    return names;
  };
  /**
   * Whether the values of `set`'s filters are shown at a node in one quarter (withheldValues), for one figure
   * (`figure` names it): `pick` its count in a row, `count` a known client's part of it under a set of filters.
   */
  const decided = new Map<string, Map<FilterField, Set<string>>>();
  const valuesPass = (figure: string, key: string, q: string, set: SocialFilter, pick: RowCount, count: FactCount): boolean => {
    // Whoever knows every client at the node: nothing to withhold.
    if (knowsAll(key)) return true;
    const fields = SOCIAL_FILTER_FIELDS.filter((f) => set[f]);
    if (fields.length === 0) return true;
    const id = `${figure}|${key}|${q}|${fields.join(",")}`;
    let withheld = decided.get(id);
    if (!withheld) {
      const byFilter = byQuarter.get(q);
      withheld = withheldValues(
        {
          values: (field) => (field === "gender" ? GENDERS : field === "area" ? AREAS : sectorsOf(q)),
          others: (s, flt) => {
            const row = byFilter?.get(flt)?.get(key);
            const n = row ? pick(row) : 0;
            return n - known(key, n, q, flt, pick, count, s);
          },
        },
        fields,
      );
      decided.set(id, withheld);
    }
    return fields.every((f) => !withheld.get(f)!.has(set[f]!));
  };

  const social = new Map<Quarter, Map<string, SocialCounts>>();
  const loans = new Map<Quarter, Map<string, LoanCounts>>();
  const shares = viewer.isPlatformAdmin
    ? []
    : shareFilterSets(args.filters).map((s) => {
        const sets = filterSubsets(s.set);
        return { ...s, sets, keys: sets.map(socialFilterKey) };
      });
  // A figure's filter values among their fields' other values (withheldValues); nothing to weigh without filters.
  // Only weighed when the figure passes its lattice (otherwise it is withheld anyway).
  const valuesOk = (key: string, cell: CellCounts, wider: CellCounts[], figure: string, q: string, pick: RowCount, count: FactCount) =>
    cell.clients === 0 || !cellShown(cell, wider) || full === 0 || valuesPass(figure, key, q, args.filters, pick, count);
  for (const quarter of quarters) {
    const q = isoDay(quarterStart(quarter));
    const prev = isoDay(quarterStart(addQuarters(quarter, -1)));
    const now = byQuarter.get(q);
    const before = byQuarter.get(prev);
    // The rows under the filters of each subset (index = filterSubsets' mask), by key.
    const nowIn = filterKeys.map((k) => now?.get(k));
    const beforeIn = filterKeys.map((k) => before?.get(k));
    const sMap = new Map<string, SocialCounts>();
    const lMap = new Map<string, LoanCounts>();
    // A share's own counts: under the view's filters plus female (or rural) and every smaller set of those.
    const shareOf = (key: string, field: "gender" | "area"): ShareCounts | null => {
      const share = shares.find((x) => x.field === field);
      if (!share) return null;
      const cells = share.keys.map((k, m) => cellOf(key, now?.get(k)?.get(key)?.active_clients ?? 0, q, k, activeOf, activeCount, share.sets[m]!));
      const filtered = cells[cells.length - 1]!;
      const wider = cells.slice(0, -1);
      const ok = filtered.clients === 0 || !cellShown(filtered, wider) || valuesPass("reached", key, q, share.set, activeOf, activeCount);
      return { filtered, wider, values_ok: ok };
    };
    const keys = new Set([...(now?.get("")?.keys() ?? []), ...(before?.get("")?.keys() ?? [])]);
    for (const key of keys) {
      // Sector rows were read only for the node on view; other nodes have the view's filters and every smaller set of them.
      const all = nowIn[0]?.get(key);
      const f = nowIn[full]?.get(key);
      const reached = all?.active_clients ?? 0;
      const base = beforeIn[0]?.get(key)?.active_clients ?? 0;
      if (reached > 0 || base > 0) {
        // Counts under the filters of each subset, with how many of them the viewer knows: the last is the view's own.
        const rCells = nowIn.map((byKey, m) => cellOf(key, byKey?.get(key)?.active_clients ?? 0, q, filterKeys[m]!, activeOf, activeCount, subsets[m]!));
        const bCells = beforeIn.map((byKey, m) =>
          cellOf(key, byKey?.get(key)?.active_clients ?? 0, prev, filterKeys[m]!, activeOf, activeCount, subsets[m]!),
        );
        const [rF, bF] = [rCells[full]!, bCells[full]!];
        const [rW, bW] = [rCells.slice(0, full), bCells.slice(0, full)];
        sMap.set(key, {
          reached,
          reached_known: rCells[0]!.known,
          reached_f: rF.clients,
          reached_f_known: rF.known,
          women_f: f?.women ?? 0,
          rural_f: f?.rural ?? 0,
          base,
          base_known: bCells[0]!.known,
          base_f: bF.clients,
          base_f_known: bF.known,
          retained_f: f?.retained ?? 0,
          reached_wider: rW,
          base_wider: bW,
          reached_values_ok: valuesOk(key, rF, rW, "reached", q, activeOf, activeCount),
          base_values_ok: valuesOk(key, bF, bW, "reached", prev, activeOf, activeCount),
          women_share: rF.clients > 0 ? shareOf(key, "gender") : null,
          rural_share: rF.clients > 0 ? shareOf(key, "area") : null,
          retained_known: known(key, f?.retained ?? 0, q, filterKeys[full]!, retainedOf, retainedCount, args.filters),
        });
      }
      const loansAll = all?.loans_disbursed ?? 0;
      if (loansAll > 0) {
        const lCells = nowIn.map((byKey, m) => cellOf(key, byKey?.get(key)?.loans_disbursed ?? 0, q, filterKeys[m]!, loansOf, loanCount, subsets[m]!));
        const lF = lCells[full]!;
        const lW = lCells.slice(0, full);
        lMap.set(key, {
          reach: loansAll,
          reach_known: lCells[0]!.known,
          reach_f: lF.clients,
          reach_f_known: lF.known,
          loans_f: lF.clients,
          amount_f: f ? f.usd : null,
          reach_wider: lW,
          reach_values_ok: valuesOk(key, lF, lW, "loans", q, loansOf, loanCount),
        });
      }
    }
    // Client rows: each client's own counts (a client page's trend, or a row in a group or partner).
    for (const id of args.clientIds) {
      const c = facts.get(id);
      if (!c) continue;
      const key = clientKey(id);
      const match = personMatches(c, args.filters);
      const nowActive = c.active.get(q);
      const wasActive = c.active.has(prev);
      if (nowActive || wasActive) {
        sMap.set(key, {
          reached: nowActive ? 1 : 0,
          reached_known: nowActive ? 1 : 0,
          reached_f: nowActive && match ? 1 : 0,
          reached_f_known: nowActive && match ? 1 : 0,
          women_f: nowActive && match && c.gender === "female" ? 1 : 0,
          rural_f: nowActive && match && c.area === "rural" ? 1 : 0,
          base: wasActive ? 1 : 0,
          base_known: wasActive ? 1 : 0,
          base_f: wasActive && match ? 1 : 0,
          base_f_known: wasActive && match ? 1 : 0,
          retained_f: nowActive?.retained && match ? 1 : 0,
          // A client's own row is shown to whoever may open it: nothing to weigh.
          reached_wider: [],
          base_wider: [],
          reached_values_ok: true,
          base_values_ok: true,
          women_share: null,
          rural_share: null,
          retained_known: nowActive?.retained && match ? 1 : 0,
        });
      }
      const own = c.loans.filter((l) => l.quarter === q);
      if (own.length > 0) {
        const matching = own.filter((l) => loanMatches(c, l.sector, args.filters));
        lMap.set(key, {
          reach: own.length,
          reach_known: own.length,
          reach_f: matching.length,
          reach_f_known: matching.length,
          loans_f: matching.length,
          amount_f: String(matching.reduce((s, l) => s + l.cents, 0)),
          reach_wider: [],
          reach_values_ok: true,
        });
      }
    }
    social.set(quarter, sMap);
    loans.set(quarter, lMap);
  }

  // Loans by sector over the range at the node (or the client on view).
  const sectors: SectorCounts[] = [];
  let parentWider: CellCounts[] = [];
  let parentQuarterly = true;
  const inRange = new Set(quarters.map((q) => isoDay(quarterStart(q))));
  if (path.client) {
    const c = facts.get(path.client);
    const bySector = new Map<string, { loans: number; cents: number }>();
    for (const l of c?.loans ?? []) {
      if (!inRange.has(l.quarter) || !loanMatches(c!, l.sector, args.filters)) continue;
      const s = bySector.get(l.sector) ?? { loans: 0, cents: 0 };
      s.loans += 1;
      s.cents += l.cents;
      bySector.set(l.sector, s);
    }
    // A client's own loans are shown to whoever may open the client: nothing to weigh.
    for (const [sector, s] of bySector) {
      sectors.push({ sector, loans: s.loans, amount: String(s.cents), reach: s.loans, reach_known: s.loans, wider: [], quarterlyShown: true });
    }
  } else {
    // Each cell is the node's row under the view's gender and area filters plus that sector, summed over the range,
    // with the same sector and the node under every smaller set of those filters as its wider views (cellShown,
    // docs/decisions/025). With a sector filter too, every sector is still counted: the model decides the one asked
    // for among them, as the table without that filter does, so the two views agree.
    const outer: SocialFilter = { ...args.filters, sector: null };
    const outerKey = socialFilterKey(outer);
    const sectorPrefix = outerKey ? `${outerKey};sector:` : "sector:";
    // filterSubsets puts the sector last: a cell's masks are those of `outer`, then the same with the sector.
    const cellFull = 2 * filterSubsets(outer).length - 1;
    const names = new Set<string>();
    for (const [q, byFilter] of byQuarter) {
      if (!inRange.has(q)) continue;
      for (const [flt, byKey] of byFilter) {
        if (flt.startsWith(sectorPrefix) && (byKey.get(nodeKeyOnView)?.loans_disbursed ?? 0) > 0) names.add(flt.slice(sectorPrefix.length));
      }
    }
    const rangeQuarters = [...inRange];
    // The node's loans under each of `sets` in each quarter of the range ([set][quarter]), with how many the viewer
    // knows, and their amount.
    const partsOf = (sets: SocialFilter[]) =>
      sets.map((set) => {
        const key = socialFilterKey(set);
        return rangeQuarters.map((q) => {
          const r = byQuarter.get(q)?.get(key)?.get(nodeKeyOnView);
          const n = r?.loans_disbursed ?? 0;
          return { clients: n, known: known(nodeKeyOnView, n, q, key, loansOf, loanCount, set), amount: r ? BigInt(r.usd) : 0n };
        });
      });
    // Over the whole range.
    const overRange = (parts: { clients: number; known: number; amount: bigint }[]) =>
      parts.reduce((sum, p) => ({ clients: sum.clients + p.clients, known: sum.known + p.known, amount: sum.amount + p.amount }), {
        clients: 0,
        known: 0,
        amount: 0n,
      });
    const countsOnly = (c: CellCounts): CellCounts => ({ clients: c.clients, known: c.known });
    const outerSets = filterSubsets(outer);
    // Without the sector: the same for every cell.
    const withoutSectorParts = partsOf(outerSets);
    const withoutSector = withoutSectorParts.map(overRange);
    // A quarter's part: empty, or shown by its own lattice with each filter's value kept among its field's values.
    const partPasses = (cell: CellCounts, wider: CellCounts[], q: string, set: SocialFilter) =>
      cell.clients === 0 || (cellShown(cell, wider) && valuesPass("loans", nodeKeyOnView, q, set, loansOf, loanCount));
    for (const sector of [...names].sort()) {
      const withSectorParts = partsOf(outerSets.map((set) => ({ ...set, sector })));
      const withSector = withSectorParts.map(overRange);
      const cell = withSector[withSector.length - 1]!;
      const wider = [...withoutSector, ...withSector].slice(0, cellFull).map(countsOnly);
      const quarterlyShown = rangeQuarters.every((q, i) => {
        const inQ = [...withoutSectorParts, ...withSectorParts].map((parts) => countsOnly(parts[i]!));
        return partPasses(inQ[inQ.length - 1]!, inQ.slice(0, cellFull), q, { ...outer, sector });
      });
      sectors.push({ sector, loans: cell.clients, amount: String(cell.amount), reach: cell.clients, reach_known: cell.known, wider, quarterlyShown });
    }
    parentWider = withoutSector.slice(0, -1).map(countsOnly);
    parentQuarterly = rangeQuarters.every((q, i) => {
      const inQ = withoutSectorParts.map((parts) => countsOnly(parts[i]!));
      return partPasses(inQ[inQ.length - 1]!, inQ.slice(0, -1), q, outer);
    });
  }
  if (sectors.length > 0) {
    // The table's parent: its rows' sum (every loan has a sector), weighed against the node under every smaller set
    // of the gender and area filters.
    sectors.push({
      sector: null,
      loans: sectors.reduce((s, x) => s + x.loans, 0),
      amount: String(sectors.reduce((s, x) => s + BigInt(x.amount), 0n)),
      reach: sectors.reduce((s, x) => s + x.reach, 0),
      reach_known: sectors.reduce((s, x) => s + x.reach_known, 0),
      wider: parentWider,
      quarterlyShown: parentQuarterly,
    });
  }
  return { rebuiltAt: stamp[0]?.at ?? null, social, loans, sectors };
}
