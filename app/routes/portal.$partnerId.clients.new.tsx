import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { ClientFields } from "~/components/client-fields.tsx";
import { FormError } from "~/components/forms.tsx";
import { PublicTextPreview } from "~/components/public-text-preview.tsx";
import { fieldErrors, formToObject } from "~/lib/forms.ts";
import { clientSchema, createClient } from "~/models/client.server.ts";
import { previewPublicText, previewSchema } from "~/models/consent.server.ts";
import { MANAGING_ROLES, requireStaffPartner } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Add a client — Mavuno partner portal" }];

const context = (request: Request, partnerId: string) => requireStaffPartner(request, partnerId, MANAGING_ROLES);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { partner } = await context(request, params.partnerId ?? "");
  return json({ partnerId: partner.id, regions: partner.regions });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const partnerId = params.partnerId ?? "";
  const { user, partner } = await context(request, partnerId);
  const values = formToObject(await request.formData());
  const parsed = clientSchema(partner.regions).safeParse(values);
  if (!parsed.success) {
    // The story as the public would read it, for the form shown again: a new client has no consent yet.
    const input = previewSchema.safeParse({ ...values, about: "", as: "borrower", text: values.story });
    const preview = input.success ? await previewPublicText(partnerId, input.data) : null;
    return json({ errors: fieldErrors(parsed.error), values, preview }, { status: 400 });
  }
  const client = await createClient(partnerId, parsed.data, user.id);
  return redirect(`/portal/${partnerId}/clients/${client.id}`);
}

export default function NewClient() {
  const { partnerId, regions } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  return (
    <section aria-labelledby="new-client-title" className="narrow-wide">
      <h1 id="new-client-title">Add a client</h1>
      <p>Nothing about a client is shown outside your organisation until you record their consent.</p>
      <Form method="post" noValidate>
        <FormError errors={data?.errors[""]} />
        <ClientFields
          regions={regions}
          values={data?.values}
          errors={data?.errors}
          preview={<PublicTextPreview partnerId={partnerId} textField="story" about="" draftFields initial={data?.preview ?? null} />}
        />
        <button type="submit">Save client</button>
      </Form>
    </section>
  );
}
