-- CreateEnum
CREATE TYPE "PartnerStatus" AS ENUM ('applied', 'active', 'rejected', 'suspended');

-- CreateEnum
CREATE TYPE "PartnerRole" AS ENUM ('admin', 'officer', 'coordinator');

-- CreateEnum
CREATE TYPE "Gender" AS ENUM ('female', 'male', 'other', 'unspecified');

-- CreateEnum
CREATE TYPE "GroupKind" AS ENUM ('savings_group', 'self_help_group');

-- CreateEnum
CREATE TYPE "ConsentPurpose" AS ENUM ('story', 'photo', 'name', 'location', 'ppi', 'investor_drilldown', 'peer_sites');

-- CreateEnum
CREATE TYPE "LocationGranularity" AS ENUM ('country', 'region', 'village');

-- CreateEnum
CREATE TYPE "LoanStatus" AS ENUM ('draft', 'submitted', 'fundraising', 'funded', 'paying_back', 'repaid', 'defaulted', 'written_off', 'expired', 'cancelled');

-- CreateEnum
CREATE TYPE "RepaymentFrequency" AS ENUM ('weekly', 'fortnightly', 'monthly');

-- CreateEnum
CREATE TYPE "InterestMethod" AS ENUM ('flat', 'declining_balance');

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "is_platform_admin" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "secret_hash" BYTEA NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "user_agent" TEXT,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "login_attempts" (
    "id" BIGSERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "ip" TEXT NOT NULL,
    "succeeded" BOOLEAN NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "login_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "partners" (
    "id" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "legal_name" TEXT NOT NULL,
    "country" CHAR(2) NOT NULL,
    "regions" TEXT[],
    "status" "PartnerStatus" NOT NULL DEFAULT 'applied',
    "description" TEXT NOT NULL DEFAULT '',
    "contact_email" TEXT NOT NULL,
    "joined_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "partners_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "partner_memberships" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "partner_id" TEXT NOT NULL,
    "role" "PartnerRole" NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "partner_memberships_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "clients" (
    "id" TEXT NOT NULL,
    "partner_id" TEXT NOT NULL,
    "full_name" TEXT NOT NULL,
    "gender" "Gender" NOT NULL DEFAULT 'unspecified',
    "region" TEXT NOT NULL,
    "village" TEXT NOT NULL,
    "sector" TEXT NOT NULL,
    "story" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "clients_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "groups" (
    "id" TEXT NOT NULL,
    "partner_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "GroupKind" NOT NULL,
    "region" TEXT NOT NULL,
    "village" TEXT NOT NULL,
    "sector" TEXT NOT NULL,
    "story" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "groups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "group_members" (
    "id" TEXT NOT NULL,
    "group_id" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "joined_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "left_at" TIMESTAMP(3),

    CONSTRAINT "group_members_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "consents" (
    "id" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "purpose" "ConsentPurpose" NOT NULL,
    "granularity" "LocationGranularity",
    "recorded_by_id" TEXT,
    "evidence" TEXT NOT NULL,
    "granted_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMP(3),
    "revoked_by" TEXT,

    CONSTRAINT "consents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "loans" (
    "id" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "partner_id" TEXT NOT NULL,
    "client_id" TEXT,
    "group_id" TEXT,
    "status" "LoanStatus" NOT NULL DEFAULT 'draft',
    "amount_usd_cents" INTEGER NOT NULL,
    "local_currency" CHAR(3) NOT NULL,
    "amount_local_minor" BIGINT NOT NULL,
    "fx_rate" DECIMAL(18,8) NOT NULL,
    "purpose" TEXT NOT NULL,
    "sector" TEXT NOT NULL,
    "term_months" INTEGER NOT NULL,
    "frequency" "RepaymentFrequency" NOT NULL,
    "interest_method" "InterestMethod" NOT NULL,
    "annual_rate_bps" INTEGER NOT NULL,
    "grace_instalments" INTEGER NOT NULL DEFAULT 0,
    "fundraising_deadline" TIMESTAMP(3),
    "listed_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "loans_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id");

-- CreateIndex
CREATE INDEX "login_attempts_email_at_idx" ON "login_attempts"("email", "at");

-- CreateIndex
CREATE INDEX "login_attempts_ip_at_idx" ON "login_attempts"("ip", "at");

-- CreateIndex
CREATE UNIQUE INDEX "partners_slug_key" ON "partners"("slug");

-- CreateIndex
CREATE INDEX "partner_memberships_partner_id_idx" ON "partner_memberships"("partner_id");

-- CreateIndex
CREATE UNIQUE INDEX "partner_memberships_user_id_partner_id_key" ON "partner_memberships"("user_id", "partner_id");

-- CreateIndex
CREATE INDEX "clients_partner_id_idx" ON "clients"("partner_id");

-- CreateIndex
CREATE INDEX "groups_partner_id_idx" ON "groups"("partner_id");

-- CreateIndex
CREATE INDEX "group_members_client_id_idx" ON "group_members"("client_id");

-- CreateIndex
CREATE UNIQUE INDEX "group_members_group_id_client_id_key" ON "group_members"("group_id", "client_id");

-- CreateIndex
CREATE INDEX "consents_client_id_purpose_idx" ON "consents"("client_id", "purpose");

-- CreateIndex
CREATE UNIQUE INDEX "loans_reference_key" ON "loans"("reference");

-- CreateIndex
CREATE INDEX "loans_status_fundraising_deadline_idx" ON "loans"("status", "fundraising_deadline");

-- CreateIndex
CREATE INDEX "loans_partner_id_status_idx" ON "loans"("partner_id", "status");

-- CreateIndex
CREATE INDEX "loans_client_id_idx" ON "loans"("client_id");

-- CreateIndex
CREATE INDEX "loans_group_id_idx" ON "loans"("group_id");

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "partner_memberships" ADD CONSTRAINT "partner_memberships_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "partner_memberships" ADD CONSTRAINT "partner_memberships_partner_id_fkey" FOREIGN KEY ("partner_id") REFERENCES "partners"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "clients" ADD CONSTRAINT "clients_partner_id_fkey" FOREIGN KEY ("partner_id") REFERENCES "partners"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "groups" ADD CONSTRAINT "groups_partner_id_fkey" FOREIGN KEY ("partner_id") REFERENCES "partners"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "groups"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "clients"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consents" ADD CONSTRAINT "consents_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "clients"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consents" ADD CONSTRAINT "consents_recorded_by_id_fkey" FOREIGN KEY ("recorded_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "loans" ADD CONSTRAINT "loans_partner_id_fkey" FOREIGN KEY ("partner_id") REFERENCES "partners"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "loans" ADD CONSTRAINT "loans_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "clients"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "loans" ADD CONSTRAINT "loans_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "groups"("id") ON DELETE SET NULL ON UPDATE CASCADE;
