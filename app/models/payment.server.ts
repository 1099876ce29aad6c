// Card money in and out of wallets, on whichever gateway is configured. Money
// moves only through the ledger; the rows here record what the gateway was
// asked and what it answered, so any step can be retried without paying or
// crediting twice.
import type { Prisma } from "~/generated/prisma/client.ts";
import { formatMoney } from "~/lib/money.ts";
import { planRefunds } from "~/lib/wallet.ts";
import { getDb } from "~/utils/db.server.ts";
import {
  getGateway,
  GatewayRefused,
  type CompletedCheckout,
  type GatewayEvent,
  type GatewayRefund,
  type PaymentGateway,
  type RefundStatus,
} from "~/utils/payments.server.ts";
import { notifyCardPurchaseUnfilled } from "./equity-emails.server.ts";
import { cardPurchaseOf, completeCardPurchase } from "./equity.server.ts";
import { attachCardPayment, completeCheckoutPaidBy } from "./lending.server.ts";
import { notifyCheckoutFailed, notifyFunded } from "./notifications.server.ts";
import {
  EXTERNAL_CARD,
  EXTERNAL_PAYOUT,
  getBalance,
  hold,
  InsufficientFunds,
  postHold,
  postTransaction,
  voidHold,
  walletAccount,
} from "./ledger.server.ts";

type Tx = Prisma.TransactionClient;

// Webhook bursts queue on the same rows; give them room, as the ledger does.
const TX_OPTIONS = { maxWait: 60_000, timeout: 120_000 } as const;

async function transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
  const db = await getDb();
  return db.$transaction(work, TX_OPTIONS);
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === "P2002";

// ---------------------------------------------------------------------------
// Errors a form can explain

/** The same form key came back with other details: a stale or tampered form. */
export class RequestKeyReused extends Error {
  constructor() {
    super("This form was already sent with other details. Reload the page and try again.");
    this.name = "RequestKeyReused";
  }
}

export class CheckoutClosed extends Error {
  constructor(status: string) {
    super(`That payment is ${status}. Start a new one.`);
    this.name = "CheckoutClosed";
  }
}

/** A withdrawal larger than the lender's card payments can take back. */
export class WithdrawalTooLarge extends Error {
  constructor(readonly refundable: bigint, readonly currency: string) {
    super(
      refundable > 0n
        ? `You can withdraw at most ${formatMoney(refundable, currency)}: withdrawals go back to the cards you paid with, and only up to what each payment was.`
        : "Withdrawals go back to the card you paid with, and there is no card payment left to refund.",
    );
    this.name = "WithdrawalTooLarge";
  }
}

// ---------------------------------------------------------------------------
// Adding credit

export type TopUpStarted = { cardPaymentId: string; checkoutUrl: string | null };

/**
 * Starts a card payment of `amount` into the lender's wallet. The same request
 * key always leads to the same payment, so a double submit pays once.
 * `checkoutUrl` is where to send the payer; null when the money is already in
 * the wallet (demo gateway). With `checkoutId`, the payment is for that
 * checkout's shortfall, and its arrival completes the checkout.
 */
