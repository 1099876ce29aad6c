import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { LoanCard } from "~/components/loan-card.tsx";
import { PUBLIC_STATUSES, STATUS_LABELS } from "~/lib/loan-labels.ts";
import { listFilterOptions, listPublicLoans, loanListQuery } from "~/models/loan.server.ts";
import { getViewer } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Loans — Mavuno" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await getViewer(request);
  const url = new URL(request.url);
  const query = loanListQuery.parse(Object.fromEntries(url.searchParams));
  const [result, options] = await Promise.all([listPublicLoans(query, viewer), listFilterOptions()]);
  return json({ query, ...result, options });
}

function pageLink(query: Record<string, string | number | undefined>, page: number) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "" && key !== "page") params.set(key, String(value));
  }
  if (page > 1) params.set("page", String(page));
  const search = params.toString();
  return search ? `/loans?${search}` : "/loans";
}

export default function Loans() {
  const { query, loans, total, pageCount, options } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="loans-title">
      <h1 id="loans-title">Loans</h1>
      <Form method="get" className="filters" aria-label="Filter loans">
        <div className="field">
          <label htmlFor="filter-status">Status</label>
          <select id="filter-status" name="status" defaultValue={query.status}>
            {PUBLIC_STATUSES.map((status) => (
              <option key={status} value={status}>
                {STATUS_LABELS[status]}
              </option>
            ))}
            <option value="all">All</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-country">Country</label>
          <select id="filter-country" name="country" defaultValue={query.country ?? ""}>
            <option value="">Any country</option>
            {options.countries.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-sector">Sector</label>
          <select id="filter-sector" name="sector" defaultValue={query.sector ?? ""}>
            <option value="">Any sector</option>
            {options.sectors.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Show loans</button>
      </Form>
      <p role="status">
        {total} loan{total === 1 ? "" : "s"} found.
      </p>
      {loans.length ? (
        <div className="loan-grid">
          {loans.map((loan) => (
            <LoanCard key={loan.id} loan={loan} />
          ))}
        </div>
      ) : (
        <p>No loans match these filters.</p>
      )}
      {pageCount > 1 ? (
        <nav aria-label="Pages" className="pagination">
          {query.page > 1 ? <Link to={pageLink(query, query.page - 1)} rel="prev">Previous</Link> : null}
          <span>
            Page {query.page} of {pageCount}
          </span>
          {query.page < pageCount ? <Link to={pageLink(query, query.page + 1)} rel="next">Next</Link> : null}
        </nav>
      ) : null}
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
