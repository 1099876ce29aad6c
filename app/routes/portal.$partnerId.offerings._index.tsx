import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { formatMoney } from "~/lib/money.ts";
import { OFFERING_STATUS_LABELS } from "~/lib/offering-summary.ts";
import { listPartnerOfferings } from "~/models/offering.server.ts";
import { MANAGING_ROLES, requirePartnerStaff } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Offerings — Mavuno partner portal" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const partnerId = params.partnerId ?? "";
  await requirePartnerStaff(request, partnerId, MANAGING_ROLES);
  const offerings = await listPartnerOfferings(partnerId);
  return json({
    partnerId,
    offerings: offerings.map((o) => ({ id: o.id, reference: o.reference, title: o.title, groupName: o.groupName, status: o.status, maxRaiseCents: o.maxRaiseCents.toString() })),
  });
}

export default function PartnerOfferings() {
  const { partnerId, offerings } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="offerings-title">
      <h1 id="offerings-title">Offerings</h1>
      <p>A savings group may offer investors a share of one cycle's profit for capital that joins its loan fund. The members decide at a meeting; nothing is listed without their vote.</p>
      <p><Link className="button" to={`/portal/${partnerId}/offerings/new`}>Draft an offering</Link></p>
      {offerings.length === 0 ? (
        <p>No offerings yet.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <caption>Your organisation's offerings, newest first</caption>
            <thead>
              <tr><th scope="col">Reference</th><th scope="col">Title</th><th scope="col">Group or enterprise</th><th scope="col" className="num">Capital sought</th><th scope="col">Status</th></tr>
            </thead>
            <tbody>
              {offerings.map((o) => (
                <tr key={o.id}>
                  <td><Link to={`/portal/${partnerId}/offerings/${o.id}`}>{o.reference}</Link></td>
                  <td>{o.title}</td>
                  <td>{o.groupName}</td>
                  <td className="num">{formatMoney(BigInt(o.maxRaiseCents), "USD")}</td>
                  <td><span className={`status status-${o.status}`}>{OFFERING_STATUS_LABELS[o.status]}</span></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
