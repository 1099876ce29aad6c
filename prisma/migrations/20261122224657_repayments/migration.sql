-- AlterTable
ALTER TABLE "loans" ADD COLUMN     "arrears_notified_at" TIMESTAMP(3),
ADD COLUMN     "defaulted_at" TIMESTAMP(3),
ADD COLUMN     "first_unpaid_due_on" DATE,
ADD COLUMN     "fx_loss_cents" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "maturity_on" DATE,
ADD COLUMN     "principal_repaid_local" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "principal_repaid_usd_cents" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "repaid_at" TIMESTAMP(3),
ADD COLUMN     "repaid_local_minor" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "repaid_usd_cents" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "schedule_version" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "written_off_at" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "partners" ADD COLUMN     "default_after_days" INTEGER NOT NULL DEFAULT 180;

-- CreateTable
CREATE TABLE "loan_schedules" (
    "loan_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "paid_before_local" BIGINT NOT NULL DEFAULT 0,
    "starts_on" DATE NOT NULL,
    "reason" TEXT NOT NULL,
    "created_by_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "loan_schedules_pkey" PRIMARY KEY ("loan_id","version")
);

-- CreateTable
CREATE TABLE "loan_instalments" (
    "loan_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "number" INTEGER NOT NULL,
    "due_on" DATE NOT NULL,
    "principal" BIGINT NOT NULL,
    "interest" BIGINT NOT NULL,

    CONSTRAINT "loan_instalments_pkey" PRIMARY KEY ("loan_id","version","number")
);

-- CreateTable
CREATE TABLE "repayments" (
    "id" TEXT NOT NULL,
    "loan_id" TEXT NOT NULL,
    "partner_id" TEXT NOT NULL,
    "request_key" TEXT NOT NULL,
    "paid_on" DATE NOT NULL,
    "local_currency" CHAR(3) NOT NULL,
    "local_amount" BIGINT NOT NULL,
    "fx_rate" DECIMAL(18,8) NOT NULL,
    "principal_local" BIGINT NOT NULL,
    "interest_local" BIGINT NOT NULL,
    "expected_usd_cents" BIGINT NOT NULL,
    "usd_cents" BIGINT NOT NULL,
    "fx_loss_cents" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'recorded',
    "upload_id" TEXT,
    "recorded_by_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "distributed_at" TIMESTAMP(3),

    CONSTRAINT "repayments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "repayment_allocations" (
    "repayment_id" TEXT NOT NULL,
    "lender_id" TEXT NOT NULL,
    "loan_id" TEXT NOT NULL,
    "shares" INTEGER NOT NULL,
    "expected_usd_cents" BIGINT NOT NULL,
    "usd_cents" BIGINT NOT NULL,
    "fx_loss_cents" BIGINT NOT NULL,
    "paid_on" DATE NOT NULL,

    CONSTRAINT "repayment_allocations_pkey" PRIMARY KEY ("repayment_id","lender_id")
);

-- CreateTable
CREATE TABLE "repayment_uploads" (
    "id" TEXT NOT NULL,
    "partner_id" TEXT NOT NULL,
    "file_hash" TEXT NOT NULL,
    "file_name" TEXT NOT NULL,
    "uploaded_by_id" TEXT,
    "status" TEXT NOT NULL DEFAULT 'validated',
    "line_count" INTEGER NOT NULL,
    "ok_count" INTEGER NOT NULL,
    "error_count" INTEGER NOT NULL,
    "posted_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "posted_at" TIMESTAMP(3),

    CONSTRAINT "repayment_uploads_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "repayment_upload_lines" (
    "upload_id" TEXT NOT NULL,
    "line_no" INTEGER NOT NULL,
    "raw" TEXT NOT NULL,
    "loan_id" TEXT,
    "paid_on" DATE,
    "local_amount" BIGINT,
    "fx_rate" DECIMAL(18,8),
    "error" TEXT,

    CONSTRAINT "repayment_upload_lines_pkey" PRIMARY KEY ("upload_id","line_no")
);

