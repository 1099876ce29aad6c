import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { TrackRecordRows } from "~/components/track-record.tsx";
import { formatMoney } from "~/lib/money.ts";
import { countryName } from "~/lib/places.ts";
import { trackRecordJson } from "~/lib/track-record.ts";
import { getPublicPartner } from "~/models/partner.server.ts";
import { partnerTrackRecord } from "~/models/repayment.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.partner.name ?? "Field partner"} — Mavuno` }];

export async function loader({ params }: LoaderFunctionArgs) {
  const found = await getPublicPartner(params.slug ?? "");
  if (!found) throw new Response("Not found", { status: 404 });
  const { partner, stats } = found;
  const years = partner.joinedAt ? (Date.now() - partner.joinedAt.getTime()) / (365.25 * 86_400_000) : 0;
  return json({
    partner: { ...partner, countryName: countryName(partner.country), joinedAt: partner.joinedAt?.toISOString() ?? null, years },
    stats: { loansPosted: stats.loansPosted, amountPostedUsdCents: stats.amountPostedUsdCents, raisedUsdCents: stats.raisedUsdCents },
    record: trackRecordJson(await partnerTrackRecord(partner.id)),
  });
}

export default function PartnerProfile() {
  const { partner, stats, record } = useLoaderData<typeof loader>();
  const years = partner.years < 1 ? "less than a year" : `${Math.floor(partner.years)} year${Math.floor(partner.years) === 1 ? "" : "s"}`;
  return (
    <article aria-labelledby="partner-title">
      <h1 id="partner-title">{partner.name}</h1>
      <p className="loan-meta">Field partner in {partner.countryName} · serves {partner.regions.join(", ")}</p>
      {partner.description ? <p>{partner.description}</p> : null}
      <h2>Track record</h2>
      <dl className="facts">
        <dt>On Mavuno for</dt><dd>{years}</dd>
        <dt>Loans posted</dt><dd>{stats.loansPosted}</dd>
        <dt>Amount posted</dt><dd>{formatMoney(stats.amountPostedUsdCents, "USD")}</dd>
        <dt>Fully funded</dt><dd>{formatMoney(stats.raisedUsdCents, "USD")}</dd>
      </dl>
      <h2>Repayments</h2>
      <p>Worked out from every repayment this partner has recorded on Mavuno, and updated as they come in.</p>
      <dl className="facts">
        <TrackRecordRows record={record} />
      </dl>
      <p><Link to={`/loans?status=fundraising`}>Browse loans raising money now</Link></p>
    </article>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
