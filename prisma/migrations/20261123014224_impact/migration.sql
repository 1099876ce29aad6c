-- CreateEnum
CREATE TYPE "ClientArea" AS ENUM ('rural', 'urban', 'unknown');

-- CreateEnum
CREATE TYPE "ClientReaderRole" AS ENUM ('investor', 'coordinator', 'api');

-- AlterTable
ALTER TABLE "clients" ADD COLUMN     "area" "ClientArea" NOT NULL DEFAULT 'unknown';

-- AlterTable
ALTER TABLE "loans" ADD COLUMN     "expected_reach" INTEGER,
ADD COLUMN     "realised_reach" INTEGER;

-- CreateTable
CREATE TABLE "ppi_scorecards" (
    "id" TEXT NOT NULL,
    "country" CHAR(2) NOT NULL,
    "version" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "is_sample" BOOLEAN NOT NULL,
    "poverty_lines" TEXT[],
    "questions" JSONB NOT NULL,
    "source_file" TEXT NOT NULL,
    "imported_by_id" TEXT,
    "imported_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ppi_scorecards_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ppi_lookup" (
    "scorecard_id" TEXT NOT NULL,
    "poverty_line" TEXT NOT NULL,
    "score" INTEGER NOT NULL,
    "likelihood_bps" INTEGER NOT NULL,

    CONSTRAINT "ppi_lookup_pkey" PRIMARY KEY ("scorecard_id","poverty_line","score")
);

-- CreateTable
CREATE TABLE "ppi_surveys" (
    "id" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "partner_id" TEXT NOT NULL,
    "scorecard_id" TEXT NOT NULL,
    "surveyed_on" DATE NOT NULL,
    "answers" JSONB NOT NULL,
    "score" INTEGER NOT NULL,
    "recorded_by_id" TEXT,
    "request_key" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ppi_surveys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ppi_client_quarters" (
    "client_id" TEXT NOT NULL,
    "scorecard_id" TEXT NOT NULL,
    "quarter" DATE NOT NULL,
    "survey_id" TEXT NOT NULL,
    "score" INTEGER NOT NULL,
    "counted" BOOLEAN NOT NULL,
    "country" CHAR(2) NOT NULL,
    "region" TEXT NOT NULL,
    "partner_id" TEXT NOT NULL,
    "group_ids" TEXT[],

    CONSTRAINT "ppi_client_quarters_pkey" PRIMARY KEY ("client_id","scorecard_id","quarter")
);

-- CreateTable
CREATE TABLE "ppi_rollups" (
    "level" SMALLINT NOT NULL,
    "country" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "partner_id" TEXT NOT NULL,
    "group_id" TEXT NOT NULL,
    "scorecard_id" TEXT NOT NULL,
    "poverty_line" TEXT NOT NULL,
    "quarter" DATE NOT NULL,
    "clients" INTEGER NOT NULL,
    "likelihood_sum_bps" BIGINT NOT NULL,
    "score_sum" BIGINT NOT NULL,

    CONSTRAINT "ppi_rollups_pkey" PRIMARY KEY ("level","country","region","partner_id","group_id","scorecard_id","poverty_line","quarter")
);

-- CreateTable
CREATE TABLE "client_data_reads" (
    "id" TEXT NOT NULL,
    "reader_role" "ClientReaderRole" NOT NULL,
    "reader_user_id" TEXT,
    "api_client_id" TEXT,
    "client_id" TEXT NOT NULL,
    "partner_id" TEXT NOT NULL,
    "what" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "read_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "client_data_reads_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ppi_scorecards_country_version_key" ON "ppi_scorecards"("country", "version");

-- CreateIndex
CREATE UNIQUE INDEX "ppi_surveys_request_key_key" ON "ppi_surveys"("request_key");

-- CreateIndex
CREATE INDEX "ppi_surveys_client_id_scorecard_id_surveyed_on_idx" ON "ppi_surveys"("client_id", "scorecard_id", "surveyed_on");

-- CreateIndex
CREATE INDEX "ppi_surveys_partner_id_surveyed_on_idx" ON "ppi_surveys"("partner_id", "surveyed_on");

-- CreateIndex
CREATE INDEX "ppi_client_quarters_partner_id_quarter_idx" ON "ppi_client_quarters"("partner_id", "quarter");

-- CreateIndex
CREATE INDEX "client_data_reads_partner_id_read_at_idx" ON "client_data_reads"("partner_id", "read_at");

-- CreateIndex
CREATE INDEX "client_data_reads_client_id_read_at_idx" ON "client_data_reads"("client_id", "read_at");

-- AddForeignKey
ALTER TABLE "ppi_lookup" ADD CONSTRAINT "ppi_lookup_scorecard_id_fkey" FOREIGN KEY ("scorecard_id") REFERENCES "ppi_scorecards"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ppi_surveys" ADD CONSTRAINT "ppi_surveys_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "clients"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ppi_surveys" ADD CONSTRAINT "ppi_surveys_scorecard_id_fkey" FOREIGN KEY ("scorecard_id") REFERENCES "ppi_scorecards"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: guarantees the database keeps for the impact portal
-- (docs/decisions/019-impact-rollups.md).

ALTER TABLE "ppi_lookup" ADD CONSTRAINT "ppi_lookup_score_range" CHECK ("score" BETWEEN 0 AND 100);
ALTER TABLE "ppi_lookup" ADD CONSTRAINT "ppi_lookup_likelihood_range" CHECK ("likelihood_bps" BETWEEN 0 AND 10000);
ALTER TABLE "ppi_surveys" ADD CONSTRAINT "ppi_surveys_score_range" CHECK ("score" BETWEEN 0 AND 100);
-- A negative count would mean a contribution was taken out twice: fail loudly.
ALTER TABLE "ppi_rollups" ADD CONSTRAINT "ppi_rollups_not_negative" CHECK ("clients" >= 0);

-- A scorecard's lookup table and the audit trail are never changed once written.
CREATE FUNCTION "impact_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER "ppi_lookup_append_only" BEFORE UPDATE OR DELETE ON "ppi_lookup"
  FOR EACH ROW EXECUTE FUNCTION "impact_refuse_change"();
CREATE TRIGGER "client_data_reads_append_only" BEFORE UPDATE OR DELETE ON "client_data_reads"
  FOR EACH ROW EXECUTE FUNCTION "impact_refuse_change"();
CREATE TRIGGER "client_data_reads_no_truncate" BEFORE TRUNCATE ON "client_data_reads"
  FOR EACH STATEMENT EXECUTE FUNCTION "impact_refuse_change"();

-- The nodes of Country > Region > Partner > Group a client's figures count in.
CREATE FUNCTION "impact_nodes"(country text, region text, partner_id text, group_ids text[])
RETURNS TABLE (level smallint, country text, region text, partner_id text, group_id text)
LANGUAGE sql IMMUTABLE AS $$
  SELECT 0::smallint, '', '', '', ''
  UNION ALL SELECT 1::smallint, $1, '', '', ''
  UNION ALL SELECT 2::smallint, $1, $2, '', ''
  UNION ALL SELECT 3::smallint, $1, $2, $3, ''
  UNION ALL SELECT 4::smallint, $1, $2, $3, g FROM unnest($4) AS g
$$;

-- Recomputes the PPI facts of the given clients and moves their contribution
-- in the rollups from what was counted before to what counts now: their
-- latest survey per scorecard and quarter, counted only with a live `ppi`
-- consent, at their current place and groups. Called by the triggers below,
-- so a survey, a consent granted or revoked, a move or a group change is in
-- the rollups when its transaction commits, whatever code made it.
CREATE FUNCTION "impact_refresh_clients"(ids text[]) RETURNS void LANGUAGE plpgsql AS $$
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
    DELETE FROM "ppi_client_quarters" f WHERE f."client_id" = ANY (ids) RETURNING f.*
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
    FROM "ppi_surveys" s
    WHERE s."client_id" = ANY (ids)
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

-- Statement-level triggers with transition tables: one refresh per statement,
-- however many rows it wrote (a bulk import refreshes its clients once).
CREATE FUNCTION "impact_surveys_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "impact_refresh_clients"(ARRAY(SELECT DISTINCT "client_id" FROM new_rows));
  RETURN NULL;
END;
$$;
CREATE FUNCTION "impact_surveys_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "impact_refresh_clients"(ARRAY(SELECT "client_id" FROM new_rows UNION SELECT "client_id" FROM old_rows));
  RETURN NULL;
END;
$$;
CREATE FUNCTION "impact_surveys_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "impact_refresh_clients"(ARRAY(SELECT DISTINCT "client_id" FROM old_rows));
  RETURN NULL;
END;
$$;
CREATE TRIGGER "ppi_surveys_impact_insert" AFTER INSERT ON "ppi_surveys" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "impact_surveys_inserted"();
CREATE TRIGGER "ppi_surveys_impact_update" AFTER UPDATE ON "ppi_surveys" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "impact_surveys_updated"();
CREATE TRIGGER "ppi_surveys_impact_delete" AFTER DELETE ON "ppi_surveys" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "impact_surveys_deleted"();

-- Group membership: the same functions fit (they read client_id).
CREATE TRIGGER "group_members_impact_insert" AFTER INSERT ON "group_members" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "impact_surveys_inserted"();
CREATE TRIGGER "group_members_impact_update" AFTER UPDATE ON "group_members" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "impact_surveys_updated"();
CREATE TRIGGER "group_members_impact_delete" AFTER DELETE ON "group_members" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "impact_surveys_deleted"();

-- Consents: only `ppi` grants and revocations change what is counted.
CREATE FUNCTION "impact_consents_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "impact_refresh_clients"(ARRAY(SELECT DISTINCT "client_id" FROM new_rows WHERE "purpose" = 'ppi'));
  RETURN NULL;
END;
$$;
CREATE FUNCTION "impact_consents_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "impact_refresh_clients"(ARRAY(
    SELECT "client_id" FROM new_rows WHERE "purpose" = 'ppi' UNION SELECT "client_id" FROM old_rows WHERE "purpose" = 'ppi'));
  RETURN NULL;
