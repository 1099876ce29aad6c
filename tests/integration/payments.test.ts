// Card payments through the real Stripe SDK, against a local fake of Stripe's
// API (tests/support/fake-stripe.ts), with webhooks signed by the SDK itself.
import Stripe from "stripe";
import { describe, expect, it, vi } from "vitest";
import { EXTERNAL_PAYOUT, getBalance, verifyLedger } from "~/models/ledger.server.ts";
import { loader as adminPaymentsLoader } from "~/routes/admin.payments.tsx";
import { loader as paymentLoader } from "~/routes/wallet.payments.$paymentId.tsx";
import { action as retryAction, loader as withdrawalLoader } from "~/routes/wallet.withdrawals.$withdrawalId.tsx";
import { action as webhookAction } from "~/routes/webhooks.stripe.tsx";
import { loader as rootLoader } from "~/root.tsx";
import { getDb } from "~/utils/db.server.ts";
import { createSession } from "~/utils/session.server.ts";
import { makeUser } from "../factories/index.ts";
import { fakeStripeForFile } from "../support/fake-stripe.ts";
import { BASE, formRequest, getRequest, run } from "../support/requests.ts";
import {
  balanceOf,
  creditFromRepayment,
  donateFrom,
  formErrors,
  signedInLender,
  topUp,
  walletPage,
  withdrawFrom,
  type Lender,
} from "../support/wallet.ts";

const SECRET_KEY = "sk_test_mavuno_fake";
const WEBHOOK_SECRET = "whsec_mavuno_test_secret";

// Read by getEnv() on first use, which comes after this in every test.
const stripe = fakeStripeForFile({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET });

function deliver(event: unknown, options: { secret?: string; signedPayload?: string; signature?: string | null } = {}) {
  const payload = JSON.stringify(event);
  const signature =
    options.signature !== undefined
      ? options.signature
      : Stripe.webhooks.generateTestHeaderString({ payload: options.signedPayload ?? payload, secret: options.secret ?? WEBHOOK_SECRET });
  const headers = new Headers({ "Content-Type": "application/json; charset=utf-8" });
  if (signature !== null) headers.set("Stripe-Signature", signature);
  return run(webhookAction, new Request(`${BASE}/webhooks/stripe`, { method: "POST", headers, body: payload }));
}

/** Starts a top-up on the wallet page; returns the checkout session Stripe made for it. */
async function startCheckout(lender: Lender, amount: string, key?: string) {
  const response = await topUp(lender, amount, key);
  expect(response.status).toBe(302);
  const location = response.headers.get("Location")!;
  const session = [...stripe.sessions.values()].find((s) => s.url === location);
  if (!session) throw new Error(`no session behind ${location}`);
  return session;
}

/** A top-up that the payer completes and Stripe confirms: returns the payment intent id. */
async function paidTopUp(lender: Lender, amount: string) {
  const session = await startCheckout(lender, amount);
  expect((await deliver(stripe.completeCheckout(session.id))).status).toBe(200);
  return stripe.sessions.get(session.id)!.payment_intent!;
}

async function cardPaymentOf(sessionId: string) {
  return (await getDb()).cardPayment.findUniqueOrThrow({ where: { externalId: sessionId } });
}

