import type { ReactNode } from "react";
import { daysLeft, SHARE_USD_CENTS } from "~/lib/loan-labels.ts";
import { formatMoney } from "~/lib/money.ts";

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export type LoanFundingData = {
  status: string;
  amountUsdCents: number;
  fundraisingDeadline: string | null;
  funding: { raisedUsdCents: number; reservedUsdCents: number; leftUsdCents: number; lenderCount: number };
};

/**
 * Where a loan stands: raised, left, lenders, days left. `children` is where
 * the way to lend goes (the basket form), under the figures it depends on.
 */
export function LoanFunding({ loan, children }: { loan: LoanFundingData; children?: ReactNode }) {
  const { funding } = loan;
  const open = loan.status === "fundraising";
  const days = open ? daysLeft(loan.fundraisingDeadline) : null;
  const usd = (cents: number) => formatMoney(cents, "USD");
  return (
    <section aria-labelledby="funding-title" className="loan-funding-section">
      <h2 id="funding-title">Funding</h2>
      {open ? <progress className="funding-progress" max={loan.amountUsdCents} value={funding.raisedUsdCents} aria-label="Share of the loan raised" /> : null}
      <dl className="facts">
        <dt>Loan amount</dt>
        <dd>{usd(loan.amountUsdCents)}</dd>
        <dt>Raised</dt>
        <dd>
          {usd(funding.raisedUsdCents)}
          {open ? ` (${funding.raisedUsdCents / SHARE_USD_CENTS} share${funding.raisedUsdCents === SHARE_USD_CENTS ? "" : "s"} of $25)` : ""}
        </dd>
        {open ? (
          <>
            <dt>Left to raise</dt>
            <dd>
              {usd(funding.leftUsdCents)}
              {funding.reservedUsdCents > 0 ? ` (another ${usd(funding.reservedUsdCents)} is in lenders' baskets right now)` : ""}
            </dd>
          </>
        ) : null}
        <dt>Lenders</dt>
        <dd>{funding.lenderCount > 0 || open ? funding.lenderCount : "Not recorded"}</dd>
        {days !== null && loan.fundraisingDeadline ? (
          <>
            <dt>Time left</dt>
            <dd>
              {days} day{days === 1 ? "" : "s"} (fundraising ends {dateFormat.format(new Date(loan.fundraisingDeadline))})
            </dd>
          </>
        ) : null}
      </dl>
      {open ? <div className="lend-slot">{children}</div> : null}
    </section>
  );
}
