import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { formatMoney } from "~/lib/money.ts";
import { notifyCardPurchaseUnfilled } from "~/models/equity-emails.server.ts";
import { cardPaymentOf, completeCardPurchase } from "~/models/equity.server.ts";
import { requireUser } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Your units — Mavuno" }];

// Where the card gateway sends the investor back. The payment's arrival (the
// webhook) buys the units; if the investor is back first and the payment has
// landed, they are bought here. Either way once: the purchase row is locked.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const investmentId = params.investmentId ?? "";
  const outcome = await completeCardPurchase({ investmentId, investorId: user.id });
  if (!outcome || outcome.offeringId !== params.offeringId) throw new Response("Not found", { status: 404 });
  if (outcome.status === "held") throw redirect(`/my/equity?bought=${investmentId}`);
  const payment = await cardPaymentOf({ investmentId, investorId: user.id });
  const cardCents = (payment?.amount ?? 0n).toString();
  if (outcome.status === "unfilled") {
    if (!outcome.replayed) await notifyCardPurchaseUnfilled(investmentId);
    return json({ state: "unfilled" as const, offeringId: outcome.offeringId, cardCents, message: outcome.message });
  }
  const cancelled = new URL(request.url).searchParams.get("checkout") === "cancelled";
  return json({ state: cancelled ? ("cancelled" as const) : ("waiting" as const), offeringId: outcome.offeringId, cardCents, message: null });
}

export default function CardPurchaseStatus() {
  const { state, offeringId, cardCents, message } = useLoaderData<typeof loader>();
  const paid = formatMoney(BigInt(cardCents), "USD");
  return (
    <section aria-labelledby="card-purchase-title">
      <h1 id="card-purchase-title">Your units</h1>
      {state === "waiting" ? (
        <>
          <p role="status">Waiting for your card payment of {paid} to be confirmed. This usually takes a few seconds; the units are bought as soon as it arrives.</p>
          <p><Link to=".">Check again</Link></p>
        </>
      ) : state === "cancelled" ? (
        <p>
          The card payment was cancelled, so nothing was bought and nothing was charged. <Link to={`/invest/${offeringId}`}>Back to the offering</Link>
        </p>
      ) : (
        <p className="form-error" role="alert">
          {message} Your card payment of {paid} is in <Link to="/wallet">your wallet</Link> as credit.
        </p>
      )}
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
