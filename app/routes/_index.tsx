import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { LoanCard } from "~/components/loan-card.tsx";
import { listPublicLoans, loanListQuery } from "~/models/loan.server.ts";
import { getViewer } from "~/utils/auth.server.ts";

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await getViewer(request);
  const { loans, total } = await listPublicLoans(loanListQuery.parse({}), viewer);
  return json({ loans: loans.slice(0, 3), total });
}

export default function Home() {
  const { loans, total } = useLoaderData<typeof loader>();
  return (
    <>
      <section className="hero" aria-labelledby="hero-title">
        <h1 id="hero-title">Lend $25. Watch it come back. Lend it again.</h1>
        <p>
          Mavuno connects you with entrepreneurs and savings groups through field partners — microfinance institutions
          and NGOs who know their clients. You lend in $25 shares; repayments come back to your wallet to relend, donate
          or withdraw.
        </p>
        <p>
          <Link className="button" to="/loans">
            Browse {total} loan{total === 1 ? "" : "s"} raising money now
          </Link>
        </p>
      </section>
      <section aria-labelledby="featured-title">
        <h2 id="featured-title">Ending soon</h2>
        {loans.length ? (
          <div className="loan-grid">
            {loans.map((loan) => (
              <LoanCard key={loan.id} loan={loan} />
            ))}
          </div>
        ) : (
          <p>No loans are raising money right now. Please come back soon.</p>
        )}
      </section>
      <section aria-labelledby="how-title">
        <h2 id="how-title">How it works</h2>
        <ol className="steps">
          <li>A field partner posts a loan request for a client or a savings group, and our team reviews it.</li>
          <li>Lenders fund it in $25 shares. The money waits in escrow until the loan is fully funded.</li>
          <li>The partner disburses the loan and records each repayment; your share lands in your wallet.</li>
        </ol>
        <p>
          Borrowers' names, photos and stories appear only when they have agreed to it. Otherwise you see "a client of"
          the partner, in their country.
        </p>
      </section>
    </>
  );
}
