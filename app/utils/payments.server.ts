// Card payments behind one interface: Stripe when both Stripe keys are set,
// otherwise a demo gateway that settles everything at once. Stripe's types stay
// in this file; models see gateway-neutral shapes and never import the SDK.
import Stripe from "stripe";
import { getEnv, type Env } from "./env.server.ts";

export type GatewayName = "stripe" | "demo";

export type CheckoutRequest = {
  cardPaymentId: string;
  userId: string;
  amount: bigint;
  currency: string;
  successUrl: string;
  cancelUrl: string;
};

/** Either a page to send the payer to, or (demo) a payment already complete. */
export type CheckoutStarted = { externalId: string; url: string } | { externalId: string; url: null; completed: CompletedCheckout };

export type RefundRequest = {
  cardRefundId: string;
  withdrawalId: string;
  userId: string;
  paymentIntentId: string;
  amount: bigint;
  currency: string;
};

export type RefundStatus = "pending" | "succeeded" | "failed";

export type GatewayRefund = {
  externalId: string;
  amount: bigint;
  currency: string;
  status: RefundStatus;
  paymentIntentId: string | null;
  /** Set on refunds Mavuno asked for (from their metadata); null for refunds made in the gateway's dashboard. */
  cardRefundId: string | null;
  failureReason: string | null;
};

export type CompletedCheckout = {
  externalId: string;
  cardPaymentId: string | null;
  amount: bigint | null;
  currency: string | null;
  paid: boolean;
  paymentIntentId: string | null;
};

/** An event from the gateway: its id (each is applied once), the gateway's own name for it, and what it means here. */
export type GatewayEvent = { id: string; gatewayType: string } & (
  | { type: "checkout_completed"; checkout: CompletedCheckout }
  | { type: "checkout_expired"; externalId: string }
  | { type: "charge_refunded"; paymentIntentId: string }
  | { type: "refund_updated"; refund: GatewayRefund }
  | { type: "ignored" }
);

/** The gateway answered no: nothing happened there, and asking again the same way will not help. */
export class GatewayRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GatewayRefused";
  }
}

export class BadSignature extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadSignature";
  }
}

export interface PaymentGateway {
  readonly name: GatewayName;
  /** Where the browser is sent to pay: the page's CSP must allow forms to redirect there. */
  readonly checkoutOrigins: readonly string[];
  createCheckout(input: CheckoutRequest): Promise<CheckoutStarted>;
  refund(input: RefundRequest): Promise<GatewayRefund>;
  listRefunds(paymentIntentId: string): Promise<GatewayRefund[]>;
  /** Checks the signature over the raw body and reads the event; BadSignature when it does not verify. */
  parseWebhook(payload: string, signature: string | null): GatewayEvent;
}

// ---------------------------------------------------------------------------
// Demo

export const demoGateway: PaymentGateway = {
  name: "demo",
  checkoutOrigins: [],
  async createCheckout(input) {
    const externalId = `demo_cs_${input.cardPaymentId}`;
    return {
      externalId,
      url: null,
      completed: {
        externalId,
        cardPaymentId: input.cardPaymentId,
        amount: input.amount,
        currency: input.currency,
        paid: true,
        paymentIntentId: `demo_pi_${input.cardPaymentId}`,
      },
    };
  },
  async refund(input) {
    return {
      externalId: `demo_re_${input.cardRefundId}`,
      amount: input.amount,
      currency: input.currency,
      status: "succeeded",
      paymentIntentId: input.paymentIntentId,
      cardRefundId: input.cardRefundId,
      failureReason: null,
    };
  },
  async listRefunds() {
    return [];
  },
  parseWebhook() {
    throw new BadSignature("The demo gateway sends no webhooks.");
  },
};

// ---------------------------------------------------------------------------
// Stripe

function refundStatus(status: string | null): RefundStatus {
  if (status === "succeeded") return "succeeded";
  if (status === "failed" || status === "canceled") return "failed";
  return "pending";
}

const idOf = (value: string | { id: string } | null | undefined) => (typeof value === "string" ? value : (value?.id ?? null));

function toGatewayRefund(refund: Stripe.Refund): GatewayRefund {
  return {
    externalId: refund.id,
    amount: BigInt(refund.amount),
    currency: refund.currency.toUpperCase(),
    status: refundStatus(refund.status),
    paymentIntentId: idOf(refund.payment_intent),
    cardRefundId: refund.metadata?.cardRefundId ?? null,
    failureReason: refund.failure_reason ?? null,
  };
}

// A 4xx answer means Stripe did nothing; a network error or 5xx leaves the outcome
// unknown, so the caller must keep its reservation and ask again with the same key.
function refusedOrUnknown(error: unknown): unknown {
  if (error instanceof Stripe.errors.StripeError) {
    const status = error.statusCode ?? 0;
    if (status >= 400 && status < 500 && status !== 409 && status !== 429) return new GatewayRefused(error.message);
  }
  return error;
}