describe("adding credit with Stripe Checkout", () => {
  it("says on every page that payments are real", async () => {
    const root = await run(rootLoader, getRequest("/"));
    expect(((await root.json()) as { demoPayments: boolean }).demoPayments).toBe(false);
  });

  it("creates a Checkout Session, records the payment, and sends the lender there; nothing is credited yet", async () => {
    const lender = await signedInLender();
    const before = stripe.requests.length;
    const session = await startCheckout(lender, "25.00");
    const sent = stripe.requests.slice(before).find((r) => r.path === "/v1/checkout/sessions")!;
    expect(sent.params).toMatchObject({
      mode: "payment",
      line_items: { 0: { quantity: "1", price_data: { currency: "usd", unit_amount: "2500", product_data: { name: "Mavuno wallet credit" } } } },
      metadata: { userId: lender.id },
    });
    const payment = await cardPaymentOf(session.id);
    expect(payment).toMatchObject({ userId: lender.id, gateway: "stripe", status: "created", amount: 2500n, currency: "USD" });
    expect(session.metadata).toEqual({ userId: lender.id, cardPaymentId: payment.id });
    expect(session.client_reference_id).toBe(payment.id);
    expect(session.success_url).toBe(`${BASE}/wallet?checkout=success`);
    expect(session.cancel_url).toBe(`${BASE}/wallet?checkout=cancelled`);
    expect(sent.idempotencyKey).toBe(`mavuno-checkout-${payment.id}`);
    expect(await balanceOf(lender.id)).toBe(0n);
  });

  it("sends a double submit of the same form to the same session", async () => {
    const lender = await signedInLender();
    const key = crypto.randomUUID();
    const first = await startCheckout(lender, "40", key);
    const again = await startCheckout(lender, "40", key);
    expect(again.id).toBe(first.id);
    expect(await (await getDb()).cardPayment.count({ where: { userId: lender.id } })).toBe(1);
  });

  it("credits the wallet once when checkout.session.completed arrives 100 times", async () => {
    const lender = await signedInLender();
    const session = await startCheckout(lender, "25.00");
    const event = stripe.completeCheckout(session.id);
    const outcomes: string[] = [];
    for (let round = 0; round < 10; round++) {
      // Ten at a time: redeliveries overlap in real life.
      const responses = await Promise.all(Array.from({ length: 10 }, () => deliver(event)));
      for (const response of responses) {
        expect(response.status).toBe(200);
        outcomes.push(((await response.json()) as { outcome: string }).outcome);
      }
    }
    expect(outcomes.filter((o) => o === "applied")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(99);
    // Another event about the same session (Stripe sends several) changes nothing either.
    expect((await deliver(stripe.sessionEvent("checkout.session.async_payment_succeeded", session.id))).status).toBe(200);

    expect(await balanceOf(lender.id)).toBe(2500n);
    const payment = await cardPaymentOf(session.id);
    expect(payment.status).toBe("completed");
    expect(payment.paymentIntentId).toMatch(/^pi_/);
    const page = await walletPage(lender);
    expect(page.entries).toHaveLength(1);
    expect(page.entries[0]).toMatchObject({ amount: "2500", memo: "Added credit by card", link: { href: `/wallet/payments/${payment.id}` } });
    const db = await getDb();
    expect(await db.paymentEvent.count({ where: { id: event.id as string } })).toBe(1);
    expect(await db.ledgerTransaction.count({ where: { idempotencyKey: `stripe:checkout:${session.id}` } })).toBe(1);
  });

  it("refuses a webhook whose signature does not verify, and changes nothing", async () => {
    const lender = await signedInLender();
    const session = await startCheckout(lender, "30");
    const event = stripe.completeCheckout(session.id);
    const forged = { ...event, data: { object: { ...(event.data as { object: object }).object, amount_total: 999_999 } } };
    const attempts = [
      await deliver(event, { secret: "whsec_someone_else" }),
      await deliver(event, { signature: null }),
      await deliver(event, { signature: "t=1,v1=deadbeef" }),
      await deliver(forged, { signedPayload: JSON.stringify(event) }),
    ];
    expect(attempts.map((r) => r.status)).toEqual([400, 400, 400, 400]);
    expect(await balanceOf(lender.id)).toBe(0n);
    expect((await cardPaymentOf(session.id)).status).toBe("created");
    expect(await (await getDb()).paymentEvent.count({ where: { id: event.id as string } })).toBe(0);
    // The genuine event still works afterwards: a refusal burns nothing.
    expect((await deliver(event)).status).toBe(200);
    expect(await balanceOf(lender.id)).toBe(3000n);
  });

  it("marks a session that expired unpaid", async () => {
    const lender = await signedInLender();
    const session = await startCheckout(lender, "10");
    expect((await deliver(stripe.sessionEvent("checkout.session.expired", session.id))).status).toBe(200);
    expect((await cardPaymentOf(session.id)).status).toBe("expired");
    expect(await balanceOf(lender.id)).toBe(0n);
  });
});

describe("refunds made in Stripe's dashboard", () => {
  it("takes the refund back out of the wallet, once per refund id", async () => {
    const lender = await signedInLender();
    const paymentIntent = await paidTopUp(lender, "50");
    const { refund, event } = stripe.refundInDashboard(paymentIntent, 2000);
    expect((await deliver(event)).status).toBe(200);
    const asked = stripe.requests.length;
    expect((await deliver(event)).status).toBe(200);
    expect(stripe.requests).toHaveLength(asked); // a redelivery is answered without asking Stripe again
    // A later event about the same charge lists the same refund again.
    expect((await deliver(stripe.chargeRefundedEvent(paymentIntent))).status).toBe(200);
    expect(await balanceOf(lender.id)).toBe(3000n);
    const page = await walletPage(lender);
    expect(page.entries[0]).toMatchObject({ amount: "-2000", memo: "Card payment refunded", kind: "card_refund" });
    const row = await (await getDb()).cardRefund.findUniqueOrThrow({ where: { externalId: refund.id } });
    expect(row).toMatchObject({ withdrawalId: null, status: "succeeded", ledgerOutcome: "posted", amount: 2000n });
    expect((await (await getDb()).cardPayment.findFirstOrThrow({ where: { paymentIntentId: paymentIntent } })).refundedAmount).toBe(2000n);
  });

  it("takes nothing when the wallet holds too little, and puts it in front of an admin", async () => {
    const lender = await signedInLender();
    const paymentIntent = await paidTopUp(lender, "30");
    expect((await donateFrom(lender, "25")).status).toBe(302);
    const { refund, event } = stripe.refundInDashboard(paymentIntent, 3000);
    expect((await deliver(event)).status).toBe(200);
    expect((await deliver(event)).status).toBe(200);
    expect(await balanceOf(lender.id)).toBe(500n);
    const db = await getDb();
    expect((await db.cardRefund.findUniqueOrThrow({ where: { externalId: refund.id } })).ledgerOutcome).toBe("unfunded");
    const issues = await db.paymentIssue.findMany({ where: { subject: refund.id } });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ kind: "refund_unfunded", userId: lender.id, amount: 3000n });

    const admin = await makeUser(db, { isPlatformAdmin: true });
    const { token } = await createSession(admin.id, "vitest");
    const page = await run(adminPaymentsLoader, getRequest("/admin/payments", `mavuno_session=${token}`));
    const listed = ((await page.json()) as { issues: { subject: string; amount: string; detail: string }[] }).issues;
    expect(listed.find((i) => i.subject === refund.id)).toMatchObject({ amount: "$30.00" });
    expect((await run(adminPaymentsLoader, getRequest("/admin/payments", lender.cookie))).status).toBe(403);
  });
});

