import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { clientReadTrail, partnerClientsForFilter } from "~/models/impact.server.ts";
import { requirePartnerStaff } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Who read your clients' data — Mavuno partner portal" }];

export const auditQuerySchema = z.object({
  client: z.string().trim().max(64, { message: "client: not a client's id." }).optional().transform((v) => v || null),
  page: z.coerce.number({ message: "page: give a page number." }).int({ message: "page: give a whole page number." }).min(1, { message: "page: pages start at 1." }).max(100_000, { message: "page: too far." }).optional().transform((v) => v ?? 1),
});

// The partner's admins answer to their clients for who saw their data
// (funders, coordinators, the API): the trail is theirs to read, and only theirs.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const partnerId = params.partnerId ?? "";
  await requirePartnerStaff(request, partnerId, ["admin"]);
  const parsed = auditQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) throw new Response(parsed.error.issues.map((i) => i.message).join(" "), { status: 400 });
  const { client, page } = parsed.data;
  const [trail, clients] = await Promise.all([clientReadTrail({ partnerId, clientId: client, page }), partnerClientsForFilter(partnerId)]);
  return json({ partnerId, client, page, trail, clients }, { headers: { "Cache-Control": "private, no-store" } });
}

const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const ROLE_LABELS: Record<string, string> = { investor: "Funder", coordinator: "Coordinator", api: "API" };

export default function ClientReadAudit() {
  const { partnerId, client, page, trail, clients } = useLoaderData<typeof loader>();
  const base = `/portal/${partnerId}/audit`;
  const link = (p: number) => `${base}?${new URLSearchParams({ ...(client ? { client } : {}), page: String(p) })}`;
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Who read your clients' data</h1>
      <p>
        Every time a funder, one of your coordinators or a partner site through the API saw a client's own data (a client row or page in
        the impact portal, or a CSV with clients in it), it is written here.
      </p>
      <Form method="get" className="inline-form">
        <label>
          Client
          <select name="client" defaultValue={client ?? ""}>
            <option value="">All clients</option>
            {clients.map((c) => (
              <option key={c.id} value={c.id}>
                {c.fullName}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Show</button>
      </Form>
      <p>
        <a href={`${base}.csv${client ? `?${new URLSearchParams({ client })}` : ""}`} download>
          Download {client ? "this client's" : "the whole"} trail as CSV
        </a>
      </p>
      {trail.rows.length === 0 ? (
        <p className="notice">No one outside your own staff has read {client ? "this client's" : "your clients'"} data.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <caption>
              Reads, newest first: {trail.total} in all, page {page} of {trail.pages}
            </caption>
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">Who</th>
                <th scope="col">As</th>
                <th scope="col">Client</th>
                <th scope="col">What</th>
                <th scope="col">Where</th>
              </tr>
            </thead>
            <tbody>
              {trail.rows.map((r) => (
                <tr key={r.id}>
                  <td>{when.format(new Date(r.readAt))}</td>
                  <th scope="row">
                    {r.reader}
                    {r.readerEmail ? <span className="hint"> ({r.readerEmail})</span> : null}
                  </th>
                  <td>{ROLE_LABELS[r.role] ?? r.role}</td>
                  <td>
                    <Link to={`/portal/${partnerId}/clients/${r.clientId}`}>{r.clientName}</Link>
                  </td>
                  <td>{r.what}</td>
                  <td className="hint">{r.path}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {trail.pages > 1 ? (
        <nav aria-label="Pages of the trail">
          {page > 1 ? <Link to={link(page - 1)}>Newer reads</Link> : null} {page < trail.pages ? <Link to={link(page + 1)}>Older reads</Link> : null}
        </nav>
      ) : null}
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
