// Micro-equity for investors: buying units of a listed offering (a ledger hold
// from the wallet into the offering's escrow), cancelling within the window,
// closing or refunding at the deadline, the partner's cycle report and the
// distribution it credits, and the holdings and cap table views.
//
// Every purchase, cancellation, settlement and distribution runs with the
// offering row locked (SELECT … FOR UPDATE), so concurrent buyers queue and the
// per-investor limit and the maximum raise hold. Money moves only through the
// ledger.
import crypto from "node:crypto";
import { investorsReceive, splitToInvestors, type Terms } from "~/lib/equity-terms.ts";
import { netProfit, parseRate, reportOverdue, toUsdCents } from "~/lib/equity-report.ts";
import { minorDigits, parseMoneyInput, toDecimalString } from "~/lib/money.ts";
import { UNFILLED_REASONS } from "~/lib/offering-summary.ts";
import { csvCell, csvRow } from "~/lib/wallet.ts";
import { getDb } from "~/utils/db.server.ts";
import { getBalance, hold, InsufficientFunds, inTransaction, postHold, postTransaction, voidHold, walletAccount, type DbTx } from "./ledger.server.ts";
import { partnerPayableAccount } from "./lending.server.ts";
import { PUBLIC_VIEWER, readableOfferingTexts } from "./consent.server.ts";

export const offeringEscrowAccount = (offeringId: string) => `offering:${offeringId}:escrow`;
/** Where a distribution comes from: the partner's own money, outside Mavuno. */
export const partnerExternalAccount = (partnerId: string) => `external:partner:${partnerId}`;
export const distributionKey = (offeringId: string) => `offering:${offeringId}:distribution`;

export class EquityError extends Error {
  constructor(
    message: string,
    readonly details: { field?: string; status?: number; shortCents?: bigint } = {},
  ) {
    super(message);
    this.name = "EquityError";
  }
}

type Row = Record<string, unknown>;

export type LockedOffering = Terms & {
  id: string;
  reference: string;
  title: string;
  partnerId: string;
  groupId: string | null;
  status: string;
  minRaiseCents: bigint;
  perInvestorMaxUnits: number;
  cancellationHours: number;
  deadline: Date;
  cycleStart: Date;
  cycleEnd: Date;
  unitsSold: number;
};

async function lockOffering(tx: DbTx, offeringId: string): Promise<LockedOffering | null> {
  const rows = (await tx.$queryRawUnsafe(
    `SELECT id, reference, title, partner_id, group_id, status::text AS status, max_raise_cents, min_raise_cents, unit_price_cents,
            profit_share_bps, capital_returned, per_investor_max_units, cancellation_hours, fundraising_deadline,
            cycle_start, cycle_end, units_sold
       FROM offerings WHERE id = $1 FOR UPDATE`,
    offeringId,
  )) as Row[];
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id as string,
    reference: r.reference as string,
    title: r.title as string,
    partnerId: r.partner_id as string,
    groupId: (r.group_id as string | null) ?? null,
    status: r.status as string,
    maxRaiseCents: BigInt(r.max_raise_cents as string),
    minRaiseCents: BigInt(r.min_raise_cents as string),
    unitPriceCents: BigInt(r.unit_price_cents as string),
    profitShareBps: Number(r.profit_share_bps),
    capitalReturned: r.capital_returned as boolean,
    perInvestorMaxUnits: Number(r.per_investor_max_units),
    cancellationHours: Number(r.cancellation_hours),
    deadline: r.fundraising_deadline as Date,
    cycleStart: r.cycle_start as Date,
    cycleEnd: r.cycle_end as Date,
    unitsSold: Number(r.units_sold),
  };
}