END;
$$;
CREATE TRIGGER "consents_impact_insert" AFTER INSERT ON "consents" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "impact_consents_inserted"();
CREATE TRIGGER "consents_impact_update" AFTER UPDATE ON "consents" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "impact_consents_updated"();

-- A client moved to another region or partner.
CREATE FUNCTION "impact_clients_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "impact_refresh_clients"(ARRAY(
    SELECT n."id" FROM new_rows n JOIN old_rows o ON o."id" = n."id"
    WHERE n."region" IS DISTINCT FROM o."region" OR n."partner_id" IS DISTINCT FROM o."partner_id"));
  RETURN NULL;
END;
$$;
CREATE TRIGGER "clients_impact_update" AFTER UPDATE ON "clients" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "impact_clients_updated"();

-- A partner's country corrected.
CREATE FUNCTION "impact_partners_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "impact_refresh_clients"(ARRAY(
    SELECT c."id" FROM "clients" c
    WHERE c."partner_id" IN (SELECT n."id" FROM new_rows n JOIN old_rows o ON o."id" = n."id" WHERE n."country" IS DISTINCT FROM o."country")));
  RETURN NULL;
END;
$$;
CREATE TRIGGER "partners_impact_update" AFTER UPDATE ON "partners" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "impact_partners_updated"();

