import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  json,
  MaxPartSizeExceededError,
  redirect,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { ClientFields } from "~/components/client-fields.tsx";
import { Field, FormError, SelectField } from "~/components/forms.tsx";
import { fieldErrors, formToObject } from "~/lib/forms.ts";
import { CONSENT_EFFECTS, CONSENT_PURPOSES, PURPOSE_LABELS } from "~/lib/consent-labels.ts";
import { STATUS_LABELS } from "~/lib/loan-labels.ts";
import { formatMoney } from "~/lib/money.ts";
import {
  clientSchema,
  getClient,
  PHOTO_MAX_BYTES,
  PhotoError,
  removePhoto,
  savePhoto,
  updateClient,
} from "~/models/client.server.ts";
import { consentHistory, grantSchema, previewPublicText, recordConsent, revokeConsent } from "~/models/consent.server.ts";
import { PublicTextPreview } from "~/components/public-text-preview.tsx";
import { AccessCodeError, accessCodeStatus, issueAccessCode, issueCodeSchema, revokeAccessCodes } from "~/models/client-access.server.ts";
import { MANAGING_ROLES, requireStaffPartner } from "~/utils/auth.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.client.fullName ?? "Client"} — Mavuno partner portal` }];


async function context(request: Request, params: { partnerId?: string; clientId?: string }) {
  const partnerId = params.partnerId ?? "";
  const { user, partner } = await requireStaffPartner(request, partnerId, MANAGING_ROLES);
  const client = await getClient(partnerId, params.clientId ?? "");
  if (!client) throw new Response("Not found", { status: 404 });
  return { user, partner, client };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { partner, client } = await context(request, params);
  const [consents, accessCode, preview] = await Promise.all([
    consentHistory(client.id),
    accessCodeStatus(client.id),
    previewPublicText(partner.id, { about: `client:${client.id}`, as: "borrower", text: client.story }),
  ]);
  return json({
    preview,
    partnerId: partner.id,
    regions: partner.regions,
    client: { ...client, createdAt: client.createdAt.toISOString(), hasPhoto: Boolean(client.photoFile), photoFile: undefined },
    consents: consents.map((c) => ({
      ...c,
      grantedAt: c.grantedAt.toISOString(),
      revokedAt: c.revokedAt?.toISOString() ?? null,
      recordedBy: c.recordedBy?.name ?? "—",
    })),
    accessCode: accessCode && {
      ...accessCode,
      issuedAt: accessCode.issuedAt.toISOString(),
      expiresAt: accessCode.expiresAt.toISOString(),
      revokedAt: accessCode.revokedAt?.toISOString() ?? null,
      lastUsedAt: accessCode.lastUsedAt?.toISOString() ?? null,
    },
    codeRequestKey: crypto.randomUUID(),
  });
}