/** Units the offering may still sell without passing its maximum raise. */
export function unitsLeft(offering: { maxRaiseCents: bigint; unitPriceCents: bigint; unitsSold: number }): number {
  return Math.max(0, Number(offering.maxRaiseCents / offering.unitPriceCents) - offering.unitsSold);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

// ---------------------------------------------------------------------------
// Buying

export type Purchase = { investmentId: string; units: number; amountCents: bigint; replayed: boolean };

class ConcurrentPurchase extends Error {}

/** Why units could not be bought; for a card purchase, stored as its status `unfilled_<reason>`. */
export type UnfilledReason = "closed" | "limit" | "sold_out" | "funds";

class Unavailable extends EquityError {
  constructor(
    message: string,
    readonly reason: UnfilledReason,
    field?: string,
  ) {
    super(message, field ? { field } : {});
  }
}

/**
 * May `investorId` buy `units` of this locked offering now? Throws with the
 * reason if not. Must run under the offering's row lock, so that concurrent
 * buyers see each other's units.
 */
async function checkAvailable(tx: DbTx, offering: LockedOffering, investorId: string, units: number, now: Date) {
  if (offering.status !== "listed" || offering.deadline.getTime() <= now.getTime()) {
    throw new Unavailable(`Offering ${offering.reference} is not open to investors; nothing was charged.`, "closed");
  }
  const heldRows = (await tx.$queryRawUnsafe(
    `SELECT COALESCE(sum(units), 0) AS units FROM offering_investments
      WHERE offering_id = $1 AND investor_id = $2 AND status IN ('held', 'active')`,
    offering.id,
    investorId,
  )) as Row[];
  const held = Number(heldRows[0]?.units ?? 0);
  if (held + units > offering.perInvestorMaxUnits) {
    const may = offering.perInvestorMaxUnits - held;
    throw new Unavailable(
      `One investor may hold at most ${plural(offering.perInvestorMaxUnits, "unit")} of this offering` +
        (held > 0 ? `; you hold ${held}, so you may buy ${may > 0 ? `at most ${may}` : "no more"}.` : "."),
      "limit",
      "units",
    );
  }
  const left = unitsLeft(offering);
  if (units > left) {
    throw new Unavailable(left > 0 ? `Only ${plural(left, "unit")} ${left === 1 ? "is" : "are"} left.` : "Every unit has been sold.", "sold_out", "units");
  }
}

/** Moves the units' price from the wallet into the offering's escrow and counts them sold: the investment row exists already. */
async function holdUnits(tx: DbTx, offering: LockedOffering, investment: { id: string; investorId: string; units: number; amountCents: bigint }) {
  let holdId: bigint;
  try {
    ({ holdId } = await hold(
      {
        idempotencyKey: `offering:${offering.id}:buy:${investment.id}`,
        source: walletAccount(investment.investorId),
        escrow: offeringEscrowAccount(offering.id),
        amount: investment.amountCents,
        currency: "USD",
        memo: `Invested in offering ${offering.reference} (${plural(investment.units, "unit")}), held until the offering closes`,
        reference: { offeringId: offering.id, investmentId: investment.id },
      },
      { tx },
    ));
  } catch (error) {
    if (error instanceof InsufficientFunds) throw new Unavailable("Your wallet no longer holds enough for these units; nothing was charged.", "funds", "units");
    throw error;
  }
  await tx.$executeRawUnsafe(`UPDATE offering_investments SET hold_id = $2::bigint, status = 'held' WHERE id = $1`, investment.id, holdId.toString());
  await tx.$executeRawUnsafe(`UPDATE offerings SET units_sold = units_sold + $2, updated_at = now() WHERE id = $1`, offering.id, investment.units);
}

/** A new investment row for this form's request key, or null when a concurrent post of the same form made it first. */
async function insertInvestment(tx: DbTx, input: { offeringId: string; investorId: string; requestKey: string; units: number; amount: bigint; status: string; now: Date }) {
  const id = `inv_${crypto.randomBytes(10).toString("hex")}`;
  const created = (await tx.$queryRawUnsafe(
    `INSERT INTO offering_investments (id, offering_id, investor_id, request_key, units, amount_cents, status, created_at)
     VALUES ($1, $2, $3, $4, $5, $6::bigint, $7, $8)
     ON CONFLICT (investor_id, request_key) DO NOTHING RETURNING id`,
    id,
    input.offeringId,
    input.investorId,
    input.requestKey,
    input.units,
    input.amount.toString(),
    input.status,
    input.now,
  )) as Row[];
  return created.length === 0 ? null : id;
}

function checkPurchaseInput(input: { units: number; requestKey: string }) {
  if (!Number.isInteger(input.units) || input.units < 1) throw new EquityError("Choose at least one unit.", { field: "units" });
  if (!/^[\w:-]{8,100}$/.test(input.requestKey)) throw new EquityError("This form is out of date. Reload the page and try again.");
}

async function earlierPurchase(input: { investorId: string; offeringId: string; units: number; requestKey: string }) {
  const db = await getDb();
  const earlier = await db.offeringInvestment.findUnique({ where: { investorId_requestKey: { investorId: input.investorId, requestKey: input.requestKey } } });
  if (earlier && (earlier.offeringId !== input.offeringId || earlier.units !== input.units)) {
    throw new EquityError("This form was already used for another purchase. Reload the page and try again.");
  }
  return earlier;
}

/**
 * Buys `units` of a listed offering from the investor's wallet: a hold into the
 * offering's escrow. One request key per purchase form: a double submit buys
 * once. Refused (nothing charged) past the per-investor limit, the maximum
 * raise, the deadline, or when the wallet is short (`shortCents` says by how much).
 */
export async function buyUnits(input: { investorId: string; offeringId: string; units: number; requestKey: string; now?: Date }): Promise<Purchase> {
  checkPurchaseInput(input);
  const replay = async () => {
    const earlier = await earlierPurchase(input);
    if (!earlier) return null;
    if (earlier.status === CARD_PENDING || earlier.status.startsWith("unfilled_")) {
      throw new EquityError("This form was already used for a card payment. Reload the page and try again.");
    }
    return { investmentId: earlier.id, units: earlier.units, amountCents: earlier.amountCents, replayed: true };
  };
  const earlier = await replay();
  if (earlier) return earlier;
  const now = input.now ?? new Date();
  try {
    return await inTransaction(async (tx) => {
      const offering = await lockOffering(tx, input.offeringId);
      if (!offering) throw new EquityError("There is no such offering.", { status: 404 });
      await checkAvailable(tx, offering, input.investorId, input.units, now);
      const amount = BigInt(input.units) * offering.unitPriceCents;
      const balance = await getBalance(walletAccount(input.investorId), "USD", tx);
      if (balance < amount) {
        throw new EquityError("Your wallet does not hold enough for these units. Add credit to your wallet first; nothing was charged.", {
          field: "units",
          shortCents: amount - balance,
        });
      }
      const id = await insertInvestment(tx, { ...input, amount, status: "held", now });
      if (!id) throw new ConcurrentPurchase();
      await holdUnits(tx, offering, { id, investorId: input.investorId, units: input.units, amountCents: amount });
      return { investmentId: id, units: input.units, amountCents: amount, replayed: false };
    });
  } catch (error) {
    if (error instanceof ConcurrentPurchase) return (await replay())!;
    throw error;
  }
}

// ---------------------------------------------------------------------------
// Paying the shortfall by card

/** A purchase recorded and waiting for its card payment; its units are not held for it meanwhile. */
const CARD_PENDING = "awaiting_payment";

/** The card payment's own request key: one payment per waiting purchase, so a retry reuses it. */
export const cardPaymentKey = (investmentId: string) => `equity:${investmentId}`;

export type CardPurchaseStart =
  | { status: "bought"; purchase: Purchase }
  | { status: "awaiting_payment"; investmentId: string; cardCents: bigint }
  /** The form again after its card payment landed and the units could not be bought: the return page says why. */
  | { status: "unfilled"; investmentId: string };

/**
 * The investor asked to pay what the wallet lacks by card. The limits are
 * checked now (so nobody pays for units they could not buy), and the purchase
 * is recorded waiting for the payment of exactly the shortfall; the wallet
 * pays the rest when the payment lands (`completeCardPurchase`). If the wallet
 * covers it after all, the units are bought at once. Same request key, same
 * purchase.
 */
export async function startCardPurchase(input: { investorId: string; offeringId: string; units: number; requestKey: string; now?: Date }): Promise<CardPurchaseStart> {
  checkPurchaseInput(input);
  const db = await getDb();
  const replay = async (): Promise<CardPurchaseStart | null> => {
    const earlier = await earlierPurchase(input);
    if (!earlier) return null;
    if (earlier.status.startsWith("unfilled_")) return { status: "unfilled", investmentId: earlier.id };
    if (earlier.status !== CARD_PENDING) {
      return { status: "bought", purchase: { investmentId: earlier.id, units: earlier.units, amountCents: earlier.amountCents, replayed: true } };
    }
    const payment = await db.cardPayment.findUnique({
      where: { userId_requestKey: { userId: input.investorId, requestKey: cardPaymentKey(earlier.id) } },
      select: { amount: true },
    });
    const balance = await getBalance(walletAccount(input.investorId), "USD");
    return { status: CARD_PENDING, investmentId: earlier.id, cardCents: payment?.amount ?? earlier.amountCents - balance };
  };
  const earlier = await replay();
  if (earlier) return earlier;
  const now = input.now ?? new Date();
  try {
    return await inTransaction(async (tx): Promise<CardPurchaseStart> => {
      const offering = await lockOffering(tx, input.offeringId);
      if (!offering) throw new EquityError("There is no such offering.", { status: 404 });
      await checkAvailable(tx, offering, input.investorId, input.units, now);
      const amount = BigInt(input.units) * offering.unitPriceCents;
      const balance = await getBalance(walletAccount(input.investorId), "USD", tx);
      const covered = balance >= amount;
      const id = await insertInvestment(tx, { ...input, amount, status: covered ? "held" : CARD_PENDING, now });
      if (!id) throw new ConcurrentPurchase();
      if (!covered) return { status: CARD_PENDING, investmentId: id, cardCents: amount - balance };
      await holdUnits(tx, offering, { id, investorId: input.investorId, units: input.units, amountCents: amount });
      return { status: "bought", purchase: { investmentId: id, units: input.units, amountCents: amount, replayed: false } };
    });
  } catch (error) {
    if (error instanceof ConcurrentPurchase) return (await replay())!;
    throw error;
  }
}

export type CardPurchaseOutcome =
  | { status: "held"; investmentId: string; offeringId: string; investorId: string; replayed: boolean }
  | { status: "awaiting_payment"; investmentId: string; offeringId: string; investorId: string }
  | { status: "unfilled"; investmentId: string; offeringId: string; investorId: string; reason: UnfilledReason; message: string; replayed: boolean };

/**
 * Buys the units of a purchase that waited for its card payment, once the
 * payment has landed in the wallet: called by the payment's arrival (webhook
 * or demo gateway) and by the investor's return page, whichever comes first;
 * the purchase row is locked, so one buys and the other replays. If the units
 * can no longer be bought (closed, sold out, over the limit) the purchase is
 * marked unfilled with the reason and the payment stays in the wallet.
 */
export async function completeCardPurchase(input: { investmentId: string; investorId?: string; now?: Date }): Promise<CardPurchaseOutcome | null> {
  const db = await getDb();
  const found = await db.offeringInvestment.findFirst({
    where: { id: input.investmentId, ...(input.investorId ? { investorId: input.investorId } : {}) },
    select: { offeringId: true, investorId: true },
  });
  if (!found) return null;
  const ids = { investmentId: input.investmentId, offeringId: found.offeringId, investorId: found.investorId };
  const now = input.now ?? new Date();
  return inTransaction(async (tx): Promise<CardPurchaseOutcome> => {
    const offering = (await lockOffering(tx, found.offeringId))!;
    const rows = (await tx.$queryRawUnsafe(`SELECT status, units, amount_cents FROM offering_investments WHERE id = $1 FOR UPDATE`, input.investmentId)) as Row[];
    const inv = rows[0]!;
    const status = inv.status as string;
    if (status.startsWith("unfilled_")) {
      const reason = status.slice("unfilled_".length) as UnfilledReason;
      return { ...ids, status: "unfilled", reason, message: unfilledMessage(reason, offering), replayed: true };
    }
    if (status !== CARD_PENDING) return { ...ids, status: "held", replayed: true };
    const paid = (await tx.$queryRawUnsafe(
      `SELECT status FROM card_payments WHERE user_id = $1 AND request_key = $2`,
      found.investorId,
      cardPaymentKey(input.investmentId),
    )) as Row[];
    if (paid[0]?.status !== "completed") return { ...ids, status: CARD_PENDING };
    const units = Number(inv.units);
    const amount = BigInt(inv.amount_cents as string);
    try {
      await checkAvailable(tx, offering, found.investorId, units, now);
      if ((await getBalance(walletAccount(found.investorId), "USD", tx)) < amount) throw new Unavailable("", "funds");
    } catch (error) {
      if (!(error instanceof Unavailable)) throw error;
      await tx.$executeRawUnsafe(`UPDATE offering_investments SET status = $2, cancelled_at = $3 WHERE id = $1`, input.investmentId, `unfilled_${error.reason}`, now);
      return { ...ids, status: "unfilled", reason: error.reason, message: unfilledMessage(error.reason, offering), replayed: false };
    }
    // Bought now: the cancellation window and the purchase order run from here, not from when the card payment began.
    await tx.$executeRawUnsafe(`UPDATE offering_investments SET created_at = $2 WHERE id = $1`, input.investmentId, now);
    await holdUnits(tx, offering, { id: input.investmentId, investorId: found.investorId, units, amountCents: amount });
    return { ...ids, status: "held", replayed: false };
  });
}

/** The purchase (if any) a card payment was for; null for a wallet top-up or a loan checkout. */
export async function cardPurchaseOf(cardPaymentId: string) {
  const db = await getDb();
  const payment = await db.cardPayment.findUnique({ where: { id: cardPaymentId }, select: { requestKey: true, userId: true } });
  const id = payment?.requestKey.startsWith("equity:") ? payment.requestKey.slice("equity:".length) : null;
  return id ? { investmentId: id, investorId: payment!.userId } : null;
}

/** The card payment a purchase waited for, scoped to its investor. */
export async function cardPaymentOf(input: { investmentId: string; investorId: string }) {
  const db = await getDb();
  return db.cardPayment.findUnique({
    where: { userId_requestKey: { userId: input.investorId, requestKey: cardPaymentKey(input.investmentId) } },
    select: { id: true, amount: true, currency: true, status: true },
  });
}

function unfilledMessage(reason: UnfilledReason, offering: { title: string; reference: string }): string {
  return `Your units in offering ${offering.reference} could not be bought when your card payment arrived: ${UNFILLED_REASONS[reason]}`;
}

// ---------------------------------------------------------------------------
// Cancelling within the window

/** When the investor may no longer cancel this purchase. */
export function cancellableUntil(createdAt: Date, cancellationHours: number): Date {
  return new Date(createdAt.getTime() + cancellationHours * 3_600_000);
}

/** Cancels a purchase within the offering's window while it is listed: the hold is voided, the wallet refunded in full. */
export async function cancelInvestment(input: { investorId: string; investmentId: string; now?: Date }) {
  const now = input.now ?? new Date();
  const db = await getDb();
  const found = await db.offeringInvestment.findFirst({ where: { id: input.investmentId, investorId: input.investorId }, select: { offeringId: true } });
  if (!found) throw new EquityError("There is no such investment.", { status: 404 });
  return inTransaction(async (tx) => {
    const offering = (await lockOffering(tx, found.offeringId))!;
    const rows = (await tx.$queryRawUnsafe(
      `SELECT id, units, amount_cents, hold_id, status, created_at FROM offering_investments WHERE id = $1 FOR UPDATE`,
      input.investmentId,
    )) as Row[];
    const inv = rows[0]!;
    if (inv.status === "cancelled") return { replayed: true, amountCents: BigInt(inv.amount_cents as string) };
    if (inv.status !== "held" || offering.status !== "listed") {
      throw new EquityError(`This purchase can no longer be cancelled: offering ${offering.reference} is ${offering.status}.`, { status: 409 });
    }
    const until = cancellableUntil(inv.created_at as Date, offering.cancellationHours);
    if (now.getTime() > until.getTime()) {
      throw new EquityError(
        `The cancellation window of ${plural(offering.cancellationHours, "hour")} closed on ${until.toISOString().slice(0, 16).replace("T", " ")} UTC; this purchase can no longer be cancelled.`,
        { status: 409 },
      );
    }
    await voidHold(
      {
        idempotencyKey: `offering:${offering.id}:cancel:${input.investmentId}`,
        holdId: BigInt(inv.hold_id as string),
        memo: `Refund: you cancelled your units in offering ${offering.reference}`,
        reference: { offeringId: offering.id, investmentId: input.investmentId },
      },
      { tx },
    );
    await tx.$executeRawUnsafe(`UPDATE offering_investments SET status = 'cancelled', cancelled_at = $2 WHERE id = $1`, input.investmentId, now);
    await tx.$executeRawUnsafe(`UPDATE offerings SET units_sold = units_sold - $2, updated_at = now() WHERE id = $1`, offering.id, Number(inv.units));
    return { replayed: false, amountCents: BigInt(inv.amount_cents as string) };
  });
}

// ---------------------------------------------------------------------------
// The deadline: close or refund

export type Settled = { offeringId: string; outcome: "closed" | "refunded"; investors: { investorId: string; amountCents: bigint }[] };

/**
 * The job: every listed offering past its deadline either closes (raised at
 * least its minimum: every hold posted to the partner) or is refunded (every
 * hold voided back to its wallet). A second run does nothing more. Also
 * returns the closed offerings whose cycle report is overdue, to flag.
 */
export async function settleOfferings(now = new Date()): Promise<{ settled: Settled[]; overdue: Awaited<ReturnType<typeof overdueReports>> }> {
  const db = await getDb();
  const due = await db.offering.findMany({
    where: { status: "listed", fundraisingDeadline: { lte: now } },
    select: { id: true },
    orderBy: { id: "asc" },
    take: 500,
  });
  const settled: Settled[] = [];
  for (const { id } of due) {
    const result = await inTransaction(async (tx) => {
      const offering = await lockOffering(tx, id);
      // Re-checked under the lock: another run may have settled it meanwhile.
      if (!offering || offering.status !== "listed" || offering.deadline.getTime() > now.getTime()) return null;
      const raised = BigInt(offering.unitsSold) * offering.unitPriceCents;
      const close = offering.unitsSold > 0 && raised >= offering.minRaiseCents;
      const held = (await tx.$queryRawUnsafe(
        `SELECT id, investor_id, hold_id, amount_cents FROM offering_investments WHERE offering_id = $1 AND status = 'held' ORDER BY created_at, id`,
        id,
      )) as Row[];
      const investors = new Map<string, bigint>();
      for (const inv of held) {
        const holdId = BigInt(inv.hold_id as string);
        if (close) {
          await postHold(
            {
              idempotencyKey: `offering:${id}:close:${holdId}`,
              holdId,
              destination: partnerPayableAccount(offering.partnerId),
              memo: `Offering ${offering.reference} reached its minimum: capital passed to the field partner for the group's cycle`,
              reference: { offeringId: id },
            },
            { tx },
          );
        } else {
          await voidHold(
            {
              idempotencyKey: `offering:${id}:refund:${holdId}`,
              holdId,
              memo: `Refund: offering ${offering.reference} did not reach its minimum by its deadline`,
              reference: { offeringId: id },
            },
            { tx },
          );
        }
        const investor = inv.investor_id as string;
        investors.set(investor, (investors.get(investor) ?? 0n) + BigInt(inv.amount_cents as string));
      }
      if (close) {
        await tx.$executeRawUnsafe(`UPDATE offering_investments SET status = 'active' WHERE offering_id = $1 AND status = 'held'`, id);
        await tx.$executeRawUnsafe(`UPDATE offerings SET status = 'closed', closed_at = $2, updated_at = now() WHERE id = $1`, id, now);
      } else {
        await tx.$executeRawUnsafe(`UPDATE offering_investments SET status = 'refunded' WHERE offering_id = $1 AND status = 'held'`, id);
        await tx.$executeRawUnsafe(`UPDATE offerings SET status = 'refunded', closed_at = $2, updated_at = now() WHERE id = $1`, id, now);
      }
      return {
        offeringId: id,
        outcome: close ? "closed" : "refunded",
        investors: [...investors].map(([investorId, amountCents]) => ({ investorId, amountCents })),
      } satisfies Settled;
    });
    if (result) settled.push(result);
  }
  return { settled, overdue: await overdueReports(now) };
}

/** Closed offerings whose cycle ended more than 30 days ago with no report filed. */
export async function overdueReports(now = new Date()) {
  const db = await getDb();
  const closed = await db.offering.findMany({
    where: { status: "closed", cycleEnd: { lt: now } },
    select: { id: true, reference: true, title: true, status: true, cycleEnd: true, partnerId: true },
    orderBy: { cycleEnd: "asc" },
  });
  const overdue = closed.filter((o) => reportOverdue(o, now));
  const partners = await db.partner.findMany({ where: { id: { in: overdue.map((o) => o.partnerId) } }, select: { id: true, name: true } });
  const names = new Map(partners.map((p) => [p.id, p.name]));
  return overdue.map((o) => ({ offeringId: o.id, reference: o.reference, title: o.title, cycleEnd: o.cycleEnd, partnerId: o.partnerId, partnerName: names.get(o.partnerId) ?? "" }));
}

// ---------------------------------------------------------------------------
// The cycle report and the distribution

export type ReportFigures = { income: bigint; expenses: bigint; loanLosses: bigint; rate: { numerator: bigint; denominator: bigint }; rateText: string };

export type FieldErrors = Partial<Record<"income" | "expenses" | "loanLosses" | "rate", string>>;

/** Parses the report form's figures in the partner's currency; each bad field gets its own message. */
export function parseReportForm(form: Record<string, unknown>, currency: string): { ok: true; figures: ReportFigures } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const labels = { income: "Income", expenses: "Expenses", loanLosses: "Loan losses" } as const;
  const amounts: Partial<Record<keyof typeof labels, bigint>> = {};
  for (const field of Object.keys(labels) as (keyof typeof labels)[]) {
    const text = String(form[field] ?? "").trim();
    if (text.startsWith("-")) {
      errors[field] = `${labels[field]} cannot be negative.`;
      continue;
    }
    const parsed = parseMoneyInput(text, currency, { min: 0n });
    if (parsed.ok) amounts[field] = parsed.amount;
    else errors[field] = `${labels[field]}: ${parsed.message}`;
  }
  const rateText = String(form.rate ?? "").trim();
  const rate = parseRate(rateText);
  if (!rate) errors.rate = `Enter the exchange rate as ${currency} per US dollar, a number greater than zero like 129.5.`;
  if (Object.keys(errors).length > 0 || !rate) return { ok: false, errors };
  return { ok: true, figures: { income: amounts.income!, expenses: amounts.expenses!, loanLosses: amounts.loanLosses!, rate, rateText } };
}

