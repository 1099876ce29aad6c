// Calling route loaders and actions as the server would, with real requests.
import type { ActionFunctionArgs, AppLoadContext, LoaderFunctionArgs } from "@remix-run/node";
import { createSession } from "~/utils/session.server.ts";

export const BASE = "http://localhost:3000";

export function context(clientIp = "203.0.113.7"): AppLoadContext {
  return { cspNonce: "test-nonce", clientIp };
}

export function formRequest(path: string, fields: Record<string, string>, cookie?: string): Request {
  const headers = new Headers({ "Content-Type": "application/x-www-form-urlencoded" });
  if (cookie) headers.set("Cookie", cookie);
  return new Request(`${BASE}${path}`, { method: "POST", headers, body: new URLSearchParams(fields).toString() });
}

export function getRequest(path: string, cookie?: string): Request {
  return new Request(`${BASE}${path}`, { headers: cookie ? { Cookie: cookie } : {} });
}

/** Runs a loader or action; a thrown Response is returned like a returned one. */
export async function run(
  fn: (args: LoaderFunctionArgs & ActionFunctionArgs) => unknown,
  request: Request,
  params: Record<string, string> = {},
  ctx: AppLoadContext = context(),
): Promise<Response> {
  try {
    const result = await fn({ request, params, context: ctx });
    if (result instanceof Response) return result;
    return new Response(JSON.stringify(result), { headers: { "Content-Type": "application/json" } });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

/** `mavuno_session=<token>` from a response's Set-Cookie, for the next request. */
export function sessionCookieFrom(response: Response): string {
  const header = response.headers.get("Set-Cookie") ?? "";
  const match = /mavuno_session=([^;]*)/.exec(header);
  if (!match) throw new Error(`No session cookie in: ${header}`);
  return `mavuno_session=${match[1]}`;
}

/** A Cookie header for a fresh session of this user, as if they had logged in. */
export async function sessionCookieFor(userId: string): Promise<string> {
  const { token } = await createSession(userId, "vitest");
  return `mavuno_session=${token}`;
}
