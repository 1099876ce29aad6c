import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { FilterSelect } from "~/components/filter-select.tsx";
import { LoanCard } from "~/components/loan-card.tsx";
import { PUBLIC_STATUSES, SORT_LABELS, SORTS, STATUS_LABELS } from "~/lib/loan-labels.ts";
import { listFilterOptions, listPublicLoans, loanListQuery } from "~/models/loan.server.ts";
import { getWalletBalance } from "~/models/wallet.server.ts";
import { formatMoney } from "~/lib/money.ts";
import browseStyles from "~/styles/browse.css";
import { getViewer } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Loans — Mavuno" }];

export const links: LinksFunction = () => [{ rel: "stylesheet", href: browseStyles }];

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await getViewer(request);
  const url = new URL(request.url);
  const query = loanListQuery.parse(Object.fromEntries(url.searchParams));
  // Relending: the wallet's "relend" link lands here; checkout already takes wallet credit first.
  const relending = url.searchParams.get("relend") === "1" && viewer.userId !== null;
  const [result, options, credit] = await Promise.all([
    listPublicLoans(query, viewer),
    listFilterOptions(query),
    relending ? getWalletBalance(viewer.userId!) : null,
  ]);
  return json({
    query: { ...query, page: result.page, relend: relending ? "1" : undefined },
    total: result.total,
    pageCount: result.pageCount,
    loans: result.loans,
    options,
    relendCredit: credit === null ? null : credit.toString(),
  });
}

/** A page of the same search: every filter kept, defaults left out so links stay short. */
function pageLink(query: Record<string, string | number | undefined>, page: number) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === "" || key === "page") continue;
    if ((key === "status" && value === "fundraising") || (key === "sort" && value === "ending")) continue;
    params.set(key, String(value));
  }
  if (page > 1) params.set("page", String(page));
  const search = params.toString();
  return search ? `/loans?${search}` : "/loans";
}

// Choices for the selects; a value typed into the URL that is not one of them is still offered, so it stays selected.
const withValue = (choices: number[], value: number | undefined) =>
  value === undefined || choices.includes(value) ? choices : [...choices, value].sort((a, b) => a - b);

const MORE_FILTERS = ["region", "kind", "gender", "partner", "years", "posted", "term", "minLeft", "maxLeft", "ends"] as const;

