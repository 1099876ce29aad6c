// Units paid partly by card: the investor pays what the wallet lacks through
// the loan checkout's payment path (real Stripe SDK against the local fake);
// the payment's arrival (webhook) or the return page, whichever is first, buys
// the units once; units gone by then leave the money as wallet credit, said on
// the page and by email (real SMTP server).
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { buyUnits, settleOfferings } from "~/models/equity.server.ts";
import { getBalance, verifyLedger, walletAccount } from "~/models/ledger.server.ts";
import * as invest from "~/routes/invest.$offeringId.tsx";
import * as cardReturn from "~/routes/invest.$offeringId_.card.$investmentId.tsx";
import { action as webhookAction } from "~/routes/webhooks.stripe.tsx";
import { getDb } from "~/utils/db.server.ts";
import { fakeStripeForFile } from "../support/fake-stripe.ts";
import { BASE, formRequest, getRequest, run, sessionCookieFor } from "../support/requests.ts";
import { smtpServerForFile } from "../support/smtp.ts";
import { investor, listedOffering } from "./equity-helpers.ts";

const WEBHOOK_SECRET = "whsec_mavuno_equity_card";
// Stripe first: the SMTP server's hook reads the environment, once for the file.
const stripe = fakeStripeForFile({ secretKey: "sk_test_mavuno_equity", webhookSecret: WEBHOOK_SECRET });
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

async function investorWith(cents: bigint) {
  const user = await investor(cents, "Card Investor");
  const db = await getDb();
  const { email } = await db.user.findUniqueOrThrow({ where: { id: user.id }, select: { email: true } });
  return { id: user.id, email, cookie: await sessionCookieFor(user.id) };
}

/** The investor asks to pay the shortfall by card and is sent to Stripe. */
async function payByCard(who: { id: string; cookie: string }, offeringId: string, units: number) {
  const page = (await (await run(L(invest), getRequest(`/invest/${offeringId}`, who.cookie), { offeringId })).json()) as { requestKey: string };
  const response = await run(A(invest), formRequest(`/invest/${offeringId}`, { units: String(units), requestKey: page.requestKey, pay: "card" }, who.cookie), { offeringId });
  expect(response.status).toBe(302);
  const session = [...stripe.sessions.values()].find((s) => s.url === response.headers.get("Location"));
  if (!session) throw new Error(`not sent to Stripe: ${response.headers.get("Location")}`);
  const db = await getDb();
  const investment = await db.offeringInvestment.findFirstOrThrow({ where: { investorId: who.id, offeringId }, orderBy: { createdAt: "desc" } });
  return { session, investment, requestKey: page.requestKey };
}

async function comeBack(cookie: string, offeringId: string, investmentId: string) {
  const response = await run(L(cardReturn), getRequest(`/invest/${offeringId}/card/${investmentId}?checkout=success`, cookie), { offeringId, investmentId });
  if (response.status === 302) return { location: response.headers.get("Location") };
  return (await response.json()) as { state: string; message: string | null; cardCents: string };
}

async function unitsOf(offeringId: string, investorId: string) {
  const db = await getDb();
  const held = await db.offeringInvestment.aggregate({ where: { offeringId, investorId, status: "held" }, _sum: { units: true }, _count: { _all: true } });
  const offering = await db.offering.findUniqueOrThrow({ where: { id: offeringId }, select: { unitsSold: true } });
  return { units: held._sum.units ?? 0, purchases: held._count._all, unitsSold: offering.unitsSold };
}

const unfilledMails = (email: string) => smtp.received.filter((m) => m.to.includes(email) && /were not bought/.test(m.subject));