describe("withdrawing by refunding the lender's own card payments", () => {
  it("refunds the most recent payment first, never more than each one was, and pays out when Stripe confirms", async () => {
    const lender = await signedInLender();
    const older = await paidTopUp(lender, "40");
    const newer = await paidTopUp(lender, "60");
    const key = crypto.randomUUID();
    const before = stripe.requests.length;
    const response = await withdrawFrom(lender, "80", key);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/wallet?done=withdrawal-completed");
    const asked = stripe.requests.slice(before).filter((r) => r.path === "/v1/refunds");
    expect(asked.map((r) => [r.params.payment_intent, r.params.amount])).toEqual([
      [newer, "6000"],
      [older, "2000"],
    ]);
    expect(await balanceOf(lender.id)).toBe(2000n);

    // The same form again: the same withdrawal, no new refund.
    const again = await withdrawFrom(lender, "80", key);
    expect(again.headers.get("Location")).toBe("/wallet?done=withdrawal-completed");
    expect(stripe.requests.slice(before).filter((r) => r.path === "/v1/refunds")).toHaveLength(2);
    expect(await balanceOf(lender.id)).toBe(2000n);

    const db = await getDb();
    const withdrawal = await db.withdrawal.findFirstOrThrow({ where: { userId: lender.id } });
    expect(withdrawal.status).toBe("completed");
    expect(await getBalance(`withdrawal:${withdrawal.id}:escrow`, "USD")).toBe(0n);
    const page = await walletPage(lender);
    expect(page.entries.filter((e) => e.kind === "hold").map((e) => e.link?.href)).toEqual([
      `/wallet/withdrawals/${withdrawal.id}`,
      `/wallet/withdrawals/${withdrawal.id}`,
    ]);
    // Only $20 of the older payment is left to refund.
    expect(await formErrors(await withdrawFrom(lender, "20.01"))).toEqual({
      withdrawalAmount: ["That is more than your wallet holds: you have $20.00."],
    });
    await expect(db.cardPayment.findFirstOrThrow({ where: { paymentIntentId: older } })).resolves.toMatchObject({ refundedAmount: 2000n });
  });

  it("will not refund more than the card payments were, whatever the wallet holds", async () => {
    const lender = await signedInLender();
    await paidTopUp(lender, "10");
    // Credit that did not come from a card (a loan repayment, say) cannot go back to one.
    await creditFromRepayment(lender.id, 5000n);
    const refundsBefore = stripe.requests.filter((r) => r.path === "/v1/refunds").length;
    expect(await formErrors(await withdrawFrom(lender, "30"))).toEqual({
      withdrawalAmount: [
        "You can withdraw at most $10.00: withdrawals go back to the cards you paid with, and only up to what each payment was.",
      ],
    });
    expect(stripe.requests.filter((r) => r.path === "/v1/refunds")).toHaveLength(refundsBefore);
    expect(await balanceOf(lender.id)).toBe(6000n);
    expect(await (await getDb()).withdrawal.count({ where: { userId: lender.id } })).toBe(0);
  });

  it("gets back what Stripe will not refund when a dashboard refund got there first", async () => {
    const lender = await signedInLender();
    await paidTopUp(lender, "10");
    const newer = await paidTopUp(lender, "15");
    const { event } = stripe.refundInDashboard(newer, 1500); // not delivered yet: Mavuno still thinks $15 is refundable
    const response = await withdrawFrom(lender, "25");
    expect(response.headers.get("Location")).toBe("/wallet?done=withdrawal-partly_completed");
    expect(await balanceOf(lender.id)).toBe(1500n);
    expect((await deliver(event)).status).toBe(200);
    expect(await balanceOf(lender.id)).toBe(0n);
  });

  it("returns the money to the wallet when Stripe refuses the refund", async () => {
    const lender = await signedInLender();
    const paymentIntent = await paidTopUp(lender, "20");
    stripe.queueRefundBehaviour("refuse");
    const response = await withdrawFrom(lender, "10");
    expect(response.headers.get("Location")).toBe("/wallet?done=withdrawal-failed");
    expect(await balanceOf(lender.id)).toBe(2000n);
    const db = await getDb();
    const withdrawal = await db.withdrawal.findFirstOrThrow({ where: { userId: lender.id }, include: { refunds: true } });
    expect(withdrawal.refunds[0]).toMatchObject({ status: "failed", failureReason: "This charge can no longer be refunded." });
    expect(await getBalance(`withdrawal:${withdrawal.id}:escrow`, "USD")).toBe(0n);
    expect((await db.cardPayment.findFirstOrThrow({ where: { paymentIntentId: paymentIntent } })).refundedAmount).toBe(0n);
    const page = await walletPage(lender);
    expect(page.entries.map((e) => [e.kind, e.amount])).toEqual([
      ["hold_void", "1000"],
      ["hold", "-1000"],
      ["card_top_up", "2000"],
    ]);
  });

  it("keeps a pending refund's money in escrow until Stripe confirms, and posts it once", async () => {
    const lender = await signedInLender();
    const paymentIntent = await paidTopUp(lender, "20");
    stripe.queueRefundBehaviour("pending");
    const response = await withdrawFrom(lender, "12");
    expect(response.headers.get("Location")).toBe("/wallet?done=withdrawal-pending");
    const db = await getDb();
    const withdrawal = await db.withdrawal.findFirstOrThrow({ where: { userId: lender.id }, include: { refunds: true } });
    const escrow = `withdrawal:${withdrawal.id}:escrow`;
    expect(await balanceOf(lender.id)).toBe(800n);
    expect(await getBalance(escrow, "USD")).toBe(1200n);
    const payoutBefore = await getBalance(EXTERNAL_PAYOUT, "USD");

    const refundId = withdrawal.refunds[0]!.externalId!;
    const settled = stripe.settleRefund(refundId, "succeeded");
    expect((await deliver(settled)).status).toBe(200);
    expect((await deliver(stripe.chargeRefundedEvent(paymentIntent))).status).toBe(200);
    expect(await getBalance(escrow, "USD")).toBe(0n);
    expect((await getBalance(EXTERNAL_PAYOUT, "USD")) - payoutBefore).toBe(1200n);
    expect(await balanceOf(lender.id)).toBe(800n);
    expect((await db.withdrawal.findUniqueOrThrow({ where: { id: withdrawal.id } })).status).toBe("completed");
  });

  it("gives a confirmed refund that later fails back to the wallet", async () => {
    const lender = await signedInLender();
    await paidTopUp(lender, "20");
    expect((await withdrawFrom(lender, "20")).headers.get("Location")).toBe("/wallet?done=withdrawal-completed");
    const db = await getDb();
    const refund = await db.cardRefund.findFirstOrThrow({ where: { withdrawal: { userId: lender.id } } });
    const failed = stripe.settleRefund(refund.externalId!, "failed");
    expect((await deliver(failed)).status).toBe(200);
    expect((await deliver(failed)).status).toBe(200);
    expect(await balanceOf(lender.id)).toBe(2000n);
    expect((await db.withdrawal.findUniqueOrThrow({ where: { id: refund.withdrawalId! } })).status).toBe("failed");
  });

  it("keeps the money in escrow when Stripe does not answer, and asks again from the withdrawal's page", async () => {
    const lender = await signedInLender();
    await paidTopUp(lender, "20");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    stripe.queueRefundBehaviour("outage");
    const response = await withdrawFrom(lender, "5");
    expect(response.headers.get("Location")).toBe("/wallet?done=withdrawal-pending");
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
    const db = await getDb();
    const withdrawal = await db.withdrawal.findFirstOrThrow({ where: { userId: lender.id } });
    const page = await run(withdrawalLoader, getRequest(`/wallet/withdrawals/${withdrawal.id}`, lender.cookie), { withdrawalId: withdrawal.id });
    expect(((await page.json()) as { withdrawal: { canRetry: boolean } }).withdrawal.canRetry).toBe(true);
    expect(await balanceOf(lender.id)).toBe(1500n);

    const retried = await run(retryAction, formRequest(`/wallet/withdrawals/${withdrawal.id}`, {}, lender.cookie), { withdrawalId: withdrawal.id });
    expect(retried.status).toBe(302);
    expect((await db.withdrawal.findUniqueOrThrow({ where: { id: withdrawal.id } })).status).toBe("completed");
    expect(await balanceOf(lender.id)).toBe(1500n);
  });
});