export function stripeGateway(options: { secretKey: string; webhookSecret: string; apiBase?: string }): PaymentGateway {
  const base = options.apiBase ? new URL(options.apiBase) : null;
  const stripe = new Stripe(options.secretKey, {
    maxNetworkRetries: 2,
    telemetry: false,
    appInfo: { name: "Mavuno" },
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === "https:" ? 443 : 80),
          protocol: base.protocol === "https:" ? ("https" as const) : ("http" as const),
        }
      : {}),
  });

  return {
    name: "stripe",
    checkoutOrigins: [base ? base.origin : "https://checkout.stripe.com"],

    async createCheckout(input) {
      const metadata = { userId: input.userId, cardPaymentId: input.cardPaymentId };
      let session: Stripe.Checkout.Session;
      try {
        session = await stripe.checkout.sessions.create(
          {
            mode: "payment",
            line_items: [
              {
                quantity: 1,
                price_data: {
                  currency: input.currency.toLowerCase(),
                  unit_amount: Number(input.amount),
                  product_data: { name: "Mavuno wallet credit" },
                },
              },
            ],
            client_reference_id: input.cardPaymentId,
            metadata,
            // On the payment intent too, so refunds and charges can be traced back without the session.
            payment_intent_data: { metadata },
            success_url: input.successUrl,
            cancel_url: input.cancelUrl,
          },
          { idempotencyKey: `mavuno-checkout-${input.cardPaymentId}` },
        );
      } catch (error) {
        throw refusedOrUnknown(error);
      }
      if (!session.url) throw new Error(`Stripe returned checkout session ${session.id} without a URL.`);
      return { externalId: session.id, url: session.url };
    },

    async refund(input) {
      try {
        const refund = await stripe.refunds.create(
          {
            payment_intent: input.paymentIntentId,
            amount: Number(input.amount),
            reason: "requested_by_customer",
            metadata: { cardRefundId: input.cardRefundId, withdrawalId: input.withdrawalId, userId: input.userId },
          },
          { idempotencyKey: `mavuno-refund-${input.cardRefundId}` },
        );
        return toGatewayRefund(refund);
      } catch (error) {
        throw refusedOrUnknown(error);
      }
    },

    async listRefunds(paymentIntentId) {
      const refunds: GatewayRefund[] = [];
      for await (const refund of stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 })) {
        refunds.push(toGatewayRefund(refund));
      }
      return refunds;
    },

    parseWebhook(payload, signature) {
      if (!signature) throw new BadSignature("No Stripe-Signature header.");
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(payload, signature, options.webhookSecret);
      } catch (error) {
        throw new BadSignature(error instanceof Error ? error.message : String(error));
      }
      const base = { id: event.id, gatewayType: event.type };
      switch (event.type) {
        case "checkout.session.completed":
        case "checkout.session.async_payment_succeeded": {
          const session = event.data.object;
          return {
            ...base,
            type: "checkout_completed",
            checkout: {
              externalId: session.id,
              cardPaymentId: session.metadata?.cardPaymentId ?? null,
              amount: session.amount_total === null ? null : BigInt(session.amount_total),
              currency: session.currency ? session.currency.toUpperCase() : null,
              // "unpaid" comes for delayed methods; their money arrives with async_payment_succeeded.
              paid: session.payment_status === "paid",
              paymentIntentId: idOf(session.payment_intent),
            },
          };
        }
        case "checkout.session.expired":
          return { ...base, type: "checkout_expired", externalId: event.data.object.id };
        case "charge.refunded": {
          const paymentIntentId = idOf(event.data.object.payment_intent);
          return paymentIntentId ? { ...base, type: "charge_refunded", paymentIntentId } : { ...base, type: "ignored" };
        }
        case "refund.created":
        case "refund.updated":
        case "refund.failed":
          return { ...base, type: "refund_updated", refund: toGatewayRefund(event.data.object) };
        default:
          return { ...base, type: "ignored" };
      }
    },
  };
}

// ---------------------------------------------------------------------------

export function gatewayFor(env: Env): PaymentGateway {
  if (env.STRIPE_SECRET_KEY && env.STRIPE_WEBHOOK_SECRET) {
    return stripeGateway({ secretKey: env.STRIPE_SECRET_KEY, webhookSecret: env.STRIPE_WEBHOOK_SECRET, apiBase: env.STRIPE_API_BASE });
  }
  return demoGateway;
}

let cached: { env: Env; gateway: PaymentGateway } | undefined;

/** The process's gateway, chosen from the environment. */
export function getGateway(): PaymentGateway {
  const env = getEnv();
  if (cached?.env !== env) cached = { env, gateway: gatewayFor(env) };
  return cached.gateway;
}
