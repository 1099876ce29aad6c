import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { percentFromBps } from "~/lib/loan-labels.ts";
import { formatMoney } from "~/lib/money.ts";
import { OFFERING_STATUS_LABELS } from "~/lib/offering-summary.ts";
import { countryName } from "~/lib/places.ts";
import { listPublicOfferings } from "~/models/offering.server.ts";

export const meta: MetaFunction = () => [{ title: "Invest in savings groups and enterprises — Mavuno" }];

export async function loader(_args: LoaderFunctionArgs) {
  const offerings = await listPublicOfferings();
  return json({
    offerings: offerings.map((o) => ({
      id: o.id,
      title: o.title,
      status: o.status,
      // Through the consent check, like a loan's borrower.
      owner: o.owner ? `${o.owner.label} · ${o.owner.place}` : "",
      partner: `${o.partner.name}, ${countryName(o.partner.country)}`,
      maxRaiseCents: o.maxRaiseCents.toString(),
      raisedCents: (BigInt(o.unitsSold) * o.unitPriceCents).toString(),
      profitShareBps: o.profitShareBps,
      capitalReturned: o.capitalReturned,
      cycleEnd: o.cycleEnd.toISOString(),
    })),
  });
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export default function PublicOfferings() {
  const { offerings } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="offerings-title">
      <h1 id="offerings-title">Invest in savings groups and enterprises</h1>
      <p>
        A savings group (or a small enterprise) offers investors a share of one cycle's profit for capital that joins its loan fund (or its business). Each
        offering was voted on by the group's members, or agreed by the enterprise's owner after the same check on the terms.
        Your capital is at risk: read the terms and the worked example before you invest.
      </p>
      {offerings.length === 0 ? (
        <p>No offerings are open right now.</p>
      ) : (
        <ul>
          {offerings.map((o) => (
            <li key={o.id}>
              <h2><Link to={`/offerings/${o.id}`}>{o.title}</Link></h2>
              <p>{o.owner} · {o.partner}</p>
              <p>
                <span className={`status status-${o.status}`}>{OFFERING_STATUS_LABELS[o.status]}</span> · {formatMoney(BigInt(o.raisedCents), "USD")} of{" "}
                {formatMoney(BigInt(o.maxRaiseCents), "USD")} · investors' share {percentFromBps(o.profitShareBps)} of profit ·{" "}
                {o.capitalReturned ? "capital returned at share-out (less any loss)" : "capital not returned"} · share-out {dateFormat.format(new Date(o.cycleEnd))}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
