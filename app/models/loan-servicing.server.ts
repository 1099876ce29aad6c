// Servicing a field partner's disbursed loans from the portal: which loans are
// in arrears (by how long, by how much), and the reschedule and write-off
// forms' guard against repeats. The rules and the totals live in
// app/models/repayment.server.ts; this module reads them and calls it.
import type { z } from "zod";
import { getDb } from "~/utils/db.server.ts";
import {
  isoDate,
  partnerTrackRecord,
  recordRepayment,
  type RepaymentInput,
  rescheduleLoan,
  ScheduleMoved,
  type rescheduleSchema,
  writeOffLoan,
  type writeOffSchema,
} from "./repayment.server.ts";

type Row = Record<string, unknown>;

/** Loans whose oldest unpaid instalment is past due; written-off loans are closed and no longer chased. */
const IN_ARREARS = `l.partner_id = $1 AND l.status IN ('paying_back', 'defaulted') AND l.first_unpaid_due_on < $2::date`;

export type ArrearsLoan = {
  id: string;
  reference: string;
  status: string;
  /** Null unless the caller may see borrowers (the partner's managing staff). */
  borrower: string | null;
  firstUnpaidDueOn: string;
  daysLate: number;
  localCurrency: string;
  /** What the borrower should have paid by today and has not: local minor units. */
  overdueLocal: bigint;
  /** Principal the lenders are still owed, US cents at the loan's own rate. */
  outstandingUsdCents: bigint;
};

export type ArrearsSummary = {
  loans: number;
  /** Of those, loans more than 30 days late (the ones PAR30 counts). */
  over30: number;
  outstandingUsdCents: bigint;
  par30Bps: number | null;
};

export async function arrearsSummary(partnerId: string, now = new Date()): Promise<ArrearsSummary> {
  const db = await getDb();
  const [rows, record] = await Promise.all([
    db.$queryRawUnsafe(
      `SELECT COUNT(*)::int AS loans, COUNT(*) FILTER (WHERE l.first_unpaid_due_on < $2::date - 30)::int AS over30,
              COALESCE(SUM(l.amount_usd_cents - l.principal_repaid_usd_cents), 0)::text AS outstanding
         FROM loans l WHERE ${IN_ARREARS}`,
      partnerId,
      isoDate(now),
    ) as Promise<Row[]>,
    partnerTrackRecord(partnerId, now),
  ]);
  const r = rows[0]!;
  return { loans: Number(r.loans), over30: Number(r.over30), outstandingUsdCents: BigInt(r.outstanding as string), par30Bps: record.par30Bps };
}

/** The most late first; `limit` keeps the page bounded for a partner with thousands of loans behind. */
export async function listArrears(partnerId: string, options: { withBorrowers: boolean; limit?: number; now?: Date }): Promise<ArrearsLoan[]> {
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(
    `SELECT l.id, l.reference, l.status::text AS status, l.first_unpaid_due_on, ($2::date - l.first_unpaid_due_on) AS days_late,
            l.local_currency, (l.amount_usd_cents - l.principal_repaid_usd_cents)::text AS outstanding,
            GREATEST(0, COALESCE(due.total, 0) - (l.repaid_local_minor - s.paid_before_local))::text AS overdue,
            ${options.withBorrowers ? "COALESCE(c.full_name, g.name)" : "NULL"} AS borrower
       FROM loans l
       JOIN loan_schedules s ON s.loan_id = l.id AND s.version = l.schedule_version
       LEFT JOIN LATERAL (
         SELECT SUM(i.principal + i.interest) AS total FROM loan_instalments i
          WHERE i.loan_id = l.id AND i.version = l.schedule_version AND i.due_on < $2::date
       ) due ON true
       LEFT JOIN clients c ON c.id = l.client_id
       LEFT JOIN groups g ON g.id = l.group_id
      WHERE ${IN_ARREARS}
      ORDER BY l.first_unpaid_due_on, l.reference
      LIMIT $3`,
    partnerId,
    isoDate(options.now ?? new Date()),
    options.limit ?? 500,
  )) as Row[];
  return rows.map((r) => ({
    id: r.id as string,
    reference: r.reference as string,
    status: r.status as string,
    borrower: (r.borrower as string | null) ?? null,
    firstUnpaidDueOn: isoDate(new Date(r.first_unpaid_due_on as string | Date)),
    daysLate: Number(r.days_late),
    localCurrency: (r.local_currency as string).trim(),
    overdueLocal: BigInt(r.overdue as string),
    outstandingUsdCents: BigInt(r.outstanding as string),
  }));
}

// ---------------------------------------------------------------------------
// Reschedule and write-off from the portal's forms

/**
 * A new schedule, unless the loan's schedule has moved on since the form was
 * drawn at `fromVersion` (checked under the loan's row lock): then the same
 * person's same request was a repeat (`replayed`), anything else is someone
 * else's change the officer has not seen.
 */
export async function rescheduleFromForm(
  partnerId: string,
  loanId: string,
  userId: string,
  input: z.infer<typeof rescheduleSchema>,
  fromVersion: number,
): Promise<{ version: number; replayed: boolean }> {
  try {
    return { ...(await rescheduleLoan(partnerId, loanId, userId, input, { expectedVersion: fromVersion })), replayed: false };
  } catch (error) {
    if (!(error instanceof ScheduleMoved)) throw error;
    const db = await getDb();
    const latest = await db.loanSchedule.findUnique({
      where: { loanId_version: { loanId, version: error.currentVersion } },
      select: { reason: true, createdById: true, startsOn: true },
    });
    if (latest && latest.createdById === userId && latest.reason === input.reason && isoDate(latest.startsOn) === isoDate(input.startsOn)) {
      return { version: error.currentVersion, replayed: true };
    }
    throw error;
  }
}

/** A write-off; a repeat of one already done is answered as done (under the loan's row lock). */
export async function writeOffFromForm(partnerId: string, loanId: string, userId: string, input: z.infer<typeof writeOffSchema>): Promise<{ replayed: boolean }> {
  return writeOffLoan(partnerId, loanId, userId, input);
}

// ---------------------------------------------------------------------------
// Recording from the form

/**
 * The loser of two requests with one key racing: recordRepayments looks the
 * key up after taking the loan's lock, so this only happens when the same key
 * is sent for two different loans (a tampered form); the retry then reports
 * the conflict in words.
 */
function isRequestKeyRace(error: unknown): boolean {
  const cause = (error as { meta?: { driverAdapterError?: { cause?: { kind?: string; constraint?: { index?: string } } } } }).meta?.driverAdapterError?.cause;
  return cause?.kind === "UniqueConstraintViolation" && cause.constraint?.index === "repayments_partner_id_request_key_key";
}

/** recordRepayment, once per request key even when a form is posted twice at the same moment: the retry finds the winner's row and replays it. */
export async function recordRepaymentFromForm(input: RepaymentInput) {
  try {
    return await recordRepayment(input);
  } catch (error) {
    if (!isRequestKeyRace(error)) throw error;
    return recordRepayment(input);
  }
}
