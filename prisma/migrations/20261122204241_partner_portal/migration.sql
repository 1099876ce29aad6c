-- AlterTable
ALTER TABLE "clients" ADD COLUMN     "created_by_id" TEXT,
ADD COLUMN     "photo_file" TEXT;

-- AlterTable
ALTER TABLE "loans" ADD COLUMN     "created_by_id" TEXT,
ADD COLUMN     "review_comment" TEXT,
ADD COLUMN     "submitted_at" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "partners" ADD COLUMN     "applied_by_id" TEXT,
ADD COLUMN     "contact_name" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "contact_phone" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "currency" CHAR(3) NOT NULL DEFAULT 'USD',
ADD COLUMN     "rejection_reason" TEXT,
ADD COLUMN     "reviewed_at" TIMESTAMP(3),
ADD COLUMN     "reviewed_by_id" TEXT,
ADD COLUMN     "website" TEXT NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "partner_invites" (
    "id" TEXT NOT NULL,
    "partner_id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "role" "PartnerRole" NOT NULL,
    "token_hash" TEXT NOT NULL,
    "invited_by_id" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "accepted_at" TIMESTAMP(3),
    "accepted_by_id" TEXT,
    "revoked_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "partner_invites_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "loan_events" (
    "id" BIGSERIAL NOT NULL,
    "loan_id" TEXT NOT NULL,
    "from_status" "LoanStatus",
    "to_status" "LoanStatus" NOT NULL,
    "by_user_id" TEXT,
    "comment" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "loan_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "group_meetings" (
    "id" TEXT NOT NULL,
    "group_id" TEXT NOT NULL,
    "held_on" DATE NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "savings_collected" BIGINT NOT NULL,
    "loans_outstanding" BIGINT NOT NULL,
    "repayments_collected" BIGINT NOT NULL DEFAULT 0,
    "notes" TEXT NOT NULL DEFAULT '',
    "recorded_by_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "group_meetings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "meeting_attendance" (
    "meeting_id" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "present" BOOLEAN NOT NULL,

    CONSTRAINT "meeting_attendance_pkey" PRIMARY KEY ("meeting_id","client_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "partner_invites_token_hash_key" ON "partner_invites"("token_hash");

-- CreateIndex
CREATE INDEX "partner_invites_partner_id_idx" ON "partner_invites"("partner_id");

-- CreateIndex
CREATE INDEX "loan_events_loan_id_at_idx" ON "loan_events"("loan_id", "at");

-- CreateIndex
CREATE UNIQUE INDEX "group_meetings_group_id_held_on_key" ON "group_meetings"("group_id", "held_on");

-- AddForeignKey
ALTER TABLE "partner_invites" ADD CONSTRAINT "partner_invites_partner_id_fkey" FOREIGN KEY ("partner_id") REFERENCES "partners"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "loan_events" ADD CONSTRAINT "loan_events_loan_id_fkey" FOREIGN KEY ("loan_id") REFERENCES "loans"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "group_meetings" ADD CONSTRAINT "group_meetings_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "groups"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "meeting_attendance" ADD CONSTRAINT "meeting_attendance_meeting_id_fkey" FOREIGN KEY ("meeting_id") REFERENCES "group_meetings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
