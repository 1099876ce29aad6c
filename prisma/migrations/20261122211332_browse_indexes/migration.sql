-- DropIndex
DROP INDEX "loans_status_fundraising_deadline_idx";

-- DropIndex
DROP INDEX "loans_status_lender_count_idx";

-- DropIndex
DROP INDEX "loans_status_listed_at_idx";

-- AlterTable
ALTER TABLE "loans" ADD COLUMN     "amount_left_cents" INTEGER;

-- CreateIndex
CREATE INDEX "loans_status_fundraising_deadline_id_idx" ON "loans"("status", "fundraising_deadline", "id");

-- CreateIndex
CREATE INDEX "loans_status_listed_at_id_idx" ON "loans"("status", "listed_at", "id");

-- CreateIndex
CREATE INDEX "loans_status_lender_count_id_idx" ON "loans"("status", "lender_count", "id");

-- CreateIndex
CREATE INDEX "loans_status_amount_left_cents_id_idx" ON "loans"("status", "amount_left_cents", "id");

-- CreateIndex
CREATE INDEX "loans_status_sector_partner_id_idx" ON "loans"("status", "sector", "partner_id");

-- Hand-written: amount_left_cents follows the amount, the shares sold and the
-- status whatever code writes them, so browsing can filter and sort on an index.
CREATE FUNCTION "loans_amount_left"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."amount_left_cents" := CASE WHEN NEW."status" = 'fundraising'
    THEN greatest(0, NEW."amount_usd_cents" - NEW."shares_sold" * 2500) END;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "loans_amount_left" BEFORE INSERT OR UPDATE ON "loans"
  FOR EACH ROW EXECUTE FUNCTION "loans_amount_left"();

-- Existing loans: any update runs the trigger.
UPDATE "loans" SET "amount_left_cents" = NULL WHERE "status" = 'fundraising';