-- CreateTable
CREATE TABLE "auto_lend_settings" (
    "user_id" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "countries" TEXT[],
    "sectors" TEXT[],
    "genders" "Gender"[],
    "borrower_kind" TEXT NOT NULL DEFAULT 'any',
    "min_partner_repayment_bps" INTEGER NOT NULL DEFAULT 0,
    "max_term_months" INTEGER,
    "idle_days" INTEGER NOT NULL DEFAULT 30,
    "max_partner_bps" INTEGER NOT NULL DEFAULT 2500,
    "max_country_bps" INTEGER NOT NULL DEFAULT 5000,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "last_run_at" TIMESTAMP(3),

    CONSTRAINT "auto_lend_settings_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "auto_lend_decisions" (
    "id" BIGSERIAL NOT NULL,
    "user_id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "loan_id" TEXT,
    "outcome" TEXT NOT NULL,
    "shares" INTEGER NOT NULL DEFAULT 0,
    "reason" TEXT NOT NULL,
    "checkout_id" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "auto_lend_decisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "client_access_codes" (
    "id" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "code_hash" TEXT NOT NULL,
    "issued_by_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "revoked_at" TIMESTAMP(3),
    "last_used_at" TIMESTAMP(3),

    CONSTRAINT "client_access_codes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "email_log" (
    "id" BIGSERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "user_id" TEXT,
    "sent_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "email_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "loan_instalments_due_on_idx" ON "loan_instalments"("due_on");

-- CreateIndex
CREATE INDEX "repayments_loan_id_paid_on_idx" ON "repayments"("loan_id", "paid_on");

-- CreateIndex
CREATE INDEX "repayments_status_created_at_idx" ON "repayments"("status", "created_at");

-- CreateIndex
CREATE INDEX "repayments_upload_id_idx" ON "repayments"("upload_id");

-- CreateIndex
CREATE UNIQUE INDEX "repayments_partner_id_request_key_key" ON "repayments"("partner_id", "request_key");

-- CreateIndex
CREATE INDEX "repayment_allocations_lender_id_paid_on_idx" ON "repayment_allocations"("lender_id", "paid_on");

-- CreateIndex
CREATE INDEX "repayment_allocations_lender_id_loan_id_idx" ON "repayment_allocations"("lender_id", "loan_id");

-- CreateIndex
CREATE UNIQUE INDEX "repayment_uploads_partner_id_file_hash_key" ON "repayment_uploads"("partner_id", "file_hash");

-- CreateIndex
CREATE INDEX "auto_lend_decisions_user_id_at_idx" ON "auto_lend_decisions"("user_id", "at");

-- CreateIndex
CREATE UNIQUE INDEX "client_access_codes_code_hash_key" ON "client_access_codes"("code_hash");

-- CreateIndex
CREATE INDEX "client_access_codes_client_id_idx" ON "client_access_codes"("client_id");

-- CreateIndex
CREATE UNIQUE INDEX "email_log_key_key" ON "email_log"("key");

-- CreateIndex
CREATE INDEX "loans_status_first_unpaid_due_on_idx" ON "loans"("status", "first_unpaid_due_on");

-- AddForeignKey
ALTER TABLE "loan_schedules" ADD CONSTRAINT "loan_schedules_loan_id_fkey" FOREIGN KEY ("loan_id") REFERENCES "loans"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "loan_instalments" ADD CONSTRAINT "loan_instalments_loan_id_version_fkey" FOREIGN KEY ("loan_id", "version") REFERENCES "loan_schedules"("loan_id", "version") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "repayments" ADD CONSTRAINT "repayments_loan_id_fkey" FOREIGN KEY ("loan_id") REFERENCES "loans"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "repayment_allocations" ADD CONSTRAINT "repayment_allocations_repayment_id_fkey" FOREIGN KEY ("repayment_id") REFERENCES "repayments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "repayment_upload_lines" ADD CONSTRAINT "repayment_upload_lines_upload_id_fkey" FOREIGN KEY ("upload_id") REFERENCES "repayment_uploads"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Floors the code relies on: amounts are never negative, and the parts add up.
ALTER TABLE "repayments" ADD CONSTRAINT "repayments_amounts_check" CHECK (
  "local_amount" > 0 AND "principal_local" >= 0 AND "interest_local" >= 0
  AND "principal_local" + "interest_local" = "local_amount"
  AND "usd_cents" >= 0 AND "fx_loss_cents" >= 0 AND "usd_cents" + "fx_loss_cents" = "expected_usd_cents"
  AND "fx_rate" > 0 AND "status" IN ('recorded', 'distributed'));
ALTER TABLE "repayment_allocations" ADD CONSTRAINT "repayment_allocations_amounts_check" CHECK (
  "usd_cents" >= 0 AND "fx_loss_cents" >= 0 AND "usd_cents" + "fx_loss_cents" = "expected_usd_cents" AND "shares" > 0);
