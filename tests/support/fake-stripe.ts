// A local stand-in for the few parts of Stripe's HTTP API that Mavuno uses, so
// integration tests drive the real `stripe` SDK end to end without a network.
// It speaks Stripe's wire format (form-encoded requests, JSON objects with
// `object` fields, `{ error: { type, message } }` failures, Idempotency-Key
// replays) and plays the dashboard's part: completing checkouts and refunding.
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, vi } from "vitest";

type Json = Record<string, unknown>;
type Metadata = Record<string, string>;

export type FakeSession = {
  id: string;
  object: "checkout.session";
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  metadata: Metadata;
  mode: string;
  payment_intent: string | null;
  payment_status: "paid" | "unpaid";
  status: "open" | "complete" | "expired";
  success_url: string;
  cancel_url: string;
  url: string | null;
  line_items_requested: Json;
  payment_intent_metadata: Metadata;
  created: number;
  livemode: false;
};

export type FakeRefund = {
  id: string;
  object: "refund";
  amount: number;
  charge: string;
  payment_intent: string;
  currency: string;
  status: "pending" | "succeeded" | "failed" | "canceled";
  metadata: Metadata;
  reason: string | null;
  failure_reason?: string;
  created: number;
};

type Charge = { id: string; amount: number; amount_refunded: number; payment_intent: string; currency: string };

/** What the next refund request gets: Stripe's usual instant success, a pending refund, a refusal, or an outage. */
export type RefundBehaviour = "succeeded" | "pending" | "refuse" | "outage";

export type RecordedRequest = { method: string; path: string; params: Json; idempotencyKey: string | null };

const now = () => Math.floor(Date.now() / 1000);
const newId = (prefix: string) => `${prefix}_test_${crypto.randomBytes(12).toString("hex")}`;

/** Stripe's form encoding (`a[b][0][c]=x`) back into nested objects; list indices stay object keys. */
function parseForm(body: string): Json {
  const out: Json = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const path = rawKey.replace(/\]/g, "").split("[");
    let node = out;
    path.forEach((part, index) => {
      if (index === path.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Json;
    });
  }
  return out;
}

export type FakeStripe = Awaited<ReturnType<typeof startFakeStripe>>;

