// Auto-lending: a lender who opted in has credit that sat idle in their wallet
// lent for them, once a day, one $25 share per loan, only to loans that fit
// their criteria and only as far as their diversification caps allow.
//
// It lends through the same reserve + checkout a lender uses (wallet only: it
// never lends more than the wallet holds, so no card is ever asked for), with
// one checkout per run under the request key `autolend:<day>`: the run's shares
// are bought all or none, and a doubled run replays instead of lending twice.
// Every decision is logged; the lender gets one email per run that lent.
import { PUBLIC_VIEWER, readableLoanTexts } from "./consent.server.ts";
import type { Gender } from "~/generated/prisma/enums.ts";
import {
  AUTO_SHARE_CENTS,
  DEFAULT_COUNTRY_CAP_BPS,
  DEFAULT_PARTNER_CAP_BPS,
  describeSkip,
  IDLE_DAYS,
  idleCredit,
  planShares,
  type AutoGender,
  type AutoLendSettings,
  type BorrowerKind,
  type Candidate,
  type Exposure,
} from "~/lib/auto-lend.ts";
import { formatMoney } from "~/lib/money.ts";
import { countryName } from "~/lib/places.ts";
import { getDb } from "~/utils/db.server.ts";
import { trySendEmail } from "~/utils/email.server.ts";
import { getEnv } from "~/utils/env.server.ts";
import { getBalance, walletAccount } from "./ledger.server.ts";
import { checkout, LendingError, removeFromBasket, reserve } from "./lending.server.ts";
import { listFilterOptions } from "./loan.server.ts";
import { notifyFunded } from "./notifications.server.ts";
import { partnerTrackRecords } from "./repayment.server.ts";

type Row = Record<string, unknown>;
const DAY_MS = 86_400_000;
/** Lenders started per job tick; the rest wait for the next minute. */
const LENDERS_PER_TICK = 100;
/** Loans considered per run, soonest deadline first. */
const CANDIDATES_PER_RUN = 200;
/** Skipped loans written to the log per run; past that, one line counts the rest. */
const SKIPS_LOGGED = 20;

export const DEFAULT_SETTINGS: AutoLendSettings = {
  enabled: false,
  countries: [],
  sectors: [],
  genders: [],
  borrowerKind: "any",
  minPartnerRepaymentBps: 0,
  maxTermMonths: null,
  idleDays: IDLE_DAYS.default,
  maxPartnerBps: DEFAULT_PARTNER_CAP_BPS,
  maxCountryBps: DEFAULT_COUNTRY_CAP_BPS,
};

// ---------------------------------------------------------------------------
// Settings

export async function getAutoLendSettings(userId: string): Promise<AutoLendSettings & { lastRunAt: Date | null }> {
  const db = await getDb();
  const row = await db.autoLendSetting.findUnique({ where: { userId } });
  if (!row) return { ...DEFAULT_SETTINGS, lastRunAt: null };
  return {
    enabled: row.enabled,
    countries: row.countries,
    sectors: row.sectors,
    genders: row.genders.filter((g): g is AutoGender => g !== "unspecified"),
    borrowerKind: row.borrowerKind as BorrowerKind,
    minPartnerRepaymentBps: row.minPartnerRepaymentBps,
    maxTermMonths: row.maxTermMonths,
    idleDays: row.idleDays,
    maxPartnerBps: row.maxPartnerBps,
    maxCountryBps: row.maxCountryBps,
    lastRunAt: row.lastRunAt,
  };
}

/** Saves the whole form; saving the same values twice leaves the same settings, so a resent form is harmless. */
export async function saveAutoLendSettings(userId: string, settings: AutoLendSettings) {
  const db = await getDb();
  const data = { ...settings, genders: settings.genders as Gender[] };
  await db.autoLendSetting.upsert({ where: { userId }, create: { userId, ...data }, update: data });
}

/** The choices the settings form offers: active partners' countries and the sectors loans have, plus anything already chosen. */
export async function autoLendChoices(saved: Pick<AutoLendSettings, "countries" | "sectors">) {
  const options = await listFilterOptions({ status: "all", country: undefined, sector: undefined, region: undefined });
  const countries = new Map(options.countries.map((c) => [c.code, c.name]));
  for (const code of saved.countries) if (!countries.has(code)) countries.set(code, countryName(code));
  const sectors = new Set([...options.sectors, ...saved.sectors]);
  const byName = (a: string, b: string) => a.localeCompare(b, "en");
  return {
    countries: [...countries].map(([code, name]) => ({ code, name })).sort((a, b) => byName(a.name, b.name)),
    sectors: [...sectors].sort(byName),
  };
}

