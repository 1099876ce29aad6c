import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { Field, FormError } from "~/components/forms.tsx";
import { fieldErrors, formToObject, type FieldErrors } from "~/lib/forms.ts";
import { formatMoney } from "~/lib/money.ts";
import { DONATION_MIN, TOP_UP_MAX, TOP_UP_MIN, WALLET_CURRENCY, WITHDRAWAL_MIN } from "~/lib/wallet.ts";
import { IdempotencyConflict, InsufficientFunds } from "~/models/ledger.server.ts";
import { CheckoutClosed, listUnsettled, RequestKeyReused, startTopUp, withdraw, WithdrawalTooLarge } from "~/models/payment.server.ts";
import { donate, getWalletBalance, getWalletHistory, walletCommandSchema, type WalletCommand } from "~/models/wallet.server.ts";
import { requireUser } from "~/utils/auth.server.ts";
import { getEnv } from "~/utils/env.server.ts";
import { GatewayRefused, getGateway } from "~/utils/payments.server.ts";
import walletStyles from "~/styles/wallet.css";

export const meta: MetaFunction = () => [{ title: "Your wallet — Mavuno" }];
export const links: LinksFunction = () => [{ rel: "stylesheet", href: walletStyles }];

/** Fresh keys for the three forms, made per render: a resubmitted form repeats its key, a new visit gets new ones. */
function formKeys() {
  return { "top-up": crypto.randomUUID(), donate: crypto.randomUUID(), withdraw: crypto.randomUUID() };
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const raw = new URL(request.url).searchParams.get("before");
  const before = raw && /^\d{1,18}$/.test(raw) ? BigInt(raw) : undefined;
  const [balance, history, unsettled] = await Promise.all([
    getWalletBalance(user.id),
    getWalletHistory(user.id, { before }),
    listUnsettled(user.id),
  ]);
  return json({
    balance: balance.toString(),
    currency: WALLET_CURRENCY,
    entries: history.entries,
    nextBefore: history.nextBefore,
    firstPage: before === undefined,
    pendingPayments: unsettled.payments.map((p) => ({ id: p.id, amount: p.amount.toString(), createdAt: p.createdAt.toISOString() })),
    pendingWithdrawals: unsettled.withdrawals.map((w) => ({ id: w.id, amount: w.amount.toString(), createdAt: w.createdAt.toISOString() })),
    demo: getGateway().name === "demo",
    keys: formKeys(),
  });
}

const AMOUNT_FIELD = { "top-up": "topUpAmount", donate: "donationAmount", withdraw: "withdrawalAmount" } as const;

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const values = formToObject(await request.formData());
  const intent = values.intent ?? "";
  const fail = (errors: FieldErrors) =>
    json(
      {
        intent,
        errors,
        values: { topUpAmount: values.topUpAmount ?? "", donationAmount: values.donationAmount ?? "", withdrawalAmount: values.withdrawalAmount ?? "" },
        keys: formKeys(),
      },
      { status: 400 },
    );
  const parsed = walletCommandSchema.safeParse(values);
  if (!parsed.success) return fail(fieldErrors(parsed.error));
  const command: WalletCommand = parsed.data;
  const amountField = AMOUNT_FIELD[command.intent];
  try {
    switch (command.intent) {
      case "top-up": {
        const origin = getEnv().APP_ORIGIN ?? new URL(request.url).origin;
        const started = await startTopUp({
          userId: user.id,
          amount: command.topUpAmount,
          currency: command.currency,
          requestKey: command.key,
          returnUrl: `${origin}/wallet`,
        });
        return redirect(started.checkoutUrl ?? "/wallet?done=top-up");
      }
      case "donate":
        await donate({ userId: user.id, amount: command.donationAmount, requestKey: command.key });
        return redirect("/wallet?done=donation");
      case "withdraw": {
        const result = await withdraw({ userId: user.id, amount: command.withdrawalAmount, currency: command.currency, requestKey: command.key });
        return redirect(`/wallet?done=withdrawal-${result.status}`);
      }
    }
  } catch (error) {
    if (error instanceof InsufficientFunds) {
      return fail({ [amountField]: [`That is more than your wallet holds: you have ${formatMoney(error.available, error.currency)}.`] });
    }
    if (error instanceof WithdrawalTooLarge) return fail({ [amountField]: [error.message] });
    if (error instanceof IdempotencyConflict) return fail({ "": [new RequestKeyReused().message] });
    if (error instanceof RequestKeyReused || error instanceof CheckoutClosed) return fail({ "": [error.message] });
    if (error instanceof GatewayRefused) return fail({ "": [`The card processor said no: ${error.message}`] });
    throw error;
  }
}

const NOTICES: Record<string, string> = {
  "top-up": "Credit added to your wallet.",
  donation: "Thank you: your donation has gone to Mavuno.",
  "withdrawal-completed": "Withdrawal done: the money is on its way back to your card.",
  "withdrawal-pending": "Withdrawal requested. The card processor has not confirmed it yet; the money is set aside until it does.",
  "withdrawal-partly_completed": "Only part of the withdrawal went through; the rest is back in your wallet.",
  "withdrawal-failed": "The card processor refused the withdrawal; the credit is back in your wallet.",
};

const CHECKOUT_NOTICES: Record<string, string> = {
  success: "Payment received. The credit appears here as soon as the card processor confirms it, usually within seconds.",
  cancelled: "Payment cancelled: nothing was charged.",
};

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

function signed(amount: string, currency: string) {
  const value = BigInt(amount);
  return value > 0n ? `+${formatMoney(value, currency)}` : formatMoney(value, currency);
}

