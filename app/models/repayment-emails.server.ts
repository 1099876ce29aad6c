// Emails to lenders about repayments: a weekly digest of what came back, a
// loan repaid in full, a loan fallen behind. Each is sent once: its key in
// email_log is claimed before sending, so two runs (or two servers) never send
// it twice, and released when the mail server could not take it, so the next
// run tries again. Run from the periodic job, which may call this every minute.
// Why claim-then-send: docs/decisions/011-repayment-emails.md.
import { PUBLIC_VIEWER, readableLoanTexts } from "./consent.server.ts";
import { previousIsoWeek } from "~/lib/iso-week.ts";
import { formatMoney } from "~/lib/money.ts";
import { daysLate } from "~/lib/repayment.ts";
import { getDb } from "~/utils/db.server.ts";
import { sendEmail, type Email } from "~/utils/email.server.ts";
import { getEnv } from "~/utils/env.server.ts";

/** Lenders hear of a loan in arrears once its oldest unpaid instalment is more than this many days late. */
export const ARREARS_NOTICE_DAYS = 14;
/** How far back the job looks for repaid loans whose emails were missed (a crash, a mail server down). */
const REPAID_CATCH_UP_DAYS = 30;
/** How long after an arrears episode starts its emails are still retried. */
const ARREARS_RETRY_DAYS = 3;
/** A loan repaid in the last week that is current again has caught up: its next fall behind is a new episode. */
const CAUGHT_UP_LOOKBACK_DAYS = 7;
/** Emails of each kind per run: a run stays short, the next one carries on. */
const DEFAULT_LIMIT = 200;
const DAY_MS = 86_400_000;

type Row = Record<string, unknown>;
export type Outgoing = { key: string; userId: string; email: Email };
export type SendReport = { sent: number; mailServerDown: boolean };

const usd = (cents: unknown) => formatMoney(BigInt(cents as string | number | bigint), "USD");
const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });
const day = (value: unknown) => dateFormat.format(new Date(value as string | Date));
// Timestamps go to raw SQL as UTC text cast to `timestamp`, the columns' own type, so no time zone is applied on the way.
const ts = (date: Date) => date.toISOString().slice(0, 23);

/** A link for an email: there is no request to take the host from, so APP_ORIGIN, else this server on localhost. */
export function siteUrl(path: string): string {
  const env = getEnv();
  return `${env.APP_ORIGIN ? new URL(env.APP_ORIGIN).origin : `http://localhost:${env.PORT}`}${path}`;
}

function isPermanentFailure(error: unknown): boolean {
  // An SMTP 5xx reply (no such mailbox, refused) will not change by trying again every minute.
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === "number" && code >= 500;
}

/**
 * Claims each email's key, sends the ones this call claimed, and gives the
 * claim back when the mail server is unreachable (stopping there: the rest
 * would wait for the same timeout). A refusal for good (5xx) keeps the claim.
 * A crash between claim and send loses that email rather than risk sending it twice.
 */
export async function deliver(outgoing: readonly Outgoing[]): Promise<SendReport> {
  if (outgoing.length === 0) return { sent: 0, mailServerDown: false };
  const db = await getDb();
  const claimed = (await db.$queryRawUnsafe(
    `INSERT INTO email_log (key, user_id) SELECT k, u FROM unnest($1::text[], $2::text[]) AS t(k, u)
       ON CONFLICT (key) DO NOTHING RETURNING key`,
    outgoing.map((o) => o.key),
    outgoing.map((o) => o.userId),
  )) as Row[];
  const ours = new Set(claimed.map((r) => r.key as string));
  const mine = outgoing.filter((o) => ours.has(o.key));
  let sent = 0;
  for (const [index, item] of mine.entries()) {
    try {
      await sendEmail(item.email);
      sent++;
    } catch (error) {
      if (isPermanentFailure(error)) {
        console.warn(`mavuno: ${item.email.to} refused "${item.email.subject}": ${(error as Error).message}`);
        continue;
      }
      await db.$executeRawUnsafe(`DELETE FROM email_log WHERE key = ANY($1::text[])`, mine.slice(index).map((o) => o.key));
      console.warn(`mavuno: could not send "${item.email.subject}" to ${item.email.to}, will try again: ${(error as Error).message}`);
      return { sent, mailServerDown: true };
    }
  }
  return { sent, mailServerDown: false };
}

// --- Loan repaid ------------------------------------------------------------------

/**
 * Lenders of repaid loans who have not had the email yet. A loan with
 * repayments still being distributed waits, so the email states what each
 * lender actually got.
 */
