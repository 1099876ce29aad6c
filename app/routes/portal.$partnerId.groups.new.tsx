import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { Field, FormError, SelectField, TextAreaField } from "~/components/forms.tsx";
import { fieldErrors, formToObject } from "~/lib/forms.ts";
import { addMember, createGroup, groupSchema } from "~/models/group.server.ts";
import { listClients } from "~/models/client.server.ts";
import { previewPublicText, previewSchema } from "~/models/consent.server.ts";
import { PublicTextPreview } from "~/components/public-text-preview.tsx";
import { MANAGING_ROLES, requireStaffPartner } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Add a group — Mavuno partner portal" }];

async function context(request: Request, partnerId: string) {
  return (await requireStaffPartner(request, partnerId, MANAGING_ROLES)).partner;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const partner = await context(request, params.partnerId ?? "");
  const clients = await listClients(partner.id);
  return json({ partnerId: partner.id, regions: partner.regions, clients: clients.map((c) => ({ id: c.id, name: c.fullName, village: c.village })) });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const partner = await context(request, params.partnerId ?? "");
  const form = await request.formData();
  const values = formToObject(form);
  const parsed = groupSchema(partner.regions).safeParse(values);
  if (!parsed.success) {
    // The story as the public would read it, for the form shown again.
    const input = previewSchema.safeParse({
      about: "new-group",
      text: values.story,
      groupName: values.name,
      village: values.village,
      region: values.region,
      members: form.getAll("member").map(String).slice(0, 200),
    });
    const preview = input.success ? await previewPublicText(partner.id, input.data) : null;
    return json({ errors: fieldErrors(parsed.error), values, preview }, { status: 400 });
  }
  const group = await createGroup(partner.id, parsed.data);
  for (const clientId of form.getAll("member").map(String).slice(0, 200)) await addMember(partner.id, group.id, clientId);
  return redirect(`/portal/${partner.id}/groups/${group.id}`);
}

export default function NewGroup() {
  const { partnerId, regions, clients } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  return (
    <section aria-labelledby="new-group-title">
      <h1 id="new-group-title">Add a group</h1>
      <Form method="post" noValidate>
        <FormError errors={data?.errors[""]} />
        <Field name="name" label="Group name" defaultValue={data?.values.name} errors={data?.errors.name} required />
        <SelectField name="kind" label="Kind" options={[{ value: "savings_group", label: "Savings group" }, { value: "self_help_group", label: "Self-help group" }]} defaultValue={data?.values.kind} errors={data?.errors.kind} />
        <div className="field-row">
          <SelectField name="region" label="Region" options={regions.map((r) => ({ value: r, label: r }))} defaultValue={data?.values.region} errors={data?.errors.region} />
          <Field name="village" label="Village or town" defaultValue={data?.values.village} errors={data?.errors.village} required />
        </div>
        <Field name="sector" label="Main activity" defaultValue={data?.values.sector ?? "Agriculture"} errors={data?.errors.sector} />
        <TextAreaField name="story" label="The group's story" hint="Shown to lenders only when every member has consented to their story being shown." defaultValue={data?.values.story} errors={data?.errors.story} />
        <PublicTextPreview partnerId={partnerId} textField="story" about="new-group" groupDraft initial={data?.preview ?? null} />
        <fieldset>
          <legend>Members</legend>
          {clients.length === 0 ? <p>Add the members as clients first.</p> : null}
          {clients.map((c) => (
            <label key={c.id} className="checkbox">
              <input type="checkbox" name="member" value={c.id} /> {c.name} ({c.village})
            </label>
          ))}
        </fieldset>
        <button type="submit">Save group</button>
      </Form>
    </section>
  );
}
