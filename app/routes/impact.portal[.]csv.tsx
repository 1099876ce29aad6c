import type { LoaderFunctionArgs } from "@remix-run/node";
import { parsePortalQuery } from "~/lib/impact.ts";
import { ImpactNotFound, impactView, impactViewCsv, portalViewerFor } from "~/models/impact.server.ts";
import { getOptionalUser } from "~/utils/auth.server.ts";

/** The portal view as CSV: the same node, filters, scoping and suppression as the page. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getOptionalUser(request);
  const url = new URL(request.url);
  const query = parsePortalQuery(url.searchParams, new Date());
  if (!query.ok) return new Response(query.errors.join(" "), { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  const viewer = await portalViewerFor(user?.id ?? null);
  try {
    // Every client row, not the page on screen (up to CLIENT_ROWS_MAX).
    const view = await impactView(viewer, query.path, query.filters, { auditPath: `${url.pathname}${url.search}`, auditWhat: "Impact portal CSV", clientPage: "all" });
    const name = [view.level, ...Object.values(query.path).filter(Boolean)].join("-").replace(/[^A-Za-z0-9-]+/g, "_");
    return new Response(impactViewCsv(view), {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="mavuno-impact-${name}-${view.filters.from}-${view.filters.to}.csv"`,
        "Cache-Control": "private, no-store",
      },
    });
  } catch (error) {
    if (error instanceof ImpactNotFound) return new Response("Not found", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
    throw error;
  }
}
