// Repayments: a field partner records what a borrower paid; the principal in
// it goes to the loan's lenders, pro rata to their shares, as wallet credit.
//
// Two steps, each one database transaction:
//   record     — the repayment row and the loan's running totals, under the loan's row lock;
//   distribute — the per-lender allocations and the ledger transaction, then status 'distributed'.
// A single repayment from a form does both in one transaction. A CSV upload
// records every line in one transaction (all or nothing), then distributes in
// batches. A crash between batches leaves repayments 'recorded', never half
// distributed, and `distributePending` (also run by the periodic job) finishes
// them exactly once: the ledger's idempotency key `repayment:<id>` backs that up.
import crypto from "node:crypto";
import { z } from "zod";
import { minorDigits, parseMoneyInput } from "~/lib/money.ts";
import {
  convertPrincipal,
  firstUnpaidDue,
  owedUsdFor,
  parseRate,
  RateError,
  scheduleTotal,
  splitPayment,
  splitToLenders,
  type DueInstalment,
} from "~/lib/repayment.ts";
import { computeSchedule, instalmentCount, type Frequency } from "~/lib/schedule.ts";
import { getDb } from "~/utils/db.server.ts";
import { intArrayLiteral, textArrayLiteral } from "~/utils/sql-array.server.ts";
import { inTransaction, postTransactions, walletAccount, type DbTx, type TransactionInput } from "./ledger.server.ts";

export class RepaymentError extends Error {
  constructor(
    message: string,
    readonly field: string = "",
  ) {
    super(message);
    this.name = "RepaymentError";
  }
}

type Row = Record<string, unknown>;
const big = (v: unknown) => BigInt(v as string | number | bigint);
const DAY = 86_400_000;

export const partnerExternalAccount = (partnerId: string) => `external:partner:${partnerId}`;

/** Statuses a repayment may be recorded against: recoveries after default or write-off still reach lenders. */
const REPAYABLE = new Set(["paying_back", "defaulted", "written_off"]);

