// Emails to investors about their micro-equity units: refunded (the offering
// missed its minimum, or they cancelled), the offering closed and its capital
// went to the group or enterprise, a share-out credited to their wallet, the
// cycle report overdue, and a card-paid purchase that could not be bought.
//
// Each is derived from what the database already says happened, keyed per
// event and investor in email_log and claimed before sending (the repayment
// emails' `deliver`), so the periodic job may run any number of times, or
// after a missed run, and each investor hears of each event once.
import { PUBLIC_VIEWER, readableOfferingTexts } from "./consent.server.ts";
import { formatMoney } from "~/lib/money.ts";
import { reportDueBy, reportOverdue } from "~/lib/equity-report.ts";
import { UNFILLED_REASONS } from "~/lib/offering-summary.ts";
import { getDb } from "~/utils/db.server.ts";
import { distributionByInvestor } from "./equity.server.ts";
import { deliver, siteUrl, type Outgoing, type SendReport } from "./repayment-emails.server.ts";

/** Events older than this are history, not news: a first run on an old database does not email them. */
const CATCH_UP_DAYS = 30;
const DAY_MS = 86_400_000;

const usd = (cents: bigint) => formatMoney(cents, "USD");
const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

type Investor = { id: string; email: string; name: string };

async function investorsById(ids: readonly string[]): Promise<Map<string, Investor>> {
  const db = await getDb();
  const users = await db.user.findMany({ where: { id: { in: [...new Set(ids)] } }, select: { id: true, email: true, name: true } });
  return new Map(users.map((u) => [u.id, u]));
}

/**
 * Offerings' titles as the public may read them (consent.server.ts
 * readableText): an email says no more than a public page.
 */
async function publicTitles(offerings: readonly { id: string; title: string }[]): Promise<(id: string) => string> {
  const readable = await readableOfferingTexts(
    offerings.map((o) => ({ offeringId: o.id, title: o.title })),
    ["title"],
    PUBLIC_VIEWER,
  );
  const titles = new Map(readable.map((r) => [r.offeringId, r.title]));
  return (id) => titles.get(id) ?? "";
}

function email(key: string, to: Investor, subject: string, body: string): Outgoing {
  return {
    key,
    userId: to.id,
    email: { to: to.email, subject, text: `Hello ${to.name},\n\n${body}\n\nYour micro-equity: ${siteUrl("/my/equity")}\nYour wallet: ${siteUrl("/wallet")}\n` },
  };
}

/** Amounts per (offering, investor) over a set of purchases. */
function perInvestor(rows: readonly { offeringId: string; investorId: string; amountCents: bigint }[]) {
  const sums = new Map<string, { offeringId: string; investorId: string; amountCents: bigint }>();
  for (const r of rows) {
    const key = `${r.offeringId}:${r.investorId}`;
    const entry = sums.get(key) ?? { offeringId: r.offeringId, investorId: r.investorId, amountCents: 0n };
    entry.amountCents += r.amountCents;
    sums.set(key, entry);
  }
  return [...sums.values()];
}

async function refundedOutgoing(since: Date): Promise<Outgoing[]> {
  const db = await getDb();
  const offerings = await db.offering.findMany({
    where: { status: "refunded", closedAt: { gte: since } },
    select: { id: true, title: true, reference: true, minRaiseCents: true, investments: { where: { status: "refunded" }, select: { investorId: true, amountCents: true } } },
  });
  const cancelled = await db.offeringInvestment.findMany({
    where: { status: "cancelled", cancelledAt: { gte: since } },
    select: { id: true, investorId: true, units: true, amountCents: true, offering: { select: { id: true, title: true, reference: true } } },
  });
  const people = await investorsById([...offerings.flatMap((o) => o.investments.map((i) => i.investorId)), ...cancelled.map((c) => c.investorId)]);
  const title = await publicTitles([...offerings, ...cancelled.map((c) => c.offering)]);
  const out: Outgoing[] = [];
  for (const o of offerings) {
    for (const r of perInvestor(o.investments.map((i) => ({ ...i, offeringId: o.id })))) {
      const to = people.get(r.investorId);
      if (!to) continue;
      out.push(
        email(
          `equity-refunded:${o.id}:${r.investorId}`,
          to,
          `${title(o.id)}: ${usd(r.amountCents)} refunded`,
          `${title(o.id)} (${o.reference}) did not raise its minimum of ${usd(o.minRaiseCents)} by its deadline, so it will not go ahead. ` +
            `The ${usd(r.amountCents)} you put into it is back in your Mavuno wallet, in full, to invest or lend again, donate or withdraw.`,
        ),
      );
    }
  }
  for (const c of cancelled) {
    const to = people.get(c.investorId);
    if (!to) continue;
    out.push(
      email(
        `equity-cancelled:${c.id}`,
        to,
        `${title(c.offering.id)}: your ${c.units === 1 ? "unit" : "units"} cancelled, ${usd(c.amountCents)} refunded`,
        `You cancelled ${c.units} ${c.units === 1 ? "unit" : "units"} of ${title(c.offering.id)} (${c.offering.reference}) within the cancellation window. ` +
          `The ${usd(c.amountCents)} is back in your Mavuno wallet, in full.`,
      ),
    );
  }
  return out;
}

