// Lending: reserving shares in a basket, checking out (all shares or none),
// funding, and refunds when a loan expires or is cancelled. Money moves only
// through the ledger: a lender's payment for a loan is a hold from their wallet
// into the loan's escrow; funding posts the holds on to the partner; expiry or
// cancellation voids them back to the wallets.
import crypto from "node:crypto";
import { getDb } from "~/utils/db.server.ts";
import { readableLoanTexts, type Viewer } from "./consent.server.ts";
import {
  getBalance,
  hold,
  InsufficientFunds,
  inTransaction,
  loanEscrowAccount,
  PLATFORM_DONATIONS,
  postHold,
  postTransaction,
  voidHold,
  walletAccount,
  type DbTx,
} from "./ledger.server.ts";

export const SHARE_CENTS = 2500n;
export const RESERVATION_MS = 45 * 60_000;
/** Most shares one lender may take in one loan in one go. */
export const MAX_SHARES_PER_ITEM = 400;
export const MAX_TIP_CENTS = 100_000n;

export class LendingError extends Error {
  constructor(
    message: string,
    /** `replayed`: the stored outcome of an earlier attempt, not a failure just now. */
    readonly details: { field?: string; loanId?: string; sharesLeft?: number; replayed?: boolean } = {},
  ) {
    super(message);
    this.name = "LendingError";
  }
}

export const partnerPayableAccount = (partnerId: string) => `partner:${partnerId}:payable`;

type Row = Record<string, unknown>;

type LockedLoan = {
  id: string;
  reference: string;
  partnerId: string;
  status: string;
  amountUsdCents: number;
  sharesSold: number;
  deadline: Date | null;
};

async function lockLoan(tx: DbTx, loanId: string): Promise<LockedLoan | null> {
  const rows = (await tx.$queryRawUnsafe(
    `SELECT id, reference, partner_id, status::text AS status, amount_usd_cents, shares_sold, fundraising_deadline
       FROM loans WHERE id = $1 FOR UPDATE`,
    loanId,
  )) as Row[];
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id as string,
    reference: r.reference as string,
    partnerId: r.partner_id as string,
    status: r.status as string,
    amountUsdCents: Number(r.amount_usd_cents),
    sharesSold: Number(r.shares_sold),
    deadline: (r.fundraising_deadline as Date | null) ?? null,
  };
}

async function reservedByOthers(tx: DbTx, loanId: string, userId: string | null, now: Date): Promise<number> {
  const rows = (await tx.$queryRawUnsafe(
    `SELECT COALESCE(sum(shares), 0) AS reserved FROM basket_items
      WHERE loan_id = $1 AND expires_at > $2 AND ($3::text IS NULL OR user_id <> $3)`,
    loanId,
    now,
    userId,
  )) as Row[];
  return Number(rows[0]?.reserved ?? 0);
}

function totalShares(loan: { amountUsdCents: number }) {
  return Math.floor(loan.amountUsdCents / Number(SHARE_CENTS));
}

function assertOpen(loan: LockedLoan, now: Date, after = "") {
  if (loan.status !== "fundraising") {
    throw new LendingError(`Loan ${loan.reference} is not raising money any more.${after}`, { loanId: loan.id, sharesLeft: 0 });
  }
  if (loan.deadline && loan.deadline.getTime() <= now.getTime()) {
    throw new LendingError(`Loan ${loan.reference} reached its fundraising deadline.${after}`, { loanId: loan.id, sharesLeft: 0 });
  }
}

/** Shares anyone but `userId` could still take: total − sold − others' live reservations. */
export async function sharesLeft(loanId: string, options: { userId?: string | null; now?: Date } = {}): Promise<number> {
  const db = await getDb();
  const loan = await db.loan.findUnique({ where: { id: loanId }, select: { amountUsdCents: true, sharesSold: true } });
  if (!loan) return 0;
  const reserved = await reservedByOthers(db, loanId, options.userId ?? null, options.now ?? new Date());
  return Math.max(0, totalShares(loan) - loan.sharesSold - reserved);
}

// ---------------------------------------------------------------------------
// Basket

