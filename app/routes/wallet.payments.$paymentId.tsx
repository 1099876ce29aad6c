import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { formatMoney } from "~/lib/money.ts";
import { getCardPayment } from "~/models/payment.server.ts";
import { requireUser } from "~/utils/auth.server.ts";
import walletStyles from "~/styles/wallet.css";

export const meta: MetaFunction = () => [{ title: "Card payment — Mavuno" }];
export const links: LinksFunction = () => [{ rel: "stylesheet", href: walletStyles }];

const params = z.object({ paymentId: z.string().min(1).max(64) });

export async function loader({ request, params: raw }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const parsed = params.safeParse(raw);
  // Someone else's payment is answered exactly like one that does not exist.
  const payment = parsed.success ? await getCardPayment({ id: parsed.data.paymentId, userId: user.id }) : null;
  if (!payment) throw new Response("Not found", { status: 404 });
  return json({
    payment: {
      id: payment.id,
      demo: payment.gateway === "demo",
      amount: payment.amount.toString(),
      currency: payment.currency,
      status: payment.status,
      refunded: payment.refundedAmount.toString(),
      createdAt: payment.createdAt.toISOString(),
      completedAt: payment.completedAt?.toISOString() ?? null,
      // Only while it can still be paid: a finished session's page is of no use.
      checkoutUrl: payment.status === "created" ? payment.checkoutUrl : null,
      refunds: payment.refunds.map((r) => ({
        id: r.id,
        amount: r.amount.toString(),
        status: r.status,
        withdrawalId: r.withdrawalId,
        unfunded: r.ledgerOutcome === "unfunded",
        createdAt: r.createdAt.toISOString(),
      })),
    },
  });
}

const STATUS: Record<string, string> = {
  created: "Waiting for payment",
  completed: "Paid and credited to your wallet",
  expired: "Not paid (the payment page expired)",
  failed: "Refused by the card processor",
};

const REFUND_STATUS: Record<string, string> = { pending: "Waiting for the card processor", succeeded: "Refunded", failed: "Refused" };

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export default function CardPaymentPage() {
  const { payment } = useLoaderData<typeof loader>();
  const money = (amount: string) => formatMoney(BigInt(amount), payment.currency);
  return (
    <section aria-labelledby="payment-title">
      <p>
        <Link to="/wallet">← Your wallet</Link>
      </p>
      <h1 id="payment-title">Card payment of {money(payment.amount)}</h1>
      <dl className="facts">
        <dt>Status</dt>
        <dd>{STATUS[payment.status] ?? payment.status}</dd>
        <dt>Started</dt>
        <dd>{dateFormat.format(new Date(payment.createdAt))} UTC</dd>
        {payment.completedAt ? (
          <>
            <dt>Paid</dt>
            <dd>{dateFormat.format(new Date(payment.completedAt))} UTC</dd>
          </>
        ) : null}
        <dt>Refunded so far</dt>
        <dd>{money(payment.refunded)}</dd>
        <dt>Processor</dt>
        <dd>{payment.demo ? "Demo (no card was charged)" : "Stripe"}</dd>
      </dl>
      {payment.checkoutUrl ? (
        <p>
          <a href={payment.checkoutUrl}>Go back to the payment page</a>
        </p>
      ) : null}
      {payment.refunds.length > 0 ? (
        <>
          <h2>Refunds</h2>
          <ul>
            {payment.refunds.map((r) => (
              <li key={r.id}>
                {money(r.amount)}: {REFUND_STATUS[r.status] ?? r.status}, {dateFormat.format(new Date(r.createdAt))} UTC —{" "}
                {r.withdrawalId ? <Link to={`/wallet/withdrawals/${r.withdrawalId}`}>your withdrawal</Link> : "made by Mavuno's support team"}
                {r.unfunded ? " (your wallet did not hold enough to cover it; our team will be in touch)" : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
