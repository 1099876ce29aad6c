import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { getAccount } from "~/models/user.server.ts";
import { getMemberships, getSession, requireUser } from "~/utils/auth.server.ts";
import { blankSessionCookie, invalidateAllSessions, invalidateSession, listSessions } from "~/utils/session.server.ts";

export const meta: MetaFunction = () => [{ title: "Your account — Mavuno" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const [account, memberships, sessions, current] = await Promise.all([
    getAccount(user.id),
    getMemberships(user.id),
    listSessions(user.id),
    getSession(request),
  ]);
  return json({
    account: { name: account.name, email: account.email, since: account.createdAt.toISOString(), isPlatformAdmin: account.isPlatformAdmin },
    memberships: memberships.map((m) => ({ partner: m.partner.name, role: m.role })),
    sessions: sessions.map((s) => ({
      id: s.id,
      current: s.id === current?.id,
      createdAt: s.createdAt.toISOString(),
      userAgent: s.userAgent ?? "Unknown device",
    })),
  });
}

const intentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("logout-all") }),
  z.object({ intent: z.literal("logout-session"), sessionId: z.string().min(1).max(64) }),
]);

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const parsed = intentSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return json({ error: "Unknown request." }, { status: 400 });
  if (parsed.data.intent === "logout-all") {
    await invalidateAllSessions(user.id);
    return redirect("/login", { headers: { "Set-Cookie": blankSessionCookie() } });
  }
  // Only the user's own sessions: a foreign id matches nothing.
  const { sessionId } = parsed.data;
  const own = (await listSessions(user.id)).some((s) => s.id === sessionId);
  if (own) await invalidateSession(sessionId);
  return redirect("/account");
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export default function Account() {
  const { account, memberships, sessions } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">Your account</h1>
      <dl className="facts">
        <dt>Name</dt>
        <dd>{account.name}</dd>
        <dt>Email</dt>
        <dd>{account.email}</dd>
        <dt>Member since</dt>
        <dd>{dateFormat.format(new Date(account.since))}</dd>
        {account.isPlatformAdmin ? (
          <>
            <dt>Role</dt>
            <dd>Platform admin</dd>
          </>
        ) : null}
      </dl>
      {memberships.length > 0 ? (
        <>
          <h2>Field partner staff</h2>
          <ul>
            {memberships.map((m) => (
              <li key={m.partner}>
                {m.partner} — {m.role}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h2>Where you are logged in</h2>
      <table>
        <caption className="visually-hidden">Your active sessions</caption>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">Since (UTC)</th>
            <th scope="col">
              <span className="visually-hidden">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.id}>
              <td>
                {s.userAgent}
                {s.current ? <strong> (this device)</strong> : null}
              </td>
              <td>{dateFormat.format(new Date(s.createdAt))}</td>
              <td>
                {s.current ? null : (
                  <Form method="post">
                    <input type="hidden" name="intent" value="logout-session" />
                    <input type="hidden" name="sessionId" value={s.id} />
                    <button type="submit" className="secondary">
                      Log out there
                    </button>
                  </Form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Form method="post">
        <input type="hidden" name="intent" value="logout-all" />
        <button type="submit" className="danger">
          Log out of all sessions
        </button>
      </Form>
    </section>
  );
}
