import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { listClients } from "~/models/client.server.ts";
import { MANAGING_ROLES, requirePartnerStaff } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Clients — Mavuno partner portal" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const partnerId = params.partnerId ?? "";
  await requirePartnerStaff(request, partnerId, MANAGING_ROLES);
  const search = new URL(request.url).searchParams.get("q")?.slice(0, 100) ?? "";
  const clients = await listClients(partnerId, { search });
  return json({ partnerId, search, clients });
}

export default function Clients() {
  const { partnerId, search, clients } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="clients-title">
      <h1 id="clients-title">Clients</h1>
      <div className="actions">
        <Link className="button" to={`/portal/${partnerId}/clients/new`}>Add a client</Link>
        <Form method="get" className="filters" role="search">
          <div className="field">
            <label htmlFor="client-search">Search by name</label>
            <input id="client-search" name="q" defaultValue={search} />
          </div>
          <button type="submit" className="secondary">Search</button>
        </Form>
      </div>
      {clients.length === 0 ? (
        <p>No clients yet{search ? " match that name" : ""}.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Place</th><th scope="col">Business</th></tr>
            </thead>
            <tbody>
              {clients.map((c) => (
                <tr key={c.id}>
                  <td><Link to={`/portal/${partnerId}/clients/${c.id}`}>{c.fullName}</Link></td>
                  <td>{c.village}, {c.region}</td>
                  <td>{c.sector}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
