-- DropForeignKey
ALTER TABLE "repayment_allocations" DROP CONSTRAINT "repayment_allocations_repayment_id_fkey";

-- Hand-written (docs/decisions/014-repayments.md): what the foreign key
-- guaranteed, kept at a statement's cost instead of a row's. A repayment to
-- 10,000 lenders inserts 10,000 allocations in one statement; the key checked
-- the same repayment 10,000 times, one lookup and row lock each.

-- Every inserted allocation names an existing repayment: one anti-join over
-- the statement's rows.
CREATE FUNCTION "repayment_allocations_repayment_exists"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM (SELECT DISTINCT repayment_id FROM new_allocations) n
              WHERE NOT EXISTS (SELECT 1 FROM "repayments" r WHERE r.id = n.repayment_id)) THEN
    RAISE EXCEPTION 'an allocation names a repayment that does not exist'
      USING ERRCODE = 'foreign_key_violation', TABLE = 'repayment_allocations';
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER "repayment_allocations_repayment_exists" AFTER INSERT ON "repayment_allocations"
  REFERENCING NEW TABLE AS new_allocations FOR EACH STATEMENT EXECUTE FUNCTION "repayment_allocations_repayment_exists"();

-- Nothing can leave an allocation without its repayment afterwards: a
-- repayment is never deleted nor renumbered (a mistake is corrected by a
-- reversal), and an allocation, the record of what a lender received, is
-- never changed. So no row lock on the repayment is needed either.
CREATE FUNCTION "repayments_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'repayments and their allocations are kept: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER "repayments_no_delete" BEFORE DELETE ON "repayments"
  FOR EACH ROW EXECUTE FUNCTION "repayments_refuse_change"();
CREATE TRIGGER "repayments_keep_id" BEFORE UPDATE OF "id" ON "repayments"
  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION "repayments_refuse_change"();
CREATE TRIGGER "repayments_no_truncate" BEFORE TRUNCATE ON "repayments"
  FOR EACH STATEMENT EXECUTE FUNCTION "repayments_refuse_change"();
CREATE TRIGGER "repayment_allocations_append_only" BEFORE UPDATE OR DELETE ON "repayment_allocations"
  FOR EACH ROW EXECUTE FUNCTION "repayments_refuse_change"();
CREATE TRIGGER "repayment_allocations_no_truncate" BEFORE TRUNCATE ON "repayment_allocations"
  FOR EACH STATEMENT EXECUTE FUNCTION "repayments_refuse_change"();
