-- Hand-written: social_rollups for every combination of the gender, area and
-- sector filters (docs/decisions/025-combined-social-filters.md). A row's
-- filter is one canonical key: the filters it names joined by ';' in the order
-- gender, area, sector ('' for none), e.g. 'gender:female;area:rural'. The key
-- is built here and by socialFilterKey() in app/lib/impact.ts; a test reads
-- the combined rows back to keep the two alike. Only combinations somebody
-- falls in get a row (rows come from the client and loan cells).

-- The keys one client (or loan) counts under: every subset of its gender, area
-- and sector. Without a person (a group loan) only the subsets naming neither
-- gender nor area.
CREATE FUNCTION "social_filter_keys"(gender text, area text, sector text, person boolean)
RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $$
  SELECT concat_ws(';',
                   CASE WHEN s & 1 <> 0 THEN 'gender:' || $1 END,
                   CASE WHEN s & 2 <> 0 THEN 'area:' || $2 END,
                   CASE WHEN s & 4 <> 0 THEN 'sector:' || $3 END)
    FROM generate_series(0, 7) AS s
   WHERE $4 OR s & 3 = 0
$$;

CREATE OR REPLACE FUNCTION "impact_rebuild_social"() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  since timestamp := date_trunc('quarter', now()::timestamp) - interval '33 months';
  written integer;
