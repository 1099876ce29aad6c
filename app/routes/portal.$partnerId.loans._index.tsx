import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { STATUS_LABELS } from "~/lib/loan-labels.ts";
import { formatMoney } from "~/lib/money.ts";
import { listPartnerLoans } from "~/models/loan-request.server.ts";
import { MANAGING_ROLES, requirePartnerStaff } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Loan requests — Mavuno partner portal" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const partnerId = params.partnerId ?? "";
  await requirePartnerStaff(request, partnerId, MANAGING_ROLES);
  const loans = await listPartnerLoans(partnerId);
  return json({
    partnerId,
    loans: loans.map((l) => ({ ...l, borrower: l.client?.fullName ?? l.group?.name ?? "—", updatedAt: l.updatedAt.toISOString() })),
  });
}

export default function PartnerLoans() {
  const { partnerId, loans } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="loans-title">
      <h1 id="loans-title">Loan requests</h1>
      <p><Link className="button" to={`/portal/${partnerId}/loans/new`}>Draft a loan request</Link></p>
      <div className="table-scroll">
        <table>
          <thead>
            <tr><th scope="col">Reference</th><th scope="col">Borrower</th><th scope="col" className="num">Amount</th><th scope="col">Status</th></tr>
          </thead>
          <tbody>
            {loans.map((l) => (
              <tr key={l.id}>
                <td><Link to={`/portal/${partnerId}/loans/${l.id}`}>{l.reference}</Link></td>
                <td>{l.borrower}</td>
                <td className="num">{formatMoney(l.amountUsdCents, "USD")}</td>
                <td><span className={`status status-${l.status}`}>{STATUS_LABELS[l.status]}</span></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