type ActiveInvestment = { id: string; investorId: string; units: number; amountCents: bigint };

async function activeInvestments(client: DbTx, offeringId: string): Promise<ActiveInvestment[]> {
  const rows = (await client.$queryRawUnsafe(
    `SELECT id, investor_id, units, amount_cents FROM offering_investments
      WHERE offering_id = $1 AND status IN ('active') ORDER BY created_at, id`,
    offeringId,
  )) as Row[];
  return rows.map((r) => ({ id: r.id as string, investorId: r.investor_id as string, units: Number(r.units), amountCents: BigInt(r.amount_cents as string) }));
}

/** Each active investment's part of `totalCents`, pro rata to units, ties to the earliest purchase. */
function partsOf(totalCents: bigint, investments: ActiveInvestment[]): Map<string, bigint> {
  const parts = splitToInvestors(totalCents, investments.map((i) => i.units));
  return new Map(investments.map((inv, i) => [inv.id, parts[i]!]));
}

/** What each investor received from a distribution of `totalCents`: their purchases' parts summed. */
export async function distributionByInvestor(offeringId: string, totalCents: bigint): Promise<Map<string, bigint>> {
  const investments = await activeInvestments(await getDb(), offeringId);
  const out = new Map<string, bigint>();
  for (const [id, part] of partsOf(totalCents, investments)) {
    const investorId = investments.find((i) => i.id === id)!.investorId;
    out.set(investorId, (out.get(investorId) ?? 0n) + part);
  }
  return out;
}

