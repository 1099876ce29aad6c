// A checkout paid partly by card completes when the payment arrives (Stripe's
// webhook), whether or not the lender comes back to the return page; the two
// may race and exactly one buys. Real Stripe SDK against the local fake, a real
// SMTP server for the emails.
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { getBalance, verifyLedger, walletAccount } from "~/models/ledger.server.ts";
import { completeCheckoutPaidBy, completePendingCheckout } from "~/models/lending.server.ts";
import * as basket from "~/routes/basket.tsx";
import * as checkoutReturn from "~/routes/checkout.$checkoutId.tsx";
import { action as webhookAction } from "~/routes/webhooks.stripe.tsx";
import { getDb } from "~/utils/db.server.ts";
import { makeClient, makeLoan, makePartner } from "../factories/index.ts";
import { fakeStripeForFile } from "../support/fake-stripe.ts";
import { BASE, formRequest, getRequest, run } from "../support/requests.ts";
import { smtpServerForFile } from "../support/smtp.ts";
import { creditFromRepayment, signedInLender } from "../support/wallet.ts";

const WEBHOOK_SECRET = "whsec_mavuno_card_checkout";
// Stripe first: the SMTP server's hook reads the environment, once for the file.
const stripe = fakeStripeForFile({ secretKey: "sk_test_mavuno_fake", webhookSecret: WEBHOOK_SECRET });
const smtp = smtpServerForFile();

type Fn = Parameters<typeof run>[0];
const L = (m: { loader?: unknown }) => m.loader as Fn;
const A = (m: { action?: unknown }) => m.action as Fn;

function deliver(event: unknown) {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
  return run(
    webhookAction,
    new Request(`${BASE}/webhooks/stripe`, { method: "POST", headers: { "Content-Type": "application/json", "Stripe-Signature": signature }, body: payload }),
  );
}

/** A signed-in lender with `cents` of credit in the wallet. */
async function lenderWith(cents: bigint) {
  const { id, cookie } = await signedInLender();
  if (cents > 0n) await creditFromRepayment(id, cents);
  const user = await (await getDb()).user.findUniqueOrThrow({ where: { id }, select: { id: true, email: true } });
  return { user, cookie };
}

async function loan(amountUsdCents: number) {
  const db = await getDb();
  const partner = await makePartner(db);
  const client = await makeClient(db, { partnerId: partner.id });
  return makeLoan(db, {
    partnerId: partner.id,
    clientId: client.id,
    amountUsdCents,
    reference: `MV-C-${Math.random().toString(36).slice(2, 8).toUpperCase()}`,
  });
}

/** Puts `shares` of the loan in the lender's basket and checks out; the wallet is short, so Stripe gets a session. */
async function checkoutByCard(lender: { user: { id: string }; cookie: string }, loanId: string, shares: number) {
  await run(A(basket), formRequest("/basket", { intent: "add", loanId, shares: String(shares) }, lender.cookie));
  const page = (await (await run(L(basket), getRequest("/basket", lender.cookie))).json()) as { requestKey: string };
  const response = await run(A(basket), formRequest("/basket", { intent: "checkout", requestKey: page.requestKey }, lender.cookie));
  expect(response.status).toBe(302);
  const session = [...stripe.sessions.values()].find((s) => s.url === response.headers.get("Location"));
  if (!session) throw new Error(`not sent to Stripe: ${response.headers.get("Location")}`);
  const db = await getDb();
  const checkout = await db.checkout.findFirstOrThrow({ where: { userId: lender.user.id }, orderBy: { createdAt: "desc" } });
  return { session, checkout };
}

/** The lender comes back from Stripe: where the page sends them, or what it says. */
async function comeBack(cookie: string, checkoutId: string) {
  const response = await run(L(checkoutReturn), getRequest(`/checkout/${checkoutId}?checkout=success`, cookie), { checkoutId });
  if (response.status === 302) return { location: response.headers.get("Location") };
  return (await response.json()) as { state: string; message: string | null };
}

async function sharesOf(loanId: string, lenderId: string) {
  return (await getDb()).loanShare.aggregate({ where: { loanId, lenderId }, _sum: { shares: true }, _count: { _all: true } });
}

