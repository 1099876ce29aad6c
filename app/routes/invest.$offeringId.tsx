import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { Field, FormError } from "~/components/forms.tsx";
import { formatMoney } from "~/lib/money.ts";
import { OFFERING_STATUS_LABELS, termsSummary } from "~/lib/offering-summary.ts";
import { buyUnits, cardPaymentKey, EquityError, getOfferingForInvestor, startCardPurchase } from "~/models/equity.server.ts";
import { startTopUp } from "~/models/payment.server.ts";
import { getWalletBalance } from "~/models/wallet.server.ts";
import { requireUser } from "~/utils/auth.server.ts";
import { publicOrigin } from "~/utils/email.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Invest in ${data?.title ?? "an offering"} — Mavuno` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const found = await getOfferingForInvestor(params.offeringId ?? "", user.id);
  if (!found) throw new Response("Not found", { status: 404 });
  const { offering: o, partner, ownUnits, unitsLeft, capTable } = found;
  const summary = termsSummary({
    ...o,
    cycleStart: o.cycleStart.toISOString(),
    cycleEnd: o.cycleEnd.toISOString(),
    fundraisingDeadline: o.fundraisingDeadline.toISOString(),
  });
  return json({
    id: o.id,
    reference: o.reference,
    title: o.title,
    partner: partner.name,
    status: o.status,
    open: o.status === "listed" && o.fundraisingDeadline.getTime() > Date.now(),
    unitPrice: o.unitPriceCents.toString(),
    perInvestorMaxUnits: o.perInvestorMaxUnits,
    ownUnits,
    unitsLeft,
    points: summary.points,
    example: summary.exampleSentences,
    capTable: { investors: capTable.investors, units: capTable.units, raised: capTable.amountCents.toString() },
    balance: (await getWalletBalance(user.id)).toString(),
    // A new key each time the page is shown: a double submit of this form buys once.
    requestKey: globalThis.crypto.randomUUID(),
  });
}

const buySchema = z.object({
  units: z.coerce.number({ message: "Enter how many units to buy." }).int("Enter a whole number of units.").min(1, "Buy at least one unit.").max(100_000, "That is more units than any offering has."),
  requestKey: z.string().min(8).max(100),
  // "card": pay what the wallet lacks by card, then the units are bought from the wallet.
  pay: z.enum(["wallet", "card"]).default("wallet"),
});

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const form = Object.fromEntries(await request.formData());
  const parsed = buySchema.safeParse(form);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return json({ field: String(issue.path[0] ?? ""), error: issue.message, shortCents: null }, { status: 400 });
  }
  const offeringId = params.offeringId ?? "";
  const purchase = { investorId: user.id, offeringId, units: parsed.data.units, requestKey: parsed.data.requestKey };
  try {
    if (parsed.data.pay === "wallet") {
      const bought = await buyUnits(purchase);
      return redirect(`/my/equity?bought=${bought.investmentId}`);
    }
    const started = await startCardPurchase(purchase);
    if (started.status === "bought") return redirect(`/my/equity?bought=${started.purchase.investmentId}`);
    const back = `/invest/${offeringId}/card/${started.investmentId}`;
    if (started.status === "unfilled") return redirect(back);
    // The same payment path as the loan basket: a card payment of exactly the shortfall; its arrival buys the units.
    const payment = await startTopUp({
      userId: user.id,
      amount: started.cardCents,
      currency: "USD",
      requestKey: cardPaymentKey(started.investmentId),
      returnUrl: `${publicOrigin(request)}${back}`,
    });
    // Sent to the gateway; or paid at once (demo gateway), and the return page reads the outcome.
    return redirect(payment.checkoutUrl ?? back);
  } catch (error) {
    if (!(error instanceof EquityError)) throw error;
    if (error.details.status === 404) throw new Response("Not found", { status: 404 });
    return json(
      { field: error.details.field ?? "", error: error.message, shortCents: error.details.shortCents?.toString() ?? null },
      { status: error.details.shortCents ? 402 : 409 },
    );
  }
}

export default function Invest() {
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const usd = (cents: string | bigint) => formatMoney(BigInt(cents), "USD");
  const mayBuy = Math.min(d.unitsLeft, d.perInvestorMaxUnits - d.ownUnits);
  return (
    <section aria-labelledby="invest-title">
      <h1 id="invest-title">Invest in {d.title}</h1>
      <p>
        Offering {d.reference} by {d.partner} · {OFFERING_STATUS_LABELS[d.status] ?? d.status} ·{" "}
        <Link to={`/offerings/${d.id}`}>Full terms, risks and the members' meeting</Link>
      </p>
      <h2>The terms in brief</h2>
      <ul>
        {d.points.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
      <p>{d.example.profit} {d.example.breakEven} {d.example.loss}</p>
      <h2>Investors so far</h2>
      <p>
        {d.capTable.investors.toLocaleString("en-US")} investor{d.capTable.investors === 1 ? "" : "s"} hold{d.capTable.investors === 1 ? "s" : ""}{" "}
        {d.capTable.units.toLocaleString("en-US")} units ({usd(d.capTable.raised)}); {d.unitsLeft.toLocaleString("en-US")} units are left.
        {d.ownUnits > 0 ? ` You hold ${d.ownUnits}.` : ""}
      </p>
      {d.open ? (
        <>
          <h2>Buy units</h2>
          <p>
            Each unit costs {usd(d.unitPrice)}. Your wallet holds {usd(d.balance)}; the money is held for this offering until it closes, and you
            may cancel within the cancellation window for a full refund.
          </p>
          {a && !a.field ? <FormError errors={[a.error]} /> : null}
          {a?.shortCents ? (
            <p role="alert">
              Your wallet is {usd(a.shortCents)} short. Pay the {usd(a.shortCents)} by card below (the wallet pays the rest), or{" "}
              <Link to="/wallet">add credit to your wallet</Link> first.
            </p>
          ) : null}
          <Form method="post">
            <input type="hidden" name="requestKey" value={d.requestKey} />
            <Field
              name="units"
              label="Units"
              type="number"
              defaultValue="1"
              required
              hint={mayBuy > 0 ? `You may buy up to ${mayBuy.toLocaleString("en-US")} units.` : "You may not buy more units of this offering."}
              errors={a?.field === "units" && !a.shortCents ? [a.error] : undefined}
            />
            <div className="actions">
              <button type="submit" name="pay" value="wallet">Buy units from my wallet</button>
              <button type="submit" name="pay" value="card" className="secondary">Pay what my wallet lacks by card</button>
            </div>
          </Form>
        </>
      ) : (
        <p>This offering is not open to investors now.</p>
      )}
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
