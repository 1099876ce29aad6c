// The preview behind PublicTextPreview: a text as the public will read it,
// for this partner's staff as they write it. No page; JSON only.
import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { fieldErrors, formToObject } from "~/lib/forms.ts";
import { previewPublicText, previewSchema } from "~/models/consent.server.ts";
import { requireStaffPartner } from "~/utils/auth.server.ts";

export async function action({ request, params }: ActionFunctionArgs) {
  const { partner } = await requireStaffPartner(request, params.partnerId ?? "");
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return json({ errors: { "": ["Send the text as a form."] } }, { status: 400 });
  }
  const parsed = previewSchema.safeParse({ ...formToObject(form), members: form.getAll("member").map(String) });
  if (!parsed.success) return json({ errors: fieldErrors(parsed.error) }, { status: 400 });
  const preview = await previewPublicText(partner.id, parsed.data);
  if (!preview) return json({ errors: { about: ["Choose one of your clients or groups."] } }, { status: 404 });
  return json(preview, { headers: { "Cache-Control": "private, no-store" } });
}
