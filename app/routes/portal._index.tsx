import type { LoaderFunctionArgs } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getMemberships, requireUser } from "~/utils/auth.server.ts";

// Staff of one partner go straight to its dashboard; staff of several choose.
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const memberships = await getMemberships(user.id);
  if (memberships.length === 1) throw redirect(`/portal/${memberships[0]!.partner.id}`);
  return json({ memberships: memberships.map((m) => ({ id: m.partner.id, name: m.partner.name, role: m.role })) });
}

export default function PortalHome() {
  const { memberships } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="portal-title">
      <h1 id="portal-title">Partner portal</h1>
      {memberships.length === 0 ? (
        <p>You are not on any field partner's staff. Ask your organisation's admin for an invitation, or <Link to="/apply">apply to become a field partner</Link>.</p>
      ) : (
        <ul>
          {memberships.map((m) => (
            <li key={m.id}><Link to={`/portal/${m.id}`}>{m.name}</Link> ({m.role})</li>
          ))}
        </ul>
      )}
    </section>
  );
}
