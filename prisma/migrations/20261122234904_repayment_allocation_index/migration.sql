-- DropIndex
DROP INDEX "repayment_allocations_lender_id_loan_id_idx";

-- DropIndex
DROP INDEX "repayment_allocations_lender_id_paid_on_idx";

-- CreateIndex
CREATE INDEX "repayment_allocations_lender_id_loan_id_paid_on_idx" ON "repayment_allocations"("lender_id", "loan_id", "paid_on");

-- Room in each page for a balance's new version next to the old one, so the
-- update is a HOT update (no index entries rewritten): a repayment to 10,000
-- lenders updates 10,000 balances. Prisma does not track storage parameters.
ALTER TABLE "ledger_accounts" SET (fillfactor = 70);