-- Emptying the surveys (tests, a scale re-seed) empties what was built from them.
CREATE FUNCTION "impact_surveys_truncated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE "ppi_client_quarters", "ppi_rollups";
  RETURN NULL;
END;
$$;
CREATE TRIGGER "ppi_surveys_impact_truncate" AFTER TRUNCATE ON "ppi_surveys"
  FOR EACH STATEMENT EXECUTE FUNCTION "impact_surveys_truncated"();

-- A loan's reach: how many clients it was expected to reach when funded (1, or
-- the group's current members), restated when it ends. Kept here so every path
-- that changes a status (checkout, jobs, repayments, write-off) keeps it.
CREATE FUNCTION "loan_reach_now"(client_id text, group_id text) RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN $1 IS NOT NULL THEN 1
    ELSE (SELECT count(*)::integer FROM "group_members" m WHERE m."group_id" = $2 AND m."left_at" IS NULL) END
$$;
CREATE FUNCTION "loans_reach"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."status" IN ('funded', 'paying_back', 'repaid', 'defaulted', 'written_off') AND NEW."expected_reach" IS NULL THEN
    NEW."expected_reach" := "loan_reach_now"(NEW."client_id", NEW."group_id");
  END IF;
  IF NEW."status" IN ('repaid', 'defaulted', 'written_off')
     AND (TG_OP = 'INSERT' OR NEW."status" IS DISTINCT FROM OLD."status") THEN
    NEW."realised_reach" := "loan_reach_now"(NEW."client_id", NEW."group_id");
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER "loans_reach_insert" BEFORE INSERT ON "loans" FOR EACH ROW EXECUTE FUNCTION "loans_reach"();
CREATE TRIGGER "loans_reach_update" BEFORE UPDATE OF "status" ON "loans" FOR EACH ROW EXECUTE FUNCTION "loans_reach"();
UPDATE "loans" SET "expected_reach" = "loan_reach_now"("client_id", "group_id")
  WHERE "status" IN ('funded', 'paying_back', 'repaid', 'defaulted', 'written_off');
UPDATE "loans" SET "realised_reach" = "loan_reach_now"("client_id", "group_id")
  WHERE "status" IN ('repaid', 'defaulted', 'written_off');

-- The public impact page reads these; the page cache listens for changes.
CREATE TRIGGER "ppi_rollups_public_pages" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "ppi_rollups"
  FOR EACH STATEMENT EXECUTE FUNCTION "public_pages_changed"();