export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function startOfDayUtc(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

export function parseDateInput(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || isoDate(date) !== value ? null : date;
}

// ---------------------------------------------------------------------------
// Schedules

type ScheduleLoan = {
  amountLocalMinor: bigint;
  annualRateBps: number;
  termMonths: number;
  frequency: Frequency;
  interestMethod: "flat" | "declining_balance";
  graceInstalments: number;
};

async function writeSchedule(
  tx: DbTx,
  input: { loanId: string; version: number; startsOn: Date; paidBeforeLocal: bigint; reason: string; userId: string | null; instalments: DueInstalment[] },
) {
  await tx.$executeRawUnsafe(
    `INSERT INTO loan_schedules (loan_id, version, paid_before_local, starts_on, reason, created_by_id) VALUES ($1, $2, $3::bigint, $4::date, $5, $6)`,
    input.loanId,
    input.version,
    input.paidBeforeLocal.toString(),
    isoDate(input.startsOn),
    input.reason,
    input.userId,
  );
  await tx.$executeRawUnsafe(
    `INSERT INTO loan_instalments (loan_id, version, number, due_on, principal, interest)
     SELECT $1, $2, n, d::date, p, i FROM unnest($3::int[], $4::text[], $5::bigint[], $6::bigint[]) AS t(n, d, p, i)`,
    input.loanId,
    input.version,
    input.instalments.map((_, index) => index + 1),
    input.instalments.map((i) => isoDate(i.dueOn)),
    input.instalments.map((i) => i.principal.toString()),
    input.instalments.map((i) => i.interest.toString()),
  );
  const last = input.instalments[input.instalments.length - 1]!;
  await tx.$executeRawUnsafe(
    `UPDATE loans SET schedule_version = $2, first_unpaid_due_on = $3::date, maturity_on = $4::date, updated_at = now() WHERE id = $1`,
    input.loanId,
    input.version,
    isoDate(input.instalments[0]!.dueOn),
    isoDate(last.dueOn),
  );
}

function toDue(schedule: ReturnType<typeof computeSchedule>): DueInstalment[] {
  return schedule.instalments.map((i) => ({ dueOn: startOfDayUtc(i.dueDate), principal: i.principal, interest: i.interest }));
}

/** Version 1 of a loan's schedule, written when the partner records the disbursement (in its transaction). */
export async function createInitialSchedule(tx: DbTx, loan: ScheduleLoan & { id: string }, disbursedOn: Date, userId: string | null) {
  const schedule = computeSchedule({
    principal: loan.amountLocalMinor,
    annualRateBps: loan.annualRateBps,
    termMonths: loan.termMonths,
    frequency: loan.frequency,
    method: loan.interestMethod,
    graceInstalments: loan.graceInstalments,
    disbursedOn: startOfDayUtc(disbursedOn),
  });
  await writeSchedule(tx, {
    loanId: loan.id,
    version: 1,
    startsOn: disbursedOn,
    paidBeforeLocal: 0n,
    reason: "Schedule at disbursement",
    userId,
    instalments: toDue(schedule),
  });
}

async function scheduleInForce(tx: DbTx, loanId: string, version: number): Promise<{ paidBeforeLocal: bigint; instalments: DueInstalment[] }> {
  const head = (await tx.$queryRawUnsafe(`SELECT paid_before_local FROM loan_schedules WHERE loan_id = $1 AND version = $2`, loanId, version)) as Row[];
  if (!head[0]) throw new RepaymentError("This loan has no repayment schedule yet: record its disbursement first.");
  const rows = (await tx.$queryRawUnsafe(
    `SELECT due_on, principal, interest FROM loan_instalments WHERE loan_id = $1 AND version = $2 ORDER BY number`,
    loanId,
    version,
  )) as Row[];
  return {
    paidBeforeLocal: big(head[0].paid_before_local),
    instalments: rows.map((r) => ({ dueOn: new Date(r.due_on as string | Date), principal: big(r.principal), interest: big(r.interest) })),
  };
}

// ---------------------------------------------------------------------------
// Recording

export type RepaymentInput = {
  partnerId: string;
  loanId: string;
  requestKey: string;
  paidOn: Date;
  /** Local currency, minor units. */
  localAmount: bigint;
  /** Local currency units per US dollar. */
  fxRate: string;
  recordedById?: string | null;
};

type LockedLoan = {
  id: string;
  reference: string;
  partnerId: string;
  status: string;
  amountUsdCents: bigint;
  amountLocalMinor: bigint;
  localCurrency: string;
  scheduleVersion: number;
  repaidLocalMinor: bigint;
  principalRepaidLocal: bigint;
  principalRepaidUsdCents: bigint;
  disbursedAt: Date | null;
};

async function lockLoans(tx: DbTx, partnerId: string, loanIds: string[]): Promise<Map<string, LockedLoan>> {
  const rows = (await tx.$queryRawUnsafe(
    `SELECT id, reference, partner_id, status::text AS status, amount_usd_cents, amount_local_minor, local_currency,
            schedule_version, repaid_local_minor, principal_repaid_local, principal_repaid_usd_cents, disbursed_at
       FROM loans WHERE id = ANY($1::text[]) AND partner_id = $2 ORDER BY id FOR UPDATE`,
    loanIds,
    partnerId,
  )) as Row[];
  return new Map(
    rows.map((r) => [
      r.id as string,
      {
        id: r.id as string,
        reference: r.reference as string,
        partnerId: r.partner_id as string,
        status: r.status as string,
        amountUsdCents: big(r.amount_usd_cents),
        amountLocalMinor: big(r.amount_local_minor),
        localCurrency: (r.local_currency as string).trim(),
        scheduleVersion: Number(r.schedule_version),
        repaidLocalMinor: big(r.repaid_local_minor),
        principalRepaidLocal: big(r.principal_repaid_local),
        principalRepaidUsdCents: big(r.principal_repaid_usd_cents),
        disbursedAt: r.disbursed_at ? new Date(r.disbursed_at as string | Date) : null,
      },
    ]),
  );
}

type Computed = {
  id: string;
  input: RepaymentInput;
  currency: string;
  principalLocal: bigint;
  interestLocal: bigint;
  owedUsdCents: bigint;
  usdCents: bigint;
  fxLossCents: bigint;
};

/**
 * The checks a partner can act on, named by form field. `lineNo` prefixes
 * messages from a CSV upload.
 */
function checkStatus(loan: LockedLoan | undefined): asserts loan is LockedLoan {
  if (!loan) throw new RepaymentError("No such loan at this partner.", "loan");
  if (!REPAYABLE.has(loan.status)) {
    throw new RepaymentError(
      loan.status === "repaid"
        ? `Loan ${loan.reference} is already fully repaid.`
        : `Loan ${loan.reference} is ${loan.status.replace("_", " ")}: repayments can be recorded only once it is disbursed.`,
      "loan",
    );
  }
  if (loan.scheduleVersion === 0) throw new RepaymentError(`Loan ${loan.reference} has no repayment schedule yet: record its disbursement first.`, "loan");
}

function check(loan: LockedLoan, input: RepaymentInput, owedLocal: bigint, today: Date): void {
  if (input.localAmount <= 0n) throw new RepaymentError("The amount must be more than zero.", "amount");
  if (input.localAmount > owedLocal) {
    throw new RepaymentError(`That is more than the ${formatLocal(owedLocal, loan.localCurrency)} still owed on loan ${loan.reference}.`, "amount");
  }
  if (input.paidOn.getTime() > today.getTime()) throw new RepaymentError("The date cannot be in the future.", "paidOn");
  if (loan.disbursedAt && input.paidOn.getTime() < startOfDayUtc(loan.disbursedAt).getTime()) {
    throw new RepaymentError(`The date cannot be before the loan was disbursed (${isoDate(loan.disbursedAt)}).`, "paidOn");
  }
  try {
    parseRate(input.fxRate);
  } catch (error) {
    if (error instanceof RateError) throw new RepaymentError(error.message, "fxRate");
    throw error;
  }
}

function formatLocal(minor: bigint, currency: string): string {
  const digits = minorDigits(currency);
  const scale = 10n ** BigInt(digits);
  const whole = minor / scale;
  const fraction = digits ? `.${(minor % scale).toString().padStart(digits, "0")}` : "";
  return `${currency} ${whole.toLocaleString("en-US")}${fraction}`;
}

async function existingByKey(tx: DbTx, partnerId: string, keys: string[]): Promise<Map<string, Row>> {
  const rows = (await tx.$queryRawUnsafe(
    `SELECT id, request_key, loan_id, paid_on, local_amount, fx_rate::text AS fx_rate FROM repayments WHERE partner_id = $1 AND request_key = ANY($2::text[])`,
    partnerId,
    keys,
  )) as Row[];
  return new Map(rows.map((r) => [r.request_key as string, r]));
}

function sameInput(row: Row, input: RepaymentInput): boolean {
  return (
    row.loan_id === input.loanId &&
    isoDate(new Date(row.paid_on as string | Date)) === isoDate(input.paidOn) &&
    big(row.local_amount) === input.localAmount &&
    Number(row.fx_rate) === Number(input.fxRate)
  );
}

export type Recorded = { repaymentId: string; loanId: string; replayed: boolean };
export type RecordOutcome = { recorded: Recorded[]; repaidLoanIds: string[] };

/**
 * Records repayments inside the caller's transaction, all or none: each
 * loan's lines in date order, under the loan's row lock. A request key seen
 * before with the same input is a replay; with another input, an error.
 */
export async function recordRepayments(
  tx: DbTx,
  inputs: readonly RepaymentInput[],
  options: { uploadId?: string | null; now?: Date; onError?: (index: number, error: RepaymentError) => never } = {},
): Promise<RecordOutcome> {
  if (inputs.length === 0) return { recorded: [], repaidLoanIds: [] };
  const now = options.now ?? new Date();
  const partnerId = inputs[0]!.partnerId;
  if (inputs.some((i) => i.partnerId !== partnerId)) throw new Error("recordRepayments: one partner per call");
  const fail = (index: number, error: RepaymentError): never => {
    if (options.onError) return options.onError(index, error);
    throw error;
  };

  const keys = new Set<string>();
  inputs.forEach((input, index) => {
    if (!input.requestKey || input.requestKey.length > 200) fail(index, new RepaymentError("Missing request key; reload the form and try again."));
    if (keys.has(input.requestKey)) fail(index, new RepaymentError("The same repayment appears twice.", ""));
    keys.add(input.requestKey);
  });
  // Lock the loans first, then look the keys up: a second submit of the same
  // form waits here for the first to commit and then finds its key.
  const loans = await lockLoans(tx, partnerId, [...new Set(inputs.map((i) => i.loanId))]);
  const existing = await existingByKey(tx, partnerId, [...keys]);
  const recorded: Recorded[] = new Array(inputs.length);
  const fresh: { input: RepaymentInput; index: number }[] = [];
  inputs.forEach((input, index) => {
    const seen = existing.get(input.requestKey);
    if (!seen) return void fresh.push({ input, index });
    if (!sameInput(seen, input)) fail(index, new RepaymentError("This repayment was already recorded with different details; nothing new was posted.", ""));
    recorded[index] = { repaymentId: seen.id as string, loanId: input.loanId, replayed: true };
  });

  const byLoan = new Map<string, { input: RepaymentInput; index: number }[]>();
  for (const item of fresh) {
    const list = byLoan.get(item.input.loanId);
    if (list) list.push(item);
    else byLoan.set(item.input.loanId, [item]);
  }

  const rows: Computed[] = [];
  const repaidLoanIds: string[] = [];
  const today = new Date(now.getTime());
  for (const [loanId, items] of byLoan) {
    const loan = loans.get(loanId);
    try {
      checkStatus(loan);
    } catch (error) {
      if (error instanceof RepaymentError) fail(items[0]!.index, error);
      throw error;
    }
    const schedule = await scheduleInForce(tx, loanId, loan!.scheduleVersion);
    const total = scheduleTotal(schedule.instalments);
    items.sort((a, b) => a.input.paidOn.getTime() - b.input.paidOn.getTime() || a.index - b.index);
    let paidSince = loan!.repaidLocalMinor - schedule.paidBeforeLocal;
    let principalLocal = loan!.principalRepaidLocal;
    let owedSoFar = loan!.principalRepaidUsdCents;
    let usdTotal = 0n;
    let lossTotal = 0n;
    let repaidTotal = 0n;
    for (const { input, index } of items) {
      try {
        check(loan!, input, total - paidSince, today);
      } catch (error) {
        if (error instanceof RepaymentError) fail(index, error);
        throw error;
      }
      const split = splitPayment(schedule.instalments, paidSince, input.localAmount);
      const newPrincipalLocal = principalLocal + split.principal;
      const owedCum = owedUsdFor(newPrincipalLocal, loan!.amountLocalMinor, loan!.amountUsdCents);
      const owed = owedCum - owedSoFar;
      const { usdCents, fxLossCents } = convertPrincipal({ principalLocal: split.principal, owedUsdCents: owed, rate: input.fxRate, currency: loan!.localCurrency });
      const id = crypto.randomUUID();
      rows.push({ id, input, currency: loan!.localCurrency, principalLocal: split.principal, interestLocal: split.interest, owedUsdCents: owed, usdCents, fxLossCents });
      recorded[index] = { repaymentId: id, loanId, replayed: false };
      paidSince += input.localAmount;
      principalLocal = newPrincipalLocal;
      owedSoFar = owedCum;
      usdTotal += usdCents;
      lossTotal += fxLossCents;
      repaidTotal += input.localAmount;
    }
    const firstUnpaid = firstUnpaidDue(schedule.instalments, paidSince);
    const fullyRepaid = firstUnpaid === null;
    await tx.$executeRawUnsafe(
      `UPDATE loans SET repaid_local_minor = repaid_local_minor + $2::bigint, principal_repaid_local = $3::bigint,
              principal_repaid_usd_cents = $4::bigint, repaid_usd_cents = repaid_usd_cents + $5::bigint,
              fx_loss_cents = fx_loss_cents + $6::bigint, first_unpaid_due_on = $7::date,
              -- Up to date again: a later arrears episode is told about afresh.
              arrears_notified_at = CASE WHEN $7::date IS NULL OR $7::date >= current_date THEN NULL ELSE arrears_notified_at END,
              status = CASE WHEN $8 THEN 'repaid'::"LoanStatus" ELSE status END,
              repaid_at = CASE WHEN $8 THEN now() ELSE repaid_at END, updated_at = now()
        WHERE id = $1`,
      loanId,
      repaidTotal.toString(),
      principalLocal.toString(),
      owedSoFar.toString(),
      usdTotal.toString(),
      lossTotal.toString(),
      firstUnpaid ? isoDate(firstUnpaid) : null,
      fullyRepaid,
    );
    if (fullyRepaid) {
      repaidLoanIds.push(loanId);
      await tx.$executeRawUnsafe(
        `INSERT INTO loan_events (loan_id, from_status, to_status, comment) VALUES ($1, $2::"LoanStatus", 'repaid', 'Repaid in full')`,
        loanId,
        loan!.status,
      );
    }
  }

  if (rows.length > 0) {
    await tx.$executeRawUnsafe(
      `INSERT INTO repayments (id, loan_id, partner_id, request_key, paid_on, local_currency, local_amount, fx_rate, principal_local,
                               interest_local, expected_usd_cents, usd_cents, fx_loss_cents, upload_id, recorded_by_id)
       SELECT id, loan_id, $1, request_key, paid_on::date, currency, local_amount, fx_rate::numeric, principal_local, interest_local,
              expected, usd, loss, $2, recorded_by
         FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::bigint[],
                     $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::text[])
              AS t(id, loan_id, request_key, paid_on, currency, local_amount, fx_rate, principal_local, interest_local, expected, usd, loss, recorded_by)`,
      partnerId,
      options.uploadId ?? null,
      rows.map((r) => r.id),
      rows.map((r) => r.input.loanId),
      rows.map((r) => r.input.requestKey),
      rows.map((r) => isoDate(r.input.paidOn)),
      rows.map((r) => r.currency),
      rows.map((r) => r.input.localAmount.toString()),
      rows.map((r) => r.input.fxRate.trim()),
      rows.map((r) => r.principalLocal.toString()),
      rows.map((r) => r.interestLocal.toString()),
      rows.map((r) => r.owedUsdCents.toString()),
      rows.map((r) => r.usdCents.toString()),
      rows.map((r) => r.fxLossCents.toString()),
      rows.map((r) => r.input.recordedById ?? null),
    );
  }
  return { recorded, repaidLoanIds };
}

// ---------------------------------------------------------------------------
// Distribution

/**
 * Distributes recorded repayments in the caller's transaction: allocations and
 * one ledger transaction per repayment, all posted together. Repayments
 * already distributed (or being distributed by someone holding their lock)
 * are skipped.
 */
export async function distributeWithin(tx: DbTx, repaymentIds: readonly string[]): Promise<number> {
  if (repaymentIds.length === 0) return 0;
  const repayments = (await tx.$queryRawUnsafe(
    `SELECT r.id, r.loan_id, r.partner_id, r.paid_on, r.usd_cents, r.fx_loss_cents, l.reference
       FROM repayments r JOIN loans l ON l.id = r.loan_id
      WHERE r.id = ANY($1::text[]) AND r.status = 'recorded'
      ORDER BY r.created_at, r.id
      FOR UPDATE OF r SKIP LOCKED`,
    [...repaymentIds],
  )) as Row[];
  if (repayments.length === 0) return 0;
  const loanIds = [...new Set(repayments.map((r) => r.loan_id as string))];
  // Shares in buying order; a lender with several checkouts is summed and
  // keeps the place of their first share, the tie-break. One row per loan
  // with its shares as two arrays: 10,000 rows cost more to receive than
  // the same values as arrays.
  const holderRows = (await tx.$queryRawUnsafe(
    `SELECT loan_id, array_agg(lender_id ORDER BY id) AS lenders, array_agg(shares ORDER BY id) AS shares
       FROM loan_shares WHERE loan_id = ANY($1::text[]) AND status = 'funded' GROUP BY loan_id`,
    loanIds,
  )) as Row[];
  const holders = new Map<string, { lenderId: string; shares: number }[]>();
  for (const r of holderRows) {
    const lenderIds = r.lenders as string[];
    const shares = r.shares as number[];
    const byLender = new Map<string, { lenderId: string; shares: number }>();
    const list: { lenderId: string; shares: number }[] = [];
    for (let i = 0; i < lenderIds.length; i++) {
      const known = byLender.get(lenderIds[i]!);
      if (known) {
        known.shares += Number(shares[i]);
        continue;
      }
      const holder = { lenderId: lenderIds[i]!, shares: Number(shares[i]) };
      byLender.set(holder.lenderId, holder);
      list.push(holder);
    }
    holders.set(r.loan_id as string, list);
  }

  // One row per lender per repayment; the repayment's own columns are sent
  // once per repayment and joined by position (`r`), not repeated 10,000 times.
  const allocation = { repayment: [] as number[], lenderId: [] as string[], shares: [] as number[], usd: [] as bigint[], loss: [] as bigint[] };
  const perRepayment = { id: [] as string[], loanId: [] as string[], paidOn: [] as string[] };
  const transactions: TransactionInput[] = [];
  for (const repayment of repayments) {
    const id = repayment.id as string;
    const loanId = repayment.loan_id as string;
    const usd = big(repayment.usd_cents);
    const loss = big(repayment.fx_loss_cents);
    const paidOn = isoDate(new Date(repayment.paid_on as string | Date));
    const lenders = holders.get(loanId) ?? [];
    if (lenders.length === 0 && usd + loss > 0n) throw new RepaymentError(`Loan ${repayment.reference as string} has no lenders to repay.`);
    perRepayment.id.push(id);
    perRepayment.loanId.push(loanId);
    perRepayment.paidOn.push(paidOn);
    const position = perRepayment.id.length;
    const parts = splitToLenders(lenders, usd, loss);
    const postings = [];
    for (const part of parts) {
      if (part.owedUsdCents === 0n) continue;
      allocation.repayment.push(position);
      allocation.lenderId.push(part.lenderId);
      allocation.shares.push(part.shares);
      allocation.usd.push(part.usdCents);
      allocation.loss.push(part.fxLossCents);
      if (part.usdCents > 0n) postings.push({ account: walletAccount(part.lenderId), amount: part.usdCents, currency: "USD" });
    }
    if (usd > 0n) {
      transactions.push({
        idempotencyKey: `repayment:${id}`,
        kind: "repayment",
        memo: `Repayment from loan ${repayment.reference as string} (paid ${paidOn})`,
        reference: { loanId, repaymentId: id },
        postings: [{ account: partnerExternalAccount(repayment.partner_id as string), amount: -usd, currency: "USD" }, ...postings],
      });
    }
  }
  if (allocation.lenderId.length > 0) {
    await tx.$executeRawUnsafe(
      `INSERT INTO repayment_allocations (repayment_id, lender_id, loan_id, shares, expected_usd_cents, usd_cents, fx_loss_cents, paid_on)
       SELECT p.id, t.lender, p.loan, t.shares, t.usd + t.loss, t.usd, t.loss, p.paid_on::date
         FROM unnest($1::int[], $2::text[], $3::int[], $4::bigint[], $5::bigint[]) AS t(r, lender, shares, usd, loss)
         JOIN unnest($6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS p(id, loan, paid_on, r) ON p.r = t.r`,
      intArrayLiteral(allocation.repayment),
      textArrayLiteral(allocation.lenderId),
      intArrayLiteral(allocation.shares),
      intArrayLiteral(allocation.usd),
      intArrayLiteral(allocation.loss),
      perRepayment.id,
      perRepayment.loanId,
      perRepayment.paidOn,
    );
  }
  await postTransactions(transactions, { tx });
  await tx.$executeRawUnsafe(
    `UPDATE repayments SET status = 'distributed', distributed_at = now() WHERE id = ANY($1::text[])`,
    repayments.map((r) => r.id as string),
  );
  return repayments.length;
}

/**
 * Finishes every recorded repayment (of one upload, or all), `batch` at a
 * time, each batch one transaction. Safe to run anywhere, any number of
 * times, concurrently: a repayment is distributed once.
 */
export async function distributePending(options: { uploadId?: string; batch?: number; limit?: number; onProgress?: (done: number) => Promise<void> | void } = {}): Promise<number> {
  const db = await getDb();
  const batch = options.batch ?? 200;
  let done = 0;
  for (;;) {
    const take = options.limit ? Math.min(batch, options.limit - done) : batch;
    if (take <= 0) break;
    const pending = (await db.$queryRawUnsafe(
      options.uploadId
        ? `SELECT id FROM repayments WHERE status = 'recorded' AND upload_id = $2 ORDER BY created_at, id LIMIT $1`
        : `SELECT id FROM repayments WHERE status = 'recorded' ORDER BY created_at, id LIMIT $1`,
      take,
      ...(options.uploadId ? [options.uploadId] : []),
    )) as Row[];
    if (pending.length === 0) break;
    const count = await inTransaction((tx) => distributeWithin(tx, pending.map((r) => r.id as string)));
    if (count === 0) break; // the rest are locked by another runner, which will finish them
    done += count;
    await options.onProgress?.(done);
    // Let the server answer requests between batches: PGlite has one connection.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return done;
}

/** One repayment from the partner's form: recorded and distributed in one transaction. */
export async function recordRepayment(input: RepaymentInput & { now?: Date }): Promise<{ repaymentId: string; replayed: boolean; loanRepaid: boolean }> {
  return inTransaction(async (tx) => {
    const { recorded, repaidLoanIds } = await recordRepayments(tx, [input], { now: input.now });
    const result = recorded[0]!;
    if (!result.replayed) await distributeWithin(tx, [result.repaymentId]);
    return { repaymentId: result.repaymentId, replayed: result.replayed, loanRepaid: repaidLoanIds.includes(input.loanId) };
  });
}

// ---------------------------------------------------------------------------
// The form

function localAmountField(currency: string) {
  return z.string().transform((value, ctx) => {
    const parsed = parseMoneyInput(value, currency);
    if (!parsed.ok) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.message });
      return z.NEVER;
    }
    return parsed.amount;
  });
}