export async function startFakeStripe(options: { secretKey: string }) {
  const sessions = new Map<string, FakeSession>();
  const charges = new Map<string, Charge>();
  const refunds = new Map<string, FakeRefund>();
  const replays = new Map<string, { status: number; body: string }>();
  const requests: RecordedRequest[] = [];
  const refundBehaviours: RefundBehaviour[] = [];
  let base = "";

  const error = (status: number, type: string, message: string, code?: string) => ({
    status,
    body: { error: { type, message, ...(code ? { code } : {}), request_log_url: `${base}/logs` } },
  });

  function route(method: string, path: string, params: Json, query: URLSearchParams): { status: number; body: unknown; headers?: Record<string, string> } {
    if (method === "POST" && path === "/v1/checkout/sessions") {
      const items = (params.line_items ?? {}) as Record<string, Json>;
      const item = items["0"] as { quantity?: string; price_data?: { currency?: string; unit_amount?: string; product_data?: { name?: string } } } | undefined;
      const unit = Number(item?.price_data?.unit_amount);
      if (params.mode !== "payment" || !item || !Number.isInteger(unit) || unit < 50) {
        return error(400, "invalid_request_error", "Checkout needs mode=payment and one line item of at least 50 cents.", "parameter_invalid_integer");
      }
      const id = newId("cs");
      const session: FakeSession = {
        id,
        object: "checkout.session",
        amount_total: unit * Number(item.quantity ?? 1),
        currency: String(item.price_data?.currency),
        client_reference_id: (params.client_reference_id as string) ?? null,
        metadata: (params.metadata as Metadata) ?? {},
        mode: "payment",
        payment_intent: null,
        payment_status: "unpaid",
        status: "open",
        success_url: String(params.success_url),
        cancel_url: String(params.cancel_url),
        url: `${base}/c/pay/${id}`,
        line_items_requested: items,
        payment_intent_metadata: ((params.payment_intent_data as Json | undefined)?.metadata as Metadata) ?? {},
        created: now(),
        livemode: false,
      };
      sessions.set(id, session);
      return { status: 200, body: session };
    }
    const sessionMatch = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (method === "GET" && sessionMatch) {
      const session = sessions.get(sessionMatch[1]!);
      return session ? { status: 200, body: session } : error(404, "invalid_request_error", `No such checkout.session: '${sessionMatch[1]}'`, "resource_missing");
    }
    if (method === "POST" && path === "/v1/refunds") {
      const paymentIntent = String(params.payment_intent ?? "");
      const charge = [...charges.values()].find((c) => c.payment_intent === paymentIntent);
      if (!charge) return error(400, "invalid_request_error", `No such payment_intent: '${paymentIntent}'`, "resource_missing");
      const amount = params.amount === undefined ? charge.amount - charge.amount_refunded : Number(params.amount);
      if (amount > charge.amount - charge.amount_refunded) {
        return error(400, "invalid_request_error", `Refund amount ($${(amount / 100).toFixed(2)}) is greater than unrefunded amount on charge ($${((charge.amount - charge.amount_refunded) / 100).toFixed(2)})`, "amount_too_large");
      }
      const behaviour = refundBehaviours.shift() ?? "succeeded";
      if (behaviour === "refuse") return error(400, "invalid_request_error", "This charge can no longer be refunded.", "charge_expired_for_refund");
      if (behaviour === "outage") return { ...error(500, "api_error", "An unknown error occurred."), headers: { "Stripe-Should-Retry": "false" } };
      const refund = makeRefund(charge, amount, behaviour, (params.metadata as Metadata) ?? {}, (params.reason as string) ?? null);
      return { status: 200, body: refund };
    }
    if (method === "GET" && path === "/v1/refunds") {
      const byIntent = query.get("payment_intent");
      const byCharge = query.get("charge");
      const data = [...refunds.values()]
        .filter((r) => (!byIntent || r.payment_intent === byIntent) && (!byCharge || r.charge === byCharge))
        .sort((a, b) => b.created - a.created);
      return { status: 200, body: { object: "list", data, has_more: false, url: "/v1/refunds" } };
    }
    return error(404, "invalid_request_error", `Unrecognized request URL (${method}: ${path}).`);
  }

  function makeRefund(charge: Charge, amount: number, status: FakeRefund["status"], metadata: Metadata, reason: string | null): FakeRefund {
    const refund: FakeRefund = {
      id: newId("re"),
      object: "refund",
      amount,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      currency: charge.currency,
      status,
      metadata,
      reason,
      created: now(),
    };
    refunds.set(refund.id, refund);
    charge.amount_refunded += amount;
    return refund;
  }

  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", base);
      const send = (status: number, text: string, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "Content-Type": "application/json", "Request-Id": newId("req"), ...headers });
        res.end(text);
      };
      if (req.headers.authorization !== `Bearer ${options.secretKey}`) {
        send(401, JSON.stringify(error(401, "invalid_request_error", "Invalid API Key provided.").body));
        return;
      }
      const params = parseForm(body);
      const idempotencyKey = (req.headers["idempotency-key"] as string | undefined) ?? null;
      requests.push({ method: req.method ?? "GET", path: url.pathname, params, idempotencyKey });
      // Stripe answers a repeated key with the first response, whatever happened since.
      const replayKey = idempotencyKey ? `${req.method} ${url.pathname} ${idempotencyKey}` : null;
      const earlier = replayKey ? replays.get(replayKey) : undefined;
      if (earlier) {
        send(earlier.status, earlier.body, { "Idempotent-Replayed": "true" });
        return;
      }
      const result = route(req.method ?? "GET", url.pathname, params, url.searchParams);
      const text = JSON.stringify(result.body);
      // Stripe does not keep keys of requests that failed on its side, so a retry runs again.
      if (replayKey && result.status < 500) replays.set(replayKey, { status: result.status, body: text });
      send(result.status, text, result.headers);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function event(type: string, object: unknown): Json {
    return {
      id: newId("evt"),
      object: "event",
      api_version: "2026-10-28.endive",
      created: now(),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
  }

  function chargeOf(paymentIntent: string): Charge {
    const charge = [...charges.values()].find((c) => c.payment_intent === paymentIntent);
    if (!charge) throw new Error(`fake Stripe: no charge for ${paymentIntent}`);
    return charge;
  }

  function chargeObject(charge: Charge) {
    return {
      id: charge.id,
      object: "charge",
      amount: charge.amount,
      amount_captured: charge.amount,
      amount_refunded: charge.amount_refunded,
      currency: charge.currency,
      paid: true,
      captured: true,
      payment_intent: charge.payment_intent,
      refunded: charge.amount_refunded >= charge.amount,
      status: "succeeded",
      created: now(),
      livemode: false,
    };
  }

  return {
    url: base,
    requests,
    sessions,
    refunds,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),

    /** The next refund requests get these answers, in order; after that, instant success. */
    queueRefundBehaviour(...behaviours: RefundBehaviour[]) {
      refundBehaviours.push(...behaviours);
    },

    /** The payer pays on the checkout page: returns the `checkout.session.completed` event Stripe would send. */
    completeCheckout(sessionId: string) {
      const session = sessions.get(sessionId);
      if (!session) throw new Error(`fake Stripe: no session ${sessionId}`);
      if (!session.payment_intent) {
        const paymentIntent = newId("pi");
        const chargeId = newId("ch");
        charges.set(chargeId, { id: chargeId, amount: session.amount_total, amount_refunded: 0, payment_intent: paymentIntent, currency: session.currency });
        Object.assign(session, { payment_intent: paymentIntent, payment_status: "paid", status: "complete", url: null });
      }
      return event("checkout.session.completed", session);
    },

    /** Another event about a session, as Stripe sends them (a new event id each time). */
    sessionEvent(type: string, sessionId: string) {
      return event(type, sessions.get(sessionId));
    },

    /** Someone refunds in Stripe's dashboard: returns the `charge.refunded` event. */
    refundInDashboard(paymentIntent: string, amount: number) {
      const charge = chargeOf(paymentIntent);
      if (amount > charge.amount - charge.amount_refunded) throw new Error("fake Stripe: refund larger than what is left");
      const refund = makeRefund(charge, amount, "succeeded", {}, "requested_by_customer");
      return { refund, event: event("charge.refunded", chargeObject(charge)) };
    },

    /** A pending refund settles (or fails): returns the `refund.updated` event. */
    settleRefund(refundId: string, status: "succeeded" | "failed") {
      const refund = refunds.get(refundId);
      if (!refund) throw new Error(`fake Stripe: no refund ${refundId}`);
      refund.status = status;
      if (status === "failed") {
        refund.failure_reason = "expired_or_canceled_card";
        chargeOf(refund.payment_intent).amount_refunded -= refund.amount;
      }
      return event("refund.updated", refund);
    },

    /** The `charge.refunded` event Stripe sends after any refund of this payment. */
    chargeRefundedEvent(paymentIntent: string) {
      return event("charge.refunded", chargeObject(chargeOf(paymentIntent)));
    },
  };
}

/**
 * For a test file that pays through Stripe: the fake for the whole file, with
 * the app's Stripe variables pointing at it. Call it before anything that reads
 * the environment (such as smtpServerForFile), which is read once per file.
 */
export function fakeStripeForFile(options: { secretKey: string; webhookSecret: string }): FakeStripe {
  let fake: FakeStripe | undefined;
  beforeAll(async () => {
    fake = await startFakeStripe({ secretKey: options.secretKey });
    vi.stubEnv("STRIPE_SECRET_KEY", options.secretKey);
    vi.stubEnv("STRIPE_WEBHOOK_SECRET", options.webhookSecret);
    vi.stubEnv("STRIPE_API_BASE", fake.url);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await fake?.close();
  });
  return new Proxy({} as FakeStripe, {
    get(_, property) {
      if (!fake) throw new Error("The fake Stripe is only there while the file's tests run.");
      return Reflect.get(fake, property);
    },
  });
}
