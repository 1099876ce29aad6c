import type { LoaderFunctionArgs } from "@remix-run/node";
import { readPhoto } from "~/models/client.server.ts";
import { hasClientLevelRights, liveConsents, mayShow } from "~/models/consent.server.ts";
import { getViewer } from "~/utils/auth.server.ts";
import { getDb } from "~/utils/db.server.ts";

// A client's photo, only while their photo consent is live (or to their own
// partner's staff). Anything else is a 404, so a missing consent reveals nothing.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const notFound = new Response("Not found", { status: 404, headers: { "Cache-Control": "no-store" } });
  const db = await getDb();
  const client = await db.client.findUnique({
    where: { id: params.clientId ?? "" },
    select: { id: true, partnerId: true, photoFile: true },
  });
  if (!client?.photoFile) return notFound;
  const viewer = await getViewer(request);
  if (!hasClientLevelRights(viewer, client.partnerId)) {
    const consents = await liveConsents([client.id]);
    if (!mayShow("photo", consents.get(client.id), viewer, client.partnerId)) return notFound;
  }
  const photo = await readPhoto(client.photoFile);
  if (!photo) return notFound;
  return new Response(Buffer.from(photo.bytes), {
    headers: {
      "Content-Type": photo.type,
      // Never cached: a revoked consent must take effect on the next request.
      "Cache-Control": "private, no-store",
      "Content-Length": String(photo.bytes.byteLength),
    },
  });
}