/** The partner's repayment form, as typed. */
export function repaymentFormSchema(currency: string) {
  return z.object({
    requestKey: z.string().min(8).max(100),
    paidOn: z.string().transform((value, ctx) => {
      const date = parseDateInput(value.trim());
      if (!date) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: "Enter the date it was paid (YYYY-MM-DD)." });
        return z.NEVER;
      }
      return date;
    }),
    amount: localAmountField(currency),
    fxRate: z
      .string()
      .trim()
      .refine((v) => /^\d{1,10}(\.\d{1,8})?$/.test(v) && Number(v) > 0, `Enter the exchange rate used: ${currency} per US dollar, e.g. 129.50.`),
  });
}

// ---------------------------------------------------------------------------
// Arrears, default, reschedule, write-off

async function changeStatus(tx: DbTx, loanId: string, from: string, to: string, userId: string | null, comment: string, extra = "") {
  await tx.$executeRawUnsafe(`UPDATE loans SET status = $2::"LoanStatus"${extra}, updated_at = now() WHERE id = $1`, loanId, to);
  await tx.$executeRawUnsafe(
    `INSERT INTO loan_events (loan_id, from_status, to_status, by_user_id, comment) VALUES ($1, $2::"LoanStatus", $3::"LoanStatus", $4, $5)`,
    loanId,
    from,
    to,
    userId,
    comment,
  );
}

