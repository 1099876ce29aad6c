import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { FormError } from "~/components/forms.tsx";
import { OfferingFields } from "~/components/offering-fields.tsx";
import { fieldErrors, formToObject, type FieldErrors } from "~/lib/forms.ts";
import { clientOptions, createOffering, groupOptions, OfferingError, offeringSchema, requestKeySchema } from "~/models/offering.server.ts";
import { MANAGING_ROLES, requireStaffPartner } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Draft an offering — Mavuno partner portal" }];

const context = (request: Request, partnerId: string) => requireStaffPartner(request, partnerId, MANAGING_ROLES);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { partner } = await context(request, params.partnerId ?? "");
  const url = new URL(request.url);
  const groupId = url.searchParams.get("group") ?? "";
  const clientId = url.searchParams.get("client") ?? "";
  const [groups, clients] = await Promise.all([groupOptions(partner.id), clientOptions(partner.id)]);
  // Fresh per render: the same form posted twice creates one draft.
  return json({ groups, clients, groupId, clientId, requestKey: crypto.randomUUID() });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, partner } = await context(request, params.partnerId ?? "");
  const values = formToObject(await request.formData());
  const parsed = offeringSchema().safeParse(values);
  if (!parsed.success) return json({ errors: fieldErrors(parsed.error), values }, { status: 400 });
  const requestKey = requestKeySchema.safeParse(values.requestKey);
  if (!requestKey.success) return json({ errors: { "": ["This form is out of date: reload the page and save the draft again."] } as FieldErrors, values }, { status: 400 });
  try {
    const offering = await createOffering(partner.id, parsed.data, user.id, requestKey.data);
    return redirect(`/portal/${partner.id}/offerings/${offering.id}`);
  } catch (error) {
    if (error instanceof OfferingError) return json({ errors: { [error.field]: [error.message] }, values }, { status: 400 });
    throw error;
  }
}

export default function NewOffering() {
  const { groups, clients, groupId, clientId, requestKey } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  return (
    <section aria-labelledby="new-offering-title">
      <h1 id="new-offering-title">Draft an offering</h1>
      <p>
        A draft is private to your organisation. Next, present the terms to the group's members at a meeting (or to the enterprise's owner) and record their
        answers and votes; then submit it for review.
      </p>
      <Form method="post" noValidate>
        <input type="hidden" name="requestKey" value={data?.values.requestKey ?? requestKey} />
        <FormError errors={data?.errors[""]} />
        <OfferingFields groups={groups} clients={clients} values={data?.values ?? { groupId, clientId }} errors={data?.errors} />
        <div className="actions">
          <button type="submit">Save draft</button>
        </div>
      </Form>
    </section>
  );
}
