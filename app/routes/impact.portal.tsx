import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { ImpactChart } from "~/components/impact-chart.tsx";
import {
  AREAS,
  GENDERS,
  LEVEL_NAMES,
  MIN_CLIENTS,
  SUPPRESSED_NOTE,
  filterParams,
  filterSummary,
  parsePortalQuery,
  portalSearch,
  quarterLabel,
  type NodePath,
  type Quarter,
} from "~/lib/impact.ts";
import { AREA_LABELS } from "~/lib/impact-public.ts";
import { percentFromBps } from "~/lib/loan-labels.ts";
import { formatMoney } from "~/lib/money.ts";
import { ImpactNotFound, impactView, portalViewerFor, type QuarterFigures } from "~/models/impact.server.ts";
import portalStyles from "~/styles/impact-portal.css";
import { rebuildSocialRollups } from "~/models/impact-social.server.ts";
import { getOptionalUser, requireAdmin } from "~/utils/auth.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.view.title ?? "Impact portal"} — Mavuno impact portal` }];

export const links: LinksFunction = () => [{ rel: "stylesheet", href: portalStyles }];

// The drill-down: ?country=&region=&partner=&group=&client= names the node
// (docs/decisions/021-impact-portal-scoping-and-suppression.md); anyone may
// open it, and the model decides what this viewer may see of it.
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getOptionalUser(request);
  const url = new URL(request.url);
  const query = parsePortalQuery(url.searchParams, new Date());
  if (!query.ok) throw new Response(query.errors.join(" "), { status: 400 });
  const viewer = await portalViewerFor(user?.id ?? null);
  try {
    const view = await impactView(viewer, query.path, query.filters, {
      auditPath: `${url.pathname}${url.search}`,
      auditWhat: "Impact portal page",
      clientPage: query.page,
    });
    return json({ view, signedIn: Boolean(user), isAdmin: viewer.isPlatformAdmin }, { headers: { "Cache-Control": "private, no-store" } });
  } catch (error) {
    if (error instanceof ImpactNotFound) throw new Response("Not found", { status: 404 });
    throw error;
  }
}

// An admin may recompute the social figures now instead of waiting for the hourly job
// (after a batch of disbursements, say). Recomputing twice gives the same rows, so a
// repeated submission needs no request key.
export async function action({ request }: ActionFunctionArgs) {
  await requireAdmin(request);
  await rebuildSocialRollups();
  const url = new URL(request.url);
  return redirect(`${url.pathname}${url.search}`);
}

const GENDER_LABELS: Record<string, string> = { female: "Women", male: "Men", other: "Other", unspecified: "Not recorded" };
const WITHHELD = "withheld";

/** `shareWithheld`: the figure is shown but its share is not (too few clients on one side of it). */
function share(figure: { shown: boolean; clients: number | null } | null | undefined, bps: number | null | undefined, shareWithheld = false): string {
  if (!figure || figure.clients === 0) return "–";
  if (!figure.shown || shareWithheld) return WITHHELD;
  return bps === null || bps === undefined ? "–" : percentFromBps(bps);
}

function money(figure: { shown: boolean; clients: number | null } | null | undefined, cents: number | null | undefined): string {
  if (!figure || figure.clients === 0) return "–";
  if (!figure.shown) return WITHHELD;
  return cents === null || cents === undefined ? "–" : formatMoney(cents, "USD");
}

function count(figure: { shown: boolean; clients: number | null } | null | undefined, value: number | null | undefined): string {
  if (!figure || figure.clients === 0) return "–";
  if (!figure.shown) return WITHHELD;
  return String(value ?? 0);
}