/** Loans past due beyond their partner's grace become `defaulted`. Returns their ids. */
export async function markDefaults(now = new Date()): Promise<string[]> {
  return inTransaction(async (tx) => {
    const rows = (await tx.$queryRawUnsafe(
      `SELECT l.id, l.first_unpaid_due_on, p.default_after_days FROM loans l JOIN partners p ON p.id = l.partner_id
        WHERE l.status = 'paying_back' AND l.first_unpaid_due_on IS NOT NULL
          AND l.first_unpaid_due_on < ($1::date - p.default_after_days)
        FOR UPDATE OF l`,
      isoDate(now),
    )) as Row[];
    for (const r of rows) {
      await changeStatus(
        tx,
        r.id as string,
        "paying_back",
        "defaulted",
        null,
        `More than ${Number(r.default_after_days)} days late (unpaid since ${isoDate(new Date(r.first_unpaid_due_on as string | Date))})`,
        ", defaulted_at = now()",
      );
    }
    return rows.map((r) => r.id as string);
  });
}

export const rescheduleSchema = z.object({
  startsOn: z.string().transform((value, ctx) => {
    const date = parseDateInput(value.trim());
    if (!date) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: "Enter the date the new schedule starts (YYYY-MM-DD)." });
      return z.NEVER;
    }
    return date;
  }),
  termMonths: z.coerce.number({ message: "Enter the new term in months." }).int("Whole months only.").min(1, "At least one month.").max(60, "At most 60 months."),
  frequency: z.enum(["weekly", "fortnightly", "monthly"], { message: "Choose how often the borrower repays." }),
  reason: z.string().trim().min(5, "Say why the loan is rescheduled (at least 5 characters).").max(500),
});