type Intent = keyof typeof AMOUNT_FIELD;

/** One of the wallet's three forms; its errors and typed value come back only to it. */
function WalletForm(props: {
  intent: Intent;
  title: string;
  about: string;
  label: string;
  hint: string;
  submit: string;
  formKey: string;
  secondary?: boolean;
}) {
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const field = AMOUNT_FIELD[props.intent];
  const mine = actionData?.intent === props.intent ? actionData : undefined;
  const titleId = `${props.intent}-title`;
  return (
    <section aria-labelledby={titleId} className="wallet-form">
      <h2 id={titleId}>{props.title}</h2>
      <p className="hint">{props.about}</p>
      {/* A new key (after any answer) remounts the form: cleared after success, refilled from the echo after an error. */}
      <Form method="post" noValidate key={props.formKey}>
        <FormError errors={mine?.errors[""] ?? mine?.errors.key ?? mine?.errors.currency ?? mine?.errors.intent} />
        <input type="hidden" name="intent" value={props.intent} />
        <input type="hidden" name="key" value={props.formKey} />
        <input type="hidden" name="currency" value={WALLET_CURRENCY} />
        <Field name={field} label={props.label} hint={props.hint} defaultValue={mine?.values[field]} errors={mine?.errors[field]} required />
        <button type="submit" className={props.secondary ? "secondary" : undefined} disabled={busy}>
          {props.submit}
        </button>
      </Form>
    </section>
  );
}

export default function Wallet() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const keys = actionData?.keys ?? data.keys;
  const notice = NOTICES[params.get("done") ?? ""] ?? CHECKOUT_NOTICES[params.get("checkout") ?? ""];
  const currency = data.currency;

  return (
    <section aria-labelledby="wallet-title" className="wallet">
      <h1 id="wallet-title">Your wallet</h1>
      <p className="wallet-balance">
        Balance <strong>{formatMoney(BigInt(data.balance), currency)}</strong>
      </p>
      <p className="actions">
        {BigInt(data.balance) >= 2_500n ? <Link to="/loans?relend=1">Relend your {formatMoney(BigInt(data.balance), currency)}</Link> : null}
        <Link to="/wallet/auto-lend">Auto-lending</Link>
      </p>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}

      {data.pendingPayments.length > 0 || data.pendingWithdrawals.length > 0 ? (
        <section aria-labelledby="waiting-title">
          <h2 id="waiting-title">Waiting for the card processor</h2>
          <ul>
            {data.pendingPayments.map((p) => (
              <li key={p.id}>
                <Link to={`/wallet/payments/${p.id}`}>Card payment of {formatMoney(BigInt(p.amount), currency)}</Link> started{" "}
                {dateFormat.format(new Date(p.createdAt))} UTC
              </li>
            ))}
            {data.pendingWithdrawals.map((w) => (
              <li key={w.id}>
                <Link to={`/wallet/withdrawals/${w.id}`}>Withdrawal of {formatMoney(BigInt(w.amount), currency)}</Link> asked{" "}
                {dateFormat.format(new Date(w.createdAt))} UTC
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <div className="wallet-forms">
        <WalletForm
          intent="top-up"
          title="Add credit"
          about={data.demo ? "Demo: the credit is added at once and no card is charged." : "You pay by card on Stripe's secure page, then come back here."}
          label="Amount to add (USD)"
          hint={`From ${formatMoney(TOP_UP_MIN, currency)} to ${formatMoney(TOP_UP_MAX, currency)}.`}
          submit="Add credit"
          formKey={keys["top-up"]}
        />
        <WalletForm
          intent="donate"
          title="Donate to Mavuno"
          about="Donations pay for partner reviews and keep lending free of fees for lenders."
          label="Amount to donate (USD)"
          hint={`From ${formatMoney(DONATION_MIN, currency)} up to your balance.`}
          submit="Donate"
          formKey={keys.donate}
        />
        <WalletForm
          intent="withdraw"
          title="Withdraw"
          about="Withdrawals are refunded to the cards you paid with, most recent payment first."
          label="Amount to withdraw (USD)"
          hint={`At least ${formatMoney(WITHDRAWAL_MIN, currency)}, up to your balance.`}
          submit="Withdraw"
          formKey={keys.withdraw}
          secondary
        />
      </div>

      <div className="history-heading">
        <h2 id="history-title">Movements</h2>
        <a href="/wallet/export.csv" download>
          Download the full history (CSV)
        </a>
      </div>
      {data.entries.length === 0 ? (
        <p>{data.firstPage ? "No movements yet. Add credit to start lending." : "No older movements."}</p>
      ) : (
        <table className="history" aria-labelledby="history-title">
          <thead>
            <tr>
              <th scope="col">Date (UTC)</th>
              <th scope="col">What</th>
              <th scope="col" className="amount">
                Amount
              </th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {data.entries.map((entry) => (
              <tr key={entry.postingId}>
                <td data-label="Date (UTC)">{dateFormat.format(new Date(entry.createdAt))}</td>
                <td data-label="What">{entry.memo}</td>
                <td data-label="Amount" className={BigInt(entry.amount) < 0n ? "amount out" : "amount in"}>
                  {signed(entry.amount, currency)}
                </td>
                <td data-label="Details">{entry.link ? <Link to={entry.link.href}>{entry.link.label}</Link> : <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav aria-label="Movement pages" className="pagination">
        {data.firstPage ? null : <Link to="/wallet">Newest</Link>}
        {data.nextBefore ? (
          <Link to={`/wallet?before=${data.nextBefore}`} rel="next">
            Older
          </Link>
        ) : null}
      </nav>
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
