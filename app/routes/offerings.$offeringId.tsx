import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { MeetingAggregate } from "~/components/offering-meeting.tsx";
import { OfferingTerms, offeringTermsView } from "~/components/offering-terms.tsx";
import { formatMoney } from "~/lib/money.ts";
import { OFFERING_STATUS_LABELS } from "~/lib/offering-summary.ts";
import { countryName } from "~/lib/places.ts";
import { getPublicOffering } from "~/models/offering.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.offering.title ?? "Offering"} — Mavuno` }];

export async function loader({ params }: LoaderFunctionArgs) {
  const offering = await getPublicOffering(params.offeringId ?? "");
  if (!offering) throw new Response("Not found", { status: 404 });
  const totalUnits = Number(offering.maxRaiseCents / offering.unitPriceCents);
  return json({
    offering: {
      id: offering.id,
      reference: offering.reference,
      title: offering.title,
      status: offering.status,
      risks: offering.risks,
      // Through the consent check: a name, story and place only as the members or the owner allow.
      owner: offering.owner ?? { kind: "group" as const, label: "", story: null, place: "" },
      partner: { name: offering.partner.name, slug: offering.partner.slug, country: countryName(offering.partner.country) },
      unitsSold: offering.unitsSold,
      totalUnits,
    },
    terms: offeringTermsView(offering),
    // Aggregate only: investors never see members' names or individual answers.
    meeting: offering.meeting ? { heldOn: offering.meeting.heldOn.toISOString(), tally: offering.meeting.tally, gate: offering.meeting.gate } : null,
  });
}

export default function PublicOffering() {
  const { offering, terms, meeting } = useLoaderData<typeof loader>();
  const unitPrice = BigInt(terms.unitPriceCents);
  return (
    <article aria-labelledby="offering-title">
      <p><Link to="/offerings">← All offerings</Link></p>
      <h1 id="offering-title">{offering.title}</h1>
      <p>
        {offering.owner.label} · {offering.owner.place} · through <Link to={`/partners/${offering.partner.slug}`}>{offering.partner.name}</Link>, {offering.partner.country} ·{" "}
        <span className={`status status-${offering.status}`}>{OFFERING_STATUS_LABELS[offering.status]}</span>
      </p>
      <p>
        {offering.unitsSold} of {offering.totalUnits} units sold ({formatMoney(BigInt(offering.unitsSold) * unitPrice, "USD")} of {formatMoney(BigInt(terms.maxRaiseCents), "USD")}).
      </p>
      {offering.status === "listed" ? (
        <p><Link className="button" to={`/invest/${offering.id}`}>Buy units</Link></p>
      ) : null}
      {offering.owner.story ? <p>{offering.owner.story}</p> : null}
      <OfferingTerms terms={terms} />
      <section aria-labelledby="risks-title">
        <h2 id="risks-title">Risks</h2>
        <p>{offering.risks}</p>
      </section>
      <section aria-labelledby="meeting-title">
        <h2 id="meeting-title">{offering.owner.kind === "enterprise" ? "The owner's decision" : "The members' decision"}</h2>
        {meeting ? <MeetingAggregate meeting={meeting} showCounts={false} enterprise={offering.owner.kind === "enterprise"} /> : <p>No meeting record.</p>}
      </section>
    </article>
  );
}