/**
 * A new schedule for the principal still owed, from `startsOn`; the old
 * versions stay as history. A defaulted loan that is rescheduled is paying
 * back again.
 */
export class ScheduleMoved extends RepaymentError {
  constructor(readonly currentVersion: number) {
    super("The schedule changed while you had this page open; check the new schedule before rescheduling again.");
    this.name = "ScheduleMoved";
  }
}

export async function rescheduleLoan(
  partnerId: string,
  loanId: string,
  userId: string,
  input: z.infer<typeof rescheduleSchema>,
  options: { now?: Date; /** The version the form was drawn from: checked under the loan's lock. */ expectedVersion?: number } = {},
) {
  const now = options.now ?? new Date();
  return inTransaction(async (tx) => {
    const loan = (await lockLoans(tx, partnerId, [loanId])).get(loanId);
    if (!loan) throw new RepaymentError("No such loan.");
    if (options.expectedVersion !== undefined && options.expectedVersion !== loan.scheduleVersion) throw new ScheduleMoved(loan.scheduleVersion);
    if (loan.status !== "paying_back" && loan.status !== "defaulted") {
      throw new RepaymentError(`Only a loan that is paying back or defaulted can be rescheduled; this one is ${loan.status.replace("_", " ")}.`);
    }
    if (input.startsOn.getTime() < startOfDayUtc(new Date(now.getTime() - 31 * DAY)).getTime()) {
      throw new RepaymentError("The new schedule cannot start more than a month ago.", "startsOn");
    }
    const remaining = loan.amountLocalMinor - loan.principalRepaidLocal;
    if (remaining <= 0n) throw new RepaymentError("No principal is left to reschedule.");
    const terms = (await tx.$queryRawUnsafe(`SELECT annual_rate_bps, interest_method::text AS method FROM loans WHERE id = $1`, loanId)) as Row[];
    const count = instalmentCount(input.termMonths, input.frequency);
    if (count < 1) throw new RepaymentError("The new term is too short.", "termMonths");
    const schedule = computeSchedule({
      principal: remaining,
      annualRateBps: Number(terms[0]!.annual_rate_bps),
      termMonths: input.termMonths,
      frequency: input.frequency,
      method: terms[0]!.method as "flat" | "declining_balance",
      graceInstalments: 0,
      disbursedOn: input.startsOn,
    });
    await writeSchedule(tx, {
      loanId,
      version: loan.scheduleVersion + 1,
      startsOn: input.startsOn,
      paidBeforeLocal: loan.repaidLocalMinor,
      reason: input.reason,
      userId,
      instalments: toDue(schedule),
    });
    await tx.$executeRawUnsafe(`UPDATE loans SET arrears_notified_at = NULL WHERE id = $1`, loanId);
    if (loan.status === "defaulted") {
      await changeStatus(tx, loanId, "defaulted", "paying_back", userId, `Rescheduled: ${input.reason}`);
    } else {
      await tx.$executeRawUnsafe(
        `INSERT INTO loan_events (loan_id, from_status, to_status, by_user_id, comment) VALUES ($1, 'paying_back', 'paying_back', $2, $3)`,
        loanId,
        userId,
        `Rescheduled (version ${loan.scheduleVersion + 1}): ${input.reason}`,
      );
    }
    return { version: loan.scheduleVersion + 1 };
  });
}