/** The report page's preview: net profit, in US cents, and what investors would receive. */
export function previewDistribution(terms: Pick<Terms, "profitShareBps" | "capitalReturned">, raisedCents: bigint, figures: ReportFigures, currency: string) {
  const net = netProfit(figures);
  const netUsdCents = toUsdCents(net, minorDigits(currency), figures.rate);
  return { netProfitMinor: net, netUsdCents, distributionCents: investorsReceive(terms, raisedCents, netUsdCents) };
}

/**
 * The partner files the cycle report of a closed offering after its cycle
 * ends: the distribution is computed from the terms and credited to every
 * investor's wallet in one ledger transaction, exact to the cent; the offering
 * becomes `distributed`. Filing twice changes nothing.
 */
export async function fileReport(input: { partnerId: string; offeringId: string; userId: string; figures: ReportFigures; now?: Date }) {
  const now = input.now ?? new Date();
  const db = await getDb();
  const partner = await db.partner.findUnique({ where: { id: input.partnerId }, select: { currency: true } });
  if (!partner) throw new EquityError("There is no such partner.", { status: 404 });
  return inTransaction(async (tx) => {
    const offering = await lockOffering(tx, input.offeringId);
    if (!offering || offering.partnerId !== input.partnerId) throw new EquityError("There is no such offering.", { status: 404 });
    if (offering.status === "distributed") {
      const existing = (await tx.$queryRawUnsafe(`SELECT distribution_cents FROM offering_reports WHERE offering_id = $1`, offering.id)) as Row[];
      return { replayed: true, distributionCents: BigInt(existing[0]!.distribution_cents as string) };
    }
    if (offering.status !== "closed") throw new EquityError(`Offering ${offering.reference} is ${offering.status}: only a closed offering has a cycle report.`, { status: 409 });
    if (now.getTime() < offering.cycleEnd.getTime()) {
      throw new EquityError(`The cycle ends on ${offering.cycleEnd.toISOString().slice(0, 10)}; file the report after that.`, { status: 409 });
    }
    const investments = await activeInvestments(tx, offering.id);
    const raised = investments.reduce((a, i) => a + i.amountCents, 0n);
    const { netProfitMinor, netUsdCents, distributionCents } = previewDistribution(offering, raised, input.figures, partner.currency);
    const perInvestor = new Map<string, bigint>();
    for (const [id, part] of partsOf(distributionCents, investments)) {
      const investorId = investments.find((i) => i.id === id)!.investorId;
      perInvestor.set(investorId, (perInvestor.get(investorId) ?? 0n) + part);
    }
    const credits = [...perInvestor].filter(([, amount]) => amount > 0n);
    if (credits.length > 0) {
      await postTransaction(
        {
          idempotencyKey: distributionKey(offering.id),
          kind: "equity_distribution",
          memo: `Share-out from offering ${offering.reference}: the group's cycle ${netUsdCents >= 0n ? "profit share" : "result"}${offering.capitalReturned ? " and capital returned" : ""}`,
          reference: { offeringId: offering.id },
          postings: [
            { account: partnerExternalAccount(offering.partnerId), amount: -distributionCents, currency: "USD" },
            ...credits.map(([investorId, amount]) => ({ account: walletAccount(investorId), amount, currency: "USD" })),
          ],
        },
        { tx },
      );
    }
    await tx.$executeRawUnsafe(
      `INSERT INTO offering_reports (offering_id, currency, income_minor, expenses_minor, loan_losses_minor, net_profit_minor, fx_rate, distribution_cents, reported_by_id, reported_at)
       VALUES ($1, $2, $3::bigint, $4::bigint, $5::bigint, $6::bigint, $7::numeric, $8::bigint, $9, $10)`,
      offering.id,
      partner.currency,
      input.figures.income.toString(),
      input.figures.expenses.toString(),
      input.figures.loanLosses.toString(),
      netProfitMinor.toString(),
      input.figures.rateText,
      distributionCents.toString(),
      input.userId,
      now,
    );
    await tx.$executeRawUnsafe(`UPDATE offerings SET status = 'distributed', updated_at = now() WHERE id = $1`, offering.id);
    return { replayed: false, distributionCents };
  });
}