export default function ImpactPortal() {
  const { view, signedIn, isAdmin } = useLoaderData<typeof loader>();
  const path = view.path as NodePath;
  const params = filterParams(view.filters);
  const csvHref = `/impact/portal.csv${portalSearch(path, params)}`;
  const quarters = view.quarters as Quarter[];
  const trend = view.trend as QuarterFigures[];
  const scorecard = view.scorecard;
  const points = (
    pick: (f: QuarterFigures) => { figure: { shown: boolean; clients: number | null } | null; bps: number | null | undefined; withheld?: boolean },
  ) =>
    trend.map((f) => {
      const { figure, bps, withheld } = pick(f);
      return {
        label: quarterLabel(f.quarter as Quarter),
        value: figure?.shown && bps !== null && bps !== undefined ? bps : null,
        text: share(figure, bps, withheld),
        clients: figure?.shown ? figure.clients : null,
      };
    });
  const childHeading = view.childLevel === "client" ? "Client" : view.childLevel ? LEVEL_NAMES[view.childLevel] : "";
  const lastQuarter = quarterLabel(view.filters.to as Quarter);
  return (
    <article className="impact-portal" aria-labelledby="portal-title">
      <nav aria-label="Where you are" className="breadcrumbs">
        <ol>
          {view.crumbs.map((c, i) => (
            <li key={i}>{i === view.crumbs.length - 1 && view.level !== "client" ? <span aria-current="page">{c.label}</span> : <Link to={`/impact/portal${portalSearch(c.path as NodePath, params)}`}>{c.label}</Link>}</li>
          ))}
          {view.level === "client" ? <li><span aria-current="page">{view.clientDetail?.label}</span></li> : null}
        </ol>
      </nav>
      <h1 id="portal-title">
        {view.level === "client" ? view.clientDetail?.label : view.title}{" "}
        <span className="level-name">({view.level === "platform" ? "every country" : LEVEL_NAMES[view.level].toLowerCase()})</span>
      </h1>
      {!signedIn ? (
        <p className="notice">
          Signed out, you see figures for all countries and each country. Partner staff and the people who fund loans <Link to={`/login?redirectTo=${encodeURIComponent("/impact/portal")}`}>log in</Link> to drill down further.
        </p>
      ) : null}

      <Form method="get" className="portal-filters" aria-label="Filters">
        {(["country", "region", "partner", "group", "client"] as const).map((k) => (path[k] ? <input key={k} type="hidden" name={k} value={path[k]} /> : null))}
        <fieldset>
          <legend>Quarters</legend>
          <label>
            From <input name="from" defaultValue={view.filters.from} pattern="\d{4}-[Qq][1-4]" size={8} aria-describedby="quarter-hint" />
          </label>
          <label>
            To <input name="to" defaultValue={view.filters.to} pattern="\d{4}-[Qq][1-4]" size={8} aria-describedby="quarter-hint" />
          </label>
          <span id="quarter-hint" className="hint">
            Like 2026-Q1 (January to March).
          </span>
        </fieldset>
        {view.scorecards.length > 0 ? (
          <fieldset>
            <legend>Poverty (PPI)</legend>
            <label>
              Scorecard
              <select name="scorecard" defaultValue={scorecard?.id ?? ""}>
                {view.scorecards.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.title} (version {s.version}){s.isSample ? " — sample data" : ""}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Poverty line
              <select name="line" defaultValue={view.line ?? ""}>
                {(scorecard?.lines ?? []).map((l) => (
                  <option key={l} value={l}>
                    {l}
                  </option>
                ))}
              </select>
            </label>
          </fieldset>
        ) : null}
        {view.level !== "client" ? (
          <fieldset>
            <legend>Clients and loans (gender, area and sector can be combined)</legend>
            <label>
              Gender
              <select name="gender" defaultValue={view.filters.gender ?? ""}>
                <option value="">Everyone</option>
                {GENDERS.map((g) => (
                  <option key={g} value={g}>
                    {GENDER_LABELS[g]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Area
              <select name="area" defaultValue={view.filters.area ?? ""}>
                <option value="">Rural and urban</option>
                {AREAS.map((a) => (
                  <option key={a} value={a}>
                    {AREA_LABELS[a]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Sector <input name="sector" defaultValue={view.filters.sector ?? ""} size={12} />
            </label>
          </fieldset>
        ) : null}
        <button type="submit">Show</button>
      </Form>
      {view.level !== "client" ? (
        <p role="status" className="filters-on">
          {filterSummary(view.filters) ? <>Clients and loans filtered by {filterSummary(view.filters)}.</> : "Clients and loans: everyone, no filter."}
        </p>
      ) : null}
      <p>
        <a href={csvHref} download>
          Download this view as CSV
        </a>
      </p>
      {view.socialAsOf && view.level !== "client" ? (
        <p>
          Clients reached, retention and loans are as of <time dateTime={view.socialAsOf}>{view.socialAsOf.slice(0, 16).replace("T", " ")} UTC</time>; they
          are recomputed every hour.
        </p>
      ) : null}
      {isAdmin ? (
        <Form method="post">
          <button type="submit">Recompute the social figures now</button>
        </Form>
      ) : null}
      {view.anySuppressed ? (
        <p className="notice" role="note">
          Some figures are withheld: a figure over fewer than {MIN_CLIENTS} clients, or one that could be subtracted from another figure on
          these pages to describe fewer than {MIN_CLIENTS} people, is not shown.
        </p>
      ) : null}

      <section aria-labelledby="trends-title">
        <h2 id="trends-title">Trends by quarter</h2>
        <div className="impact-charts">
          {scorecard ? (
            <ImpactChart
              id="chart-ppi"
              title={`Estimated poverty rate (${view.line}) — ${scorecard.title}, version ${scorecard.version}${scorecard.isSample ? " (SAMPLE DATA, not a real PPI)" : ""}`}
              valueHeading="Poverty rate"
              points={points((f) => ({ figure: f.ppi, bps: f.ppi?.rateBps }))}
              note={
                view.versionNote ??
                (view.level === "client"
                  ? "The client's likelihood of living below the line, from their latest survey in each quarter."
                  : "The mean likelihood of living below the line of clients who agreed to have their scores counted, from each one's latest survey in the quarter.")
              }
            />
          ) : (
            <p>No poverty (PPI) surveys at this level in these quarters.</p>
          )}
          <ImpactChart id="chart-women" title="Share of women among clients reached" valueHeading="Women" points={points((f) => ({ figure: f.reach, bps: f.reach?.womenBps, withheld: f.reach?.sharesWithheld?.includes("women") }))} />
          <ImpactChart id="chart-rural" title="Share of rural clients among clients reached" valueHeading="Rural" points={points((f) => ({ figure: f.reach, bps: f.reach?.ruralBps, withheld: f.reach?.sharesWithheld?.includes("rural") }))} />
          <ImpactChart id="chart-retention" title="Client retention" valueHeading="Retained" points={points((f) => ({ figure: f.retention, bps: f.retention?.retainedBps, withheld: f.retention?.shareWithheld }))} />
        </div>
        <div className="table-scroll">
          <table>
            <caption>Loans disbursed in each quarter</caption>
            <thead>
              <tr>
                <th scope="col">Quarter</th>
                <th scope="col" className="num">Loans disbursed</th>
                <th scope="col" className="num">Average loan</th>
                <th scope="col" className="num">Clients reached</th>
              </tr>
            </thead>
            <tbody>
              {trend.map((f) => (
                <tr key={f.quarter}>
                  <th scope="row">{quarterLabel(f.quarter as Quarter)}</th>
                  <td className="num">{count(f.loans, f.loans?.loans)}</td>
                  <td className="num">{money(f.loans, f.loans?.averageCents)}</td>
                  <td className="num">{count(f.reach, f.reach?.clients)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {view.sectors.length > 0 ? (
          <div className="table-scroll">
            <table>
              <caption>
                Loans disbursed by sector, {quarterLabel(quarters[0]!)} to {lastQuarter}
                {filterSummary(view.filters) ? `, filtered by ${filterSummary(view.filters)}` : ""}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Sector</th>
                  <th scope="col" className="num">Loans</th>
                  <th scope="col" className="num">Average loan</th>
                </tr>
              </thead>
              <tbody>
                {view.sectors.map((s) => (
                  <tr key={s.sector}>
                    <th scope="row">{s.sector}</th>
                    <td className="num">{s.shown ? s.loans : WITHHELD}</td>
                    <td className="num">{s.shown && s.averageCents !== null ? formatMoney(s.averageCents, "USD") : WITHHELD}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <dl className="definitions">
          {view.definitions.map((d) => {
            const [term, ...rest] = d.split(": ");
            return (
              <div key={term}>
                <dt>{term}</dt>
                <dd>{rest.join(": ")}</dd>
              </div>
            );
          })}
          <div>
            <dt>Withheld</dt>
            <dd>{SUPPRESSED_NOTE}.</dd>
          </div>
        </dl>
      </section>

      {view.clientDetail ? (
        <section aria-labelledby="client-title">
          <h2 id="client-title">About this client</h2>
          <dl className="facts">
            <dt>Place</dt>
            <dd>{view.clientDetail.place}</dd>
            <dt>Gender</dt>
            <dd>{GENDER_LABELS[view.clientDetail.gender ?? "unspecified"]}</dd>
            <dt>Area</dt>
            <dd>{AREA_LABELS[(view.clientDetail.area ?? "unknown") as keyof typeof AREA_LABELS]}</dd>
            <dt>Business</dt>
            <dd>{view.clientDetail.sector}</dd>
          </dl>
          {view.clientDetail.loans.length > 0 ? (
            <div className="table-scroll">
              <table>
                <caption>The client's loans</caption>
                <thead>
                  <tr>
                    <th scope="col">Loan</th>
                    <th scope="col">Sector</th>
                    <th scope="col" className="num">Amount</th>
                    <th scope="col">Status</th>
                    <th scope="col">Funded on</th>
                  </tr>
                </thead>
                <tbody>
                  {view.clientDetail.loans.map((l) => (
                    <tr key={l.reference}>
                      <th scope="row">{l.reference}</th>
                      <td>{l.sector}</td>
                      <td className="num">{formatMoney(l.amountCents, "USD")}</td>
                      <td>{l.status.replace(/_/g, " ")}</td>
                      <td>{l.fundedOn ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </section>
      ) : null}

      {view.childLevel && view.level !== "client" ? (
        <section aria-labelledby="children-title">
          <h2 id="children-title">{view.level === "partner" ? "Groups and clients in no group" : view.level === "group" ? "Members" : `${childHeading === "Country" ? "Countries" : `${childHeading}s`}`}</h2>
          {view.children.length === 0 ? (
            <p>Nothing further to show you here.</p>
          ) : (
            <div className="table-scroll">
              <table className="portal-children">
                <caption>
                  {view.title}: each one in {lastQuarter}. Choose a name to drill down.
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col" className="num">Clients reached</th>
                    <th scope="col" className="num">Women</th>
                    <th scope="col" className="num">Rural</th>
                    <th scope="col" className="num">Retention</th>
                    <th scope="col" className="num">Loans disbursed</th>
                    <th scope="col" className="num">Average loan</th>
                    <th scope="col" className="num">Poverty rate{view.line ? ` (${view.line})` : ""}</th>
                  </tr>
                </thead>
                <tbody>
                  {view.children.map((c) => {
                    const f = c.latest as QuarterFigures;
                    return (
                      <tr key={c.key}>
                        <th scope="row">
                          {c.path ? <Link to={`/impact/portal${portalSearch(c.path as NodePath, params)}`}>{c.label}</Link> : c.label}
                          {c.kind === "client" && c.place ? <span className="hint"> · {c.place}</span> : null}
                        </th>
                        <td className="num">{count(f.reach, f.reach?.clients)}</td>
                        <td className="num">{share(f.reach, f.reach?.womenBps, f.reach?.sharesWithheld?.includes("women"))}</td>
                        <td className="num">{share(f.reach, f.reach?.ruralBps, f.reach?.sharesWithheld?.includes("rural"))}</td>
                        <td className="num">{share(f.retention, f.retention?.retainedBps, f.retention?.shareWithheld)}</td>
                        <td className="num">{count(f.loans, f.loans?.loans)}</td>
                        <td className="num">{money(f.loans, f.loans?.averageCents)}</td>
                        <td className="num">{share(f.ppi, f.ppi?.rateBps)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          {view.clientPages ? <ClientPager pages={view.clientPages} href={(page) => `/impact/portal${portalSearch(path, { ...params, page: String(page) })}`} /> : null}
        </section>
      ) : null}
    </article>
  );
}

/** Client rows come a page at a time (by name); the groups above them are on every page. */
function ClientPager({ pages, href }: { pages: { page: number; pageSize: number; total: number }; href: (page: number) => string }) {
  const { page, pageSize, total } = pages;
  const last = Math.max(1, Math.ceil(total / pageSize));
  if (total <= pageSize && page === 1) return null;
  const first = (page - 1) * pageSize + 1;
  return (
    <nav aria-label="Pages of clients" className="pager">
      <p>
        {page > last
          ? `This page is past the last client (${total.toLocaleString("en")} in all).`
          : `Clients ${first.toLocaleString("en")}–${Math.min(page * pageSize, total).toLocaleString("en")} of ${total.toLocaleString("en")}, by name (page ${page} of ${last}).`}
      </p>
      <ul>
        {page > 1 ? (
          <li>
            <Link to={href(Math.min(page - 1, last))} rel="prev">
              Previous clients
            </Link>
          </li>
        ) : null}
        {page < last ? (
          <li>
            <Link to={href(page + 1)} rel="next">
              Next clients
            </Link>
          </li>
        ) : null}
      </ul>
    </nav>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
