// The facts of a few clients (their place, activity by quarter, own loans and
// PPI quarters) as SQL pieces, so the same text serves a read of its own
// (clientSocialFacts) and the view's one statement (readRollupBundle), where
// the ids are the listed client rows and the PPI quarters follow the scorecard
// the statement chose. A view's cost on the embedded database is mostly its
// round trips; see docs/decisions/024-impact-portal-from-rollups.md.
import type { ClientFacts } from "./impact-rollup-read.server.ts";

export type ClientFactsSql = {
  /** CTEs to add to the statement's WITH list (they start with "fx_"). */
  ctes: string;
  /** Four text columns: fx_people, fx_active, fx_loans, fx_ppi. */
  columns: string;
};

export type ClientFactsRow = { fx_people: string | null; fx_active: string | null; fx_loans: string | null; fx_ppi: string | null };

/**
 * `ids` is SQL giving the clients' ids (one column); `ppi` the scorecard id,
 * poverty line, first and last quarter's start day as SQL expressions (a null
 * scorecard reads no PPI quarters). Activity is counted as
 * impact_rebuild_social() counts it (disbursed loans, the client's own and
 * those of groups they were in when disbursed; active from the disbursal's
 * quarter until the loan ended, within twelve quarters of now), so counts made
 * from these facts add up with the rollups.
 */
export function clientFactsSql(ids: string, ppi: { card: string; line: string; from: string; to: string }): ClientFactsSql {
  const ended = `coalesce(l.repaid_at, l.defaulted_at, l.written_off_at, l.maturity_on::timestamp, l.disbursed_at + make_interval(months => l.term_months))`;
  const since = `(date_trunc('quarter', now()::timestamp) - interval '33 months')`;
  return {
    // Driven from the ids, one index probe per client (LATERAL): the ids may come from a CTE whose size the planner
    // cannot know, and a hash join would read all of loans or group_members instead (OFFSET 0 keeps each subquery
    // from being flattened into such a join).
    ctes: `fx_ids AS (
       SELECT DISTINCT i.id FROM (${ids}) AS i(id)
     ), fx_reach AS (
       SELECT i.id AS client_id, l.disbursed_at, l.ended FROM fx_ids i
        CROSS JOIN LATERAL (SELECT l.disbursed_at, ${ended} AS ended FROM loans l
                             WHERE l.client_id = i.id AND l.disbursed_at IS NOT NULL OFFSET 0) l
       UNION ALL
       SELECT i.id, l.disbursed_at, l.ended FROM fx_ids i
        CROSS JOIN LATERAL (SELECT l.disbursed_at, ${ended} AS ended FROM group_members m
                              JOIN loans l ON l.group_id = m.group_id AND (m.left_at IS NULL OR m.left_at > l.disbursed_at)
                             WHERE m.client_id = i.id AND l.disbursed_at IS NOT NULL OFFSET 0) l
     ), fx_active AS (
       SELECT DISTINCT r.client_id, q::date AS quarter FROM fx_reach r
        CROSS JOIN LATERAL generate_series(greatest(date_trunc('quarter', r.disbursed_at), ${since}),
                                           date_trunc('quarter', least(r.ended, now()::timestamp)), interval '3 months') AS q
     )`,
    columns: `
       (SELECT json_agg(json_build_array(c.id, c.gender, c.area, c.sector, c.region, c.partner_id, p.country,
                ARRAY(SELECT m.group_id FROM group_members m WHERE m.client_id = c.id AND m.left_at IS NULL ORDER BY 1)))
          FROM fx_ids i JOIN clients c ON c.id = i.id JOIN partners p ON p.id = c.partner_id)::text AS fx_people,
       (SELECT json_agg(json_build_array(a.client_id, a.quarter)) FROM fx_active a)::text AS fx_active,
       (SELECT json_agg(json_build_array(i.id, date_trunc('quarter', l.disbursed_at)::date, l.sector, l.amount_usd_cents))
          FROM fx_ids i CROSS JOIN LATERAL (SELECT l.disbursed_at, l.sector, l.amount_usd_cents FROM loans l
                                             WHERE l.client_id = i.id AND l.disbursed_at >= ${since} OFFSET 0) l)::text AS fx_loans,
       (SELECT json_agg(json_build_array(i.id, f.quarter, f.score, k.likelihood_bps))
          FROM fx_ids i
          CROSS JOIN LATERAL (SELECT f.quarter, f.score, f.scorecard_id FROM ppi_client_quarters f
                               WHERE ${ppi.card} IS NOT NULL AND f.client_id = i.id AND f.scorecard_id = ${ppi.card}
                                 AND f.quarter BETWEEN ${ppi.from} AND ${ppi.to} OFFSET 0) f
          JOIN ppi_lookup k ON k.scorecard_id = f.scorecard_id AND k.poverty_line = ${ppi.line} AND k.score = f.score)::text AS fx_ppi`,
  };
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const parse = <T,>(text: string | null | undefined): T[] => (text ? (JSON.parse(text) as T[]) : []);

/** The facts from the four columns of clientFactsSql, by client id. */
export function parseClientFacts(row: ClientFactsRow | undefined): Map<string, ClientFacts> {
  const out = new Map<string, ClientFacts>();
  type Person = [string, string, string, string, string, string, string, string[]];
  for (const [id, gender, area, sector, region, partnerId, country, groupIds] of parse<Person>(row?.fx_people)) {
    out.set(id, { id, gender, area, sector, country, region, partnerId, groupIds, active: new Map(), loans: [], ppi: [] });
  }
  for (const [clientId, quarter] of parse<[string, string]>(row?.fx_active)) out.get(clientId)?.active.set(quarter, { retained: false });
  // Retained: active in the quarter before too (the rebuild's own rule; quarters before its window are never active).
  for (const f of out.values()) {
    for (const [quarter, flags] of f.active) {
      const [y, m] = quarter.split("-").map(Number) as [number, number];
      flags.retained = f.active.has(isoDay(new Date(Date.UTC(y, m - 1 - 3, 1))));
    }
  }
  for (const [clientId, quarter, sector, cents] of parse<[string, string, string, number]>(row?.fx_loans)) {
    out.get(clientId)?.loans.push({ quarter, sector, cents: Number(cents) });
  }
  for (const [clientId, quarter, score, likelihoodBps] of parse<[string, string, number, number]>(row?.fx_ppi)) {
    out.get(clientId)?.ppi.push({ quarter, score, likelihoodBps });
  }
  return out;
}
