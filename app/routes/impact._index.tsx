import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { FilterSelect } from "~/components/filter-select.tsx";
import { formatShare, quarterLabel, SUPPRESSED } from "~/lib/impact-public.ts";
import { formatRate } from "~/lib/track-record.ts";
import { formatMoney } from "~/lib/money.ts";
import { impactQuery, listStories, platformTotals, publicPpi, publicSocialFigures, storyFilterOptions } from "~/models/impact-public.server.ts";
import browseStyles from "~/styles/browse.css";
import impactStyles from "~/styles/impact.css";
import { getViewer } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Impact — Mavuno" }];

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: browseStyles },
  { rel: "stylesheet", href: impactStyles },
];

export async function loader({ request }: LoaderFunctionArgs) {
  // Anyone may open it; the session is read only so the header knows who is signed in. The page shows the public view to all.
  await getViewer(request);
  const url = new URL(request.url);
  const query = impactQuery.parse(Object.fromEntries(url.searchParams));
  const [stories, options, totals, social, ppi] = await Promise.all([
    listStories(query),
    storyFilterOptions(),
    platformTotals(),
    publicSocialFigures(),
    publicPpi(),
  ]);
  return json({ query: { ...query, page: stories.page }, stories, options, totals: { ...totals, clientsReached: social.reached }, social, ppi });
}

function pageLink(query: { country?: string | undefined; sector?: string | undefined; partner?: string | undefined }, page: number) {
  const params = new URLSearchParams();
  if (query.country) params.set("country", query.country);
  if (query.sector) params.set("sector", query.sector);
  if (query.partner) params.set("partner", query.partner);
  if (page > 1) params.set("page", String(page));
  const search = params.toString();
  return `/impact${search ? `?${search}` : ""}#stories-title`;
}

const rate = (cell: { clients: number; value: { rateBps: number } } | null | undefined) => (cell ? formatShare(cell.value.rateBps) : SUPPRESSED);

