import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { Field, FormError, SelectField, TextAreaField } from "~/components/forms.tsx";
import { fieldErrors, formToObject, type FieldErrors } from "~/lib/forms.ts";
import { APPLICATION_STATUS_LABELS } from "~/lib/partner-labels.ts";
import { countryName, countryOptions, currencyOptions } from "~/lib/places.ts";
import { applyForPartnership, listApplicationsOf, partnerApplicationSchema, PartnerRuleError } from "~/models/partner.server.ts";
import { requireUser } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Become a field partner — Mavuno" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const applications = await listApplicationsOf(user.id);
  return json({
    applications: applications.map((a) => ({
      ...a,
      countryName: countryName(a.country),
      createdAt: a.createdAt.toISOString(),
      reviewedAt: a.reviewedAt?.toISOString() ?? null,
    })),
    countries: countryOptions(),
    currencies: currencyOptions(),
  });
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const values = formToObject(await request.formData());
  const parsed = partnerApplicationSchema.safeParse(values);
  if (!parsed.success) return json({ errors: fieldErrors(parsed.error), values }, { status: 400 });
  try {
    await applyForPartnership({ userId: user.id, application: parsed.data });
  } catch (error) {
    if (error instanceof PartnerRuleError) {
      return json({ errors: { [error.field]: [error.message] } as FieldErrors, values }, { status: error.status });
    }
    throw error;
  }
  return redirect("/apply");
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export default function Apply() {
  const { applications, countries, currencies } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const values: Record<string, string | undefined> = data?.values ?? {};
  const errors: FieldErrors = data?.errors ?? {};
  const pending = applications.some((a) => a.status === "applied");
  return (
    <section aria-labelledby="apply-title">
      <h1 id="apply-title">Become a Mavuno field partner</h1>
      {applications.length > 0 ? (
        <>
          <h2>Your applications</h2>
          <ul>
            {applications.map((a) => (
              <li key={a.id}>
                <strong>{a.name}</strong> ({a.countryName}) — <span className={`status status-${a.status}`}>{APPLICATION_STATUS_LABELS[a.status]}</span>
                <br />
                <span className="muted">
                  Sent {dateFormat.format(new Date(a.createdAt))}
                  {a.reviewedAt ? `, reviewed ${dateFormat.format(new Date(a.reviewedAt))}` : ""}
                </span>
                {a.status === "applied" ? <p>Our team reviews applications within a few days. We will email you the outcome.</p> : null}
                {a.status === "rejected" && a.rejectionReason ? (
                  <p>
                    Reason: <span className="story">{a.rejectionReason}</span>
                  </p>
                ) : null}
                {a.status === "active" ? (
                  <p>
                    <Link to={`/portal/${a.id}`}>Open the partner portal for {a.name}</Link>
                  </p>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>
          Microfinance institutions and NGOs that lend to entrepreneurs and savings groups can list their clients' loans on
          Mavuno. Tell us about your organisation; a platform admin reviews every application.
        </p>
      )}
      {pending ? null : (
        <Form method="post" noValidate aria-labelledby="apply-form-title">
          <h2 id="apply-form-title">{applications.length > 0 ? "Apply for another organisation" : "Your application"}</h2>
          <FormError errors={errors[""]} />
          <fieldset>
            <legend>Organisation</legend>
            <Field name="legalName" label="Legal name" defaultValue={values.legalName} errors={errors.legalName} required />
            <Field
              name="name"
              label="Display name"
              hint="The name lenders will see, e.g. Umoja Microfinance."
              defaultValue={values.name}
              errors={errors.name}
              required
            />
            <div className="field-row">
              <SelectField
                name="country"
                label="Country"
                options={[{ value: "", label: "Choose a country" }, ...countries]}
                defaultValue={values.country ?? ""}
                errors={errors.country}
              />
              <SelectField
                name="currency"
                label="Local currency"
                hint="The currency your clients borrow and repay in."
                options={[{ value: "", label: "Choose a currency" }, ...currencies]}
                defaultValue={values.currency ?? ""}
                errors={errors.currency}
              />
            </div>
            <TextAreaField
              name="regions"
              label="Regions you serve"
              hint="One per line."
              rows={4}
              defaultValue={values.regions}
              errors={errors.regions}
            />
            <Field name="website" label="Website (optional)" type="url" defaultValue={values.website} errors={errors.website} />
            <TextAreaField
              name="description"
              label="About your organisation"
              hint="Who you serve, what you lend for, how long you have worked there."
              defaultValue={values.description}
              errors={errors.description}
            />
          </fieldset>
          <fieldset>
            <legend>Contact person</legend>
            <Field name="contactName" label="Name" autoComplete="name" defaultValue={values.contactName} errors={errors.contactName} required />
            <Field
              name="contactEmail"
              label="Email"
              type="email"
              autoComplete="email"
              defaultValue={values.contactEmail}
              errors={errors.contactEmail}
              required
            />
            <Field
              name="contactPhone"
              label="Phone"
              type="tel"
              autoComplete="tel"
              hint="With the country code, e.g. +254 712 345 678."
              defaultValue={values.contactPhone}
              errors={errors.contactPhone}
              required
            />
          </fieldset>
          <button type="submit">Send application</button>
        </Form>
      )}
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
