import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { FormError, TextAreaField } from "~/components/forms.tsx";
import { fieldErrors, formToObject, type FieldErrors } from "~/lib/forms.ts";
import { APPLICATION_STATUS_LABELS } from "~/lib/partner-labels.ts";
import { countryName } from "~/lib/places.ts";
import {
  approvePartnerApplication,
  getPartnerForReview,
  PartnerRuleError,
  rejectPartnerApplication,
  reviewSchema,
} from "~/models/partner.server.ts";
import { requireAdmin } from "~/utils/auth.server.ts";
import { publicOrigin } from "~/utils/email.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.partner.name ?? "Partner"} — Mavuno admin` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireAdmin(request);
  const partner = await getPartnerForReview(params.partnerId ?? "");
  if (!partner) throw new Response("There is no such partner.", { status: 404 });
  return json({
    partner: {
      id: partner.id,
      name: partner.name,
      legalName: partner.legalName,
      status: partner.status,
      countryName: countryName(partner.country),
      regions: partner.regions,
      currency: partner.currency,
      description: partner.description,
      website: partner.website,
      contactName: partner.contactName,
      contactEmail: partner.contactEmail,
      contactPhone: partner.contactPhone,
      appliedAt: partner.createdAt.toISOString(),
      reviewedAt: partner.reviewedAt?.toISOString() ?? null,
      rejectionReason: partner.rejectionReason,
      applicant: partner.applicant,
      reviewer: partner.reviewer?.name ?? null,
    },
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requireAdmin(request);
  const partnerId = params.partnerId ?? "";
  const values = formToObject(await request.formData());
  const parsed = reviewSchema.safeParse(values);
  if (!parsed.success) return json({ errors: fieldErrors(parsed.error), notice: null }, { status: 400 });
  const origin = publicOrigin(request);
  try {
    const review = parsed.data;
    const result =
      review.intent === "approve"
        ? await approvePartnerApplication({ partnerId, reviewerId: admin.id, origin })
        : await rejectPartnerApplication({ partnerId, reviewerId: admin.id, reason: review.reason, origin });
    const outcome = review.intent === "approve" ? "approved" : "rejected";
    const notice =
      result.emailed === false
        ? `${result.partner.name} is ${outcome}, but the email to the applicant could not be sent. Please contact them yourself.`
        : `${result.partner.name} is ${outcome}.${result.emailed ? " The applicant has been emailed." : ""}`;
    return json({ errors: {} as FieldErrors, notice });
  } catch (error) {
    if (error instanceof PartnerRuleError) {
      if (error.status === 404) throw new Response(error.message, { status: 404 });
      return json({ errors: { [error.field]: [error.message] } as FieldErrors, notice: null }, { status: error.status });
    }
    throw error;
  }
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export default function ReviewPartner() {
  const { partner } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  return (
    <section aria-labelledby="partner-title">
      <p>
        <Link to="/admin/partners">← All partners</Link>
      </p>
      <h1 id="partner-title">{partner.name}</h1>
      {data?.notice ? (
        <p className="notice" role="status">
          {data.notice}
        </p>
      ) : null}
      <FormError errors={data?.errors[""]} />
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <span className={`status status-${partner.status}`}>{APPLICATION_STATUS_LABELS[partner.status]}</span>
          {partner.reviewedAt ? ` (reviewed ${dateFormat.format(new Date(partner.reviewedAt))}${partner.reviewer ? ` by ${partner.reviewer}` : ""})` : null}
        </dd>
        {partner.rejectionReason ? (
          <>
            <dt>Reason given</dt>
            <dd className="story">{partner.rejectionReason}</dd>
          </>
        ) : null}
        <dt>Legal name</dt>
        <dd>{partner.legalName}</dd>
        <dt>Country</dt>
        <dd>{partner.countryName}</dd>
        <dt>Regions</dt>
        <dd>{partner.regions.join(", ")}</dd>
        <dt>Local currency</dt>
        <dd>{partner.currency}</dd>
        <dt>Website</dt>
        <dd>{partner.website ? <a href={partner.website} rel="noreferrer noopener" target="_blank">{partner.website}</a> : "—"}</dd>
        <dt>Contact</dt>
        <dd>
          {partner.contactName || "—"}, {partner.contactEmail}
          {partner.contactPhone ? `, ${partner.contactPhone}` : ""}
        </dd>
        <dt>Applied by</dt>
        <dd>{partner.applicant ? `${partner.applicant.name} (${partner.applicant.email})` : "—"}</dd>
        <dt>Applied</dt>
        <dd>{dateFormat.format(new Date(partner.appliedAt))}</dd>
      </dl>
      <h2>About</h2>
      <p className="story">{partner.description || "—"}</p>
      {partner.status === "applied" ? (
        <>
          <h2>Review</h2>
          <Form method="post">
            <input type="hidden" name="intent" value="approve" />
            <p>
              Approving lists {partner.name} as a field partner and makes {partner.applicant?.name ?? "the applicant"} its admin.
            </p>
            <button type="submit" disabled={busy}>
              Approve {partner.name}
            </button>
          </Form>
          <Form method="post" noValidate>
            <input type="hidden" name="intent" value="reject" />
            <TextAreaField
              name="reason"
              label="Reason for rejecting"
              hint="Sent to the applicant, so they can fix it and apply again."
              errors={data?.errors.reason}
            />
            <button type="submit" className="danger" disabled={busy}>
              Reject application
            </button>
          </Form>
        </>
      ) : null}
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
