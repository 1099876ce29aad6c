import { Link } from "@remix-run/react";
import { formatMoney } from "~/lib/money.ts";
import { daysLeft, STATUS_LABELS } from "~/lib/loan-labels.ts";

export type LoanCardData = {
  id: string;
  status: string;
  amountUsdCents: number;
  purpose: string;
  sector: string;
  fundraisingDeadline: string | null;
  partner: { name: string; countryName: string };
  borrower: { title: string; kind: "individual" | "group"; place: string; memberCount: number | null };
};

export function LoanCard({ loan }: { loan: LoanCardData }) {
  const left = loan.status === "fundraising" ? daysLeft(loan.fundraisingDeadline) : null;
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
        <strong>{formatMoney(loan.amountUsdCents, "USD")}</strong> · <span className={`status status-${loan.status}`}>{STATUS_LABELS[loan.status]}</span>
        {left !== null ? ` · ${left} day${left === 1 ? "" : "s"} left` : null}
      </p>
      <p className="loan-partner">Field partner: {loan.partner.name}</p>
    </article>
  );
}