export const writeOffSchema = z.object({
  reason: z.string().trim().min(5, "Say why the loan is written off (at least 5 characters).").max(500),
});

/** The partner gives up collecting: what lenders were not repaid is a loss. Later recoveries still reach them. */
export async function writeOffLoan(partnerId: string, loanId: string, userId: string, input: z.infer<typeof writeOffSchema>) {
  return inTransaction(async (tx) => {
    const loan = (await lockLoans(tx, partnerId, [loanId])).get(loanId);
    if (!loan) throw new RepaymentError("No such loan.");
    // A second submit of the form finds it done.
    if (loan.status === "written_off") return { replayed: true };
    if (loan.status !== "paying_back" && loan.status !== "defaulted") {
      throw new RepaymentError(`Only a loan that is paying back or defaulted can be written off; this one is ${loan.status.replace("_", " ")}.`);
    }
    await changeStatus(tx, loanId, loan.status, "written_off", userId, `Written off: ${input.reason}`, ", written_off_at = now()");
    return { replayed: false };
  });
}

// ---------------------------------------------------------------------------
// Views

export type ScheduleRow = { number: number; dueOn: string; principal: string; interest: string; total: string; state: "paid" | "part_paid" | "late" | "due" };

/** The schedule in force with each instalment's state, for the partner, the lender page and the client's statement. */
export async function scheduleWithState(loanId: string, now = new Date()) {
  const db = await getDb();
  const loan = (await db.$queryRawUnsafe(
    `SELECT schedule_version, repaid_local_minor, local_currency FROM loans WHERE id = $1`,
    loanId,
  )) as Row[];
  if (!loan[0] || Number(loan[0].schedule_version) === 0) return null;
  const version = Number(loan[0].schedule_version);
  const schedule = await scheduleInForce(db, loanId, version);
  let paid = big(loan[0].repaid_local_minor) - schedule.paidBeforeLocal;
  const today = startOfDayUtc(now).getTime();
  const rows: ScheduleRow[] = schedule.instalments.map((i, index) => {
    const total = i.principal + i.interest;
    const covered = paid >= total ? total : paid > 0n ? paid : 0n;
    paid -= covered;
    const state = covered === total ? "paid" : i.dueOn.getTime() < today ? "late" : covered > 0n ? "part_paid" : "due";
    return { number: index + 1, dueOn: isoDate(i.dueOn), principal: i.principal.toString(), interest: i.interest.toString(), total: total.toString(), state };
  });
  const versions = (await db.$queryRawUnsafe(
    `SELECT version, starts_on, reason, created_at FROM loan_schedules WHERE loan_id = $1 ORDER BY version`,
    loanId,
  )) as Row[];
  return {
    version,
    currency: (loan[0].local_currency as string).trim(),
    rows,
    history: versions.map((v) => ({ version: Number(v.version), startsOn: isoDate(new Date(v.starts_on as string | Date)), reason: v.reason as string })),
  };
}