/** What the group's own meeting records say for the cycle, as a reference for the report. */
export async function meetingTotals(offering: { groupId: string | null; cycleStart: Date; cycleEnd: Date }) {
  if (!offering.groupId) return null;
  const db = await getDb();
  const meetings = await db.groupMeeting.findMany({
    where: { groupId: offering.groupId, heldOn: { gte: offering.cycleStart, lte: offering.cycleEnd } },
    select: { currency: true, savingsCollected: true, repaymentsCollected: true },
  });
  if (meetings.length === 0) return null;
  return {
    meetings: meetings.length,
    currency: meetings[0]!.currency.trim(),
    savingsCollected: meetings.reduce((a, m) => a + m.savingsCollected, 0n),
    repaymentsCollected: meetings.reduce((a, m) => a + m.repaymentsCollected, 0n),
  };
}

// ---------------------------------------------------------------------------
// Views

/** The partner's report page: the offering, its raise, and the meeting totals. */
export async function getOfferingForReport(partnerId: string, offeringId: string) {
  const db = await getDb();
  const offering = await db.offering.findFirst({
    where: { id: offeringId, partnerId },
    include: { report: true },
  });
  if (!offering) return null;
  const partner = await db.partner.findUniqueOrThrow({ where: { id: partnerId }, select: { currency: true, name: true } });
  const investments = await activeInvestments(db, offering.id);
  return {
    offering,
    partner,
    raisedCents: investments.reduce((a, i) => a + i.amountCents, 0n),
    meetings: await meetingTotals(offering),
  };
}

