import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { formatMoney } from "~/lib/money.ts";
import { completePendingCheckout, LendingError } from "~/models/lending.server.ts";
import { notifyFunded } from "~/models/notifications.server.ts";
import { requireUser } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Checkout — Mavuno" }];

// Where the card gateway sends the lender back. The payment's arrival (the
// gateway's webhook) buys the shares; if the lender is back first and the money
// is already in the wallet, they are bought here. Either way once.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const cancelled = new URL(request.url).searchParams.get("checkout") === "cancelled";
  try {
    const result = await completePendingCheckout({ userId: user.id, checkoutId: params.checkoutId ?? "" });
    if (result.status === "completed") {
      if (!result.replayed) await notifyFunded(result.fundedLoans);
      throw redirect(`/my/loans?checkout=${result.checkoutId}`);
    }
    return json({ state: cancelled ? "cancelled" : "waiting", cardCents: result.cardCents.toString(), message: null as string | null });
  } catch (error) {
    if (error instanceof LendingError) return json({ state: "failed", cardCents: "0", message: error.message });
    throw error;
  }
}

export default function CheckoutStatus() {
  const { state, cardCents, message } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="checkout-title">
      <h1 id="checkout-title">Your checkout</h1>
      {state === "waiting" ? (
        <>
          <p role="status">Waiting for the card payment of {formatMoney(BigInt(cardCents), "USD")} to be confirmed. This usually takes a few seconds.</p>
          <p><Link to=".">Check again</Link></p>
        </>
      ) : state === "cancelled" ? (
        <p>The card payment was cancelled, so nothing was bought. Your shares stay in <Link to="/basket">your basket</Link> while their reservation lasts.</p>
      ) : (
        <p className="form-error" role="alert">{message} Any card payment that arrived is in <Link to="/wallet">your wallet</Link> as credit.</p>
      )}
    </section>
  );
}