function checkShareCount(shares: number) {
  if (!Number.isInteger(shares) || shares < 1) throw new LendingError("Choose at least one share.", { field: "shares" });
  if (shares > MAX_SHARES_PER_ITEM) {
    throw new LendingError(`At most ${MAX_SHARES_PER_ITEM} shares of one loan at a time.`, { field: "shares" });
  }
}

/**
 * Reserves `shares` of a loan for 45 minutes (replacing any earlier reservation
 * of this lender for the same loan). Refused when that many are not left.
 */
export async function reserve(input: { userId: string; loanId: string; shares: number; now?: Date }) {
  checkShareCount(input.shares);
  const now = input.now ?? new Date();
  return inTransaction(async (tx) => {
    const loan = await lockLoan(tx, input.loanId);
    if (!loan) throw new LendingError("There is no such loan.", { field: "loanId" });
    assertOpen(loan, now);
    const left = totalShares(loan) - loan.sharesSold - (await reservedByOthers(tx, loan.id, input.userId, now));
    if (input.shares > left) {
      throw new LendingError(left > 0 ? `Only ${left} share${left === 1 ? "" : "s"} of this loan ${left === 1 ? "is" : "are"} left.` : "This loan has no shares left.", {
        field: "shares",
        loanId: loan.id,
        sharesLeft: Math.max(0, left),
      });
    }
    const expiresAt = new Date(now.getTime() + RESERVATION_MS);
    await tx.$executeRawUnsafe(
      `INSERT INTO basket_items (id, user_id, loan_id, shares, reserved_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (user_id, loan_id) DO UPDATE SET shares = EXCLUDED.shares, reserved_at = EXCLUDED.reserved_at, expires_at = EXCLUDED.expires_at`,
      `bi_${crypto.randomBytes(10).toString("hex")}`,
      input.userId,
      loan.id,
      input.shares,
      now,
      expiresAt,
    );
    return { expiresAt };
  });
}

export async function removeFromBasket(userId: string, loanId: string) {
  const db = await getDb();
  await db.basketItem.deleteMany({ where: { userId, loanId } });
}

export async function getBasket(userId: string, now = new Date()) {
  const db = await getDb();
  const items = await db.basketItem.findMany({
    where: { userId },
    select: {
      loanId: true,
      shares: true,
      expiresAt: true,
      loan: { select: { reference: true, status: true, purpose: true, amountUsdCents: true, sharesSold: true, partner: { select: { name: true, country: true } } } },
    },
    orderBy: { reservedAt: "asc" },
  });
  return items.map((item) => ({
    loanId: item.loanId,
    shares: item.shares,
    amountCents: BigInt(item.shares) * SHARE_CENTS,
    expiresAt: item.expiresAt,
    expired: item.expiresAt.getTime() <= now.getTime(),
    loan: item.loan,
  }));
}

/** The basket as its owner sees it: each loan's purpose as they may read it (consent.server.ts readableText). */
export async function getBasketForViewer(userId: string, viewer: Viewer, now = new Date()) {
  const basket = await getBasket(userId, now);
  const readable = await readableLoanTexts(
    basket.map((b) => ({ loanId: b.loanId, purpose: b.loan.purpose })),
    ["purpose"],
    viewer,
  );
  return basket.map((b, i) => ({ ...b, loan: { ...b.loan, purpose: readable[i]!.purpose } }));
}

/** Frees expired reservations (they already stop counting at read time; this tidies the table). */
export async function sweepExpiredReservations(now = new Date()): Promise<number> {
  const db = await getDb();
  const { count } = await db.basketItem.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}

// ---------------------------------------------------------------------------
// Checkout

export type CheckoutResult =
  | { status: "completed"; checkoutId: string; fundedLoans: string[]; replayed: boolean }
  | { status: "pending_payment"; checkoutId: string; cardCents: bigint };

function checkoutHash(items: { loanId: string; shares: number }[], tipCents: bigint) {
  return crypto
    .createHash("sha256")
    .update(JSON.stringify({ items: items.map((i) => [i.loanId, i.shares]), tip: tipCents.toString() }))
    .digest("hex");
}

/**
 * Buys everything in the lender's basket, all or none, with one request key:
 * a double click or a retried request returns the first outcome and charges
 * nothing twice. The wallet pays first; when it cannot cover everything the
 * checkout waits for a card payment of exactly the difference (`pending_payment`).
 */