export async function listAutoLendDecisions(userId: string, limit = 50) {
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(
    `SELECT d.id, d.run_id, d.loan_id, d.outcome, d.shares, d.reason, d.at, l.reference
       FROM auto_lend_decisions d LEFT JOIN loans l ON l.id = d.loan_id
      WHERE d.user_id = $1 ORDER BY d.id DESC LIMIT $2`,
    userId,
    limit,
  )) as Row[];
  return rows.map((r) => ({
    id: String(r.id),
    runId: r.run_id as string,
    loanId: (r.loan_id as string | null) ?? null,
    reference: (r.reference as string | null) ?? null,
    outcome: r.outcome as string,
    shares: Number(r.shares),
    reason: r.reason as string,
    at: r.at as Date,
  }));
}

// ---------------------------------------------------------------------------
// What the job reads

/** Wallet credit that arrived since `since`: every posting into the wallet, whatever brought it. */
async function creditSince(userId: string, since: Date): Promise<bigint> {
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(
    `SELECT COALESCE(SUM(p.amount), 0)::bigint AS total
       FROM ledger_postings p
       JOIN ledger_accounts a ON a.id = p.account_id
       JOIN ledger_transactions t ON t.id = p.transaction_id
      WHERE a.name = $1 AND a.currency = 'USD' AND p.amount > 0 AND t.created_at > $2`,
    walletAccount(userId),
    since,
  )) as Row[];
  return BigInt(rows[0]?.total as bigint | string | number);
}

export async function idleCreditOf(userId: string, idleDays: number, now: Date) {
  const balance = await getBalance(walletAccount(userId), "USD");
  const recent = await creditSince(userId, new Date(now.getTime() - idleDays * DAY_MS));
  return { balance, recent, idle: idleCredit(balance, recent) };
}

/** Statuses in which a lender's money is still out: raised, waiting for disbursement, or owed back. */
const OUTSTANDING_STATUSES = ["fundraising", "funded", "paying_back", "defaulted"];

/**
 * The lender's portfolio: per loan, what they lent less the principal repaid to
 * them (valued at the loan's own rate), summed per partner and per country.
 */
export async function exposureOf(userId: string): Promise<Exposure> {
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(
    `SELECT l.partner_id, p.country,
            GREATEST(SUM(s.amount) - COALESCE((SELECT SUM(a.expected_usd_cents) FROM repayment_allocations a
                                                WHERE a.lender_id = $1 AND a.loan_id = l.id), 0), 0)::bigint AS outstanding
       FROM loan_shares s JOIN loans l ON l.id = s.loan_id JOIN partners p ON p.id = l.partner_id
      WHERE s.lender_id = $1 AND s.status IN ('held', 'funded') AND l.status::text = ANY($2::text[])
      GROUP BY l.id, l.partner_id, p.country`,
    userId,
    OUTSTANDING_STATUSES,
  )) as Row[];
  const byPartner = new Map<string, bigint>();
  const byCountry = new Map<string, bigint>();
  let totalCents = 0n;
  for (const r of rows) {
    const amount = BigInt(r.outstanding as bigint | string);
    const country = String(r.country).trim();
    byPartner.set(r.partner_id as string, (byPartner.get(r.partner_id as string) ?? 0n) + amount);
    byCountry.set(country, (byCountry.get(country) ?? 0n) + amount);
    totalCents += amount;
  }
  return { totalCents, byPartner, byCountry };
}

export type AutoCandidate = Candidate & { reference: string; purpose: string; partnerName: string };

/** Partners whose repayment rate meets the minimum; null when there is no minimum. */
async function partnersMeeting(minBps: number, now: Date): Promise<string[] | null> {
  if (minBps <= 0) return null;
  const db = await getDb();
  const partners = await db.partner.findMany({ where: { status: "active" }, select: { id: true } });
  const records = await partnerTrackRecords(
    partners.map((p) => p.id),
    now,
  );
  return [...records].filter(([, r]) => r.repaymentRateBps !== null && r.repaymentRateBps >= minBps).map(([id]) => id);
}

/**
 * Fundraising loans that fit every criterion (see `criteriaMismatch`, which
 * the tests hold this query to), with a share left for this lender, that the
 * lender does not already hold: soonest deadline first.
 */
