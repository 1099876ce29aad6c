import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { STATUS_LABELS } from "~/lib/loan-labels.ts";
import { formatMoney } from "~/lib/money.ts";
import { countryName } from "~/lib/places.ts";
import { listLenderLoans } from "~/models/lending.server.ts";
import { requireUser } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "My loans — Mavuno" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const loans = await listLenderLoans(user.id);
  return json({
    loans: loans.map((l) => ({
      id: l.loan.id,
      reference: l.loan.reference,
      purpose: l.loan.purpose,
      status: l.loan.status,
      partner: `${l.loan.partner.name}, ${countryName(l.loan.partner.country)}`,
      shares: l.shares,
      amount: l.amount.toString(),
    })),
  });
}

export default function MyLoans() {
  const { loans } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <section aria-labelledby="my-loans-title">
      <h1 id="my-loans-title">My loans</h1>
      {params.get("checkout") ? <p className="notice" role="status">Thank you! Your loans are below.</p> : null}
      {loans.length === 0 ? (
        <p>You have not lent yet. <Link to="/loans">Find a loan to support</Link>.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr><th scope="col">Loan</th><th scope="col">Field partner</th><th scope="col" className="num">Shares</th><th scope="col" className="num">Lent</th><th scope="col">Status</th></tr>
            </thead>
            <tbody>
              {loans.map((l) => (
                <tr key={l.id}>
                  <td><Link to={`/my/loans/${l.id}`}>{l.reference}</Link> — {l.purpose}</td>
                  <td>{l.partner}</td>
                  <td className="num">{l.shares}</td>
                  <td className="num">{formatMoney(BigInt(l.amount), "USD")}</td>
                  <td><span className={`status status-${l.status}`}>{STATUS_LABELS[l.status]}</span></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