export async function listLoanRepayments(loanId: string) {
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(
    `SELECT id, paid_on, local_amount, local_currency, fx_rate::text AS fx_rate, principal_local, interest_local, usd_cents, fx_loss_cents, status, created_at
       FROM repayments WHERE loan_id = $1 ORDER BY paid_on DESC, created_at DESC`,
    loanId,
  )) as Row[];
  return rows.map((r) => ({
    id: r.id as string,
    paidOn: isoDate(new Date(r.paid_on as string | Date)),
    localAmount: String(r.local_amount),
    currency: (r.local_currency as string).trim(),
    fxRate: r.fx_rate as string,
    principalLocal: String(r.principal_local),
    interestLocal: String(r.interest_local),
    usdCents: String(r.usd_cents),
    fxLossCents: String(r.fx_loss_cents),
    status: r.status as string,
  }));
}

export type TrackRecord = {
  loansDisbursed: number;
  disbursedUsdCents: bigint;
  /** Principal repaid ÷ principal fallen due (capped per loan), in basis points; null until something is due. */
  repaymentRateBps: number | null;
  /** Outstanding principal of loans more than 30 days late ÷ all outstanding principal; null when nothing is outstanding. */
  par30Bps: number | null;
  /** Principal not repaid on defaulted and written-off loans ÷ principal disbursed; null before any disbursement. */
  defaultRateBps: number | null;
  /** FX loss ÷ principal repaid (at the loans' own rates); null before any repayment. */
  fxLossRateBps: number | null;
};