async function repaidOutgoing(filter: { loanId: string } | { since: Date }, limit: number): Promise<Outgoing[]> {
  const db = await getDb();
  const rows = await publicPurposes((await db.$queryRawUnsafe(
    `SELECT l.id AS loan_id, l.reference, l.purpose, p.name AS partner, s.lender_id, u.email, u.name, sum(s.amount) AS lent,
            (SELECT coalesce(sum(a.usd_cents), 0) FROM repayment_allocations a WHERE a.lender_id = s.lender_id AND a.loan_id = l.id) AS got,
            (SELECT coalesce(sum(a.fx_loss_cents), 0) FROM repayment_allocations a WHERE a.lender_id = s.lender_id AND a.loan_id = l.id) AS loss
       FROM loans l
       JOIN partners p ON p.id = l.partner_id
       JOIN loan_shares s ON s.loan_id = l.id AND s.status = 'funded'
       JOIN users u ON u.id = s.lender_id
      WHERE l.status = 'repaid' AND ${"loanId" in filter ? "l.id = $2" : "l.repaid_at >= $2::timestamp"}
        AND NOT EXISTS (SELECT 1 FROM repayments r WHERE r.loan_id = l.id AND r.status = 'recorded')
        AND NOT EXISTS (SELECT 1 FROM email_log e WHERE e.key = 'repaid:' || l.id || ':' || s.lender_id)
      GROUP BY l.id, l.reference, l.purpose, p.name, s.lender_id, u.email, u.name
      ORDER BY l.id, s.lender_id
      LIMIT $1`,
    limit,
    "loanId" in filter ? filter.loanId : ts(filter.since),
  )) as Row[]);
  return rows.map((r) => {
    const loss = BigInt(r.loss as string);
    return {
      key: `repaid:${r.loan_id as string}:${r.lender_id as string}`,
      userId: r.lender_id as string,
      email: {
        to: r.email as string,
        subject: `Loan ${r.reference as string} is repaid in full`,
        text:
          `Hello ${r.name as string},\n\n` +
          `Good news: loan ${r.reference as string} (${r.purpose as string}, through ${r.partner as string}) has been repaid in full.\n\n` +
          `You lent ${usd(r.lent)}, and ${usd(r.got)} has come back to your Mavuno wallet as credit.` +
          (loss > 0n
            ? ` The other ${usd(loss)} was lost because the borrower's currency fell against the US dollar while the loan was repaid (the borrower repaid in full).`
            : "") +
          `\n\nLend it again: ${siteUrl("/loans")}\n` +
          `This loan in your portfolio: ${siteUrl(`/my/loans/${r.loan_id as string}`)}\n` +
          `Your wallet: ${siteUrl("/wallet")}\n\nThank you for lending.\n`,
      },
    };
  });
}

/**
 * Tells every lender of a loan that it is repaid, now: for the page that
 * recorded the last repayment, so lenders need not wait for the periodic job
 * (which also catches any this misses). Safe to call more than once.
 */
export async function notifyLoanRepaid(loanId: string): Promise<SendReport> {
  let total = 0;
  for (;;) {
    const batch = await repaidOutgoing({ loanId }, DEFAULT_LIMIT);
    const report = await deliver(batch);
    total += report.sent;
    if (report.mailServerDown || batch.length < DEFAULT_LIMIT) return { sent: total, mailServerDown: report.mailServerDown };
  }
}

export async function sendRepaidEmails(now = new Date(), limit = DEFAULT_LIMIT): Promise<SendReport> {
  return deliver(await repaidOutgoing({ since: new Date(now.getTime() - REPAID_CATCH_UP_DAYS * DAY_MS) }, limit));
}

// --- Loan in arrears ----------------------------------------------------------------

const isoDate = (date: Date) => date.toISOString().slice(0, 10);
// An arrears episode is named by when it was first reported, to the second.
const EPISODE = `to_char(l.arrears_notified_at, 'YYYYMMDD"T"HH24MISS')`;

/**
 * Loans more than ARREARS_NOTICE_DAYS behind, each reported once per episode:
 * `arrears_notified_at` marks the episode, and is cleared when the loan is
 * current again (a recent repayment caught it up; a reschedule clears it
 * itself), so falling behind later is a new episode.
 */
