-- CreateTable
CREATE TABLE "social_rollups" (
    "level" SMALLINT NOT NULL,
    "country" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "partner_id" TEXT NOT NULL,
    "group_id" TEXT NOT NULL,
    "filter" TEXT NOT NULL,
    "quarter" DATE NOT NULL,
    "active_clients" INTEGER NOT NULL,
    "women" INTEGER NOT NULL,
    "rural" INTEGER NOT NULL,
    "retained" INTEGER NOT NULL,
    "loans_disbursed" INTEGER NOT NULL,
    "disbursed_usd_cents" BIGINT NOT NULL,
    "rebuilt_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "social_rollups_pkey" PRIMARY KEY ("level","country","region","partner_id","group_id","filter","quarter")
);

-- Hand-written: the rebuild of social_rollups (docs/decisions/019-impact-rollups.md).
-- Twelve quarters back from the current one; one statement, so readers see the
-- old rows until the new ones are committed.
CREATE FUNCTION "impact_rebuild_social"() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  since timestamp := date_trunc('quarter', now()::timestamp) - interval '33 months';
  written integer;
BEGIN
  PERFORM pg_advisory_xact_lock(8150002);
  DELETE FROM "social_rollups";
  WITH reach AS (
    -- Who each disbursed loan reached, from when to when.
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
  ), flagged AS (
    SELECT a."client_id", a.quarter, b."client_id" IS NOT NULL AS retained
      FROM active a
      LEFT JOIN active b ON b."client_id" = a."client_id" AND b.quarter = (a.quarter - interval '3 months')::date
  ), client_rows AS (
    SELECT k.level, k.country, k.region, k.partner_id, k.group_id, f.filter, fl.quarter,
           count(*)::int AS active_clients,
           (count(*) FILTER (WHERE c."gender" = 'female'))::int AS women,
           (count(*) FILTER (WHERE c."area" = 'rural'))::int AS rural,
           (count(*) FILTER (WHERE fl.retained))::int AS retained
      FROM flagged fl
      JOIN "clients" c ON c."id" = fl."client_id"
      JOIN "partners" p ON p."id" = c."partner_id"
     CROSS JOIN LATERAL "impact_nodes"(p."country", c."region", c."partner_id",
             ARRAY(SELECT m."group_id" FROM "group_members" m WHERE m."client_id" = c."id" AND m."left_at" IS NULL)) k
     CROSS JOIN LATERAL (VALUES (''), ('gender:' || c."gender"), ('area:' || c."area"), ('sector:' || c."sector")) AS f(filter)
     GROUP BY 1, 2, 3, 4, 5, 6, 7
  ), loan_rows AS (
    SELECT k.level, k.country, k.region, k.partner_id, k.group_id, f.filter,
           date_trunc('quarter', l."disbursed_at")::date AS quarter,
           count(*)::int AS loans, sum(l."amount_usd_cents")::bigint AS usd
      FROM "loans" l
      JOIN "partners" p ON p."id" = l."partner_id"
      LEFT JOIN "clients" c ON c."id" = l."client_id"
      LEFT JOIN "groups" g ON g."id" = l."group_id"
     CROSS JOIN LATERAL "impact_nodes"(p."country", coalesce(c."region", g."region"), l."partner_id",
             CASE WHEN l."group_id" IS NOT NULL THEN ARRAY[l."group_id"]
                  ELSE ARRAY(SELECT m."group_id" FROM "group_members" m WHERE m."client_id" = l."client_id" AND m."left_at" IS NULL) END) k
     -- A group loan has no one gender or area: it counts under no such filter.
     CROSS JOIN LATERAL (
       SELECT '' UNION ALL SELECT 'sector:' || l."sector"
       UNION ALL SELECT 'gender:' || c."gender" WHERE c."id" IS NOT NULL
       UNION ALL SELECT 'area:' || c."area" WHERE c."id" IS NOT NULL
     ) AS f(filter)
     WHERE l."disbursed_at" >= since
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

-- Hand-written: impact_refresh_clients again, joining the listed clients
-- instead of testing `= ANY (ids)` row by row. A bulk import lists every client
-- it touched (a hundred thousand at scale); a join lets the planner hash them.
CREATE OR REPLACE FUNCTION "impact_refresh_clients"(ids text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF ids IS NULL OR cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  -- One refresh at a time. Every refresh writes the platform rows, so
  -- concurrent ones would queue there anyway; queueing here first means they
  -- cannot deadlock on rollup rows, and each statement below (a fresh snapshot
  -- under READ COMMITTED) sees what the previous holder committed.
  PERFORM pg_advisory_xact_lock(8150001);

  -- An UPDATE, not an upsert: what is taken out was put in, so the rows exist
  -- (and an upsert's proposed row, with its negative count, would fail the
  -- CHECK before it is merged).
  WITH gone AS (
    DELETE FROM "ppi_client_quarters" f USING unnest(ids) AS x(id) WHERE f."client_id" = x.id RETURNING f.*
  ), taken AS (
    SELECT k.level, k.country, k.region, k.partner_id, k.group_id, g."scorecard_id", l."poverty_line", g."quarter",
           count(*) AS clients, sum(l."likelihood_bps") AS likelihood, sum(g."score") AS score
    FROM gone g
    JOIN "ppi_lookup" l ON l."scorecard_id" = g."scorecard_id" AND l."score" = g."score"
    CROSS JOIN LATERAL "impact_nodes"(g."country", g."region", g."partner_id", g."group_ids") k
    WHERE g."counted"
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  )
  UPDATE "ppi_rollups" r
  SET "clients" = r."clients" - t.clients,
      "likelihood_sum_bps" = r."likelihood_sum_bps" - t.likelihood,
      "score_sum" = r."score_sum" - t.score
  FROM taken t
  WHERE r."level" = t.level AND r."country" = t.country AND r."region" = t.region AND r."partner_id" = t.partner_id
    AND r."group_id" = t.group_id AND r."scorecard_id" = t."scorecard_id" AND r."poverty_line" = t."poverty_line"
    AND r."quarter" = t."quarter";

  WITH latest AS (
    SELECT DISTINCT ON (s."client_id", s."scorecard_id", date_trunc('quarter', s."surveyed_on"::timestamp))
           s."client_id", s."scorecard_id", date_trunc('quarter', s."surveyed_on"::timestamp)::date AS quarter, s."id", s."score"
    FROM unnest(ids) AS x(id)
    JOIN "ppi_surveys" s ON s."client_id" = x.id
    ORDER BY s."client_id", s."scorecard_id", date_trunc('quarter', s."surveyed_on"::timestamp),
             s."surveyed_on" DESC, s."created_at" DESC, s."id" DESC
  ), facts AS (
    INSERT INTO "ppi_client_quarters" ("client_id", "scorecard_id", "quarter", "survey_id", "score", "counted",
                                       "country", "region", "partner_id", "group_ids")
    SELECT l."client_id", l."scorecard_id", l.quarter, l."id", l."score",
           EXISTS (SELECT 1 FROM "consents" k WHERE k."client_id" = l."client_id" AND k."purpose" = 'ppi' AND k."revoked_at" IS NULL),
           p."country", c."region", c."partner_id",
           ARRAY(SELECT m."group_id" FROM "group_members" m WHERE m."client_id" = l."client_id" AND m."left_at" IS NULL ORDER BY m."group_id")
    FROM latest l
    JOIN "clients" c ON c."id" = l."client_id"
    JOIN "partners" p ON p."id" = c."partner_id"
    RETURNING *
  )
  INSERT INTO "ppi_rollups" AS r ("level", "country", "region", "partner_id", "group_id", "scorecard_id", "poverty_line",
                                  "quarter", "clients", "likelihood_sum_bps", "score_sum")
  SELECT k.level, k.country, k.region, k.partner_id, k.group_id, f."scorecard_id", l."poverty_line", f."quarter",
         count(*), sum(l."likelihood_bps"), sum(f."score")
  FROM facts f
  JOIN "ppi_lookup" l ON l."scorecard_id" = f."scorecard_id" AND l."score" = f."score"
  CROSS JOIN LATERAL "impact_nodes"(f."country", f."region", f."partner_id", f."group_ids") k
  WHERE f."counted"
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
  ON CONFLICT ("level", "country", "region", "partner_id", "group_id", "scorecard_id", "poverty_line", "quarter") DO UPDATE
    SET "clients" = r."clients" + excluded."clients",
        "likelihood_sum_bps" = r."likelihood_sum_bps" + excluded."likelihood_sum_bps",
        "score_sum" = r."score_sum" + excluded."score_sum";
END;
$$;