describe("another lender's payments", () => {
  it("cannot be seen, refunded or asked about", async () => {
    const owner = await signedInLender("Owner");
    const intruder = await signedInLender("Intruder");
    const session = await startCheckout(owner, "20");
    await deliver(stripe.completeCheckout(session.id));
    expect((await withdrawFrom(owner, "5")).status).toBe(302);
    const db = await getDb();
    const payment = await cardPaymentOf(session.id);
    const withdrawal = await db.withdrawal.findFirstOrThrow({ where: { userId: owner.id } });

    expect((await run(paymentLoader, getRequest(`/wallet/payments/${payment.id}`, intruder.cookie), { paymentId: payment.id })).status).toBe(404);
    expect((await run(paymentLoader, getRequest(`/wallet/payments/${payment.id}`, owner.cookie), { paymentId: payment.id })).status).toBe(200);
    const path = `/wallet/withdrawals/${withdrawal.id}`;
    expect((await run(withdrawalLoader, getRequest(path, intruder.cookie), { withdrawalId: withdrawal.id })).status).toBe(404);
    expect((await run(retryAction, formRequest(path, {}, intruder.cookie), { withdrawalId: withdrawal.id })).status).toBe(404);

    // The intruder's own withdrawal cannot reach the owner's card payment.
    const refundsBefore = stripe.requests.filter((r) => r.path === "/v1/refunds").length;
    expect(Object.keys(await formErrors(await withdrawFrom(intruder, "5")))).toEqual(["withdrawalAmount"]);
    expect(stripe.requests.filter((r) => r.path === "/v1/refunds")).toHaveLength(refundsBefore);
    expect(await balanceOf(owner.id)).toBe(1500n);
  });
});

describe("the ledger after all of the above", () => {
  it("re-derives every balance and finds nothing wrong", async () => {
    const report = await verifyLedger();
    expect(report).toMatchObject({ balanceMismatches: [], unbalanced: [], negative: [], escrowMismatches: [], incomplete: [] });
    expect(report.ok).toBe(true);
  });
});