type ActionData = {
  intent: string;
  errors: Record<string, string[]>;
  values?: Record<string, string>;
  /** A newly issued statement code: shown once, never stored readable. */
  issued?: { code: string; expiresAt: string };
};

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, partner, client } = await context(request, params);
  const back = `/portal/${partner.id}/clients/${client.id}`;

  if (request.headers.get("Content-Type")?.startsWith("multipart/form-data")) {
    let form: FormData;
    try {
      form = await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize: PHOTO_MAX_BYTES }));
    } catch (error) {
      if (error instanceof MaxPartSizeExceededError) {
        return json<ActionData>({ intent: "photo", errors: { photo: ["The photo is larger than 3 MB. Choose a smaller one."] } }, { status: 400 });
      }
      throw error;
    }
    const file = form.get("photo");
    if (!(file instanceof Blob)) return json<ActionData>({ intent: "photo", errors: { photo: ["Choose a photo to upload."] } }, { status: 400 });
    try {
      await savePhoto(partner.id, client.id, new Uint8Array(await file.arrayBuffer()));
    } catch (error) {
      if (error instanceof PhotoError) return json<ActionData>({ intent: "photo", errors: { photo: [error.message] } }, { status: 400 });
      throw error;
    }
    return redirect(back);
  }

  const form = await request.formData();
  const values = formToObject(form);
  switch (values.intent) {
    case "update": {
      const parsed = clientSchema(partner.regions).safeParse(values);
      if (!parsed.success) return json<ActionData>({ intent: "update", errors: fieldErrors(parsed.error), values }, { status: 400 });
      await updateClient(partner.id, client.id, parsed.data);
      return redirect(back);
    }
    case "grant": {
      const parsed = grantSchema.safeParse(values);
      if (!parsed.success) return json<ActionData>({ intent: "grant", errors: fieldErrors(parsed.error), values }, { status: 400 });
      await recordConsent(client.id, parsed.data, user.id);
      return redirect(back);
    }
    case "revoke": {
      await revokeConsent(client.id, values.consentId ?? "", `staff: ${user.name}`);
      return redirect(back);
    }
    case "issue-code": {
      const parsed = issueCodeSchema.safeParse(values);
      if (!parsed.success) return json<ActionData>({ intent: "issue-code", errors: fieldErrors(parsed.error) }, { status: 400 });
      try {
        const issued = await issueAccessCode({ partnerId: partner.id, clientId: client.id, issuedById: user.id, requestKey: parsed.data.requestKey });
        return json<ActionData>(
          { intent: "issue-code", errors: {}, issued: { code: issued.code, expiresAt: issued.expiresAt.toISOString() } },
          { headers: { "Cache-Control": "private, no-store" } },
        );
      } catch (error) {
        if (error instanceof AccessCodeError) return json<ActionData>({ intent: "issue-code", errors: { "": [error.message] } }, { status: 400 });
        throw error;
      }
    }
    case "revoke-code": {
      await revokeAccessCodes(partner.id, client.id);
      return redirect(back);
    }
    case "remove-photo": {
      await removePhoto(partner.id, client.id);
      return redirect(back);
    }
    default:
      return json<ActionData>({ intent: "", errors: { "": ["Unknown request."] } }, { status: 400 });
  }
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export default function ClientPage() {
  const { partnerId, regions, client, consents, accessCode, codeRequestKey, preview } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const errorsFor = (intent: string) => (data?.intent === intent ? data.errors : undefined);
  const live = consents.filter((c) => !c.revokedAt);
  return (
    <section aria-labelledby="client-title">
      <p><Link to={`/portal/${partnerId}/clients`}>← All clients</Link></p>
      <h1 id="client-title">{client.fullName}</h1>
      <p className="loan-meta">
        {client.village}, {client.region} · {client.sector} · client since {dateFormat.format(new Date(client.createdAt))}
      </p>
      {client.aliases.length ? <p>Also known as {client.aliases.join(", ")}.</p> : null}
      {client.memberships.length ? (
        <p>Member of {client.memberships.map((m) => m.group.name).join(", ")}.</p>
      ) : null}

      <h2>Consent</h2>
      <p>
        What lenders and the public may see of this client. Nothing is shown until it is granted here; a revocation
        takes effect on the next page anyone loads.
      </p>
      {live.length === 0 ? (
        <p className="notice warning">No consent is live: outside your organisation this client appears only as a client of your organisation, in your country.</p>
      ) : (
        <ul>
          {live.map((c) => (
            <li key={c.id}>
              <strong>{PURPOSE_LABELS[c.purpose]}</strong>
              {c.granularity ? ` (to the ${c.granularity})` : ""} — granted {dateFormat.format(new Date(c.grantedAt))}, recorded by {c.recordedBy}; evidence: {c.evidence}{" "}
              <Form method="post" className="inline-form">
                <input type="hidden" name="intent" value="revoke" />
                <input type="hidden" name="consentId" value={c.id} />
                <button type="submit" className="secondary">Revoke</button>
              </Form>
            </li>
          ))}
        </ul>
      )}
      <details>
        <summary>What each consent changes on public pages</summary>
        <dl className="consent-effects">
          {CONSENT_PURPOSES.map((p) => (
            <div key={p}>
              <dt>
                {PURPOSE_LABELS[p]}
                {live.some((c) => c.purpose === p) ? " (live)" : " (not granted)"}
              </dt>
              <dd>{CONSENT_EFFECTS[p]}</dd>
            </div>
          ))}
        </dl>
        {live.some((c) => c.purpose === "name") && !live.some((c) => c.purpose === "story") ? (
          <p className="notice warning">The name consent is live but the story consent is not: nothing of this client is shown publicly until the story consent is recorded too.</p>
        ) : null}
      </details>
      <Form method="post" noValidate aria-labelledby="grant-title">
        <fieldset>
          <legend id="grant-title">Record a consent</legend>
          <FormError errors={errorsFor("grant")?.[""]} />
          <input type="hidden" name="intent" value="grant" />
          <SelectField
            name="purpose"
            label="The client agreed to"
            options={CONSENT_PURPOSES.map((p) => ({ value: p, label: PURPOSE_LABELS[p]! }))}
            defaultValue={data?.intent === "grant" ? data.values?.purpose : undefined}
            errors={errorsFor("grant")?.purpose}
          />
          <SelectField
            name="granularity"
            label="For where they live: how precisely"
            hint="Only used for the location consent."
            options={[
              { value: "country", label: "Country only" },
              { value: "region", label: "Region" },
              { value: "village", label: "Village" },
            ]}
            defaultValue={data?.intent === "grant" ? data.values?.granularity : "region"}
            errors={errorsFor("grant")?.granularity}
          />
          <Field
            name="evidence"
            label="Evidence"
            hint="Where the signed form or recording is kept, e.g. 'Form 1042, Kisumu branch'."
            defaultValue={data?.intent === "grant" ? data.values?.evidence : undefined}
            errors={errorsFor("grant")?.evidence}
          />
          <button type="submit">Record consent</button>
        </fieldset>
      </Form>
      {consents.length > live.length ? (
        <details>
          <summary>Consent history ({consents.length} records)</summary>
          <ul>
            {consents.map((c) => (
              <li key={c.id}>
                {PURPOSE_LABELS[c.purpose]}: granted {dateFormat.format(new Date(c.grantedAt))}
                {c.revokedAt ? `, revoked ${dateFormat.format(new Date(c.revokedAt))} (${c.revokedBy ?? ""})` : ", live"}
              </li>
            ))}
          </ul>
        </details>
      ) : null}

      <h2 id="statement-code">Statement access code</h2>
      <p>
        With a code the client can open <strong>/statement</strong> on any phone and see their loans, their repayments
        and their consents, and withdraw a consent themselves. Only they and you need to know it.
      </p>
      {data?.intent === "issue-code" && data.issued ? (
        <div className="notice" role="status">
          <p>
            New code for {client.fullName}: <strong className="access-code">{data.issued.code}</strong>
          </p>
          <p>
            Give it to the client now: it is not shown again. It works until {dateFormat.format(new Date(data.issued.expiresAt))}; any earlier code no
            longer works.
          </p>
        </div>
      ) : accessCode ? (
        <p>
          {accessCode.state === "live"
            ? `A code is live: issued ${dateFormat.format(new Date(accessCode.issuedAt))}${accessCode.issuedBy ? ` by ${accessCode.issuedBy}` : ""}, works until ${dateFormat.format(new Date(accessCode.expiresAt))}; `
            : accessCode.state === "revoked"
              ? `The last code was revoked on ${dateFormat.format(new Date(accessCode.revokedAt!))}; `
              : `The last code expired on ${dateFormat.format(new Date(accessCode.expiresAt))}; `}
          {accessCode.lastUsedAt ? `last used ${dateFormat.format(new Date(accessCode.lastUsedAt))}.` : "never used."}
        </p>
      ) : (
        <p>No code has been issued to this client.</p>
      )}
      <FormError errors={errorsFor("issue-code")?.[""] ?? errorsFor("issue-code")?.requestKey} />
      <div className="actions">
        <Form method="post">
          <input type="hidden" name="intent" value="issue-code" />
          <input type="hidden" name="requestKey" value={codeRequestKey} />
          <button type="submit">{accessCode?.state === "live" || data?.issued ? "Issue a new code (the old one stops working)" : "Issue a code"}</button>
        </Form>
        {accessCode?.state === "live" || data?.issued ? (
          <Form method="post">
            <input type="hidden" name="intent" value="revoke-code" />
            <button type="submit" className="secondary">Revoke the code</button>
          </Form>
        ) : null}
      </div>

      <h2>Photo</h2>
      {client.hasPhoto ? (
        <div className="actions">
          <img src={`/photos/${client.id}`} alt={`${client.fullName}`} width={160} />
          <Form method="post">
            <input type="hidden" name="intent" value="remove-photo" />
            <button type="submit" className="secondary">Remove photo</button>
          </Form>
        </div>
      ) : (
        <p>No photo yet.</p>
      )}
      <Form method="post" encType="multipart/form-data" noValidate>
        <div className="field">
          <label htmlFor="field-photo">Upload a photo (JPEG, PNG or WebP, at most 3 MB)</label>
          <input
            id="field-photo"
            name="photo"
            type="file"
            accept="image/jpeg,image/png,image/webp"
            aria-invalid={errorsFor("photo")?.photo ? true : undefined}
            aria-describedby={errorsFor("photo")?.photo ? "field-photo-error" : undefined}
          />
          {errorsFor("photo")?.photo ? <p className="field-error" id="field-photo-error">{errorsFor("photo")!.photo!.join(" ")}</p> : null}
        </div>
        <button type="submit">Upload photo</button>
      </Form>

      <h2>Poverty survey (PPI)</h2>
      <p><Link to={`/portal/${partnerId}/clients/${client.id}/ppi`}>Record a PPI survey and see this client&apos;s survey history</Link>.</p>

      <h2>Loans</h2>
      {client.loans.length ? (
        <ul>
          {client.loans.map((l) => (
            <li key={l.id}>
              <Link to={`/portal/${partnerId}/loans/${l.id}`}>{l.reference}</Link> — {formatMoney(l.amountUsdCents, "USD")}, {STATUS_LABELS[l.status]}
            </li>
          ))}
        </ul>
      ) : (
        <p>No loans yet. <Link to={`/portal/${partnerId}/loans/new?borrower=client:${client.id}`}>Draft a loan request</Link>.</p>
      )}

      <h2>Details</h2>
      <Form method="post" noValidate>
        <input type="hidden" name="intent" value="update" />
        <FormError errors={errorsFor("update")?.[""]} />
        <ClientFields
          regions={regions}
          values={data?.intent === "update" ? data.values : { ...client, aliases: client.aliases.join(", ") }}
          errors={errorsFor("update")}
          preview={<PublicTextPreview partnerId={partnerId} textField="story" about={`client:${client.id}`} draftFields initial={preview} />}
        />
        <button type="submit">Save changes</button>
      </Form>
    </section>
  );
}
