import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { formatMoney } from "~/lib/money.ts";
import { countryName } from "~/lib/places.ts";
import { reviewQueue } from "~/models/offering.server.ts";
import { requireAdmin } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Offering review — Mavuno admin" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAdmin(request);
  const queue = await reviewQueue();
  return json({
    queue: queue.map((o) => ({
      id: o.id,
      reference: o.reference,
      title: o.title,
      partner: `${o.partner.name} (${countryName(o.partner.country)})`,
      group: o.ownerName,
      maxRaiseCents: o.maxRaiseCents.toString(),
      submittedAt: o.submittedAt?.toISOString() ?? null,
    })),
  });
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export default function OfferingReviewQueue() {
  const { queue } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="queue-title">
      <h1 id="queue-title">Offerings waiting for review</h1>
      {queue.length === 0 ? (
        <p>Nothing to review.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <caption>Oldest first</caption>
            <thead>
              <tr><th scope="col">Reference</th><th scope="col">Title</th><th scope="col">Partner</th><th scope="col">Group</th><th scope="col" className="num">Capital sought</th><th scope="col">Submitted</th></tr>
            </thead>
            <tbody>
              {queue.map((o) => (
                <tr key={o.id}>
                  <td><Link to={`/admin/offerings/${o.id}`}>{o.reference}</Link></td>
                  <td>{o.title}</td>
                  <td>{o.partner}</td>
                  <td>{o.group}</td>
                  <td className="num">{formatMoney(BigInt(o.maxRaiseCents), "USD")}</td>
                  <td>{o.submittedAt ? dateFormat.format(new Date(o.submittedAt)) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