BEGIN
  PERFORM pg_advisory_xact_lock(8150002);
  PERFORM set_config('work_mem', '64MB', true);
  DELETE FROM "social_rollups";
  WITH reach AS (
    SELECT l."client_id", l."disbursed_at",
           coalesce(l."repaid_at", l."defaulted_at", l."written_off_at", l."maturity_on"::timestamp,
                    l."disbursed_at" + make_interval(months => l."term_months")) AS ended
      FROM "loans" l
     WHERE l."client_id" IS NOT NULL AND l."disbursed_at" IS NOT NULL
    UNION ALL
    SELECT m."client_id", l."disbursed_at",
           coalesce(l."repaid_at", l."defaulted_at", l."written_off_at", l."maturity_on"::timestamp,
                    l."disbursed_at" + make_interval(months => l."term_months"))
      FROM "loans" l
      JOIN "group_members" m ON m."group_id" = l."group_id" AND (m."left_at" IS NULL OR m."left_at" > l."disbursed_at")
     WHERE l."group_id" IS NOT NULL AND l."disbursed_at" IS NOT NULL
  ), active AS (
    SELECT DISTINCT r."client_id", q::date AS quarter
      FROM reach r
     CROSS JOIN LATERAL generate_series(greatest(date_trunc('quarter', r."disbursed_at"), since),
                                        date_trunc('quarter', least(r.ended, now()::timestamp)), interval '3 months') AS q
  ), attrs AS (
    SELECT c."id", p."country"::text AS country, c."region", c."partner_id",
           c."gender"::text AS gender, c."area"::text AS area, c."sector",
           coalesce((SELECT array_agg(m."group_id" ORDER BY m."group_id") FROM "group_members" m
                      WHERE m."client_id" = c."id" AND m."left_at" IS NULL), '{}') AS group_ids
      FROM "clients" c JOIN "partners" p ON p."id" = c."partner_id"
     WHERE c."id" IN (SELECT "client_id" FROM active)
  ), cells AS (
    SELECT t.country, t.region, t."partner_id", t.group_ids, t.gender, t.area, t."sector", a.quarter,
           count(*)::int AS n, (count(*) FILTER (WHERE b."client_id" IS NOT NULL))::int AS retained
      FROM active a
      LEFT JOIN active b ON b."client_id" = a."client_id" AND b.quarter = (a.quarter - interval '3 months')::date
      JOIN attrs t ON t."id" = a."client_id"
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  ), node_cells AS (
    -- Summed per node first: the eight keys per row below then fan out far fewer rows.
    SELECT k.level, k.country, k.region, k.partner_id, k.group_id, c.gender, c.area, c."sector", c.quarter,
           sum(c.n)::int AS n, sum(c.retained)::int AS retained
      FROM cells c
     CROSS JOIN LATERAL "impact_nodes"(c.country, c.region, c."partner_id", c.group_ids) k
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  ), client_rows AS (
    SELECT nc.level, nc.country, nc.region, nc.partner_id, nc.group_id, f.filter, nc.quarter,
           sum(nc.n)::int AS active_clients,
           (sum(nc.n) FILTER (WHERE nc.gender = 'female'))::int AS women,
           (sum(nc.n) FILTER (WHERE nc.area = 'rural'))::int AS rural,
           sum(nc.retained)::int AS retained
      FROM node_cells nc
     CROSS JOIN LATERAL "social_filter_keys"(nc.gender, nc.area, nc."sector", true) AS f(filter)
     GROUP BY 1, 2, 3, 4, 5, 6, 7
  ), loan_cells AS (
    SELECT p."country"::text AS country, coalesce(c."region", g."region") AS region, l."partner_id",
           CASE WHEN l."group_id" IS NOT NULL THEN ARRAY[l."group_id"]
                ELSE coalesce((SELECT array_agg(m."group_id" ORDER BY m."group_id") FROM "group_members" m
                                WHERE m."client_id" = l."client_id" AND m."left_at" IS NULL), '{}') END AS group_ids,
           (c."id" IS NOT NULL) AS individual, c."gender"::text AS gender, c."area"::text AS area, l."sector",
           date_trunc('quarter', l."disbursed_at")::date AS quarter,
           count(*)::int AS loans, sum(l."amount_usd_cents")::bigint AS usd
      FROM "loans" l
      JOIN "partners" p ON p."id" = l."partner_id"
      LEFT JOIN "clients" c ON c."id" = l."client_id"
      LEFT JOIN "groups" g ON g."id" = l."group_id"
     WHERE l."disbursed_at" >= since
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  ), loan_node_cells AS (
    SELECT k.level, k.country, k.region, k.partner_id, k.group_id, lc.individual, lc.gender, lc.area, lc."sector", lc.quarter,
           sum(lc.loans)::int AS loans, sum(lc.usd)::bigint AS usd
      FROM loan_cells lc
     CROSS JOIN LATERAL "impact_nodes"(lc.country, lc.region, lc."partner_id", lc.group_ids) k
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
  ), loan_rows AS (
    SELECT ln.level, ln.country, ln.region, ln.partner_id, ln.group_id, f.filter, ln.quarter,
           sum(ln.loans)::int AS loans, sum(ln.usd)::bigint AS usd
      FROM loan_node_cells ln
     -- A group loan has no one gender or area: it counts under no filter naming either.
     CROSS JOIN LATERAL "social_filter_keys"(ln.gender, ln.area, ln."sector", ln.individual) AS f(filter)
     GROUP BY 1, 2, 3, 4, 5, 6, 7
  )
  INSERT INTO "social_rollups" ("level", "country", "region", "partner_id", "group_id", "filter", "quarter",
                                "active_clients", "women", "rural", "retained", "loans_disbursed", "disbursed_usd_cents", "rebuilt_at")
  SELECT coalesce(cr.level, lr.level), coalesce(cr.country, lr.country), coalesce(cr.region, lr.region),
         coalesce(cr.partner_id, lr.partner_id), coalesce(cr.group_id, lr.group_id), coalesce(cr.filter, lr.filter),
         coalesce(cr.quarter, lr.quarter),
         coalesce(cr.active_clients, 0), coalesce(cr.women, 0), coalesce(cr.rural, 0), coalesce(cr.retained, 0),
         coalesce(lr.loans, 0), coalesce(lr.usd, 0), now()
    FROM client_rows cr
    FULL JOIN loan_rows lr
      ON lr.level = cr.level AND lr.country = cr.country AND lr.region = cr.region AND lr.partner_id = cr.partner_id
     AND lr.group_id = cr.group_id AND lr.filter = cr.filter AND lr.quarter = cr.quarter;
  GET DIAGNOSTICS written = ROW_COUNT;
  RETURN written;
END;
$$;