const fundedMails = (email: string, reference: string) => smtp.received.filter((m) => m.to.includes(email) && m.subject === `Loan ${reference} is fully funded`);

describe("a checkout paid partly by card", () => {
  it("is completed by the webhook; the return visit afterwards finds it done", async () => {
    const l = await loan(5_000);
    const lender = await lenderWith(1_000n);
    const { session, checkout } = await checkoutByCard(lender, l.id, 2);
    expect(checkout).toMatchObject({ status: "pending_payment", cardCents: 4_000n });
    const db = await getDb();
    const payment = await db.cardPayment.findUniqueOrThrow({ where: { externalId: session.id } });
    expect(checkout.cardPaymentId).toBe(payment.id);
    expect(payment.amount).toBe(4_000n);

    expect((await deliver(stripe.completeCheckout(session.id))).status).toBe(200);
    expect(await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } })).toMatchObject({ status: "completed" });
    expect((await sharesOf(l.id, lender.user.id))._sum.shares).toBe(2);
    expect((await db.loan.findUniqueOrThrow({ where: { id: l.id } })).status).toBe("funded");
    expect(await getBalance(walletAccount(lender.user.id), "USD")).toBe(0n);
    await smtp.waitFor((m) => m.to.includes(lender.user.email) && /fully funded/.test(m.subject));

    expect(await comeBack(lender.cookie, checkout.id)).toEqual({ location: `/my/loans?checkout=${checkout.id}` });
    expect((await sharesOf(l.id, lender.user.id))._count._all).toBe(1);
    expect(fundedMails(lender.user.email, l.reference)).toHaveLength(1);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("waits while the lender is back before the payment, then the webhook completes it", async () => {
    const l = await loan(10_000);
    const lender = await lenderWith(0n);
    const { session, checkout } = await checkoutByCard(lender, l.id, 2);
    expect(await comeBack(lender.cookie, checkout.id)).toMatchObject({ state: "waiting" });

    expect((await deliver(stripe.completeCheckout(session.id))).status).toBe(200);
    const db = await getDb();
    expect((await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } })).status).toBe("completed");
    expect((await sharesOf(l.id, lender.user.id))._sum.shares).toBe(2);
    expect(await comeBack(lender.cookie, checkout.id)).toEqual({ location: `/my/loans?checkout=${checkout.id}` });
    expect(await getBalance(walletAccount(lender.user.id), "USD")).toBe(0n);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("racing return visits and the webhook: exactly one buys, the others see it done, one email", async () => {
    const l = await loan(2_500 * 4);
    const lender = await lenderWith(2_500n);
    const { session, checkout } = await checkoutByCard(lender, l.id, 4);
    const event = stripe.completeCheckout(session.id);
    const [webhook, ...visits] = await Promise.all([deliver(event), ...Array.from({ length: 4 }, () => comeBack(lender.cookie, checkout.id))]);
    expect(webhook.status).toBe(200);
    for (const visit of visits) expect(["waiting", undefined]).toContain((visit as { state?: string }).state);
    expect(await comeBack(lender.cookie, checkout.id)).toEqual({ location: `/my/loans?checkout=${checkout.id}` });
    expect(await sharesOf(l.id, lender.user.id)).toMatchObject({ _sum: { shares: 4 }, _count: { _all: 1 } });
    const db = await getDb();
    expect((await db.loan.findUniqueOrThrow({ where: { id: l.id } })).sharesSold).toBe(4);
    expect(await getBalance(walletAccount(lender.user.id), "USD")).toBe(0n);
    await smtp.waitFor((m) => m.to.includes(lender.user.email) && /fully funded/.test(m.subject));
    // Give a second email the time to arrive if one were sent.
    await new Promise((r) => setTimeout(r, 300));
    expect(fundedMails(lender.user.email, l.reference)).toHaveLength(1);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("racing completions once the money is in the wallet: exactly one buys, every other replays the outcome", async () => {
    const l = await loan(2_500 * 2);
    const lender = await lenderWith(0n);
    const { checkout } = await checkoutByCard(lender, l.id, 2);
    // As if the card payment had landed.
    await creditFromRepayment(lender.user.id, 5_000n);
    const results = await Promise.all([
      completeCheckoutPaidBy(checkout.cardPaymentId!),
      completeCheckoutPaidBy(checkout.cardPaymentId!),
      ...Array.from({ length: 3 }, () => completePendingCheckout({ userId: lender.user.id, checkoutId: checkout.id })),
    ]);
    expect(results.map((r) => r?.status)).toEqual(Array(5).fill("completed"));
    const fresh = results.filter((r) => r && "replayed" in r && !r.replayed);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]).toMatchObject({ fundedLoans: [l.id] });
    expect(await sharesOf(l.id, lender.user.id)).toMatchObject({ _sum: { shares: 2 }, _count: { _all: 1 } });
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("the same webhook delivered twice (and together, and another event about the session) buys once", async () => {
    const l = await loan(2_500 * 3);
    const lender = await lenderWith(0n);
    const { session, checkout } = await checkoutByCard(lender, l.id, 3);
    const event = stripe.completeCheckout(session.id);
    const outcomes = await Promise.all([deliver(event), deliver(event)]);
    const again = await deliver(event);
    const other = await deliver(stripe.sessionEvent("checkout.session.async_payment_succeeded", session.id));
    const said = await Promise.all([...outcomes, again, other].map(async (r) => ((await r.json()) as { outcome: string }).outcome));
    expect(said.filter((o) => o === "applied")).toHaveLength(2); // the completion, and the other event (which changes nothing)
    expect(said.filter((o) => o === "duplicate")).toHaveLength(2);
    const db = await getDb();
    expect((await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } })).status).toBe("completed");
    expect(await sharesOf(l.id, lender.user.id)).toMatchObject({ _sum: { shares: 3 }, _count: { _all: 1 } });
    expect(await getBalance(walletAccount(lender.user.id), "USD")).toBe(0n);
    await smtp.waitFor((m) => m.to.includes(lender.user.email) && /fully funded/.test(m.subject));
    await new Promise((r) => setTimeout(r, 300));
    expect(fundedMails(lender.user.email, l.reference)).toHaveLength(1);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("when the shares are gone before the payment lands, the money stays as credit and the lender is told why", async () => {
    const l = await loan(2_500 * 4);
    const lender = await lenderWith(1_000n);
    const { session, checkout } = await checkoutByCard(lender, l.id, 3);
    // The reservation lapses (the lender took too long at Stripe) and someone else buys two of the four shares.
    const db = await getDb();
    await db.basketItem.updateMany({ where: { userId: lender.user.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    const rival = await lenderWith(2_500n * 2n);
    await run(A(basket), formRequest("/basket", { intent: "add", loanId: l.id, shares: "2" }, rival.cookie));
    const rivalKey = ((await (await run(L(basket), getRequest("/basket", rival.cookie))).json()) as { requestKey: string }).requestKey;
    expect((await run(A(basket), formRequest("/basket", { intent: "checkout", requestKey: rivalKey }, rival.cookie))).headers.get("Location")).toMatch(
      /^\/my\/loans/,
    );

    expect((await deliver(stripe.completeCheckout(session.id))).status).toBe(200);
    const failed = await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } });
    expect(failed.status).toBe("failed");
    expect(failed.failureReason).toBe(`Only 2 shares of loan ${l.reference} are left. Change your basket and try again; nothing was bought.`);
    expect((await sharesOf(l.id, lender.user.id))._count._all).toBe(0);
    // The card payment (7,500 − 1,000) and the credit the lender had.
    expect(await getBalance(walletAccount(lender.user.id), "USD")).toBe(7_500n);

    const back = await comeBack(lender.cookie, checkout.id);
    expect(back).toEqual({ state: "failed", cardCents: "0", message: failed.failureReason });
    const mail = await smtp.waitFor((m) => m.to.includes(lender.user.email) && /did not go through/.test(m.subject));
    expect(mail.subject).toBe("Your checkout did not go through: $65.00 is in your wallet");
    expect(mail.text).toContain(failed.failureReason!);
    // Redelivered: nothing more happens, no second email.
    expect((await deliver(stripe.sessionEvent("checkout.session.completed", session.id))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.received.filter((m) => m.to.includes(lender.user.email) && /did not go through/.test(m.subject))).toHaveLength(1);
    expect(await getBalance(walletAccount(lender.user.id), "USD")).toBe(7_500n);
    expect((await verifyLedger()).ok).toBe(true);
  });
});
