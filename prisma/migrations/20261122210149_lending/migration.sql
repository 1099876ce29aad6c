-- AlterTable
ALTER TABLE "loans" ADD COLUMN     "disbursed_at" TIMESTAMP(3),
ADD COLUMN     "funded_at" TIMESTAMP(3),
ADD COLUMN     "lender_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "shares_sold" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "basket_items" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "loan_id" TEXT NOT NULL,
    "shares" INTEGER NOT NULL,
    "reserved_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "basket_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "checkouts" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "request_key" TEXT NOT NULL,
    "input_hash" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "total_cents" BIGINT NOT NULL,
    "tip_cents" BIGINT NOT NULL DEFAULT 0,
    "card_cents" BIGINT NOT NULL DEFAULT 0,
    "card_payment_id" TEXT,
    "items" JSONB NOT NULL,
    "failure_reason" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMP(3),

    CONSTRAINT "checkouts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "loan_shares" (
    "id" BIGSERIAL NOT NULL,
    "loan_id" TEXT NOT NULL,
    "lender_id" TEXT NOT NULL,
    "checkout_id" TEXT NOT NULL,
    "shares" INTEGER NOT NULL,
    "amount" BIGINT NOT NULL,
    "hold_id" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'held',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "refunded_at" TIMESTAMP(3),

    CONSTRAINT "loan_shares_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "basket_items_loan_id_expires_at_idx" ON "basket_items"("loan_id", "expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "basket_items_user_id_loan_id_key" ON "basket_items"("user_id", "loan_id");

-- CreateIndex
CREATE INDEX "checkouts_card_payment_id_idx" ON "checkouts"("card_payment_id");

-- CreateIndex
CREATE UNIQUE INDEX "checkouts_user_id_request_key_key" ON "checkouts"("user_id", "request_key");

-- CreateIndex
CREATE UNIQUE INDEX "loan_shares_hold_id_key" ON "loan_shares"("hold_id");

-- CreateIndex
CREATE INDEX "loan_shares_loan_id_id_idx" ON "loan_shares"("loan_id", "id");

-- CreateIndex
CREATE INDEX "loan_shares_lender_id_created_at_idx" ON "loan_shares"("lender_id", "created_at");

-- CreateIndex
CREATE INDEX "loans_status_listed_at_idx" ON "loans"("status", "listed_at");

-- CreateIndex
CREATE INDEX "loans_status_lender_count_idx" ON "loans"("status", "lender_count");

-- AddForeignKey
ALTER TABLE "basket_items" ADD CONSTRAINT "basket_items_loan_id_fkey" FOREIGN KEY ("loan_id") REFERENCES "loans"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "loan_shares" ADD CONSTRAINT "loan_shares_loan_id_fkey" FOREIGN KEY ("loan_id") REFERENCES "loans"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "loan_shares" ADD CONSTRAINT "loan_shares_checkout_id_fkey" FOREIGN KEY ("checkout_id") REFERENCES "checkouts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