export default function Loans() {
  const { query, loans, total, pageCount, options, relendCredit } = useLoaderData<typeof loader>();
  const moreOn = MORE_FILTERS.filter((key) => query[key] !== undefined).length;
  return (
    <section aria-labelledby="loans-title">
      <h1 id="loans-title">Loans</h1>
      {relendCredit !== null ? (
        <p className="notice" role="status">
          You have {formatMoney(BigInt(relendCredit), "USD")} of credit to relend. Choose a loan below: at checkout your wallet pays first
          {BigInt(relendCredit) < 2_500n ? ", and a card pays the rest of a $25 share" : ""}.
        </p>
      ) : null}
      {/* A plain GET form: every filter lives in the URL, and it works the same without JavaScript. */}
      <Form method="get" className="browse-filters" aria-label="Filter loans">
        {query.relend ? <input type="hidden" name="relend" value="1" /> : null}
        <div className="field-row">
          <div className="field browse-search">
            <label htmlFor="filter-q">Search</label>
            <input id="filter-q" type="search" name="q" defaultValue={query.q ?? ""} maxLength={100} aria-describedby="filter-q-hint" />
            <p className="hint" id="filter-q-hint">
              What the loan is for, its sector, the field partner, the country, or the region where the borrower agreed to show it.
            </p>
          </div>
        </div>
        <div className="field-row">
          <FilterSelect name="country" label="Country" any="Any country" value={query.country} options={options.countries.map((c) => ({ value: c.code, label: c.name }))} />
          <FilterSelect name="sector" label="Sector" any="Any sector" value={query.sector} options={options.sectors.map((s) => ({ value: s, label: s }))} />
          <div className="field">
            <label htmlFor="filter-sort">Sort by</label>
            <select id="filter-sort" name="sort" defaultValue={query.sort}>
              {SORTS.map((sort) => (
                <option key={sort} value={sort}>
                  {SORT_LABELS[sort]}
                </option>
              ))}
            </select>
          </div>
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
        </div>
        <details className="more-filters" open={moreOn > 0}>
          <summary>More filters{moreOn > 0 ? ` (${moreOn} in use)` : ""}</summary>
          <fieldset>
            <legend>Borrower</legend>
            <div className="field-row">
              <div className="field">
                <label htmlFor="filter-region">Region</label>
                <select id="filter-region" name="region" defaultValue={query.region ?? ""}>
                  <option value="">Any region</option>
                  {options.regions.map((group) => (
                    <optgroup key={group.country} label={group.country}>
                      {group.regions.map((region) => (
                        <option key={region} value={region}>
                          {region}
                        </option>
                      ))}
                    </optgroup>
                  ))}
                </select>
              </div>
              <FilterSelect
                name="kind"
                label="Individual or group"
                any="Either"
                value={query.kind}
                options={[
                  { value: "individual", label: "Individuals" },
                  { value: "group", label: "Groups" },
                ]}
              />
              <FilterSelect
                name="gender"
                label="Gender (individuals)"
                any="Any"
                value={query.gender}
                options={[
                  { value: "female", label: "Women" },
                  { value: "male", label: "Men" },
                  { value: "other", label: "Other" },
                ]}
              />
            </div>
            <p className="hint">A region matches only borrowers who agreed to show their region.</p>
          </fieldset>
          <fieldset>
            <legend>Field partner</legend>
            <div className="field-row">
              <FilterSelect name="partner" label="Partner" any="Any partner" value={query.partner} options={options.partners.map((p) => ({ value: p.slug, label: `${p.name} (${p.countryName})` }))} />
              <FilterSelect
                name="years"
                label="On Mavuno for at least"
                any="Any time"
                value={query.years}
                options={withValue([1, 2, 3, 5], query.years).map((n) => ({ value: n, label: `${n} year${n === 1 ? "" : "s"}` }))}
              />
              <FilterSelect
                name="posted"
                label="Loans posted, at least"
                any="Any number"
                value={query.posted}
                options={withValue([10, 100, 1000], query.posted).map((n) => ({ value: n, label: n.toLocaleString("en-US") }))}
              />
            </div>
            <p className="hint">
              Partner risk is shown for now as its track record: how long it has been on Mavuno and how many loans it has posted.
              Ratings based on repayments (repayment rate, loans in arrears) will come once partners record repayments here.
            </p>
          </fieldset>
          <fieldset>
            <legend>Loan</legend>
            <div className="field-row">
              <FilterSelect
                name="term"
                label="Term, at most"
                any="Any term"
                value={query.term}
                options={withValue([6, 12, 18, 24], query.term).map((n) => ({ value: n, label: `${n} months` }))}
              />
              <div className="field">
                <label htmlFor="filter-minLeft">Amount left, min (US$)</label>
                <input id="filter-minLeft" type="number" inputMode="numeric" name="minLeft" min={0} step={1} defaultValue={query.minLeft ?? ""} />
              </div>
              <div className="field">
                <label htmlFor="filter-maxLeft">Amount left, max (US$)</label>
                <input id="filter-maxLeft" type="number" inputMode="numeric" name="maxLeft" min={0} step={1} defaultValue={query.maxLeft ?? ""} />
              </div>
              <FilterSelect
                name="ends"
                label="Fundraising ends within"
                any="Any time"
                value={query.ends}
                options={withValue([1, 3, 7, 14, 30], query.ends).map((n) => ({ value: n, label: `${n} day${n === 1 ? "" : "s"}` }))}
              />
            </div>
            <p className="hint">
              Filtering and sorting by amount left count the shares already bought; shares waiting in someone's basket (held for up to 45
              minutes) are taken off only in what each loan shows.
            </p>
          </fieldset>
        </details>
        <div className="actions">
          <button type="submit">Show loans</button>
          <Link to="/loans">Clear filters</Link>
        </div>
      </Form>
      <p role="status">
        {total.toLocaleString("en-US")} loan{total === 1 ? "" : "s"} found.
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
          {query.page > 1 ? (
            <Link to={pageLink(query, query.page - 1)} rel="prev">
              Previous
            </Link>
          ) : null}
          <span>
            Page {query.page} of {pageCount.toLocaleString("en-US")}
          </span>
          {query.page < pageCount ? (
            <Link to={pageLink(query, query.page + 1)} rel="next">
              Next
            </Link>
          ) : null}
        </nav>
      ) : null}
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
