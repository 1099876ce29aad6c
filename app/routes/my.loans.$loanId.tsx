import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { STATUS_LABELS } from "~/lib/loan-labels.ts";
import { formatMoney } from "~/lib/money.ts";
import { getLenderStake } from "~/models/lending.server.ts";
import { getLoanForViewer } from "~/models/loan.server.ts";
import { loanReach } from "~/models/impact-public.server.ts";
import { reachSentence } from "~/lib/impact-public.ts";
import { getViewer, requireUser } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "My stake — Mavuno" }];

const SHARE_STATUS: Record<string, string> = {
  held: "Held in escrow until the loan is fully funded",
  funded: "Passed to the field partner for the loan",
  refunded: "Refunded to your wallet",
};

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const loanId = params.loanId ?? "";
  const stake = await getLenderStake(user.id, loanId);
  // Only loans this lender is in: anyone else's stake is not theirs to see.
  if (stake.length === 0) throw new Response("Not found", { status: 404 });
  const loan = await getLoanForViewer(loanId, await getViewer(request));
  if (!loan) throw new Response("Not found", { status: 404 });
  const reach = await loanReach(loan.id);
  return json({
    reach: reach && reachSentence(reach),
    loan: { id: loan.id, reference: loan.reference, status: loan.status, title: loan.borrower.title, purpose: loan.purpose, amountUsdCents: loan.amountUsdCents },
    stake: stake.map((s) => ({ shares: s.shares, amount: s.amount.toString(), status: s.status, at: s.createdAt.toISOString(), refundedAt: s.refundedAt?.toISOString() ?? null })),
  });
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export default function MyStake() {
  const { loan, stake, reach } = useLoaderData<typeof loader>();
  const total = stake.reduce((a, s) => a + BigInt(s.amount), 0n);
  return (
    <section aria-labelledby="stake-title">
      <p><Link to="/my/loans">← My loans</Link></p>
      <h1 id="stake-title">Your stake in {loan.reference}</h1>
      <p>
        <Link to={`/loans/${loan.id}`}>{loan.title}</Link> — {loan.purpose}. Loan of {formatMoney(loan.amountUsdCents, "USD")},{" "}
        <span className={`status status-${loan.status}`}>{STATUS_LABELS[loan.status]}</span>.
      </p>
      {reach ? <p className="loan-reach">{reach}</p> : null}
      <p>You lent <strong>{formatMoney(total, "USD")}</strong> in {stake.reduce((a, s) => a + s.shares, 0)} shares.</p>
      <ul>
        {stake.map((s, i) => (
          <li key={i}>
            {dateFormat.format(new Date(s.at))}: {s.shares} share{s.shares === 1 ? "" : "s"}, {formatMoney(BigInt(s.amount), "USD")} — {SHARE_STATUS[s.status]}
            {s.refundedAt ? ` on ${dateFormat.format(new Date(s.refundedAt))}` : ""}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
