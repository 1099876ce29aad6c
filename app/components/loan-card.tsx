import { Link } from "@remix-run/react";
import { formatMoney } from "~/lib/money.ts";
import { daysLeft, STATUS_LABELS } from "~/lib/loan-labels.ts";

export type LoanCardData = {
  id: string;
  status: string;
  amountUsdCents: number;
  purpose: string;
  sector: string;
  termMonths: number;
  fundraisingDeadline: string | null;
  funding: { raisedUsdCents: number; leftUsdCents: number; lenderCount: number };
  partner: { name: string; countryName: string };
  borrower: { title: string; kind: "individual" | "group"; place: string; memberCount: number | null };
};

export function LoanCard({ loan }: { loan: LoanCardData }) {
  const open = loan.status === "fundraising";
  const days = open ? daysLeft(loan.fundraisingDeadline) : null;
  const { funding } = loan;
  return (
    <article className="loan-card" aria-labelledby={`loan-${loan.id}`}>
      <h3 id={`loan-${loan.id}`}>
        <Link to={`/loans/${loan.id}`}>{loan.borrower.title}</Link>
      </h3>
      <p className="loan-meta">
        {loan.borrower.kind === "group" ? `Group of ${loan.borrower.memberCount ?? "?"} · ` : ""}
        {loan.sector} · {loan.borrower.place}
      </p>
      <p>{loan.purpose}</p>
      <p className="loan-amount">
        <strong>{formatMoney(loan.amountUsdCents, "USD")}</strong> over {loan.termMonths} months ·{" "}
        <span className={`status status-${loan.status}`}>{STATUS_LABELS[loan.status]}</span>
      </p>
      {open ? (
        <>
          <progress className="funding-progress" max={loan.amountUsdCents} value={funding.raisedUsdCents} aria-label="Share of the loan raised" />
          <p className="loan-funding">
            <strong>{formatMoney(funding.leftUsdCents, "USD")} left</strong> · {formatMoney(funding.raisedUsdCents, "USD")} raised ·{" "}
            {funding.lenderCount} lender{funding.lenderCount === 1 ? "" : "s"}
            {days !== null ? ` · ${days} day${days === 1 ? "" : "s"} left` : null}
          </p>
        </>
      ) : null}
      <p className="loan-partner">Field partner: {loan.partner.name}</p>
    </article>
  );
}
