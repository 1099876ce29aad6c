/*
  Warnings:

  - A unique constraint covering the columns `[payment_intent_id]` on the table `card_payments` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[user_id,request_key]` on the table `card_payments` will be added. If there are existing duplicate values, this will fail.
  - Added the required column `request_key` to the `card_payments` table without a default value. This is not possible if the table is not empty.

*/
-- AlterTable
ALTER TABLE "card_payments" ADD COLUMN     "checkout_url" TEXT,
ADD COLUMN     "request_key" TEXT NOT NULL,
ALTER COLUMN "external_id" DROP NOT NULL;

-- CreateTable
CREATE TABLE "withdrawals" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "request_key" TEXT NOT NULL,
    "gateway" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMP(3),

    CONSTRAINT "withdrawals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "card_refunds" (
    "id" TEXT NOT NULL,
    "card_payment_id" TEXT NOT NULL,
    "withdrawal_id" TEXT,
    "external_id" TEXT,
    "amount" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "hold_id" BIGINT,
    "ledger_outcome" TEXT,
    "failure_reason" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMP(3),

    CONSTRAINT "card_refunds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payment_issues" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "user_id" TEXT,
    "card_payment_id" TEXT,
    "amount" BIGINT,
    "currency" CHAR(3),
    "detail" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMP(3),

    CONSTRAINT "payment_issues_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "withdrawals_user_id_created_at_idx" ON "withdrawals"("user_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "withdrawals_user_id_request_key_key" ON "withdrawals"("user_id", "request_key");

-- CreateIndex
CREATE UNIQUE INDEX "card_refunds_external_id_key" ON "card_refunds"("external_id");

-- CreateIndex
CREATE INDEX "card_refunds_card_payment_id_idx" ON "card_refunds"("card_payment_id");

-- CreateIndex
CREATE INDEX "card_refunds_withdrawal_id_idx" ON "card_refunds"("withdrawal_id");

-- CreateIndex
CREATE INDEX "payment_issues_resolved_at_created_at_idx" ON "payment_issues"("resolved_at", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "payment_issues_kind_subject_key" ON "payment_issues"("kind", "subject");

-- CreateIndex
CREATE UNIQUE INDEX "card_payments_payment_intent_id_key" ON "card_payments"("payment_intent_id");

-- CreateIndex
CREATE UNIQUE INDEX "card_payments_user_id_request_key_key" ON "card_payments"("user_id", "request_key");

-- AddForeignKey
ALTER TABLE "withdrawals" ADD CONSTRAINT "withdrawals_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "card_refunds" ADD CONSTRAINT "card_refunds_card_payment_id_fkey" FOREIGN KEY ("card_payment_id") REFERENCES "card_payments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "card_refunds" ADD CONSTRAINT "card_refunds_withdrawal_id_fkey" FOREIGN KEY ("withdrawal_id") REFERENCES "withdrawals"("id") ON DELETE SET NULL ON UPDATE CASCADE;