export async function checkout(input: { userId: string; requestKey: string; tipCents: bigint; now?: Date }): Promise<CheckoutResult> {
  if (input.tipCents < 0n || input.tipCents > MAX_TIP_CENTS) throw new LendingError("The tip must be between $0 and $1,000.", { field: "tip" });
  if (!/^[\w:-]{8,100}$/.test(input.requestKey)) throw new LendingError("This checkout form is out of date. Reload the basket and try again.");
  const db = await getDb();
  const existing = await db.checkout.findUnique({ where: { userId_requestKey: { userId: input.userId, requestKey: input.requestKey } } });
  if (existing) return replay(existing);

  const now = input.now ?? new Date();
  const basket = await getBasket(input.userId, now);
  if (basket.length === 0) throw new LendingError("Your basket is empty.");
  const items = basket.map((b) => ({ loanId: b.loanId, shares: b.shares })).sort((a, b) => (a.loanId < b.loanId ? -1 : 1));
  const totalCents = items.reduce((a, i) => a + BigInt(i.shares) * SHARE_CENTS, 0n) + input.tipCents;
  const hash = checkoutHash(items, input.tipCents);

  try {
    return await inTransaction(async (tx) => {
      const created = await tx.$queryRawUnsafe(
        `INSERT INTO checkouts (id, user_id, request_key, input_hash, status, total_cents, tip_cents, items)
         VALUES ($1, $2, $3, $4, 'pending_payment', $5::bigint, $6::bigint, $7::jsonb)
         ON CONFLICT (user_id, request_key) DO NOTHING RETURNING id`,
        `co_${crypto.randomBytes(10).toString("hex")}`,
        input.userId,
        input.requestKey,
        hash,
        totalCents.toString(),
        input.tipCents.toString(),
        JSON.stringify(items),
      ) as Row[];
      const checkoutId = created[0]?.id as string | undefined;
      if (!checkoutId) throw new ConcurrentCheckout();
      const balance = await getBalance(walletAccount(input.userId), "USD", tx);
      if (balance < totalCents) {
        const cardCents = totalCents - balance;
        await tx.$executeRawUnsafe(`UPDATE checkouts SET card_cents = $2::bigint WHERE id = $1`, checkoutId, cardCents.toString());
        // Keep the shares while the lender pays.
        await tx.$executeRawUnsafe(
          `UPDATE basket_items SET expires_at = $2 WHERE user_id = $1`,
          input.userId,
          new Date(now.getTime() + RESERVATION_MS),
        );
        return { status: "pending_payment", checkoutId, cardCents } as const;
      }
      const fundedLoans = await buyShares(tx, { checkoutId, userId: input.userId, items, tipCents: input.tipCents, now, paidByCard: false });
      return { status: "completed", checkoutId, fundedLoans, replayed: false } as const;
    });
  } catch (error) {
    if (error instanceof ConcurrentCheckout) {
      const first = await db.checkout.findUniqueOrThrow({ where: { userId_requestKey: { userId: input.userId, requestKey: input.requestKey } } });
      return replay(first);
    }
    throw error;
  }
}

class ConcurrentCheckout extends Error {}

function replay(row: { id: string; status: string; cardCents: bigint; failureReason: string | null }): CheckoutResult {
  if (row.status === "completed") return { status: "completed", checkoutId: row.id, fundedLoans: [], replayed: true };
  if (row.status === "pending_payment") return { status: "pending_payment", checkoutId: row.id, cardCents: row.cardCents };
  throw new LendingError(row.failureReason ?? "This checkout did not go through.", { replayed: true });
}

/**
 * Completes a checkout that waited for a card payment, now that the wallet holds
 * the money. If the shares went meanwhile, the checkout fails and the money
 * stays in the wallet as credit. Called by the lender's return page and by the
 * payment's arrival (`completeCheckoutPaidBy`), which may race: the checkout row
 * is locked, so one of them buys and the other replays the outcome.
 */