export async function sendArrearsEmails(now = new Date(), limit = DEFAULT_LIMIT): Promise<SendReport> {
  const db = await getDb();
  const today = isoDate(now);
  // Selected before updating: any UPDATE of loans, even of no rows, empties the public page cache.
  const caughtUp = (await db.$queryRawUnsafe(
    `SELECT l.id FROM loans l
      WHERE l.id IN (SELECT r.loan_id FROM repayments r WHERE r.status IN ('recorded', 'distributed') AND r.created_at >= $2::timestamp)
        AND l.arrears_notified_at IS NOT NULL AND (l.first_unpaid_due_on IS NULL OR l.first_unpaid_due_on >= $1::date)`,
    today,
    ts(new Date(now.getTime() - CAUGHT_UP_LOOKBACK_DAYS * DAY_MS)),
  )) as Row[];
  if (caughtUp.length > 0) {
    await db.$executeRawUnsafe(
      `UPDATE loans SET arrears_notified_at = NULL WHERE id = ANY($1::text[]) AND (first_unpaid_due_on IS NULL OR first_unpaid_due_on >= $2::date)`,
      caughtUp.map((r) => r.id as string),
      today,
    );
  }

  const cutoff = isoDate(new Date(Date.parse(today) - ARREARS_NOTICE_DAYS * DAY_MS));
  const fresh = (await db.$queryRawUnsafe(
    `SELECT id FROM loans WHERE status = 'paying_back' AND first_unpaid_due_on < $1::date AND arrears_notified_at IS NULL
      ORDER BY first_unpaid_due_on, id LIMIT $2`,
    cutoff,
    limit,
  )) as Row[];
  if (fresh.length > 0) {
    // Whole seconds, so the episode's name (in each email's key) is exactly the stored time.
    await db.$executeRawUnsafe(
      `UPDATE loans SET arrears_notified_at = $2::timestamp WHERE id = ANY($1::text[]) AND arrears_notified_at IS NULL`,
      fresh.map((r) => r.id as string),
      now.toISOString().slice(0, 19),
    );
  }

  const rows = await publicPurposes((await db.$queryRawUnsafe(
    `SELECT l.id AS loan_id, l.reference, l.purpose, l.first_unpaid_due_on, ${EPISODE} AS episode, p.name AS partner, p.default_after_days,
            s.lender_id, u.email, u.name, sum(s.amount) AS lent,
            (SELECT coalesce(sum(a.expected_usd_cents), 0) FROM repayment_allocations a WHERE a.lender_id = s.lender_id AND a.loan_id = l.id) AS repaid
       FROM loans l
       JOIN partners p ON p.id = l.partner_id
       JOIN loan_shares s ON s.loan_id = l.id AND s.status = 'funded'
       JOIN users u ON u.id = s.lender_id
      WHERE l.status = 'paying_back' AND l.first_unpaid_due_on < $1::date AND l.arrears_notified_at >= $2::timestamp
        AND NOT EXISTS (SELECT 1 FROM email_log e WHERE e.key = 'arrears:' || l.id || ':' || ${EPISODE} || ':' || s.lender_id)
      GROUP BY l.id, l.reference, l.purpose, l.first_unpaid_due_on, l.arrears_notified_at, p.name, p.default_after_days, s.lender_id, u.email, u.name
      ORDER BY l.id, s.lender_id
      LIMIT $3`,
    cutoff,
    ts(new Date(now.getTime() - ARREARS_RETRY_DAYS * DAY_MS)),
    limit,
  )) as Row[]);
  return deliver(
    rows.map((r) => {
      const dueOn = new Date(r.first_unpaid_due_on as string | Date);
      const late = daysLate(dueOn, now);
      const outstanding = BigInt(r.lent as string) - BigInt(r.repaid as string);
      return {
        key: `arrears:${r.loan_id as string}:${r.episode as string}:${r.lender_id as string}`,
        userId: r.lender_id as string,
        email: {
          to: r.email as string,
          subject: `Loan ${r.reference as string} is ${late} days behind on its repayments`,
          text:
            `Hello ${r.name as string},\n\n` +
            `Loan ${r.reference as string} (${r.purpose as string}, through ${r.partner as string}) is behind on its repayments: ` +
            `an instalment due on ${day(dueOn)} is still not fully paid, ${late} days later.\n\n` +
            `Borrowers fall behind for many reasons (a late harvest, an illness in the family), and many catch up. ` +
            `${r.partner as string} is following it up with the borrower. If it is still unpaid ${Number(r.default_after_days)} days after it was due, the loan will be marked as defaulted.\n\n` +
            `Of the ${usd(r.lent)} you lent, ${usd(outstanding)} is still to be repaid. ` +
            `Anything the borrower repays still comes to your wallet. We will not write about this again unless the loan catches up and later falls behind once more.\n\n` +
            `This loan in your portfolio: ${siteUrl(`/my/loans/${r.loan_id as string}`)}\n`,
        },
      };
    }),
  );
}

// --- Weekly digest -------------------------------------------------------------------

/**
 * Each lender's repayments credited to their wallet during the last whole ISO
 * week (Monday to Sunday, UTC), in one email, sent on the first run of the
 * week after. A repayment counts in the week its money reached the wallet
 * (distributed_at), so each is in exactly one digest even when a partner
 * records a payment made weeks earlier.
 */