export async function startTopUp(
  input: { userId: string; amount: bigint; currency: string; requestKey: string; returnUrl: string; checkoutId?: string },
  gateway: PaymentGateway = getGateway(),
): Promise<TopUpStarted> {
  const db = await getDb();
  const where = { userId_requestKey: { userId: input.userId, requestKey: input.requestKey } };
  let payment = await db.cardPayment.findUnique({ where });
  if (!payment) {
    try {
      payment = await db.cardPayment.create({
        data: { userId: input.userId, gateway: gateway.name, requestKey: input.requestKey, amount: input.amount, currency: input.currency },
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      payment = await db.cardPayment.findUniqueOrThrow({ where });
    }
  }
  if (payment.amount !== input.amount || payment.currency !== input.currency || payment.gateway !== gateway.name) throw new RequestKeyReused();
  // Before the gateway can answer: a payment that lands must find its checkout.
  if (input.checkoutId) await attachCardPayment({ userId: input.userId, checkoutId: input.checkoutId, cardPaymentId: payment.id });
  if (payment.status === "completed") {
    await completeCheckoutWaitingFor(payment.id);
    return { cardPaymentId: payment.id, checkoutUrl: null };
  }
  if (payment.status !== "created") throw new CheckoutClosed(payment.status);
  if (payment.checkoutUrl) return { cardPaymentId: payment.id, checkoutUrl: payment.checkoutUrl };

  // No answer recorded yet (first try, or an earlier answer was lost): the gateway's
  // own idempotency key, derived from this row, makes a repeat the same session.
  let started;
  try {
    started = await gateway.createCheckout({
      cardPaymentId: payment.id,
      userId: input.userId,
      amount: payment.amount,
      currency: payment.currency,
      successUrl: `${input.returnUrl}?checkout=success`,
      cancelUrl: `${input.returnUrl}?checkout=cancelled`,
    });
  } catch (error) {
    if (error instanceof GatewayRefused) {
      await db.cardPayment.updateMany({ where: { id: payment.id, status: "created" }, data: { status: "failed" } });
    }
    throw error;
  }
  await db.cardPayment.update({ where: { id: payment.id }, data: { externalId: started.externalId, checkoutUrl: started.url } });
  if (started.url === null) {
    await transaction((tx) => completeCheckoutIn(tx, gateway.name, started.completed));
    await completeCheckoutWaitingFor(payment.id);
    return { cardPaymentId: payment.id, checkoutUrl: null };
  }
  return { cardPaymentId: payment.id, checkoutUrl: started.url };
}

/**
 * Credits a paid checkout to its wallet, once: the payment row moves from
 * `created` to `completed` in the same transaction as the ledger posting, whose
 * key comes from the gateway's session id. The webhook and the demo gateway
 * both come through here.
 */
async function completeCheckoutIn(tx: Tx, gateway: string, checkout: CompletedCheckout): Promise<void> {
  if (!checkout.paid) return;
  let payment = await tx.cardPayment.findFirst({ where: { gateway, externalId: checkout.externalId } });
  // The session id is stored after the gateway answers; if that write was lost, the metadata still names the row.
  if (!payment && checkout.cardPaymentId) {
    payment = await tx.cardPayment.findFirst({ where: { id: checkout.cardPaymentId, gateway, externalId: null } });
  }
  if (!payment) return; // another application's session on the same gateway account
  if (checkout.amount !== payment.amount || checkout.currency !== payment.currency) {
    await recordIssue(tx, {
      kind: "amount_mismatch",
      subject: checkout.externalId,
      userId: payment.userId,
      cardPaymentId: payment.id,
      amount: checkout.amount,
      currency: checkout.currency,
      detail:
        `Checkout ${checkout.externalId} was paid as ${checkout.amount ?? "?"} ${checkout.currency ?? "?"} (minor units) ` +
        `but asked for ${formatMoney(payment.amount, payment.currency)}. Nothing was credited; refund it in the gateway or credit it by hand.`,
    });
    return;
  }
  const claimed = await tx.cardPayment.updateMany({
    where: { id: payment.id, status: "created" },
    data: { status: "completed", completedAt: new Date(), externalId: checkout.externalId, paymentIntentId: checkout.paymentIntentId },
  });
  if (claimed.count === 0) return;
  await postTransaction(
    {
      idempotencyKey: `${gateway}:checkout:${checkout.externalId}`,
      kind: "card_top_up",
      memo: "Added credit by card",
      reference: { cardPaymentId: payment.id },
      postings: [
        { account: EXTERNAL_CARD, amount: -payment.amount, currency: payment.currency },
        { account: walletAccount(payment.userId), amount: payment.amount, currency: payment.currency },
      ],
    },
    { tx },
  );
}

/**
 * After a card payment's credit has committed: the checkout waiting for it, if
 * any, buys its shares now, whether or not the lender comes back, and the
 * lenders of loans it funded are told. If the shares went meanwhile the checkout
 * fails, the money stays in the wallet and the lender is told why. Safe to repeat:
 * only the call that settles the checkout sends anything.
 */
async function completeCheckoutWaitingFor(cardPaymentId: string): Promise<void> {
  // A micro-equity purchase paid partly by card buys its units the same way.
  const purchase = await cardPurchaseOf(cardPaymentId);
  if (purchase) {
    const bought = await completeCardPurchase(purchase);
    if (bought?.status === "unfilled") await notifyCardPurchaseUnfilled(bought.investmentId);
    return;
  }
  const outcome = await completeCheckoutPaidBy(cardPaymentId);
  if (!outcome || outcome.status === "pending_payment" || outcome.replayed) return;
  if (outcome.status === "completed") {
    await notifyFunded(outcome.fundedLoans);
    return;
  }
  const db = await getDb();
  const payment = await db.cardPayment.findUniqueOrThrow({ where: { id: cardPaymentId }, select: { amount: true, currency: true } });
  await notifyCheckoutFailed({ userId: outcome.userId, reason: outcome.reason, paid: payment.amount, currency: payment.currency });
}

// ---------------------------------------------------------------------------
// Webhooks

/**
 * Applies one verified gateway event. Each event id is applied once (a
 * payment_events row in the same transaction as its effects); every effect is
 * idempotent on its own too, since gateways also send new events about old things.
 */
export async function handlePaymentEvent(event: GatewayEvent, gateway: PaymentGateway = getGateway()): Promise<"applied" | "duplicate"> {
  const outcome = await applyPaymentEvent(event, gateway);
  if (event.type === "checkout_completed") {
    // Also on a redelivery: the first delivery may have stopped between the credit and the checkout.
    const db = await getDb();
    const payment = await db.cardPayment.findFirst({ where: { gateway: gateway.name, externalId: event.checkout.externalId, status: "completed" }, select: { id: true } });
    if (payment) await completeCheckoutWaitingFor(payment.id);
  }
  return outcome;
}

async function applyPaymentEvent(event: GatewayEvent, gateway: PaymentGateway): Promise<"applied" | "duplicate"> {
  // A redelivery needs no questions to the gateway (the insert below still settles races).
  const db = await getDb();
  if (await db.paymentEvent.findUnique({ where: { id: event.id }, select: { id: true } })) return "duplicate";
  // Ask the gateway before opening a transaction: row locks must not wait on the network.
  const refunds =
    event.type === "charge_refunded" ? await gateway.listRefunds(event.paymentIntentId) : event.type === "refund_updated" ? [event.refund] : [];
  return transaction(async (tx) => {
    const fresh = await tx.paymentEvent.createMany({
      data: [{ id: event.id, gateway: gateway.name, type: event.gatewayType }],
      skipDuplicates: true,
    });
    if (fresh.count === 0) return "duplicate";
    switch (event.type) {
      case "checkout_completed":
        await completeCheckoutIn(tx, gateway.name, event.checkout);
        break;
      case "checkout_expired":
        await tx.cardPayment.updateMany({ where: { gateway: gateway.name, externalId: event.externalId, status: "created" }, data: { status: "expired" } });
        break;
      case "charge_refunded":
      case "refund_updated":
        for (const refund of refunds) await applyRefundIn(tx, gateway.name, refund);
        break;
      case "ignored":
        break;
    }
    return "applied";
  });
}

async function applyRefundIn(tx: Tx, gateway: string, refund: GatewayRefund): Promise<void> {
  const known =
    (refund.cardRefundId ? await tx.cardRefund.findUnique({ where: { id: refund.cardRefundId } }) : null) ??
    (await tx.cardRefund.findUnique({ where: { externalId: refund.externalId } }));
  if (known) {
    if (known.withdrawalId) await settleWithdrawalRefundIn(tx, known.id, refund);
    return;
  }
  // Made in the gateway's dashboard. A pending one comes back in a later event once it settles.
  if (refund.status !== "succeeded" || !refund.paymentIntentId) return;
  const payment = await tx.cardPayment.findFirst({ where: { gateway, paymentIntentId: refund.paymentIntentId, status: "completed" } });
  if (!payment) return;
  await tx.cardRefund.createMany({
    data: [{ cardPaymentId: payment.id, externalId: refund.externalId, amount: refund.amount, currency: refund.currency, status: "succeeded", resolvedAt: new Date() }],
    skipDuplicates: true,
  });
  const row = await tx.cardRefund.findUniqueOrThrow({ where: { externalId: refund.externalId } });
  if (row.ledgerOutcome) return;
  await tx.cardPayment.update({ where: { id: payment.id }, data: { refundedAmount: { increment: refund.amount } } });
  const wallet = walletAccount(payment.userId);
  let outcome = "posted";
  try {
    await postTransaction(
      {
        idempotencyKey: `${gateway}:refund:${refund.externalId}`,
        kind: "card_refund",
        memo: "Card payment refunded",
        reference: { cardPaymentId: payment.id, refundId: refund.externalId },
        postings: [
          { account: wallet, amount: -refund.amount, currency: refund.currency },
          { account: EXTERNAL_CARD, amount: refund.amount, currency: refund.currency },
        ],
      },
      { tx },
    );
  } catch (error) {
    if (!(error instanceof InsufficientFunds)) throw error;
    // Wallets never go below zero and a part-posting would misstate both sides:
    // take nothing, and put it in front of an admin.
    outcome = "unfunded";
    await recordIssue(tx, {
      kind: "refund_unfunded",
      subject: refund.externalId,
      userId: payment.userId,
      cardPaymentId: payment.id,
      amount: refund.amount,
      currency: refund.currency,
      detail:
        `Refund ${refund.externalId} of ${formatMoney(refund.amount, refund.currency)} was made in the gateway, but the lender's wallet ` +
        `held only ${formatMoney(error.available, refund.currency)}, so nothing was taken from it. The platform is out of pocket until it is recovered.`,
    });
  }
  await tx.cardRefund.update({ where: { id: row.id }, data: { ledgerOutcome: outcome } });
}

async function recordIssue(
  tx: Tx,
  issue: { kind: string; subject: string; userId: string; cardPaymentId: string; amount: bigint | null; currency: string | null; detail: string },
) {
  await tx.paymentIssue.createMany({ data: [issue], skipDuplicates: true });
}

// ---------------------------------------------------------------------------
// Withdrawals

export type WithdrawalResult = { withdrawalId: string; status: string };

/**
 * Takes `amount` out of the wallet as refunds of the lender's own card
 * payments, most recent first. Each refund's share is held in
 * `withdrawal:<id>:escrow` until the gateway answers: paid out when it
 * confirms, back to the wallet when it refuses. The same request key always
 * means the same withdrawal.
 */
export async function withdraw(
  input: { userId: string; amount: bigint; currency: string; requestKey: string },
  gateway: PaymentGateway = getGateway(),
): Promise<WithdrawalResult> {
  const db = await getDb();
  const where = { userId_requestKey: { userId: input.userId, requestKey: input.requestKey } };
  let withdrawal = await db.withdrawal.findUnique({ where });
  if (!withdrawal) {
    try {
      withdrawal = await reserveWithdrawal(input, gateway.name);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      withdrawal = await db.withdrawal.findUniqueOrThrow({ where });
    }
  }
  if (withdrawal.amount !== input.amount || withdrawal.currency !== input.currency) throw new RequestKeyReused();
  return askGateway(withdrawal.id, gateway);
}

function reserveWithdrawal(input: { userId: string; amount: bigint; currency: string; requestKey: string }, gateway: string) {
  return transaction(async (tx) => {
    const wallet = walletAccount(input.userId);
    const balance = await getBalance(wallet, input.currency, tx);
    if (balance < input.amount) throw new InsufficientFunds(wallet, input.currency, balance, input.amount);
    const withdrawal = await tx.withdrawal.create({
      data: { userId: input.userId, requestKey: input.requestKey, gateway, amount: input.amount, currency: input.currency },
    });
    // Locked so that two withdrawals at once cannot promise the same refundable money twice.
    const payments = (await tx.$queryRawUnsafe(
      `SELECT id, amount - refunded_amount AS refundable FROM card_payments
        WHERE user_id = $1 AND gateway = $2 AND currency = $3 AND status = 'completed' AND payment_intent_id IS NOT NULL
        ORDER BY completed_at DESC, id DESC
          FOR UPDATE`,
      input.userId,
      gateway,
      input.currency,
    )) as { id: string; refundable: bigint | number | string }[];
    const refundable = payments.map((p) => ({ id: p.id, refundable: BigInt(p.refundable) }));
    const parts = planRefunds(input.amount, refundable);
    if (!parts) {
      const total = refundable.reduce((sum, p) => sum + (p.refundable > 0n ? p.refundable : 0n), 0n);
      throw new WithdrawalTooLarge(total < balance ? total : balance, input.currency);
    }
    for (const part of parts) {
      const refund = await tx.cardRefund.create({
        data: { cardPaymentId: part.id, withdrawalId: withdrawal.id, amount: part.amount, currency: input.currency },
      });
      await tx.cardPayment.update({ where: { id: part.id }, data: { refundedAmount: { increment: part.amount } } });
      const held = await hold(
        {
          idempotencyKey: `withdrawal:${withdrawal.id}:hold:${refund.id}`,
          source: wallet,
          escrow: `withdrawal:${withdrawal.id}:escrow`,
          amount: part.amount,
          currency: input.currency,
          memo: "Withdrawal to your card",
          reference: { withdrawalId: withdrawal.id },
        },
        { tx },
      );
      await tx.cardRefund.update({ where: { id: refund.id }, data: { holdId: held.holdId } });
    }
    return withdrawal;
  });
}

/**
 * Asks the gateway for every refund of this withdrawal that has no answer yet.
 * Safe to repeat: the gateway's idempotency key is the refund row's id.
 */
async function askGateway(withdrawalId: string, gateway: PaymentGateway): Promise<WithdrawalResult> {
  const db = await getDb();
  const unanswered = await db.cardRefund.findMany({
    where: { withdrawalId, status: "pending", externalId: null },
    include: { cardPayment: { select: { userId: true, paymentIntentId: true } } },
    orderBy: { createdAt: "asc" },
  });
  for (const refund of unanswered) {
    let answer: { externalId: string | null; status: RefundStatus; failureReason: string | null };
    try {
      answer = await gateway.refund({
        cardRefundId: refund.id,
        withdrawalId,
        userId: refund.cardPayment.userId,
        paymentIntentId: refund.cardPayment.paymentIntentId!,
        amount: refund.amount,
        currency: refund.currency,
      });
    } catch (error) {
      if (!(error instanceof GatewayRefused)) {
        // Unknown outcome (network, gateway down): the money stays in escrow and the
        // lender can ask again from the withdrawal's page with the same keys.
        console.warn(`withdrawal ${withdrawalId}: no answer from ${gateway.name} for refund ${refund.id}: ${String(error)}`);
        continue;
      }
      answer = { externalId: null, status: "failed", failureReason: error.message };
    }
    await transaction((tx) => settleWithdrawalRefundIn(tx, refund.id, answer));
  }
  const withdrawal = await db.withdrawal.findUniqueOrThrow({ where: { id: withdrawalId }, select: { id: true, status: true } });
  return { withdrawalId: withdrawal.id, status: withdrawal.status };
}

/** The lender asks again about a withdrawal whose refunds had no answer. Only their own. */
export async function retryWithdrawal(input: { userId: string; withdrawalId: string }, gateway: PaymentGateway = getGateway()) {
  const db = await getDb();
  const withdrawal = await db.withdrawal.findFirst({ where: { id: input.withdrawalId, userId: input.userId }, select: { id: true } });
  if (!withdrawal) return null;
  return askGateway(withdrawal.id, gateway);
}

async function settleWithdrawalRefundIn(
  tx: Tx,
  cardRefundId: string,
  answer: { externalId: string | null; status: RefundStatus; failureReason: string | null },
): Promise<void> {
  const refund = await tx.cardRefund.findUniqueOrThrow({ where: { id: cardRefundId } });
  const withdrawalId = refund.withdrawalId!;
  const holdId = refund.holdId!;
  if (answer.status === "pending") {
    if (answer.externalId && !refund.externalId) await tx.cardRefund.update({ where: { id: refund.id }, data: { externalId: answer.externalId } });
    return;
  }
  if (refund.status === "succeeded" && answer.status === "failed") {
    // The card network sent a confirmed refund back (a closed card): the money is ours
    // again, so it goes back to the wallet as a new movement.
    const claimed = await tx.cardRefund.updateMany({ where: { id: refund.id, status: "succeeded" }, data: { status: "failed", failureReason: answer.failureReason, resolvedAt: new Date() } });
    if (claimed.count === 0) return;
    const withdrawal = await tx.withdrawal.findUniqueOrThrow({ where: { id: withdrawalId } });
    await postTransaction(
      {
        idempotencyKey: `withdrawal:${withdrawalId}:returned:${refund.id}`,
        kind: "withdrawal_returned",
        memo: "Refund to your card failed: credit returned",
        reference: { withdrawalId },
        postings: [
          { account: EXTERNAL_PAYOUT, amount: -refund.amount, currency: refund.currency },
          { account: walletAccount(withdrawal.userId), amount: refund.amount, currency: refund.currency },
        ],
      },
      { tx },
    );
    await tx.cardPayment.update({ where: { id: refund.cardPaymentId }, data: { refundedAmount: { decrement: refund.amount } } });
    await updateWithdrawalStatus(tx, withdrawalId);
    return;
  }
  const claimed = await tx.cardRefund.updateMany({
    where: { id: refund.id, status: "pending" },
    data: { status: answer.status, externalId: answer.externalId ?? refund.externalId, failureReason: answer.failureReason, resolvedAt: new Date() },
  });
  if (claimed.count === 0) return;
  if (answer.status === "succeeded") {
    await postHold(
      {
        idempotencyKey: `withdrawal:${withdrawalId}:payout:${refund.id}`,
        holdId,
        destination: EXTERNAL_PAYOUT,
        memo: "Withdrawal refunded to your card",
        reference: { withdrawalId },
      },
      { tx },
    );
  } else {
    await voidHold(
      {
        idempotencyKey: `withdrawal:${withdrawalId}:void:${refund.id}`,
        holdId,
        memo: "Withdrawal refused by the card processor: credit returned",
        reference: { withdrawalId },
      },
      { tx },
    );
    await tx.cardPayment.update({ where: { id: refund.cardPaymentId }, data: { refundedAmount: { decrement: refund.amount } } });
  }
  await updateWithdrawalStatus(tx, withdrawalId);
}

async function updateWithdrawalStatus(tx: Tx, withdrawalId: string) {
  const refunds = await tx.cardRefund.findMany({ where: { withdrawalId }, select: { status: true } });
  const count = (status: string) => refunds.filter((r) => r.status === status).length;
  const status =
    count("pending") > 0 ? "pending" : count("succeeded") === refunds.length ? "completed" : count("failed") === refunds.length ? "failed" : "partly_completed";
  await tx.withdrawal.update({ where: { id: withdrawalId }, data: { status, completedAt: status === "pending" ? null : new Date() } });
}

// ---------------------------------------------------------------------------
// Reading, always scoped to the owner

export async function getCardPayment(input: { id: string; userId: string }) {
  const db = await getDb();
  return db.cardPayment.findFirst({
    where: { id: input.id, userId: input.userId },
    select: {
      id: true,
      gateway: true,
      amount: true,
      currency: true,
      status: true,
      refundedAmount: true,
      createdAt: true,
      completedAt: true,
      checkoutUrl: true,
      refunds: {
        select: { id: true, amount: true, currency: true, status: true, withdrawalId: true, ledgerOutcome: true, createdAt: true, resolvedAt: true },
        orderBy: { createdAt: "desc" },
      },
    },
  });
}

export async function getWithdrawal(input: { id: string; userId: string }) {
  const db = await getDb();
  return db.withdrawal.findFirst({
    where: { id: input.id, userId: input.userId },
    select: {
      id: true,
      amount: true,
      currency: true,
      status: true,
      createdAt: true,
      completedAt: true,
      refunds: {
        select: {
          id: true,
          amount: true,
          status: true,
          externalId: true,
          failureReason: true,
          resolvedAt: true,
          cardPayment: { select: { id: true, createdAt: true, amount: true } },
        },
        orderBy: { createdAt: "asc" },
      },
    },
  });
}

/** Card payments still waiting for the gateway, and withdrawals not yet settled. */
export async function listUnsettled(userId: string) {
  const db = await getDb();
  const [payments, withdrawals] = await Promise.all([
    db.cardPayment.findMany({
      where: { userId, status: "created", createdAt: { gt: new Date(Date.now() - 24 * 3600_000) } },
      select: { id: true, amount: true, currency: true, createdAt: true },
      orderBy: { createdAt: "desc" },
      take: 10,
    }),
    db.withdrawal.findMany({
      where: { userId, status: "pending" },
      select: { id: true, amount: true, currency: true, createdAt: true },
      orderBy: { createdAt: "desc" },
      take: 10,
    }),
  ]);
  return { payments, withdrawals };
}

/** For platform admins: money problems no one has dealt with yet. */
export async function listOpenPaymentIssues() {
  const db = await getDb();
  return db.paymentIssue.findMany({ where: { resolvedAt: null }, orderBy: { createdAt: "desc" }, take: 200 });
}