export async function completePendingCheckout(input: { userId: string; checkoutId: string; now?: Date }): Promise<CheckoutResult> {
  const now = input.now ?? new Date();
  const db = await getDb();
  try {
    return await inTransaction(async (tx) => {
      const rows = (await tx.$queryRawUnsafe(
        `SELECT id, status, items, tip_cents, total_cents, card_cents, failure_reason FROM checkouts WHERE id = $1 AND user_id = $2 FOR UPDATE`,
        input.checkoutId,
        input.userId,
      )) as Row[];
      const row = rows[0];
      if (!row) throw new LendingError("There is no such checkout.");
      if (row.status !== "pending_payment") {
        return replay({ id: row.id as string, status: row.status as string, cardCents: BigInt(row.card_cents as string), failureReason: row.failure_reason as string | null });
      }
      const balance = await getBalance(walletAccount(input.userId), "USD", tx);
      if (balance < BigInt(row.total_cents as string)) {
        return { status: "pending_payment", checkoutId: row.id as string, cardCents: BigInt(row.total_cents as string) - balance } as const;
      }
      const items = (typeof row.items === "string" ? JSON.parse(row.items) : row.items) as { loanId: string; shares: number }[];
      const fundedLoans = await buyShares(tx, { checkoutId: row.id as string, userId: input.userId, items, tipCents: BigInt(row.tip_cents as string), now, paidByCard: true });
      return { status: "completed", checkoutId: row.id as string, fundedLoans, replayed: false } as const;
    });
  } catch (error) {
    if (!(error instanceof LendingError)) throw error;
    const failed = await db.checkout.updateMany({
      where: { id: input.checkoutId, userId: input.userId, status: "pending_payment" },
      data: { status: "failed", failureReason: error.message },
    });
    if (failed.count === 0) {
      // A racing call settled it first (possibly bought, if shares came free in between): its outcome stands.
      const settled = await db.checkout.findFirst({ where: { id: input.checkoutId, userId: input.userId } });
      if (settled && settled.status !== "pending_payment") return replay(settled);
    }
    throw error;
  }
}

/** Ties a checkout waiting for its card payment to that payment, so that the payment's arrival completes it. */
export async function attachCardPayment(input: { userId: string; checkoutId: string; cardPaymentId: string }) {
  const db = await getDb();
  await db.checkout.updateMany({
    where: { id: input.checkoutId, userId: input.userId, OR: [{ cardPaymentId: null }, { cardPaymentId: input.cardPaymentId }] },
    data: { cardPaymentId: input.cardPaymentId },
  });
}

export type PaidCheckoutOutcome =
  | { status: "completed"; checkoutId: string; userId: string; fundedLoans: string[]; replayed: boolean }
  | { status: "pending_payment"; checkoutId: string; userId: string }
  | { status: "failed"; checkoutId: string; userId: string; reason: string; replayed: boolean };

/**
 * The card payment `cardPaymentId` has been credited to its wallet: completes
 * the checkout that waited for it, if any, whether or not the lender comes
 * back. Safe to repeat and to race with the return page. Null when no checkout
 * waits for this payment (a plain top-up).
 */
export async function completeCheckoutPaidBy(cardPaymentId: string, now = new Date()): Promise<PaidCheckoutOutcome | null> {
  const db = await getDb();
  const row = await db.checkout.findFirst({ where: { cardPaymentId }, select: { id: true, userId: true, status: true, failureReason: true } });
  if (!row) return null;
  const ids = { checkoutId: row.id, userId: row.userId };
  if (row.status === "failed") return { status: "failed", ...ids, reason: row.failureReason ?? "", replayed: true };
  try {
    const result = await completePendingCheckout({ userId: row.userId, checkoutId: row.id, now });
    return result.status === "completed"
      ? { status: "completed", ...ids, fundedLoans: result.fundedLoans, replayed: result.replayed }
      : { status: "pending_payment", ...ids };
  } catch (error) {
    if (!(error instanceof LendingError)) throw error;
    return { status: "failed", ...ids, reason: error.message, replayed: error.details.replayed === true };
  }
}

