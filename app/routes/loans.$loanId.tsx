import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { daysLeft, FREQUENCY_LABELS, METHOD_LABELS, percentFromBps, STATUS_LABELS } from "~/lib/loan-labels.ts";
import { formatMoney } from "~/lib/money.ts";
import { getLoanForViewer } from "~/models/loan.server.ts";
import { sharesLeft } from "~/models/lending.server.ts";
import { LendForm } from "~/components/lend-form.tsx";
import { getViewer } from "~/utils/auth.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.loan.borrower.title} — Mavuno` : "Loan — Mavuno" },
];

const params = z.object({ loanId: z.string().min(1).max(64) });

export async function loader({ request, params: raw }: LoaderFunctionArgs) {
  const parsed = params.safeParse(raw);
  if (!parsed.success) throw new Response("Not found", { status: 404 });
  const viewer = await getViewer(request);
  const loan = await getLoanForViewer(parsed.data.loanId, viewer);
  if (!loan) throw new Response("Not found", { status: 404 });
  const left = loan.status === "fundraising" ? await sharesLeft(loan.id, { userId: viewer.userId }) : 0;
  return json({ loan, sharesLeft: left });
}

export default function LoanPage() {
  const { loan, sharesLeft: left } = useLoaderData<typeof loader>();
  const daysToGo = loan.status === "fundraising" ? daysLeft(loan.fundraisingDeadline) : null;
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
        {daysToGo !== null ? ` · ${daysToGo} day${daysToGo === 1 ? "" : "s"} left to fund` : null}
      </p>
      {loan.status === "fundraising" ? <LendForm loanId={loan.id} sharesLeft={left} /> : null}
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
          <dt>Mavuno's fee</dt>
          <dd>None. Lenders earn no interest; you may add an optional tip at checkout.</dd>
          <dt>Currency risk</dt>
          <dd>
            The borrower repays in {loan.localCurrency}. If the {loan.localCurrency} falls against the US dollar before a
            repayment, you may get back a little less than you lent.
          </dd>
        </dl>
      </section>
      <section aria-labelledby="partner-title">
        <h2 id="partner-title">Field partner</h2>
        <p>
          <Link to={`/partners/${loan.partner.slug}`}>{loan.partner.name}</Link>, {loan.partner.countryName}. The partner
          found this borrower, will disburse the loan and collects the repayments.
        </p>
      </section>
    </article>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
