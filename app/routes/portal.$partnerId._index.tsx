import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { PUBLIC_STATUSES, STATUS_LABELS } from "~/lib/loan-labels.ts";
import { formatMoney } from "~/lib/money.ts";
import { formatRate } from "~/lib/track-record.ts";
import { arrearsSummary } from "~/models/loan-servicing.server.ts";
import { partnerStats } from "~/models/partner.server.ts";
import { requirePartnerStaff } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Dashboard — Mavuno partner portal" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const partnerId = params.partnerId ?? "";
  const { membership } = await requirePartnerStaff(request, partnerId);
  const [stats, arrears] = await Promise.all([partnerStats(partnerId), arrearsSummary(partnerId)]);
  return json({ partnerId, role: membership.role, stats, arrears: { ...arrears, outstandingUsdCents: arrears.outstandingUsdCents.toString() } });
}

const ORDER = ["draft", "submitted", ...PUBLIC_STATUSES, "cancelled"] as const;

export default function Dashboard() {
  const { partnerId, role, stats, arrears } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="dash-title">
      <h1 id="dash-title">Dashboard</h1>
      <dl className="facts">
        <dt>Loans posted to lenders</dt><dd>{stats.loansPosted} ({formatMoney(stats.amountPostedUsdCents, "USD")})</dd>
        <dt>Fully funded so far</dt><dd>{formatMoney(stats.raisedUsdCents, "USD")}</dd>
        <dt>Clients</dt><dd>{stats.clients}</dd>
        <dt>Groups</dt><dd>{stats.groups}</dd>
      </dl>
      <section aria-labelledby="arrears-title">
        <h2 id="arrears-title">Arrears</h2>
        {arrears.loans === 0 ? (
          <p>No loan is behind on its repayments. PAR30: {formatRate(arrears.par30Bps)}.</p>
        ) : (
          <p>
            <strong>
              {arrears.loans} loan{arrears.loans === 1 ? "" : "s"} behind
            </strong>{" "}
            ({arrears.over30} more than 30 days), {formatMoney(BigInt(arrears.outstandingUsdCents), "USD")} of principal still owed on them. PAR30:{" "}
            {formatRate(arrears.par30Bps)}. <Link to={`/portal/${partnerId}/arrears`}>See the loans in arrears</Link>.
          </p>
        )}
      </section>
      <h2>Loans by status</h2>
      <div className="table-scroll">
        <table>
          <thead><tr><th scope="col">Status</th><th scope="col" className="num">Loans</th><th scope="col" className="num">Amount</th></tr></thead>
          <tbody>
            {ORDER.map((s) => (
              <tr key={s}>
                <td>{STATUS_LABELS[s]}</td>
                <td className="num">{stats.byStatus[s]?.count ?? 0}</td>
                <td className="num">{formatMoney(stats.byStatus[s]?.amountUsdCents ?? 0, "USD")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {role === "coordinator" ? (
        <p><Link to={`/portal/${partnerId}/groups`}>See the health of every group</Link>.</p>
      ) : (
        <p className="actions">
          <Link className="button" to={`/portal/${partnerId}/loans/new`}>Draft a loan request</Link>
          <Link to={`/portal/${partnerId}/clients/new`}>Add a client</Link>
        </p>
      )}
    </section>
  );
}