const ratio = (numerator: bigint, denominator: bigint) => (denominator > 0n ? Number((numerator * 10_000n) / denominator) : null);

/** A partner's track record, from its loans' schedules and repayments (one query). */
export async function partnerTrackRecords(partnerIds: readonly string[], now = new Date()): Promise<Map<string, TrackRecord>> {
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(
    `WITH disbursed AS (
       SELECT l.* FROM loans l
        WHERE l.partner_id = ANY($1::text[]) AND l.status IN ('paying_back', 'repaid', 'defaulted', 'written_off')
     ), not_yet_due AS (
       SELECT i.loan_id, SUM(i.principal) AS principal FROM loan_instalments i JOIN disbursed d ON d.id = i.loan_id AND i.version = d.schedule_version
        WHERE i.due_on > $2::date GROUP BY i.loan_id
     ), per_loan AS (
       SELECT d.partner_id, d.status::text AS status, d.amount_usd_cents::bigint AS amount, d.principal_repaid_usd_cents AS repaid,
              d.fx_loss_cents AS fx_loss, d.first_unpaid_due_on,
              (d.amount_usd_cents::numeric * (d.amount_local_minor - COALESCE(n.principal, 0)) / NULLIF(d.amount_local_minor, 0))::bigint AS due
         FROM disbursed d LEFT JOIN not_yet_due n ON n.loan_id = d.id
     )
     SELECT partner_id, COUNT(*)::int AS loans, SUM(amount)::bigint AS disbursed,
            SUM(LEAST(repaid, due))::bigint AS repaid_of_due, SUM(due)::bigint AS due,
            SUM(CASE WHEN status IN ('paying_back', 'defaulted') THEN amount - repaid ELSE 0 END)::bigint AS outstanding,
            SUM(CASE WHEN status IN ('paying_back', 'defaulted') AND first_unpaid_due_on < $2::date - 30 THEN amount - repaid ELSE 0 END)::bigint AS at_risk,
            SUM(CASE WHEN status IN ('defaulted', 'written_off') THEN amount - repaid ELSE 0 END)::bigint AS lost,
            SUM(fx_loss)::bigint AS fx_loss, SUM(repaid)::bigint AS repaid
       FROM per_loan GROUP BY partner_id`,
    [...partnerIds],
    isoDate(now),
  )) as Row[];
  const result = new Map<string, TrackRecord>();
  for (const id of partnerIds) {
    result.set(id, { loansDisbursed: 0, disbursedUsdCents: 0n, repaymentRateBps: null, par30Bps: null, defaultRateBps: null, fxLossRateBps: null });
  }
  for (const r of rows) {
    result.set(r.partner_id as string, {
      loansDisbursed: Number(r.loans),
      disbursedUsdCents: big(r.disbursed),
      repaymentRateBps: ratio(big(r.repaid_of_due), big(r.due)),
      par30Bps: ratio(big(r.at_risk), big(r.outstanding)),
      defaultRateBps: ratio(big(r.lost), big(r.disbursed)),
      fxLossRateBps: ratio(big(r.fx_loss), big(r.repaid)),
    });
  }
  return result;
}

export async function partnerTrackRecord(partnerId: string, now = new Date()): Promise<TrackRecord> {
  return (await partnerTrackRecords([partnerId], now)).get(partnerId)!;
}
