import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { FormError, TextAreaField } from "~/components/forms.tsx";
import { MeetingAggregate } from "~/components/offering-meeting.tsx";
import { OfferingTerms, offeringTermsView } from "~/components/offering-terms.tsx";
import { fieldErrors, formToObject } from "~/lib/forms.ts";
import { OFFERING_STATUS_LABELS } from "~/lib/offering-summary.ts";
import { countryName } from "~/lib/places.ts";
import { getOfferingForReview, latestMeeting, OfferingError, ownerKind, reviewOffering, reviewSchema } from "~/models/offering.server.ts";
import { requireAdmin } from "~/utils/auth.server.ts";
import { PublicReading } from "~/components/public-reading.tsx";
import { offeringPublicReading } from "~/models/consent.server.ts";

const OFFERING_TEXTS = { title: "Title", risks: "Risks" };

export const meta: MetaFunction = () => [{ title: "Review an offering — Mavuno admin" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireAdmin(request);
  const offering = await getOfferingForReview(params.offeringId ?? "");
  if (!offering) throw new Response("Not found", { status: 404 });
  const [meeting, reading] = await Promise.all([latestMeeting(offering.id, ownerKind(offering)), offeringPublicReading(offering.id)]);
  return json({
    reading,
    offering: {
      id: offering.id,
      reference: offering.reference,
      title: offering.title,
      status: offering.status,
      risks: offering.risks,
      partner: `${offering.partner.name} (${countryName(offering.partner.country)})`,
      group: offering.ownerName,
      enterprise: ownerKind(offering) === "enterprise",
    },
    terms: offeringTermsView(offering),
    meeting: meeting ? { heldOn: meeting.heldOn.toISOString(), tally: meeting.tally, gate: meeting.gate, locked: meeting.lockedAt !== null } : null,
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requireAdmin(request);
  const values = formToObject(await request.formData());
  const parsed = reviewSchema.safeParse(values);
  if (!parsed.success) return json({ errors: fieldErrors(parsed.error) }, { status: 400 });
  try {
    await reviewOffering(params.offeringId ?? "", admin.id, parsed.data);
  } catch (error) {
    if (error instanceof OfferingError) return json({ errors: { "": [error.message] } as Record<string, string[]> }, { status: 409 });
    throw error;
  }
  return redirect("/admin/offerings");
}

export default function ReviewOffering() {
  const { offering, terms, meeting, reading } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  return (
    <section aria-labelledby="review-title">
      <p><Link to="/admin/offerings">← Review queue</Link></p>
      <h1 id="review-title">Review {offering.reference}: {offering.title}</h1>
      <p>
        <span className={`status status-${offering.status}`}>{OFFERING_STATUS_LABELS[offering.status]}</span> · {offering.partner} · {offering.enterprise ? "Enterprise" : "Group"}: {offering.group}
      </p>
      <OfferingTerms terms={terms} />
      <h2>Risks</h2>
      <p>{offering.risks}</p>
      {reading ? <PublicReading reading={reading} headings={OFFERING_TEXTS} /> : null}
      <h2>{offering.enterprise ? "The owner's decision" : "The members' meeting"}</h2>
      {meeting ? <MeetingAggregate meeting={meeting} showCounts enterprise={offering.enterprise} /> : <p>No meeting recorded.</p>}
      {offering.status === "submitted" ? (
        <Form method="post" noValidate>
          <FormError errors={data?.errors[""] ?? data?.errors.decision} />
          <TextAreaField name="comment" label="Comments for the partner" hint="Required when you return the offering. A returned offering needs a new members' meeting; this one stays as history." errors={data?.errors.comment} rows={3} />
          <div className="actions">
            <button type="submit" name="decision" value="approve">Approve and list</button>
            <button type="submit" name="decision" value="return" className="secondary">Return to the partner</button>
          </div>
        </Form>
      ) : (
        <p>This offering is not waiting for review.</p>
      )}
    </section>
  );
}