export async function matchingLoans(userId: string, settings: AutoLendSettings, now: Date): Promise<AutoCandidate[]> {
  const partners = await partnersMeeting(settings.minPartnerRepaymentBps, now);
  if (partners && partners.length === 0) return [];
  const db = await getDb();
  const rows = (await db.$queryRawUnsafe(
    `SELECT l.id, l.reference, l.purpose, l.partner_id, p.country, p.name AS partner_name
       FROM loans l JOIN partners p ON p.id = l.partner_id LEFT JOIN clients c ON c.id = l.client_id
      WHERE l.status = 'fundraising' AND p.status = 'active'
        AND (l.fundraising_deadline IS NULL OR l.fundraising_deadline > $2)
        AND (cardinality($3::text[]) = 0 OR p.country = ANY($3::text[]))
        AND (cardinality($4::text[]) = 0 OR l.sector = ANY($4::text[]))
        AND ($5 = 'any' OR ($5 = 'individual' AND l.client_id IS NOT NULL) OR ($5 = 'group' AND l.group_id IS NOT NULL))
        AND (cardinality($6::text[]) = 0 OR (l.client_id IS NOT NULL AND c.gender::text = ANY($6::text[])))
        AND ($7::int IS NULL OR l.term_months <= $7::int)
        AND ($8::text[] IS NULL OR l.partner_id = ANY($8::text[]))
        AND NOT EXISTS (SELECT 1 FROM loan_shares s WHERE s.loan_id = l.id AND s.lender_id = $1)
        AND COALESCE(l.amount_left_cents, l.amount_usd_cents - l.shares_sold * ${AUTO_SHARE_CENTS})
            - ${AUTO_SHARE_CENTS} * (SELECT COALESCE(SUM(b.shares), 0) FROM basket_items b
                                       WHERE b.loan_id = l.id AND b.expires_at > $2 AND b.user_id <> $1) >= ${AUTO_SHARE_CENTS}
      ORDER BY l.fundraising_deadline ASC NULLS LAST, l.id ASC
      LIMIT ${CANDIDATES_PER_RUN}`,
    userId,
    now,
    settings.countries,
    settings.sectors,
    settings.borrowerKind,
    settings.genders,
    settings.maxTermMonths,
    partners,
  )) as Row[];
  // The purpose goes into the lender's email: as the public may read it (consent.server.ts readableText).
  return readableLoanTexts(
    rows.map((r) => ({
      loanId: r.id as string,
      partnerId: r.partner_id as string,
      country: String(r.country).trim(),
      reference: r.reference as string,
      purpose: r.purpose as string,
      partnerName: r.partner_name as string,
    })),
    ["purpose"],
    PUBLIC_VIEWER,
  );
}

// ---------------------------------------------------------------------------
// The job

type Decision = { outcome: "lent" | "skipped" | "nothing_idle" | "no_match"; reason: string; loanId?: string; shares?: number; checkoutId?: string };

export type LenderRun =
  | { status: "not_enabled" }
  | { status: "already_ran" }
  | { status: "basket_in_use" }
  | { status: "nothing_idle"; idle: bigint }
  | { status: "no_match" }
  | { status: "nothing_fits" }
  | { status: "not_lent"; reason: string }
  | { status: "lent"; loanIds: string[]; amount: bigint };

export const runIdFor = (now: Date) => now.toISOString().slice(0, 10);
const requestKeyFor = (runId: string) => `autolend:${runId}`;

