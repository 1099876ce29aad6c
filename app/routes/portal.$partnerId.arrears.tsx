import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { STATUS_LABELS } from "~/lib/loan-labels.ts";
import { formatMoney } from "~/lib/money.ts";
import { formatRate } from "~/lib/track-record.ts";
import { arrearsSummary, listArrears } from "~/models/loan-servicing.server.ts";
import { hasClientLevelRights } from "~/models/consent.server.ts";
import { getViewer, MANAGING_ROLES, requirePartnerStaff } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Arrears — Mavuno partner portal" }];

const LIMIT = 500;

// Every member of staff may see how far behind the portfolio is (coordinators
// watch its health); only staff who manage loans see who the borrowers are and
// open the loans (docs/decisions/013-portal-repayment-pages.md).
export async function loader({ request, params }: LoaderFunctionArgs) {
  const partnerId = params.partnerId ?? "";
  const { membership } = await requirePartnerStaff(request, partnerId);
  const manages = (MANAGING_ROLES as readonly string[]).includes(membership.role);
  const withBorrowers = manages && hasClientLevelRights(await getViewer(request), partnerId);
  const now = new Date();
  const [summary, loans] = await Promise.all([arrearsSummary(partnerId, now), listArrears(partnerId, { withBorrowers, limit: LIMIT, now })]);
  return json({
    partnerId,
    manages,
    summary: { ...summary, outstandingUsdCents: summary.outstandingUsdCents.toString() },
    loans: loans.map((l) => ({ ...l, overdueLocal: l.overdueLocal.toString(), outstandingUsdCents: l.outstandingUsdCents.toString() })),
    limited: summary.loans > loans.length,
  });
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export default function Arrears() {
  const { partnerId, manages, summary, loans, limited } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="arrears-title">
      <h1 id="arrears-title">Arrears</h1>
      <dl className="facts">
        <dt>Loans in arrears</dt>
        <dd>
          {summary.loans} ({summary.over30} more than 30 days late)
        </dd>
        <dt>Principal still owed on them</dt>
        <dd>{formatMoney(BigInt(summary.outstandingUsdCents), "USD")}</dd>
        <dt>PAR30</dt>
        <dd>
          <strong>{formatRate(summary.par30Bps)}</strong>
          <p className="hint">
            Principal still owed on loans with an instalment more than 30 days late, as a share of all principal still owed. Lenders see
            this figure on your public profile.
          </p>
        </dd>
      </dl>
      {loans.length === 0 ? (
        <p className="notice">No loan is behind on its repayments.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <caption>
              Loans with an unpaid instalment past its due date, the most late first
              {limited ? ` (the ${loans.length} most late of ${summary.loans})` : ""}
            </caption>
            <thead>
              <tr>
                <th scope="col">Loan</th>
                {manages ? <th scope="col">Borrower</th> : null}
                <th scope="col">Status</th>
                <th scope="col">Unpaid since</th>
                <th scope="col" className="num">Days late</th>
                <th scope="col" className="num">Overdue</th>
                <th scope="col" className="num">Principal owed to lenders</th>
              </tr>
            </thead>
            <tbody>
              {loans.map((l) => (
                <tr key={l.id}>
                  <th scope="row">{manages ? <Link to={`/portal/${partnerId}/loans/${l.id}`}>{l.reference}</Link> : l.reference}</th>
                  {manages ? <td>{l.borrower ?? "—"}</td> : null}
                  <td>
                    <span className={`status status-${l.status}`}>{STATUS_LABELS[l.status]}</span>
                  </td>
                  <td>{dateFormat.format(new Date(l.firstUnpaidDueOn))}</td>
                  <td className="num">{l.daysLate}</td>
                  <td className="num">{formatMoney(BigInt(l.overdueLocal), l.localCurrency)}</td>
                  <td className="num">{formatMoney(BigInt(l.outstandingUsdCents), "USD")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