export default function Impact() {
  const { query, stories, options, totals, social, ppi } = useLoaderData<typeof loader>();
  return (
    <article aria-labelledby="impact-title">
      <h1 id="impact-title">Impact</h1>
      <p>
        Trends by quarter for each country, region, partner and group are in the{" "}
        <Link to="/impact/portal">impact portal</Link>: investors see there what they fund, and partners their own clients.
      </p>
      <section aria-labelledby="totals-title">
        <h2 id="totals-title">Mavuno so far</h2>
        <dl className="facts">
          <dt>Lent by lenders</dt>
          <dd>{formatMoney(BigInt(totals.lentUsdCents), "USD")}</dd>
          <dt>Repaid to lenders</dt>
          <dd>{formatMoney(BigInt(totals.repaidUsdCents), "USD")}</dd>
          <dt>Clients reached</dt>
          <dd>{totals.clientsReached.toLocaleString("en-US")} (borrowers, and members of borrowing groups when their loan was funded)</dd>
          <dt>Repayment rate</dt>
          <dd>{formatRate(totals.repaymentRateBps)} of the money that has fallen due</dd>
        </dl>
      </section>

      <section aria-labelledby="social-title">
        <h2 id="social-title">Who the loans reach</h2>
        <p>Over the clients funded loans have reached. Figures over fewer than 5 clients are not shown.</p>
        <div className="table-scroll">
          <table>
            <caption>Share of women and of rural and urban clients, and the average loan, by country</caption>
            <thead>
              <tr>
                <th scope="col">Where</th>
                <th scope="col">Clients</th>
                <th scope="col">Women</th>
                <th scope="col">Rural</th>
                <th scope="col">Urban</th>
                <th scope="col">Average loan</th>
              </tr>
            </thead>
            <tbody>
              {[{ code: "", name: "All countries", figures: social.platform }, ...social.countries].map((row) => (
                <tr key={row.code || "all"}>
                  <th scope="row">{row.name}</th>
                  {row.figures ? (
                    <>
                      <td>{row.figures.clients.toLocaleString("en-US")}</td>
                      <td>{row.figures.value.withheld.includes("women") ? "withheld" : formatShare(row.figures.value.womenBps)}</td>
                      <td>{row.figures.value.withheld.includes("rural") ? "withheld" : formatShare(row.figures.value.ruralBps)}</td>
                      <td>{row.figures.value.withheld.includes("urban") ? "withheld" : formatShare(row.figures.value.urbanBps)}</td>
                      <td>{row.figures.value.averageLoanUsdCents === null ? "—" : formatMoney(row.figures.value.averageLoanUsdCents, "USD")}</td>
                    </>
                  ) : (
                    <td colSpan={5}>{SUPPRESSED}</td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="ppi-title">
        <h2 id="ppi-title">Estimated poverty rate</h2>
        <p>
          The share of clients likely to live below a poverty line, estimated from their Poverty Probability Index surveys. Only clients who
          agreed to it are counted. Rates are compared only within one scorecard and poverty line.
        </p>
        {ppi.length === 0 ? <p className="muted">No survey results to show yet.</p> : null}
        {ppi.map((series) => {
          const latest = series.quarters[0];
          const caption = `${series.scorecard.title} (version ${series.scorecard.version}), ${series.povertyLine}${series.scorecard.isSample ? " — sample data" : ""}`;
          return (
            <section key={`${series.scorecard.id}-${series.povertyLine}`} aria-label={caption}>
              <h3>
                {series.scorecard.title}, {series.povertyLine}
                {series.scorecard.isSample ? <span className="badge"> sample data</span> : null}
              </h3>
              {series.scorecard.isSample ? (
                <p className="notice">Sample data: this scorecard's numbers are made up for the demo, not a real PPI table.</p>
              ) : null}
              {latest ? (
                <p>
                  {quarterLabel(latest.quarter)}: {latest.platform ? `${rate(latest.platform)} of ${latest.platform.clients.toLocaleString("en-US")} clients` : SUPPRESSED}.
                </p>
              ) : null}
              <div className="table-scroll">
                <table>
                  <caption>{caption}: the last {series.quarters.length} quarters</caption>
                  <thead>
                    <tr>
                      <th scope="col">Quarter</th>
                      <th scope="col">All countries</th>
                      {series.countries.map((c) => (
                        <th scope="col" key={c.code}>
                          {c.name}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {series.quarters.map((q) => (
                      <tr key={q.quarter}>
                        <th scope="row">{quarterLabel(q.quarter)}</th>
                        <td>{rate(q.platform)}</td>
                        {series.countries.map((c) => (
                          <td key={c.code}>{c.code in q.countries ? rate(q.countries[c.code]) : "—"}</td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          );
        })}
      </section>

      <section aria-labelledby="stories-title">
        <h2 id="stories-title">Stories</h2>
        <p>Told by clients who agreed to share them; names, photos and places only as far as each one agreed.</p>
        <Form method="get" className="browse-filters" aria-label="Filter stories">
          <div className="field-row">
            <FilterSelect name="country" label="Country" any="Any country" value={query.country} options={options.countries.map((c) => ({ value: c.code, label: c.name }))} />
            <FilterSelect name="sector" label="Sector" any="Any sector" value={query.sector} options={options.sectors.map((s) => ({ value: s, label: s }))} />
            <FilterSelect name="partner" label="Field partner" any="Any partner" value={query.partner} options={options.partners.map((p) => ({ value: p.slug, label: p.name }))} />
          </div>
          <div className="actions">
            <button type="submit">Show stories</button>
            <Link to="/impact">Clear filters</Link>
          </div>
        </Form>
        <p role="status">
          {stories.total.toLocaleString("en-US")} stor{stories.total === 1 ? "y" : "ies"} found.
        </p>
        {stories.stories.length ? (
          <ul className="loan-grid stories">
            {stories.stories.map((s) => (
              <li key={s.key} className="loan-card">
                <article aria-label={s.title}>
                  {s.photoUrl ? <img className="borrower-photo" src={s.photoUrl} alt={`Photo of ${s.title}`} width={240} /> : null}
                  <h3>{s.title}</h3>
                  <p className="loan-meta">
                    {s.kind === "group" ? `Group of ${s.memberCount} members · ` : ""}
                    {s.sector} · {s.place} · <Link to={`/partners/${s.partner.slug}`}>{s.partner.name}</Link>
                  </p>
                  <p className="story">{s.story}</p>
                </article>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No stories match these filters.</p>
        )}
        {stories.pageCount > 1 ? (
          <nav aria-label="Pages of stories" className="pagination">
            {stories.page > 1 ? <Link to={pageLink(query, stories.page - 1)}>← Previous</Link> : null}
            <span>
              Page {stories.page} of {stories.pageCount}
            </span>
            {stories.page < stories.pageCount ? <Link to={pageLink(query, stories.page + 1)}>Next →</Link> : null}
          </nav>
        ) : null}
      </section>
    </article>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