async function closedOutgoing(since: Date): Promise<Outgoing[]> {
  const db = await getDb();
  const offerings = await db.offering.findMany({
    where: { status: { in: ["closed", "distributed"] }, closedAt: { gte: since } },
    select: {
      id: true,
      title: true,
      reference: true,
      cycleStart: true,
      cycleEnd: true,
      unitsSold: true,
      unitPriceCents: true,
      partnerId: true,
      investments: { where: { status: "active" }, select: { investorId: true, amountCents: true } },
    },
  });
  const partners = await db.partner.findMany({ where: { id: { in: offerings.map((o) => o.partnerId) } }, select: { id: true, name: true } });
  const people = await investorsById(offerings.flatMap((o) => o.investments.map((i) => i.investorId)));
  const title = await publicTitles(offerings);
  const out: Outgoing[] = [];
  for (const o of offerings) {
    const partner = partners.find((p) => p.id === o.partnerId)?.name ?? "the field partner";
    for (const r of perInvestor(o.investments.map((i) => ({ ...i, offeringId: o.id })))) {
      const to = people.get(r.investorId);
      if (!to) continue;
      out.push(
        email(
          `equity-closed:${o.id}:${r.investorId}`,
          to,
          `${title(o.id)} is funded: your ${usd(r.amountCents)} is invested`,
          `${title(o.id)} (${o.reference}) closed having raised ${usd(BigInt(o.unitsSold) * o.unitPriceCents)}, and its capital has been passed to ${partner} ` +
            `for the cycle from ${dateFormat.format(o.cycleStart)} to ${dateFormat.format(o.cycleEnd)}. Your ${usd(r.amountCents)} is invested; ` +
            `it can no longer be cancelled. After the cycle ends ${partner} reports its results, and your share-out is credited to your wallet.`,
        ),
      );
    }
  }
  return out;
}

async function distributionOutgoing(since: Date): Promise<Outgoing[]> {
  const db = await getDb();
  const reports = await db.offeringReport.findMany({
    where: { reportedAt: { gte: since }, offering: { status: "distributed" } },
    select: { offeringId: true, distributionCents: true, offering: { select: { id: true, title: true, reference: true, capitalReturned: true } } },
  });
  const title = await publicTitles(reports.map((r) => r.offering));
  const out: Outgoing[] = [];
  for (const r of reports) {
    const parts = await distributionByInvestor(r.offeringId, r.distributionCents);
    const people = await investorsById([...parts.keys()]);
    for (const [investorId, amount] of parts) {
      const to = people.get(investorId);
      if (!to) continue;
      out.push(
        email(
          `equity-distribution:${r.offeringId}:${investorId}`,
          to,
          `${title(r.offering.id)}: ${usd(amount)} share-out in your wallet`,
          `The cycle of ${title(r.offering.id)} (${r.offering.reference}) has been reported and shared out. ` +
            (amount > 0n
              ? `${usd(amount)} has been credited to your Mavuno wallet: ${r.offering.capitalReturned ? "your capital returned and your share of the result" : "your share of the profit"}.`
              : "After the cycle's result, nothing was due to you: the loss took the capital at risk.") +
            ` Investors together received ${usd(r.distributionCents)}.`,
        ),
      );
    }
  }
  return out;
}

