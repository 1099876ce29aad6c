import type { LoaderFunctionArgs } from "@remix-run/node";
import { holdingsCsv } from "~/models/equity.server.ts";
import { requireUser } from "~/utils/auth.server.ts";

/** My equity holdings as CSV. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return new Response(await holdingsCsv(user.id), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="mavuno-equity-${new Date().toISOString().slice(0, 10)}.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
}