/** Who holds what. In full (names) only for the offering's own partner staff; investors see the aggregate. */
export async function capTable(offeringId: string) {
  const db = await getDb();
  const rows = await db.offeringInvestment.findMany({
    where: { offeringId, status: { in: ["held", "active"] } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  const byInvestor = new Map<string, { units: number; amountCents: bigint }>();
  for (const r of rows) {
    const entry = byInvestor.get(r.investorId) ?? { units: 0, amountCents: 0n };
    entry.units += r.units;
    entry.amountCents += r.amountCents;
    byInvestor.set(r.investorId, entry);
  }
  const users = await db.user.findMany({ where: { id: { in: [...byInvestor.keys()] } }, select: { id: true, name: true, email: true } });
  const names = new Map(users.map((u) => [u.id, u]));
  const holders = [...byInvestor].map(([investorId, v]) => ({ investorId, name: names.get(investorId)?.name ?? "", email: names.get(investorId)?.email ?? "", ...v }));
  return {
    investors: holders.length,
    units: holders.reduce((a, h) => a + h.units, 0),
    amountCents: holders.reduce((a, h) => a + h.amountCents, 0n),
    holders,
  };
}

/** The aggregate only: how many investors and units, never who. */
export async function capTableAggregate(offeringId: string) {
  const { investors, units, amountCents } = await capTable(offeringId);
  return { investors, units, amountCents };
}

export type Holding = {
  investmentId: string;
  offeringId: string;
  reference: string;
  title: string;
  offeringStatus: string;
  status: string;
  units: number;
  amountCents: bigint;
  createdAt: Date;
  cancellableUntil: Date | null;
  /** What this holding would receive at a profit of a fifth of the capital raised. */
  expectedAtProfitCents: bigint;
  receivedCents: bigint | null;
  reportOverdue: boolean;
};

/** The investor's holdings, newest first, with what each is expected to and did receive. */
export async function listHoldings(investorId: string, now = new Date()): Promise<Holding[]> {
  return readableOfferingTexts(await holdingsAsWritten(investorId, now), ["title"], PUBLIC_VIEWER);
}

async function holdingsAsWritten(investorId: string, now: Date): Promise<Holding[]> {
  const db = await getDb();
  const rows = await db.offeringInvestment.findMany({
    // A purchase still waiting for its card payment holds nothing yet.
    where: { investorId, status: { not: CARD_PENDING } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    include: { offering: { include: { report: { select: { distributionCents: true } } } } },
  });
  const activeBy = new Map<string, ActiveInvestment[]>();
  const out: Holding[] = [];
  for (const r of rows) {
    const o = r.offering;
    const live = r.status === "held" || r.status === "active";
    const totalUnits = Math.max(o.unitsSold, r.units);
    const raised = BigInt(totalUnits) * o.unitPriceCents;
    const expected = live
      ? splitToInvestors(investorsReceive(o, raised, raised / 5n), totalUnits > r.units ? [r.units, totalUnits - r.units] : [r.units])[0]!
      : 0n;
    let received: bigint | null = null;
    if (o.report && r.status === "active") {
      if (!activeBy.has(o.id)) activeBy.set(o.id, await activeInvestments(db, o.id));
      received = partsOf(o.report.distributionCents, activeBy.get(o.id)!).get(r.id) ?? 0n;
    }
    const until = cancellableUntil(r.createdAt, o.cancellationHours);
    out.push({
      investmentId: r.id,
      offeringId: o.id,
      reference: o.reference,
      title: o.title,
      offeringStatus: o.status,
      status: r.status,
      units: r.units,
      amountCents: r.amountCents,
      createdAt: r.createdAt,
      cancellableUntil: r.status === "held" && o.status === "listed" && until.getTime() > now.getTime() ? until : null,
      expectedAtProfitCents: expected,
      receivedCents: received,
      reportOverdue: r.status === "active" && reportOverdue(o, now),
    });
  }
  return out;
}

/** A listed offering as the invest page shows it, with the investor's own units and the aggregate cap table. */
export async function getOfferingForInvestor(offeringId: string, investorId: string | null) {
  const db = await getDb();
  const offering = await db.offering.findUnique({ where: { id: offeringId } });
  if (!offering || !["listed", "closed", "refunded", "distributed"].includes(offering.status)) return null;
  const partner = await db.partner.findUniqueOrThrow({ where: { id: offering.partnerId }, select: { name: true } });
  const own = investorId
    ? await db.offeringInvestment.aggregate({ where: { offeringId, investorId, status: { in: ["held", "active"] } }, _sum: { units: true } })
    : null;
  // The title and risks as the public may read them (consent.server.ts readableText).
  const [readable] = await readableOfferingTexts([{ offeringId, title: offering.title, risks: offering.risks }], ["title", "risks"], PUBLIC_VIEWER);
  return {
    offering: { ...offering, title: readable!.title, risks: readable!.risks },
    partner,
    ownUnits: own?._sum.units ?? 0,
    unitsLeft: unitsLeft(offering),
    capTable: await capTableAggregate(offeringId),
  };
}

/** The holdings as CSV, every cell safe from spreadsheet formulas. */
export async function holdingsCsv(investorId: string, now = new Date()): Promise<string> {
  const holdings = await listHoldings(investorId, now);
  const header = ["Bought (UTC)", "Offering", "Reference", "Units", "Paid (USD)", "Status", "Offering status", "At a 20% profit (USD)", "Received (USD)", "Report overdue"];
  const usd = (cents: bigint | null) => (cents === null ? "" : toDecimalString(cents, "USD"));
  return (
    csvRow(header.map((h) => csvCell(h))) +
    holdings
      .map((h) =>
        csvRow([
          csvCell(h.createdAt.toISOString()),
          csvCell(h.title),
          csvCell(h.reference),
          csvCell(String(h.units), { raw: true }),
          csvCell(usd(h.amountCents), { raw: true }),
          csvCell(h.status),
          csvCell(h.offeringStatus),
          csvCell(h.status === "held" || h.status === "active" ? usd(h.expectedAtProfitCents) : "", { raw: true }),
          csvCell(usd(h.receivedCents), { raw: true }),
          csvCell(h.reportOverdue ? "yes" : "no"),
        ]),
      )
      .join("")
  );
}