async function overdueOutgoing(now: Date): Promise<Outgoing[]> {
  const db = await getDb();
  const closed = await db.offering.findMany({
    // Overdue no more than CATCH_UP_DAYS: the flag on My equity stays; the email is news once.
    where: { status: "closed", cycleEnd: { lt: new Date(now.getTime() - 30 * DAY_MS), gte: new Date(now.getTime() - (30 + CATCH_UP_DAYS) * DAY_MS) } },
    select: { id: true, title: true, reference: true, status: true, cycleEnd: true, investments: { where: { status: "active" }, select: { investorId: true, amountCents: true } } },
  });
  const overdue = closed.filter((o) => reportOverdue(o, now));
  const people = await investorsById(overdue.flatMap((o) => o.investments.map((i) => i.investorId)));
  const title = await publicTitles(overdue);
  const out: Outgoing[] = [];
  for (const o of overdue) {
    for (const r of perInvestor(o.investments.map((i) => ({ ...i, offeringId: o.id })))) {
      const to = people.get(r.investorId);
      if (!to) continue;
      out.push(
        email(
          `equity-overdue:${o.id}:${r.investorId}`,
          to,
          `${title(o.id)}: the cycle report is overdue`,
          `The cycle of ${title(o.id)} (${o.reference}) ended on ${dateFormat.format(o.cycleEnd)}, and its field partner has not filed the cycle report ` +
            `that was due by ${dateFormat.format(reportDueBy(o.cycleEnd))}. It is flagged to Mavuno's team. ` +
            `Your ${usd(r.amountCents)} stays invested until the report is filed; the share-out follows it.`,
        ),
      );
    }
  }
  return out;
}

async function unfilledOutgoing(filter: { investmentId: string } | { since: Date }): Promise<Outgoing[]> {
  const db = await getDb();
  const rows = await db.offeringInvestment.findMany({
    where: { status: { startsWith: "unfilled_" }, ...("investmentId" in filter ? { id: filter.investmentId } : { cancelledAt: { gte: filter.since } }) },
    select: { id: true, investorId: true, status: true, units: true, offering: { select: { id: true, title: true, reference: true } } },
  });
  const people = await investorsById(rows.map((r) => r.investorId));
  const title = await publicTitles(rows.map((r) => r.offering));
  const payments = await db.cardPayment.findMany({
    where: { requestKey: { in: rows.map((r) => `equity:${r.id}`) } },
    select: { requestKey: true, amount: true, currency: true },
  });
  const out: Outgoing[] = [];
  for (const r of rows) {
    const to = people.get(r.investorId);
    const payment = payments.find((p) => p.requestKey === `equity:${r.id}`);
    if (!to || !payment) continue;
    const reason = UNFILLED_REASONS[r.status.slice("unfilled_".length) as keyof typeof UNFILLED_REASONS] ?? "the units were no longer available.";
    const paid = formatMoney(payment.amount, payment.currency);
    out.push(
      email(
        `equity-unfilled:${r.id}`,
        to,
        `Your units in ${title(r.offering.id)} were not bought: ${paid} is in your wallet`,
        `Your card payment of ${paid} arrived, but the ${r.units} ${r.units === 1 ? "unit" : "units"} of ${title(r.offering.id)} (${r.offering.reference}) ` +
          `it was for could not be bought: ${reason}\n\nThe ${paid} is in your Mavuno wallet as credit, to invest, lend, donate or withdraw.`,
      ),
    );
  }
  return out;
}

/** At once, from wherever the card purchase was found unfillable (webhook or return page); the key keeps it to one email. */
export async function notifyCardPurchaseUnfilled(investmentId: string): Promise<SendReport> {
  return deliver(await unfilledOutgoing({ investmentId }));
}

/** The periodic job's part: every equity email due and not yet sent. */
export async function sendEquityEmails(now = new Date()): Promise<SendReport> {
  const since = new Date(now.getTime() - CATCH_UP_DAYS * DAY_MS);
  const outgoing = [
    ...(await refundedOutgoing(since)),
    ...(await closedOutgoing(since)),
    ...(await distributionOutgoing(since)),
    ...(await overdueOutgoing(now)),
    ...(await unfilledOutgoing({ since })),
  ];
  return deliver(outgoing);
}
