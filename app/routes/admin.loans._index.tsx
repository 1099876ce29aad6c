import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { countryName } from "~/lib/places.ts";
import { formatMoney } from "~/lib/money.ts";
import { reviewQueue } from "~/models/loan-request.server.ts";
import { requireAdmin } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Loan review — Mavuno admin" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAdmin(request);
  const queue = await reviewQueue();
  return json({
    queue: queue.map((l) => ({ ...l, submittedAt: l.submittedAt?.toISOString() ?? null, country: countryName(l.partner.country) })),
  });
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export default function ReviewQueue() {
  const { queue } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="queue-title">
      <h1 id="queue-title">Loan requests waiting for review</h1>
      {queue.length === 0 ? (
        <p>Nothing to review.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr><th scope="col">Reference</th><th scope="col">Partner</th><th scope="col" className="num">Amount</th><th scope="col">Submitted</th></tr>
            </thead>
            <tbody>
              {queue.map((l) => (
                <tr key={l.id}>
                  <td><Link to={`/admin/loans/${l.id}`}>{l.reference}</Link></td>
                  <td>{l.partner.name} ({l.country})</td>
                  <td className="num">{formatMoney(l.amountUsdCents, "USD")}</td>
                  <td>{l.submittedAt ? dateFormat.format(new Date(l.submittedAt)) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
