import type { LoaderFunctionArgs } from "@remix-run/node";
import { csvCell, csvRow } from "~/lib/wallet.ts";
import { clientReadTrail } from "~/models/impact.server.ts";
import { requirePartnerStaff } from "~/utils/auth.server.ts";
import { auditQuerySchema } from "./portal.$partnerId.audit.tsx";

/** The whole trail (or one client's) as CSV, for the partner's admins only. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const partnerId = params.partnerId ?? "";
  await requirePartnerStaff(request, partnerId, ["admin"]);
  const parsed = auditQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) return new Response(parsed.error.issues.map((i) => i.message).join(" "), { status: 400 });
  const trail = await clientReadTrail({ partnerId, clientId: parsed.data.client, page: 1 }, { all: true });
  let out = csvRow(["read_at", "reader", "reader_email", "role", "client_id", "client", "what", "path"].map((h) => csvCell(h)));
  for (const r of trail.rows) out += csvRow([r.readAt, r.reader, r.readerEmail, r.role, r.clientId, r.clientName, r.what, r.path].map((c) => csvCell(c)));
  return new Response(out, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="mavuno-client-reads-${partnerId}.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
}
