-- CreateEnum
CREATE TYPE "OfferingStatus" AS ENUM ('draft', 'submitted', 'listed', 'closed', 'refunded', 'distributed', 'cancelled');

-- CreateEnum
CREATE TYPE "MemberVote" AS ENUM ('yes', 'no', 'abstain');

-- CreateTable
CREATE TABLE "offerings" (
    "id" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "partner_id" TEXT NOT NULL,
    "group_id" TEXT,
    "client_id" TEXT,
    "status" "OfferingStatus" NOT NULL DEFAULT 'draft',
    "title" TEXT NOT NULL,
    "max_raise_cents" BIGINT NOT NULL,
    "min_raise_cents" BIGINT NOT NULL,
    "unit_price_cents" BIGINT NOT NULL,
    "profit_share_bps" INTEGER NOT NULL,
    "capital_returned" BOOLEAN NOT NULL,
    "cycle_start" DATE NOT NULL,
    "cycle_end" DATE NOT NULL,
    "fundraising_deadline" TIMESTAMP(3) NOT NULL,
    "per_investor_max_units" INTEGER NOT NULL,
    "cancellation_hours" INTEGER NOT NULL,
    "risks" TEXT NOT NULL,
    "created_by_id" TEXT,
    "submitted_at" TIMESTAMP(3),
    "reviewed_by_id" TEXT,
    "review_comment" TEXT,
    "listed_at" TIMESTAMP(3),
    "closed_at" TIMESTAMP(3),
    "units_sold" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "offerings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "offering_meetings" (
    "id" TEXT NOT NULL,
    "offering_id" TEXT NOT NULL,
    "held_on" DATE NOT NULL,
    "members_total" INTEGER NOT NULL,
    "notes" TEXT NOT NULL DEFAULT '',
    "recorded_by_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "locked_at" TIMESTAMP(3),

    CONSTRAINT "offering_meetings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "offering_member_responses" (
    "meeting_id" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "present" BOOLEAN NOT NULL,
    "answers" JSONB NOT NULL DEFAULT '{}',
    "passed" BOOLEAN NOT NULL DEFAULT false,
    "vote" "MemberVote",
    "opted_out" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "offering_member_responses_pkey" PRIMARY KEY ("meeting_id","client_id")
);

-- CreateTable
CREATE TABLE "offering_investments" (
    "id" TEXT NOT NULL,
    "offering_id" TEXT NOT NULL,
    "investor_id" TEXT NOT NULL,
    "request_key" TEXT NOT NULL,
    "units" INTEGER NOT NULL,
    "amount_cents" BIGINT NOT NULL,
    "hold_id" BIGINT,
    "status" TEXT NOT NULL DEFAULT 'held',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "cancelled_at" TIMESTAMP(3),

    CONSTRAINT "offering_investments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "offering_reports" (
    "offering_id" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "income_minor" BIGINT NOT NULL,
    "expenses_minor" BIGINT NOT NULL,
    "loan_losses_minor" BIGINT NOT NULL,
    "net_profit_minor" BIGINT NOT NULL,
    "fx_rate" DECIMAL(18,8) NOT NULL,
    "distribution_cents" BIGINT NOT NULL,
    "reported_by_id" TEXT,
    "reported_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "offering_reports_pkey" PRIMARY KEY ("offering_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "offerings_reference_key" ON "offerings"("reference");

-- CreateIndex
CREATE INDEX "offerings_status_fundraising_deadline_idx" ON "offerings"("status", "fundraising_deadline");

-- CreateIndex
CREATE INDEX "offerings_partner_id_status_idx" ON "offerings"("partner_id", "status");

-- CreateIndex
CREATE INDEX "offering_meetings_offering_id_idx" ON "offering_meetings"("offering_id");

-- CreateIndex
CREATE UNIQUE INDEX "offering_investments_hold_id_key" ON "offering_investments"("hold_id");

-- CreateIndex
CREATE INDEX "offering_investments_offering_id_investor_id_idx" ON "offering_investments"("offering_id", "investor_id");

-- CreateIndex
CREATE INDEX "offering_investments_investor_id_created_at_idx" ON "offering_investments"("investor_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "offering_investments_investor_id_request_key_key" ON "offering_investments"("investor_id", "request_key");

-- AddForeignKey
ALTER TABLE "offering_meetings" ADD CONSTRAINT "offering_meetings_offering_id_fkey" FOREIGN KEY ("offering_id") REFERENCES "offerings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "offering_member_responses" ADD CONSTRAINT "offering_member_responses_meeting_id_fkey" FOREIGN KEY ("meeting_id") REFERENCES "offering_meetings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "offering_investments" ADD CONSTRAINT "offering_investments_offering_id_fkey" FOREIGN KEY ("offering_id") REFERENCES "offerings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "offering_reports" ADD CONSTRAINT "offering_reports_offering_id_fkey" FOREIGN KEY ("offering_id") REFERENCES "offerings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Floors the code relies on: the terms make sense whatever wrote them.
ALTER TABLE "offerings" ADD CONSTRAINT "offerings_terms_check" CHECK (
  "profit_share_bps" BETWEEN 0 AND 10000
  AND "unit_price_cents" > 0 AND "min_raise_cents" > 0 AND "min_raise_cents" <= "max_raise_cents"
  AND "cycle_end" > "cycle_start" AND "per_investor_max_units" > 0 AND "cancellation_hours" >= 0
  AND ("group_id" IS NULL) <> ("client_id" IS NULL) AND "units_sold" >= 0);
ALTER TABLE "offering_investments" ADD CONSTRAINT "offering_investments_amount_check" CHECK ("units" > 0 AND "amount_cents" > 0);