async function buyShares(
  tx: DbTx,
  input: { checkoutId: string; userId: string; items: { loanId: string; shares: number }[]; tipCents: bigint; now: Date; paidByCard: boolean },
): Promise<string[]> {
  const funded: string[] = [];
  const wallet = walletAccount(input.userId);
  // A card payment has been taken by now and stays in the wallet: say what did not happen.
  const nothing = input.paidByCard ? "nothing was bought" : "nothing was charged";
  for (const item of input.items) {
    checkShareCount(item.shares);
    const loan = await lockLoan(tx, item.loanId);
    if (!loan) throw new LendingError(`A loan in your basket no longer exists; ${nothing}.`, { loanId: item.loanId, sharesLeft: 0 });
    assertOpen(loan, input.now, ` Remove it from your basket; ${nothing}.`);
    const left = totalShares(loan) - loan.sharesSold - (await reservedByOthers(tx, loan.id, input.userId, input.now));
    if (item.shares > left) {
      throw new LendingError(
        left > 0
          ? `Only ${left} share${left === 1 ? "" : "s"} of loan ${loan.reference} ${left === 1 ? "is" : "are"} left. Change your basket and try again; ${nothing}.`
          : `Loan ${loan.reference} has no shares left. Remove it from your basket; ${nothing}.`,
        { loanId: loan.id, sharesLeft: Math.max(0, left) },
      );
    }
    const amount = BigInt(item.shares) * SHARE_CENTS;
    let holdId: bigint;
    try {
      ({ holdId } = await hold(
        {
          idempotencyKey: `checkout:${input.checkoutId}:loan:${loan.id}`,
          source: wallet,
          escrow: loanEscrowAccount(loan.id),
          amount,
          currency: "USD",
          memo: `Lent to loan ${loan.reference} (${item.shares} share${item.shares === 1 ? "" : "s"}), held until it is funded`,
          reference: { loanId: loan.id, checkoutId: input.checkoutId },
        },
        { tx },
      ));
    } catch (error) {
      if (error instanceof InsufficientFunds) throw new LendingError(`Your wallet no longer holds enough for this basket; ${nothing}.`);
      throw error;
    }
    const firstShare = (await tx.$queryRawUnsafe(
      `SELECT 1 FROM loan_shares WHERE loan_id = $1 AND lender_id = $2 LIMIT 1`,
      loan.id,
      input.userId,
    )) as Row[];
    await tx.$executeRawUnsafe(
      `INSERT INTO loan_shares (loan_id, lender_id, checkout_id, shares, amount, hold_id) VALUES ($1, $2, $3, $4, $5::bigint, $6::bigint)`,
      loan.id,
      input.userId,
      input.checkoutId,
      item.shares,
      amount.toString(),
      holdId.toString(),
    );
    const sold = loan.sharesSold + item.shares;
    await tx.$executeRawUnsafe(
      `UPDATE loans SET shares_sold = $2, lender_count = lender_count + $3, updated_at = now() WHERE id = $1`,
      loan.id,
      sold,
      firstShare.length === 0 ? 1 : 0,
    );
    await tx.$executeRawUnsafe(`DELETE FROM basket_items WHERE user_id = $1 AND loan_id = $2`, input.userId, loan.id);
    if (sold === totalShares(loan)) {
      await fundLoan(tx, loan);
      funded.push(loan.id);
    }
  }
  if (input.tipCents > 0n) {
    await postTransaction(
      {
        idempotencyKey: `checkout:${input.checkoutId}:tip`,
        kind: "tip",
        memo: "Tip to Mavuno at checkout — thank you",
        reference: { checkoutId: input.checkoutId },
        postings: [
          { account: wallet, amount: -input.tipCents, currency: "USD" },
          { account: PLATFORM_DONATIONS, amount: input.tipCents, currency: "USD" },
        ],
      },
      { tx },
    );
  }
  await tx.$executeRawUnsafe(`UPDATE checkouts SET status = 'completed', completed_at = now() WHERE id = $1`, input.checkoutId);
  return funded;
}

/** Fully funded: the loan's escrow is posted on to the partner, for disbursement. */
async function fundLoan(tx: DbTx, loan: LockedLoan) {
  const shares = (await tx.$queryRawUnsafe(`SELECT id, hold_id FROM loan_shares WHERE loan_id = $1 AND status = 'held' ORDER BY id`, loan.id)) as Row[];
  for (const share of shares) {
    await postHold(
      {
        idempotencyKey: `loan:${loan.id}:fund:${share.hold_id as string}`,
        holdId: BigInt(share.hold_id as string),
        destination: partnerPayableAccount(loan.partnerId),
        memo: `Loan ${loan.reference} fully funded: passed to the field partner for disbursement`,
        reference: { loanId: loan.id },
      },
      { tx },
    );
  }
  await tx.$executeRawUnsafe(`UPDATE loan_shares SET status = 'funded' WHERE loan_id = $1 AND status = 'held'`, loan.id);
  await tx.$executeRawUnsafe(`UPDATE loans SET status = 'funded', funded_at = now(), updated_at = now() WHERE id = $1`, loan.id);
  await tx.$executeRawUnsafe(`INSERT INTO loan_events (loan_id, from_status, to_status, comment) VALUES ($1, 'fundraising', 'funded', 'Fully funded by lenders')`, loan.id);
}