export async function sendWeeklyDigests(now = new Date(), limit = DEFAULT_LIMIT): Promise<SendReport> {
  const db = await getDb();
  const week = previousIsoWeek(now);
  const keyOf = (userId: string) => `digest:${userId}:${week.name}`;
  // Once every lender's digest for the week is out, later runs cost one lookup.
  const done = `digest-week:${week.name}`;
  if ((await db.emailLog.count({ where: { key: done } })) > 0) return { sent: 0, mailServerDown: false };

  const inWeek = `r.status = 'distributed' AND r.created_at < $2::timestamp AND r.distributed_at >= $1::timestamp AND r.distributed_at < $2::timestamp`;
  const lenders = (await db.$queryRawUnsafe(
    `SELECT DISTINCT a.lender_id FROM repayment_allocations a JOIN repayments r ON r.id = a.repayment_id
      WHERE ${inWeek} AND a.usd_cents > 0 AND NOT EXISTS (SELECT 1 FROM email_log e WHERE e.key = 'digest:' || a.lender_id || ':' || $3)
      ORDER BY a.lender_id LIMIT $4`,
    ts(week.start),
    ts(week.end),
    week.name,
    limit,
  )) as Row[];
  if (lenders.length === 0) {
    await db.emailLog.createMany({ data: [{ key: done }], skipDuplicates: true });
    return { sent: 0, mailServerDown: false };
  }
  const ids = lenders.map((r) => r.lender_id as string);
  const lines = await publicPurposes((await db.$queryRawUnsafe(
    `SELECT a.lender_id, a.loan_id, l.reference, l.purpose, count(*)::int AS payments, sum(a.usd_cents) AS usd, sum(a.fx_loss_cents) AS loss,
            max(a.paid_on) AS last_paid
       FROM repayment_allocations a JOIN repayments r ON r.id = a.repayment_id JOIN loans l ON l.id = a.loan_id
      WHERE ${inWeek} AND a.lender_id = ANY($3::text[])
      GROUP BY a.lender_id, a.loan_id, l.reference, l.purpose
      ORDER BY a.lender_id, l.reference`,
    ts(week.start),
    ts(week.end),
    ids,
  )) as Row[]);
  const users = await db.user.findMany({ where: { id: { in: ids } }, select: { id: true, email: true, name: true } });
  const lastDay = new Date(week.end.getTime() - DAY_MS);

  return deliver(
    users.map((user) => {
      const mine = lines.filter((l) => l.lender_id === user.id);
      const total = mine.reduce((sum, l) => sum + BigInt(l.usd as string), 0n);
      const loss = mine.reduce((sum, l) => sum + BigInt(l.loss as string), 0n);
      const list = mine
        .map(
          (l) =>
            `- Loan ${l.reference as string} (${l.purpose as string}): ${usd(l.usd)}` +
            (Number(l.payments) > 1 ? ` from ${Number(l.payments)} repayments` : "") +
            `, last paid by the borrower on ${day(l.last_paid)}` +
            (BigInt(l.loss as string) > 0n ? `; ${usd(l.loss)} lost to the exchange rate` : "") +
            `\n  ${siteUrl(`/my/loans/${l.loan_id as string}`)}`,
        )
        .join("\n");
      return {
        key: keyOf(user.id),
        userId: user.id,
        email: {
          to: user.email,
          subject: `Your repayments this week: ${usd(total)} back in your wallet`,
          text:
            `Hello ${user.name},\n\n` +
            `From ${day(week.start)} to ${day(lastDay)}, borrowers you lent to repaid ${usd(total)} to your Mavuno wallet:\n\n` +
            `${list}\n\n` +
            (loss > 0n
              ? `Together ${usd(loss)} was lost because the borrowers' currencies fell against the US dollar: they repaid what they owed in their own currency.\n\n`
              : "") +
            `Lend it again: ${siteUrl("/loans")}\n` +
            `Your portfolio: ${siteUrl("/my/loans")}\n` +
            `Your wallet: ${siteUrl("/wallet")}\n\n` +
            `You get this email in a week when repayments reach your wallet.\n`,
        },
      };
    }),
  );
}

/** Everything above, for the periodic job. */
export async function sendRepaymentEmails(now = new Date(), limit = DEFAULT_LIMIT) {
  const repaid = await sendRepaidEmails(now, limit);
  const arrears = await sendArrearsEmails(now, limit);
  const digests = await sendWeeklyDigests(now, limit);
  return { repaid: repaid.sent, arrears: arrears.sent, digests: digests.sent };
}

/**
 * Rows with a loan's purpose, each purpose as the public may read it
 * (consent.server.ts readableText): an email may be read by anyone at the
 * lender's end, so it says no more than a public page.
 */
async function publicPurposes(rows: Row[]): Promise<Row[]> {
  return readableLoanTexts(
    rows.map((r): Row & { loanId: string; purpose: unknown } => ({ ...r, loanId: r.loan_id as string, purpose: r.purpose })),
    ["purpose"],
    PUBLIC_VIEWER,
  );
}