describe("units paid partly by card", () => {
  it("the webhook first buys the units; the return visit afterwards finds them bought", async () => {
    const { offering } = await listedOffering();
    const who = await investorWith(1_500n);
    const { session, investment } = await payByCard(who, offering.id, 4);
    expect(investment).toMatchObject({ status: "awaiting_payment", units: 4, amountCents: 4_000n, holdId: null });
    const db = await getDb();
    const payment = await db.cardPayment.findUniqueOrThrow({ where: { externalId: session.id } });
    expect(payment.amount).toBe(2_500n);
    // Nothing is held for a purchase still waiting for its payment.
    expect(await unitsOf(offering.id, who.id)).toEqual({ units: 0, purchases: 0, unitsSold: 0 });

    expect((await deliver(stripe.completeCheckout(session.id))).status).toBe(200);
    expect(await unitsOf(offering.id, who.id)).toEqual({ units: 4, purchases: 1, unitsSold: 4 });
    expect(await getBalance(walletAccount(who.id), "USD")).toBe(0n);
    expect(await getBalance(`offering:${offering.id}:escrow`, "USD")).toBe(4_000n);

    expect(await comeBack(who.cookie, offering.id, investment.id)).toEqual({ location: `/my/equity?bought=${investment.id}` });
    expect(await unitsOf(offering.id, who.id)).toEqual({ units: 4, purchases: 1, unitsSold: 4 });
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("the investor back first waits; the webhook then buys the units, and the page finds them bought", async () => {
    const { offering } = await listedOffering();
    const who = await investorWith(0n);
    const { session, investment } = await payByCard(who, offering.id, 3);
    expect(await comeBack(who.cookie, offering.id, investment.id)).toMatchObject({ state: "waiting", cardCents: "3000" });
    expect(await unitsOf(offering.id, who.id)).toEqual({ units: 0, purchases: 0, unitsSold: 0 });
    expect((await deliver(stripe.completeCheckout(session.id))).status).toBe(200);
    expect(await unitsOf(offering.id, who.id)).toEqual({ units: 3, purchases: 1, unitsSold: 3 });
    expect(await comeBack(who.cookie, offering.id, investment.id)).toEqual({ location: `/my/equity?bought=${investment.id}` });
    expect(await getBalance(walletAccount(who.id), "USD")).toBe(0n);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("return visits racing the webhook: exactly one buys, the others wait or see it done; redeliveries change nothing", async () => {
    const { offering } = await listedOffering();
    const who = await investorWith(0n);
    const { session, investment } = await payByCard(who, offering.id, 3);
    const event = stripe.completeCheckout(session.id);
    const [webhook, ...visits] = await Promise.all([deliver(event), ...Array.from({ length: 3 }, () => comeBack(who.cookie, offering.id, investment.id))]);
    expect(webhook.status).toBe(200);
    for (const visit of visits) expect(["waiting", undefined]).toContain((visit as { state?: string }).state);
    expect(await comeBack(who.cookie, offering.id, investment.id)).toEqual({ location: `/my/equity?bought=${investment.id}` });
    expect(await unitsOf(offering.id, who.id)).toEqual({ units: 3, purchases: 1, unitsSold: 3 });

    // Redelivered, and another event about the same session: nothing more is bought or charged.
    expect((await deliver(event)).status).toBe(200);
    expect((await deliver(stripe.sessionEvent("checkout.session.async_payment_succeeded", session.id))).status).toBe(200);
    expect(await unitsOf(offering.id, who.id)).toEqual({ units: 3, purchases: 1, unitsSold: 3 });
    expect(await getBalance(walletAccount(who.id), "USD")).toBe(0n);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("the same webhook delivered twice at once buys once; the form posted again is sent to the same payment", async () => {
    const { offering } = await listedOffering();
    const who = await investorWith(500n);
    const { session, investment, requestKey } = await payByCard(who, offering.id, 2);
    const again = await run(A(invest), formRequest(`/invest/${offering.id}`, { units: "2", requestKey, pay: "card" }, who.cookie), { offeringId: offering.id });
    expect(again.headers.get("Location")).toBe(session.url);
    const event = stripe.completeCheckout(session.id);
    const said = await Promise.all([deliver(event), deliver(event)].map(async (r) => ((await (await r).json()) as { outcome: string }).outcome));
    expect(said.sort()).toEqual(["applied", "duplicate"]);
    expect(await unitsOf(offering.id, who.id)).toEqual({ units: 2, purchases: 1, unitsSold: 2 });
    expect(await getBalance(walletAccount(who.id), "USD")).toBe(0n);
    const db = await getDb();
    expect(await db.cardPayment.count({ where: { userId: who.id } })).toBe(1);
    expect((await db.offeringInvestment.findUniqueOrThrow({ where: { id: investment.id } })).status).toBe("held");
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("when the units are gone before the payment lands, the money stays as credit and the investor is told why, once", async () => {
    const { offering } = await listedOffering({ maxRaiseCents: 5_000n, minRaiseCents: 1_000n });
    const who = await investorWith(1_000n);
    const { session, investment, requestKey } = await payByCard(who, offering.id, 3);
    // Meanwhile another investor buys four of the five units.
    const rival = await investorWith(4_000n);
    await buyUnits({ investorId: rival.id, offeringId: offering.id, units: 4, requestKey: "rival-buys-four" });

    expect((await deliver(stripe.completeCheckout(session.id))).status).toBe(200);
    const db = await getDb();
    expect((await db.offeringInvestment.findUniqueOrThrow({ where: { id: investment.id } })).status).toBe("unfilled_sold_out");
    expect(await unitsOf(offering.id, who.id)).toEqual({ units: 0, purchases: 0, unitsSold: 4 });
    // The card payment (3,000 − 1,000) and the credit the investor had.
    expect(await getBalance(walletAccount(who.id), "USD")).toBe(3_000n);

    const back = await comeBack(who.cookie, offering.id, investment.id);
    expect(back).toEqual({
      state: "unfilled",
      offeringId: offering.id,
      cardCents: "2000",
      message: `Your units in offering ${offering.reference} could not be bought when your card payment arrived: the units had been sold to other investors by then.`,
    });
    // The same form sent again is shown the outcome, not charged again.
    const again = await run(A(invest), formRequest(`/invest/${offering.id}`, { units: "3", requestKey, pay: "card" }, who.cookie), { offeringId: offering.id });
    expect(again.headers.get("Location")).toBe(`/invest/${offering.id}/card/${investment.id}`);
    expect(await db.cardPayment.count({ where: { userId: who.id } })).toBe(1);
    const mail = await smtp.waitFor((m) => m.to.includes(who.email) && /were not bought/.test(m.subject));
    expect(mail.subject).toBe(`Your units in ${offering.title} were not bought: $20.00 is in your wallet`);
    expect(mail.text).toContain("the units had been sold to other investors by then.");
    // Redelivered and visited again: nothing more happens, no second email.
    expect((await deliver(stripe.sessionEvent("checkout.session.completed", session.id))).status).toBe(200);
    await comeBack(who.cookie, offering.id, investment.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(unfilledMails(who.email)).toHaveLength(1);
    expect(await getBalance(walletAccount(who.id), "USD")).toBe(3_000n);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("when the offering closed before the payment landed, nothing is bought and the reason says so", async () => {
    const { offering } = await listedOffering({ minRaiseCents: 1_000n });
    const who = await investorWith(0n);
    const { session, investment } = await payByCard(who, offering.id, 2);
    await settleOfferings(new Date(offering.fundraisingDeadline.getTime() + 1));
    expect((await deliver(stripe.completeCheckout(session.id))).status).toBe(200);
    const db = await getDb();
    expect((await db.offeringInvestment.findUniqueOrThrow({ where: { id: investment.id } })).status).toBe("unfilled_closed");
    expect(await getBalance(walletAccount(who.id), "USD")).toBe(2_000n);
    expect(await comeBack(who.cookie, offering.id, investment.id)).toMatchObject({ state: "unfilled", message: expect.stringContaining("the offering had closed to investors by then.") });
    // Another investor's purchase is not theirs to see.
    const other = await investorWith(0n);
    expect((await run(L(cardReturn), getRequest(`/invest/${offering.id}/card/${investment.id}`, other.cookie), { offeringId: offering.id, investmentId: investment.id })).status).toBe(404);
  });
});
