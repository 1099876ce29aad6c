import type { LoaderFunctionArgs } from "@remix-run/node";
import { isoDay, parsePortfolioQuery } from "~/lib/portfolio.ts";
import { portfolioRepaymentsCsv } from "~/models/portfolio.server.ts";
import { requireUser } from "~/utils/auth.server.ts";

/** Every repayment the lender received, as CSV, on the loans the My loans filters keep. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const { status, country, partner } = parsePortfolioQuery(new URL(request.url).searchParams);
  return new Response(portfolioRepaymentsCsv({ lenderId: user.id, filters: { status, country, partner } }), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="mavuno-repayments-${isoDay(new Date())}.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
}
