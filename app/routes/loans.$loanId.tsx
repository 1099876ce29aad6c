import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { LoanFunding } from "~/components/loan-funding.tsx";
import { TrackRecordRows } from "~/components/track-record.tsx";
import { ScheduleTable } from "~/components/schedule-table.tsx";
import { FREQUENCY_LABELS, METHOD_LABELS, percentFromBps, STATUS_LABELS, yearsOnMavuno } from "~/lib/loan-labels.ts";
import { formatMoney } from "~/lib/money.ts";
import { trackRecordJson } from "~/lib/track-record.ts";
import { getLoanPage } from "~/models/loan.server.ts";
import { loanReach } from "~/models/impact-public.server.ts";
import { reachSentence } from "~/lib/impact-public.ts";
import { partnerTrackRecord } from "~/models/repayment.server.ts";
import { LendForm } from "~/components/lend-form.tsx";
import { sharesLeft } from "~/models/lending.server.ts";
import browseStyles from "~/styles/browse.css";
import { getViewer } from "~/utils/auth.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.loan.borrower.title} — Mavuno` : "Loan — Mavuno" },
];

export const links: LinksFunction = () => [{ rel: "stylesheet", href: browseStyles }];

const params = z.object({ loanId: z.string().min(1).max(64) });

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export async function loader({ request, params: raw }: LoaderFunctionArgs) {
  const parsed = params.safeParse(raw);
  if (!parsed.success) throw new Response("Not found", { status: 404 });
  const viewer = await getViewer(request);
  const page = await getLoanPage(parsed.data.loanId, viewer);
  if (!page) throw new Response("Not found", { status: 404 });
  const [left, record, reach] = await Promise.all([
    page.loan.status === "fundraising" ? sharesLeft(page.loan.id, { userId: viewer.userId }) : 0,
    partnerTrackRecord(page.loan.partner.id),
    loanReach(page.loan.id),
  ]);
  return json({ ...page, sharesLeft: left, repaymentRecord: trackRecordJson(record), reach: reach && reachSentence(reach) });
}

export default function LoanPage() {
  const { loan, currencyName, trackRecord, schedule, sharesLeft, repaymentRecord, reach } = useLoaderData<typeof loader>();
  return (
    <article aria-labelledby="loan-title">
      <p>
        <Link to="/loans">← All loans</Link>
      </p>
      <h1 id="loan-title">{loan.borrower.title}</h1>
      {loan.borrower.photoUrl ? <img className="borrower-photo" src={loan.borrower.photoUrl} alt={`Photo of ${loan.borrower.title}`} width={240} /> : null}
      <p className="loan-meta">
        {loan.borrower.kind === "group" ? `Savings group of ${loan.borrower.memberCount} members · ` : ""}
        {loan.sector} · {loan.borrower.place}
      </p>
      <p className="loan-amount">
        <strong>{formatMoney(loan.amountUsdCents, "USD")}</strong> ·{" "}
        <span className={`status status-${loan.status}`}>{STATUS_LABELS[loan.status]}</span>
      </p>
      {reach ? <p className="loan-reach">{reach}</p> : null}
      <LoanFunding loan={loan}>
        {/* The way to lend sits under the figures it depends on; LoanFunding shows it only while the loan is raising money. */}
        <LendForm loanId={loan.id} sharesLeft={sharesLeft} />
      </LoanFunding>
      <section aria-labelledby="purpose-title">
        <h2 id="purpose-title">What the loan is for</h2>
        <p>{loan.purpose}</p>
      </section>
      <section aria-labelledby="story-title">
        <h2 id="story-title">Story</h2>
        {loan.borrower.story ? (
          <p className="story">{loan.borrower.story}</p>
        ) : (
          <p className="muted">This borrower has not chosen to share their story publicly.</p>
        )}
      </section>
      <section aria-labelledby="terms-title">
        <h2 id="terms-title">Loan terms</h2>
        <dl className="facts">
          <dt>Amount</dt>
          <dd>
            {formatMoney(loan.amountUsdCents, "USD")} ({formatMoney(BigInt(loan.amountLocalMinor), loan.localCurrency)} in local
            currency)
          </dd>
          <dt>Term</dt>
          <dd>
            {loan.termMonths} months, repaid {FREQUENCY_LABELS[loan.frequency]}
            {loan.graceInstalments > 0 ? `, after a grace period of ${loan.graceInstalments} instalments` : ""}
          </dd>
          <dt>Interest the borrower pays</dt>
          <dd>
            {percentFromBps(loan.annualRateBps)} a year, {METHOD_LABELS[loan.interestMethod]}, set by the field partner
          </dd>
          {schedule ? (
            <>
              <dt>APR the borrower pays</dt>
              <dd>
                {percentFromBps(schedule.aprBps)} a year: the yearly cost of the loan to the borrower, worked out from the schedule
                below. It pays the field partner's costs of lending; lenders earn no interest.
              </dd>
            </>
          ) : null}
          <dt>Mavuno's fee</dt>
          <dd>None. Lenders earn no interest; you may add an optional tip at checkout.</dd>
          <dt>Currency risk</dt>
          <dd>
            {loan.localCurrency === "USD" ? (
              "The borrower repays in US dollars, so the exchange rate cannot reduce what you get back."
            ) : (
              <>
                The borrower repays in {currencyName} ({loan.localCurrency}), and your share is paid back in US dollars. If the{" "}
                {loan.localCurrency} loses value against the dollar before a repayment, that repayment buys fewer dollars and you
                may get back less than you lent. Your wallet shows any such loss.
              </>
            )}
          </dd>
        </dl>
      </section>
      <section aria-labelledby="schedule-title">
        <h2 id="schedule-title">The borrower's repayment schedule</h2>
        {schedule ? (
          <ScheduleTable
            schedule={schedule}
            caption={
              schedule.estimated
                ? `Instalments in ${loan.localCurrency} if the loan is disbursed on ${dateFormat.format(new Date(schedule.disbursedOn))}`
                : `Instalments in ${loan.localCurrency}; disbursed on ${dateFormat.format(new Date(schedule.disbursedOn))}`
            }
          />
        ) : (
          <p className="muted">The schedule for this loan is not available.</p>
        )}
      </section>
      <section aria-labelledby="partner-title">
        <h2 id="partner-title">Field partner</h2>
        <p>
          <Link to={`/partners/${loan.partner.slug}`}>{loan.partner.name}</Link>, {loan.partner.countryName}. The partner
          found this borrower, will disburse the loan and collects the repayments.
        </p>
        <h3>Track record</h3>
        <dl className="facts">
          <dt>On Mavuno for</dt>
          <dd>{yearsOnMavuno(trackRecord.years)}</dd>
          <dt>Loans posted</dt>
          <dd>{trackRecord.loansPosted.toLocaleString("en-US")}</dd>
          <TrackRecordRows record={repaymentRecord} />
        </dl>
      </section>
    </article>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
