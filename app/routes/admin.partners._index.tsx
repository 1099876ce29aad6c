import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { APPLICATION_STATUS_LABELS } from "~/lib/partner-labels.ts";
import { countryName } from "~/lib/places.ts";
import { listPartnersForReview } from "~/models/partner.server.ts";
import { requireAdmin } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Partners — Mavuno admin" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAdmin(request);
  const { pending, others } = await listPartnersForReview();
  const shape = (p: (typeof pending)[number]) => ({
    id: p.id,
    name: p.name,
    legalName: p.legalName,
    status: p.status,
    countryName: countryName(p.country),
    appliedAt: p.createdAt.toISOString(),
    joinedAt: p.joinedAt?.toISOString() ?? null,
  });
  return json({ pending: pending.map(shape), others: others.map(shape) });
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export default function AdminPartners() {
  const { pending, others } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="partners-title">
      <h1 id="partners-title">Field partners</h1>
      <p>
        Also waiting for you: <Link to="/admin/loans">loan requests to review</Link>.
      </p>
      <h2 id="pending-title">Applications waiting for review ({pending.length})</h2>
      {pending.length === 0 ? (
        <p>No applications are waiting.</p>
      ) : (
        <div className="table-scroll">
          <table aria-labelledby="pending-title">
            <thead>
              <tr>
                <th scope="col">Organisation</th>
                <th scope="col">Country</th>
                <th scope="col">Applied</th>
              </tr>
            </thead>
            <tbody>
              {pending.map((p) => (
                <tr key={p.id}>
                  <td>
                    <Link to={`/admin/partners/${p.id}`}>{p.name}</Link>
                    <br />
                    <span className="muted">{p.legalName}</span>
                  </td>
                  <td>{p.countryName}</td>
                  <td>{dateFormat.format(new Date(p.appliedAt))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2 id="others-title">All other partners</h2>
      <div className="table-scroll">
        <table aria-labelledby="others-title">
          <thead>
            <tr>
              <th scope="col">Partner</th>
              <th scope="col">Country</th>
              <th scope="col">Status</th>
              <th scope="col">Joined</th>
            </tr>
          </thead>
          <tbody>
            {others.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link to={`/admin/partners/${p.id}`}>{p.name}</Link>
                </td>
                <td>{p.countryName}</td>
                <td>
                  <span className={`status status-${p.status}`}>{APPLICATION_STATUS_LABELS[p.status]}</span>
                </td>
                <td>{p.joinedAt ? dateFormat.format(new Date(p.joinedAt)) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
