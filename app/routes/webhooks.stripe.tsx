// Stripe calls this with signed events. The body is read raw: the signature is
// over the exact bytes Stripe sent, and re-encoded JSON would not verify.
import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { handlePaymentEvent } from "~/models/payment.server.ts";
import { BadSignature, getGateway } from "~/utils/payments.server.ts";

export async function action({ request }: ActionFunctionArgs) {
  const gateway = getGateway();
  if (gateway.name !== "stripe") return new Response("Not found", { status: 404 });
  if (request.method !== "POST") return new Response("Method not allowed", { status: 405 });
  const payload = await request.text();
  let event;
  try {
    event = gateway.parseWebhook(payload, request.headers.get("Stripe-Signature"));
  } catch (error) {
    if (error instanceof BadSignature) return json({ error: "Bad signature." }, { status: 400 });
    throw error;
  }
  const outcome = await handlePaymentEvent(event, gateway);
  return json({ received: true, outcome });
}

export function loader() {
  return new Response("Method not allowed", { status: 405, headers: { Allow: "POST" } });
}