function startOfDayUtc(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

async function log(userId: string, runId: string, decisions: Decision[]) {
  if (decisions.length === 0) return;
  const db = await getDb();
  await db.autoLendDecision.createMany({
    data: decisions.map((d) => ({
      userId,
      runId,
      outcome: d.outcome,
      reason: d.reason,
      loanId: d.loanId ?? null,
      shares: d.shares ?? 0,
      checkoutId: d.checkoutId ?? null,
    })),
  });
}

async function dropReservations(userId: string, loanIds: readonly string[]) {
  for (const loanId of loanIds) await removeFromBasket(userId, loanId);
}

/**
 * One lender's run. The periodic job claims at most one run per lender per UTC
 * day before calling this; it is also safe on its own: a second call with the
 * same run id finds that run's checkout and does nothing.
 */
export async function runAutoLendFor(userId: string, options: { now?: Date; runId?: string } = {}): Promise<LenderRun> {
  const now = options.now ?? new Date();
  const runId = options.runId ?? runIdFor(now);
  const requestKey = requestKeyFor(runId);
  const settings = await getAutoLendSettings(userId);
  if (!settings.enabled) return { status: "not_enabled" };
  const db = await getDb();
  if (await db.checkout.findUnique({ where: { userId_requestKey: { userId, requestKey } }, select: { id: true } })) {
    return { status: "already_ran" };
  }

  // Checkout buys the whole basket: with the lender's own shares waiting there, it would buy those too.
  if ((await db.basketItem.count({ where: { userId } })) > 0) {
    await log(userId, runId, [
      { outcome: "skipped", reason: "Your basket has loans waiting for checkout. Auto-lending waits until it is empty, so it never buys them for you." },
    ]);
    return { status: "basket_in_use" };
  }

  const { balance, recent, idle } = await idleCreditOf(userId, settings.idleDays, now);
  if (idle < AUTO_SHARE_CENTS) {
    const days = `${settings.idleDays} day${settings.idleDays === 1 ? "" : "s"}`;
    await log(userId, runId, [
      {
        outcome: "nothing_idle",
        reason:
          `Idle credit ${formatMoney(idle, "USD")} is less than one $25 share. Wallet balance ${formatMoney(balance, "USD")}; ` +
          `${formatMoney(recent, "USD")} arrived in the last ${days} and is lent only once it has sat there ${days}.`,
      },
    ]);
    return { status: "nothing_idle", idle };
  }

  const candidates = await matchingLoans(userId, settings, now);
  if (candidates.length === 0) {
    await log(userId, runId, [
      { outcome: "no_match", reason: `No fundraising loan fits your criteria with a share left that you do not already hold. Idle credit: ${formatMoney(idle, "USD")}.` },
    ]);
    return { status: "no_match" };
  }

  const exposure = await exposureOf(userId);
  const caps = { maxPartnerBps: settings.maxPartnerBps, maxCountryBps: settings.maxCountryBps };
  let plan = planShares({ idleCents: idle, exposure, candidates, ...caps });
  const skipLog = (skipped: typeof plan.skipped): Decision[] => {
    const shown: Decision[] = skipped.slice(0, SKIPS_LOGGED).map(({ candidate, reason }) => ({
      outcome: "skipped",
      loanId: candidate.loanId,
      reason: describeSkip(reason, { partner: candidate.partnerName, country: countryName(candidate.country) }),
    }));
    if (skipped.length > SKIPS_LOGGED) {
      shown.push({ outcome: "skipped", reason: `${skipped.length - SKIPS_LOGGED} more loans that fit your criteria were skipped for the same reasons.` });
    }
    return shown;
  };
  if (plan.lend.length === 0) {
    await log(userId, runId, skipLog(plan.skipped));
    return { status: "nothing_fits" };
  }

  // Reserve every share first: a share someone else took meanwhile drops out,
  // and the plan is made again from what was reserved, so the caps still hold.
  const reserved: AutoCandidate[] = [];
  const lost: Decision[] = [];
  for (const candidate of plan.lend) {
    try {
      await reserve({ userId, loanId: candidate.loanId, shares: 1, now });
      reserved.push(candidate);
    } catch (error) {
      if (!(error instanceof LendingError)) {
        await dropReservations(userId, reserved.map((c) => c.loanId));
        throw error;
      }
      lost.push({ outcome: "skipped", loanId: candidate.loanId, reason: `Could not reserve a share: ${error.message}` });
    }
  }
  if (lost.length > 0) {
    const kept = planShares({ idleCents: idle, exposure, candidates: reserved, ...caps });
    const keptIds = new Set(kept.lend.map((c) => c.loanId));
    await dropReservations(userId, reserved.filter((c) => !keptIds.has(c.loanId)).map((c) => c.loanId));
    plan = { lend: kept.lend, skipped: [...kept.skipped, ...plan.skipped] };
  }
  const buying = plan.lend;
  const buyingIds = buying.map((c) => c.loanId);
  if (buying.length === 0) {
    await log(userId, runId, [...lost, ...skipLog(plan.skipped)]);
    return { status: "nothing_fits" };
  }

  // The lender may have started a basket while the shares were being reserved.
  const basket = await db.basketItem.findMany({ where: { userId }, select: { loanId: true } });
  if (basket.length !== buying.length || !basket.every((b) => buyingIds.includes(b.loanId))) {
    await dropReservations(userId, buyingIds);
    const reason = "You started a basket while auto-lending was reserving shares; it lent nothing, to leave your basket to you.";
    await log(userId, runId, [{ outcome: "skipped", reason }]);
    return { status: "not_lent", reason };
  }

  let result;
  try {
    result = await checkout({ userId, requestKey, tipCents: 0n, now });
  } catch (error) {
    await dropReservations(userId, buyingIds);
    if (!(error instanceof LendingError)) throw error;
    await log(userId, runId, [...lost, { outcome: "skipped", reason: `Checkout did not go through, nothing was charged: ${error.message}` }]);
    return { status: "not_lent", reason: error.message };
  }
  if (result.status !== "completed" || result.replayed) {
    // Another run with this key got there first, or the wallet was spent meanwhile: never ask for a card.
    await dropReservations(userId, buyingIds);
    if (result.status === "completed") return { status: "already_ran" };
    const reason = "Your wallet no longer held the idle credit when checking out; nothing was lent or charged.";
    await log(userId, runId, [...lost, { outcome: "skipped", reason }]);
    return { status: "not_lent", reason };
  }

  const amount = BigInt(buying.length) * AUTO_SHARE_CENTS;
  await log(userId, runId, [
    ...buying.map(
      (c): Decision => ({
        outcome: "lent",
        loanId: c.loanId,
        shares: 1,
        checkoutId: result.checkoutId,
        reason: `Lent $25 of idle credit: fits your criteria and caps (${c.partnerName}, ${countryName(c.country)}).`,
      }),
    ),
    ...lost,
    ...skipLog(plan.skipped),
  ]);
  await notifyFunded(result.fundedLoans);
  await emailSummary(userId, runId, buying);
  return { status: "lent", loanIds: buyingIds, amount };
}

async function emailSummary(userId: string, runId: string, lent: readonly AutoCandidate[]) {
  const db = await getDb();
  // One summary per run, even if a retried run gets this far again.
  const claimed = (await db.$queryRawUnsafe(
    `INSERT INTO email_log (key, user_id) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING id`,
    `autolend:${userId}:${runId}`,
    userId,
  )) as Row[];
  if (claimed.length === 0) return;
  const user = await db.user.findUnique({ where: { id: userId }, select: { email: true, name: true } });
  if (!user) return;
  const total = BigInt(lent.length) * AUTO_SHARE_CENTS;
  const balanceAfter = await getBalance(walletAccount(userId), "USD");
  const origin = getEnv().APP_ORIGIN;
  const where = origin ? `${new URL(origin).origin}/wallet/auto-lend` : "your wallet's Auto-lending page";
  const lines = lent.map((c) => `- ${c.reference}: ${c.purpose} (${c.partnerName}, ${countryName(c.country)}): $25.00`);
  await trySendEmail({
    to: user.email,
    subject: `Auto-lending lent ${formatMoney(total, "USD")} for you`,
    text:
      `Hello ${user.name},\n\nAuto-lending lent ${formatMoney(total, "USD")} of credit that had sat idle in your wallet, ` +
      `one $25 share in each of ${lent.length === 1 ? "this loan" : `these ${lent.length} loans`}:\n\n${lines.join("\n")}\n\n` +
      `Your wallet now holds ${formatMoney(balanceAfter, "USD")}. ` +
      `Every decision it made, and the settings to change or turn it off, are on ${where}.\n`,
  });
}

/**
 * The periodic job: each opted-in lender whose run for today has not started
 * gets one. Claiming the day first (an atomic update) makes a doubled or
 * every-minute job harmless; a run that crashes after its claim waits for the
 * next day rather than risking a second checkout.
 */
export async function runAutoLend(now = new Date()): Promise<{ lenders: number; lent: number }> {
  const db = await getDb();
  const dayStart = startOfDayUtc(now);
  const due = (await db.$queryRawUnsafe(
    `SELECT user_id FROM auto_lend_settings WHERE enabled AND (last_run_at IS NULL OR last_run_at < $1) ORDER BY user_id LIMIT ${LENDERS_PER_TICK}`,
    dayStart,
  )) as Row[];
  let lenders = 0;
  let lent = 0;
  for (const { user_id } of due) {
    const claimed = (await db.$queryRawUnsafe(
      `UPDATE auto_lend_settings SET last_run_at = $2 WHERE user_id = $1 AND enabled AND (last_run_at IS NULL OR last_run_at < $3) RETURNING user_id`,
      user_id,
      now,
      dayStart,
    )) as Row[];
    if (claimed.length === 0) continue;
    lenders++;
    try {
      const run = await runAutoLendFor(user_id as string, { now, runId: runIdFor(now) });
      if (run.status === "lent") lent++;
    } catch (error) {
      console.warn(`mavuno: auto-lending for ${String(user_id)} failed: ${(error as Error).message}`);
    }
  }
  return { lenders, lent };
}
