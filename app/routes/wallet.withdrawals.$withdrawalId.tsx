import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { formatMoney } from "~/lib/money.ts";
import { getWithdrawal, retryWithdrawal } from "~/models/payment.server.ts";
import { requireUser } from "~/utils/auth.server.ts";
import walletStyles from "~/styles/wallet.css";

export const meta: MetaFunction = () => [{ title: "Withdrawal — Mavuno" }];
export const links: LinksFunction = () => [{ rel: "stylesheet", href: walletStyles }];

const params = z.object({ withdrawalId: z.string().min(1).max(64) });

export async function loader({ request, params: raw }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const parsed = params.safeParse(raw);
  const withdrawal = parsed.success ? await getWithdrawal({ id: parsed.data.withdrawalId, userId: user.id }) : null;
  if (!withdrawal) throw new Response("Not found", { status: 404 });
  return json({
    withdrawal: {
      id: withdrawal.id,
      amount: withdrawal.amount.toString(),
      currency: withdrawal.currency,
      status: withdrawal.status,
      createdAt: withdrawal.createdAt.toISOString(),
      completedAt: withdrawal.completedAt?.toISOString() ?? null,
      // A refund with no answer from the processor at all can be asked about again.
      canRetry: withdrawal.refunds.some((r) => r.status === "pending" && r.externalId === null),
      refunds: withdrawal.refunds.map((r) => ({
        id: r.id,
        amount: r.amount.toString(),
        status: r.status,
        failureReason: r.failureReason,
        payment: { id: r.cardPayment.id, createdAt: r.cardPayment.createdAt.toISOString(), amount: r.cardPayment.amount.toString() },
      })),
    },
  });
}

export async function action({ request, params: raw }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const parsed = params.safeParse(raw);
  const result = parsed.success ? await retryWithdrawal({ userId: user.id, withdrawalId: parsed.data.withdrawalId }) : null;
  if (!result) throw new Response("Not found", { status: 404 });
  return redirect(`/wallet/withdrawals/${result.withdrawalId}`);
}

const STATUS: Record<string, string> = {
  pending: "Waiting for the card processor; the money is set aside meanwhile",
  completed: "Refunded to your card",
  partly_completed: "Partly refunded; the rest went back to your wallet",
  failed: "Refused by the card processor; the money went back to your wallet",
};

const PART_STATUS: Record<string, string> = { pending: "waiting", succeeded: "refunded", failed: "refused, back in your wallet" };

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export default function WithdrawalPage() {
  const { withdrawal } = useLoaderData<typeof loader>();
  const money = (amount: string) => formatMoney(BigInt(amount), withdrawal.currency);
  return (
    <section aria-labelledby="withdrawal-title">
      <p>
        <Link to="/wallet">← Your wallet</Link>
      </p>
      <h1 id="withdrawal-title">Withdrawal of {money(withdrawal.amount)}</h1>
      <dl className="facts">
        <dt>Status</dt>
        <dd>{STATUS[withdrawal.status] ?? withdrawal.status}</dd>
        <dt>Asked</dt>
        <dd>{dateFormat.format(new Date(withdrawal.createdAt))} UTC</dd>
        {withdrawal.completedAt ? (
          <>
            <dt>Settled</dt>
            <dd>{dateFormat.format(new Date(withdrawal.completedAt))} UTC</dd>
          </>
        ) : null}
      </dl>
      <h2>Refunds to your cards</h2>
      <ul>
        {withdrawal.refunds.map((r) => (
          <li key={r.id}>
            {money(r.amount)} of your{" "}
            <Link to={`/wallet/payments/${r.payment.id}`}>
              {money(r.payment.amount)} payment of {dateFormat.format(new Date(r.payment.createdAt))}
            </Link>
            : {PART_STATUS[r.status] ?? r.status}
            {r.failureReason ? ` (${r.failureReason})` : null}
          </li>
        ))}
      </ul>
      {withdrawal.canRetry ? (
        <Form method="post">
          <button type="submit" className="secondary">
            Ask the card processor again
          </button>
        </Form>
      ) : null}
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
