import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { getSession } from "~/utils/auth.server.ts";
import { blankSessionCookie, invalidateSession } from "~/utils/session.server.ts";

export async function loader() {
  // Logging out changes state, so it is a POST (a link or prefetch must not log anyone out).
  return redirect("/");
}

export async function action({ request }: ActionFunctionArgs) {
  const session = await getSession(request);
  if (session) await invalidateSession(session.id);
  return redirect("/", { headers: { "Set-Cookie": blankSessionCookie() } });
}