// ---------------------------------------------------------------------------
// Refunds: expiry and cancellation

/**
 * Every lender's money back to their wallet: each held share is voided. Runs in
 * the caller's transaction with the loan row locked, so no checkout can add a
 * share while it runs. Returns the lenders refunded, for the notifications.
 */
export async function refundLoan(tx: DbTx, loanId: string, reason: "expired" | "cancelled") {
  const shares = (await tx.$queryRawUnsafe(
    `SELECT s.id, s.hold_id, s.lender_id, s.amount, l.reference FROM loan_shares s JOIN loans l ON l.id = s.loan_id
      WHERE s.loan_id = $1 AND s.status = 'held' ORDER BY s.id`,
    loanId,
  )) as Row[];
  const refunds = new Map<string, bigint>();
  for (const share of shares) {
    await voidHold(
      {
        idempotencyKey: `loan:${loanId}:refund:${share.hold_id as string}`,
        holdId: BigInt(share.hold_id as string),
        memo: `Refund: loan ${share.reference as string} ${reason === "expired" ? "expired before it was fully funded" : "was cancelled by the field partner"}`,
        reference: { loanId },
      },
      { tx },
    );
    const lender = share.lender_id as string;
    refunds.set(lender, (refunds.get(lender) ?? 0n) + BigInt(share.amount as string));
  }
  await tx.$executeRawUnsafe(`UPDATE loan_shares SET status = 'refunded', refunded_at = now() WHERE loan_id = $1 AND status = 'held'`, loanId);
  await tx.$executeRawUnsafe(`DELETE FROM basket_items WHERE loan_id = $1`, loanId);
  return [...refunds].map(([lenderId, amount]) => ({ lenderId, amount }));
}

export type RefundedLoan = { loanId: string; reference: string; reason: "expired" | "cancelled"; lenders: { lenderId: string; amount: bigint }[] };

/** Loans whose deadline passed unfunded become `expired`, and every lender is refunded. */
export async function expireOverdueLoans(now = new Date()): Promise<RefundedLoan[]> {
  const db = await getDb();
  const overdue = await db.loan.findMany({
    where: { status: "fundraising", fundraisingDeadline: { lte: now } },
    select: { id: true },
    orderBy: { id: "asc" },
    take: 500,
  });
  const done: RefundedLoan[] = [];
  for (const { id } of overdue) {
    const result = await inTransaction(async (tx) => {
      const loan = await lockLoan(tx, id);
      // Re-checked under the lock: a last checkout may have funded it meanwhile.
      if (!loan || loan.status !== "fundraising" || !loan.deadline || loan.deadline.getTime() > now.getTime()) return null;
      const lenders = await refundLoan(tx, id, "expired");
      await tx.$executeRawUnsafe(`UPDATE loans SET status = 'expired', updated_at = now() WHERE id = $1`, id);
      await tx.$executeRawUnsafe(
        `INSERT INTO loan_events (loan_id, from_status, to_status, comment) VALUES ($1, 'fundraising', 'expired', 'Fundraising deadline passed; every lender refunded')`,
        id,
      );
      return { loanId: id, reference: loan.reference, reason: "expired" as const, lenders };
    });
    if (result) done.push(result);
  }
  return done;
}

export async function lockLoanForUpdate(tx: DbTx, loanId: string) {
  return lockLoan(tx, loanId);
}

/** One lender's stake in one loan: their shares, and what happened to the money. */
export async function getLenderStake(userId: string, loanId: string) {
  const db = await getDb();
  return db.loanShare.findMany({
    where: { lenderId: userId, loanId },
    select: { shares: true, amount: true, status: true, createdAt: true, refundedAt: true, checkoutId: true },
    orderBy: { id: "asc" },
  });
}
