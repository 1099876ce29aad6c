import type { LoaderFunctionArgs } from "@remix-run/node";
import { isoDay, parsePortfolioQuery } from "~/lib/portfolio.ts";
import { portfolioLoansCsv } from "~/models/portfolio.server.ts";
import { getViewer, requireUser } from "~/utils/auth.server.ts";

/** My loans as CSV, with the same filters as the page (every loan, not one page). */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const { status, country, partner } = parsePortfolioQuery(new URL(request.url).searchParams);
  return new Response(portfolioLoansCsv({ lenderId: user.id, filters: { status, country, partner }, viewer: await getViewer(request) }), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="mavuno-loans-${isoDay(new Date())}.csv"`,
      // A portfolio is private: never kept by a shared cache.
      "Cache-Control": "private, no-store",
    },
  });
}
