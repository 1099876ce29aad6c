import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { Countdown } from "~/components/countdown.tsx";
import { Field, FormError } from "~/components/forms.tsx";
import { formatMoney, parseMoneyInput } from "~/lib/money.ts";
import { checkout, completePendingCheckout, getBasketForViewer, LendingError, MAX_TIP_CENTS, removeFromBasket, reserve } from "~/models/lending.server.ts";
import { startTopUp } from "~/models/payment.server.ts";
import { getWalletBalance } from "~/models/wallet.server.ts";
import { getOptionalUser, getViewer, requireUser } from "~/utils/auth.server.ts";
import { publicOrigin } from "~/utils/email.server.ts";
import { notifyFunded } from "~/models/notifications.server.ts";

export const meta: MetaFunction = () => [{ title: "Your basket — Mavuno" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const now = new Date();
  const [basket, balance] = await Promise.all([getBasketForViewer(user.id, await getViewer(request), now), getWalletBalance(user.id)]);
  const total = basket.reduce((a, b) => a + b.amountCents, 0n);
  return json({
    items: basket.map((b) => ({
      loanId: b.loanId,
      reference: b.loan.reference,
      purpose: b.loan.purpose,
      partner: b.loan.partner.name,
      shares: b.shares,
      amount: b.amountCents.toString(),
      expiresAt: b.expiresAt.toISOString(),
      expired: b.expired,
    })),
    total: total.toString(),
    balance: balance.toString(),
    // A new key each time the basket is shown: a double submit of this form checks out once.
    requestKey: globalThis.crypto.randomUUID(),
    now: now.toISOString(),
  });
}

const addSchema = z.object({
  loanId: z.string().min(1).max(64),
  shares: z.coerce.number({ message: "Choose how many $25 shares." }).int("Choose a whole number of shares."),
});

export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  if (intent === "add") {
    // Adding from a loan page while logged out: log in first, then come back to the loan.
    const user = await getOptionalUser(request);
    const loanId = String(form.get("loanId") ?? "");
    if (!user) throw redirect(`/login?${new URLSearchParams({ redirectTo: `/loans/${loanId}` })}`);
    const parsed = addSchema.safeParse(Object.fromEntries(form));
    if (!parsed.success) return json({ error: parsed.error.issues[0]!.message, field: "shares", loanId }, { status: 400 });
    try {
      await reserve({ userId: user.id, loanId: parsed.data.loanId, shares: parsed.data.shares });
    } catch (error) {
      if (error instanceof LendingError) {
        // Back on the loan page the message shows next to the shares field.
        return redirect(`/loans/${loanId}?${new URLSearchParams({ basketError: error.message })}`);
      }
      throw error;
    }
    return redirect("/basket");
  }

  const user = await requireUser(request);
  if (intent === "remove") {
    await removeFromBasket(user.id, String(form.get("loanId") ?? ""));
    return redirect("/basket");
  }
  if (intent !== "checkout") return json({ error: "Unknown request.", field: "", loanId: "" }, { status: 400 });

  const tipText = String(form.get("tip") ?? "").trim();
  let tipCents = 0n;
  if (tipText !== "" && tipText !== "0") {
    const tip = parseMoneyInput(tipText, "USD", { max: MAX_TIP_CENTS });
    if (!tip.ok) return json({ error: `Tip: ${tip.message}`, field: "tip", loanId: "" }, { status: 400 });
    tipCents = tip.amount;
  }
  try {
    const result = await checkout({ userId: user.id, requestKey: String(form.get("requestKey") ?? ""), tipCents });
    if (result.status === "completed") {
      if (!result.replayed) await notifyFunded(result.fundedLoans);
      return redirect(`/my/loans?checkout=${result.checkoutId}`);
    }
    // The wallet does not cover it: a card payment of exactly the difference, then the checkout completes.
    const started = await startTopUp({
      userId: user.id,
      amount: result.cardCents,
      currency: "USD",
      requestKey: `checkout:${result.checkoutId}`,
      returnUrl: `${publicOrigin(request)}/checkout/${result.checkoutId}`,
      checkoutId: result.checkoutId,
    });
    if (started.checkoutUrl) return redirect(started.checkoutUrl);
    // Paid at once (demo gateway): the payment's arrival has completed the checkout; this reads the outcome.
    const done = await completePendingCheckout({ userId: user.id, checkoutId: result.checkoutId });
    if (done.status === "completed" && !done.replayed) await notifyFunded(done.fundedLoans);
    return redirect(done.status === "completed" ? `/my/loans?checkout=${done.checkoutId}` : `/checkout/${result.checkoutId}`);
  } catch (error) {
    if (error instanceof LendingError) return json({ error: error.message, field: error.details.field ?? "", loanId: error.details.loanId ?? "" }, { status: 409 });
    throw error;
  }
}

export default function Basket() {
  const { items, total, balance, requestKey, now } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const totalCents = BigInt(total);
  const balanceCents = BigInt(balance);
  const fromCard = totalCents > balanceCents ? totalCents - balanceCents : 0n;
  return (
    <section aria-labelledby="basket-title">
      <h1 id="basket-title">Your basket</h1>
      {items.length === 0 ? (
        <p>
          Your basket is empty. <Link to="/loans">Find a loan to support</Link>.
        </p>
      ) : (
        <>
          <p>Shares in your basket are reserved for you for 45 minutes; other lenders cannot take them meanwhile.</p>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Loan</th>
                  <th scope="col" className="num">Shares</th>
                  <th scope="col" className="num">Amount</th>
                  <th scope="col">Reserved</th>
                  <th scope="col"><span className="visually-hidden">Remove</span></th>
                </tr>
              </thead>
              <tbody>
                {items.map((item) => (
                  <tr key={item.loanId}>
                    <td>
                      <Link to={`/loans/${item.loanId}`}>{item.reference}</Link> — {item.purpose} ({item.partner})
                    </td>
                    <td className="num">{item.shares}</td>
                    <td className="num">{formatMoney(BigInt(item.amount), "USD")}</td>
                    <td>
                      {item.expired ? (
                        <span>Reservation lapsed: checkout checks what is left</span>
                      ) : (
                        <Countdown until={item.expiresAt} serverNow={now} />
                      )}
                    </td>
                    <td>
                      <Form method="post">
                        <input type="hidden" name="intent" value="remove" />
                        <input type="hidden" name="loanId" value={item.loanId} />
                        <button type="submit" className="link-button">Remove</button>
                      </Form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Form method="post" noValidate>
            <input type="hidden" name="intent" value="checkout" />
            <input type="hidden" name="requestKey" value={requestKey} />
            <FormError errors={data?.error ? [data.error] : undefined} />
            <Field
              name="tip"
              label="Optional tip to Mavuno (USD)"
              hint="Mavuno charges lenders no fees; tips keep it running. Leave empty for none."
              errors={data?.field === "tip" ? [data.error] : undefined}
            />
            <dl className="facts">
              <dt>Shares</dt>
              <dd>{formatMoney(totalCents, "USD")}</dd>
              <dt>From your wallet</dt>
              <dd>{formatMoney(totalCents < balanceCents ? totalCents : balanceCents, "USD")} (you have {formatMoney(balanceCents, "USD")})</dd>
              <dt>By card</dt>
              <dd>{formatMoney(fromCard, "USD")} (plus any tip not covered by your wallet)</dd>
            </dl>
            <button type="submit">Lend now</button>
          </Form>
        </>
      )}
    </section>
  );
}
