import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { STATUS_LABELS } from "~/lib/loan-labels.ts";
import { formatMoney } from "~/lib/money.ts";
import { countryName } from "~/lib/places.ts";
import { chartBars, parsePortfolioQuery, portfolioSearch, type ChartMonth, type PortfolioFilters } from "~/lib/portfolio.ts";
import { getPortfolio } from "~/models/portfolio.server.ts";
import portfolioStyles from "~/styles/portfolio.css";
import { getViewer, requireUser } from "~/utils/auth.server.ts";

// My loans is the portfolio: one page for "what did I lend" and "how is it
// doing", rather than two pages listing the same loans.
export const meta: MetaFunction = () => [{ title: "My loans — Mavuno" }];
export const links: LinksFunction = () => [{ rel: "stylesheet", href: portfolioStyles }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const query = parsePortfolioQuery(new URL(request.url).searchParams);
  const portfolio = await getPortfolio({ lenderId: user.id, query, viewer: await getViewer(request) });
  const t = portfolio.totals;
  return json({
    filters: { status: query.status, country: query.country, partner: query.partner } satisfies PortfolioFilters,
    today: portfolio.today,
    total: portfolio.total,
    page: portfolio.page,
    pageCount: portfolio.pageCount,
    totals: {
      loans: t.loans,
      lent: t.lent.toString(),
      refunded: t.refunded.toString(),
      repaid: t.repaid.toString(),
      outstanding: t.outstanding.toString(),
      writtenOff: t.writtenOff.toString(),
      fxLoss: t.fxLoss.toString(),
      arrearsLoans: t.arrearsLoans,
      arrearsOutstanding: t.arrearsOutstanding.toString(),
    },
    loans: portfolio.rows.map((r) => ({
      id: r.id,
      reference: r.reference,
      purpose: r.purpose,
      borrower: r.borrower,
      status: r.status,
      partner: `${r.partnerName}, ${countryName(r.country)}`,
      shares: r.shares,
      lent: r.lent.toString(),
      refunded: r.refunded.toString(),
      repaid: r.repaid.toString(),
      outstanding: r.outstanding.toString(),
      writtenOff: r.writtenOff.toString(),
      fxLoss: r.fxLoss.toString(),
      inArrears: r.inArrears,
      daysLate: r.daysLate,
      nextExpected: r.nextExpected && { amount: r.nextExpected.cents.toString(), dueOn: r.nextExpected.dueOn },
    })),
    chart: {
      months: portfolio.chart.months.map((m) => ({ ...m, received: m.received.toString(), expected: m.expected.toString() })),
      earlierReceived: portfolio.chart.earlierReceived.toString(),
      laterExpected: portfolio.chart.laterExpected.toString(),
    },
    options: portfolio.options,
  });
}

type Data = ReturnType<typeof useLoaderData<typeof loader>>;

const usd = (cents: string | bigint) => formatMoney(BigInt(cents), "USD");
// Fixed time zone: the same text on the server and in the browser.
const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });
const day = (iso: string) => dateFormat.format(new Date(`${iso}T00:00:00Z`));

function Select(props: { name: string; label: string; value: string | undefined; any: string; options: { value: string; label: string }[] }) {
  const id = `portfolio-${props.name}`;
  const options = props.value && !props.options.some((o) => o.value === props.value) ? [...props.options, { value: props.value, label: props.value }] : props.options;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} name={props.name} defaultValue={props.value ?? ""}>
        <option value="">{props.any}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function Totals({ totals, filtered }: { totals: Data["totals"]; filtered: boolean }) {
  const figures: [string, string][] = [
    ["Loans", totals.loans.toLocaleString("en-US")],
    ["Lent", usd(totals.lent)],
    ["Repaid to you", usd(totals.repaid)],
    ["Outstanding", usd(totals.outstanding)],
    [
      "In arrears",
      `${totals.arrearsLoans.toLocaleString("en-US")} loan${totals.arrearsLoans === 1 ? "" : "s"}` +
        (totals.arrearsLoans > 0 ? `, ${usd(totals.arrearsOutstanding)} outstanding` : ""),
    ],
    ["Currency loss", usd(totals.fxLoss)],
  ];
  // Shown only when there is something to show: most lenders never see either.
  if (BigInt(totals.writtenOff) > 0n) figures.push(["Written off", usd(totals.writtenOff)]);
  if (BigInt(totals.refunded) > 0n) figures.push(["Refunded to your wallet", usd(totals.refunded)]);
  return (
    <section aria-labelledby="totals-title">
      <h2 id="totals-title">{filtered ? "Totals for these loans" : "Totals"}</h2>
      <dl className="portfolio-totals">
        {figures.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <p className="hint">
        Outstanding is your share of the principal not yet repaid. Currency loss is what repayments lost when the local currency
        fell against the dollar since the loan was made.
      </p>
    </section>
  );
}

const CHART = { width: 600, height: 160 };

function RepaymentsChart({ chart, today }: { chart: Data["chart"]; today: string }) {
  const months: ChartMonth[] = chart.months.map((m) => ({ ...m, received: BigInt(m.received), expected: BigInt(m.expected) }));
  const { bars, slot } = chartBars(months, CHART);
  const received = months.reduce((a, m) => a + m.received, 0n);
  const expected = months.reduce((a, m) => a + m.expected, 0n);
  const currentIndex = months.findIndex((m) => m.month === today.slice(0, 7));
  const first = months[0]!.label;
  const last = months[months.length - 1]!.label;
  return (
    <section aria-labelledby="chart-title">
      <h2 id="chart-title">Repayments by month</h2>
      <figure className="portfolio-chart">
        {/* Room either side for the first and last month's label. */}
        <svg viewBox={`-30 -8 ${CHART.width + 60} ${CHART.height + 32}`} role="img" aria-labelledby="chart-svg-title chart-svg-desc" preserveAspectRatio="xMidYMid meet">
          <title id="chart-svg-title">Repayments received and expected by month</title>
          <desc id="chart-svg-desc">
            {`${usd(received)} received from ${first} to this month; ${usd(expected)} expected from this month to ${last}. The table below gives each month.`}
          </desc>
          <line x1={0} x2={CHART.width} y1={CHART.height} y2={CHART.height} className="axis" />
          {currentIndex >= 0 ? <line x1={currentIndex * slot} x2={currentIndex * slot} y1={0} y2={CHART.height} className="today" /> : null}
          {bars.map((bar, i) => (
            <rect key={i} x={bar.x} y={bar.y} width={bar.width} height={bar.height} className={`bar ${bar.kind}`}>
              <title>{`${bar.label}: ${usd(bar.cents)} ${bar.kind}`}</title>
            </rect>
          ))}
          {months.map((m, i) =>
            i % 3 === 0 ? (
              <text key={m.month} x={i * slot + slot / 2} y={CHART.height + 16} textAnchor="middle" className="tick">
                {m.label}
              </text>
            ) : null,
          )}
        </svg>
        <figcaption>
          <span className="key received" aria-hidden="true" /> Received{" "}
          <span className="key expected" aria-hidden="true" /> Expected (projected from the borrowers&apos; schedules, not a promise)
        </figcaption>
      </figure>
      <div className="table-scroll">
        <table className="portfolio-months">
          <caption>Repayments to you by month, in US dollars</caption>
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col" className="num">
                Received
              </th>
              <th scope="col" className="num">
                Expected
              </th>
            </tr>
          </thead>
          <tbody>
            {months.map((m) => (
              <tr key={m.month}>
                <th scope="row">{m.label}</th>
                <td className="num">{m.received > 0n ? usd(m.received) : "—"}</td>
                <td className="num">{m.expected > 0n ? usd(m.expected) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {BigInt(chart.earlierReceived) > 0n ? <p className="hint">Received before {first}: {usd(chart.earlierReceived)}.</p> : null}
      {BigInt(chart.laterExpected) > 0n ? <p className="hint">Expected after {last}: {usd(chart.laterExpected)}.</p> : null}
      <p className="hint">This month&apos;s expected amount includes instalments that are already late.</p>
    </section>
  );
}

function StatusCell({ loan }: { loan: Data["loans"][number] }) {
  const refundedOnly = BigInt(loan.lent) === 0n && BigInt(loan.refunded) > 0n;
  return (
    <>
      <span className={`status status-${loan.status}`}>{STATUS_LABELS[loan.status] ?? loan.status}</span>
      {refundedOnly ? <span className="muted"> — refunded {usd(loan.refunded)}</span> : null}
      {loan.inArrears ? (
        <strong className="arrears">
          {" "}
          In arrears, {loan.daysLate} day{loan.daysLate === 1 ? "" : "s"} late
        </strong>
      ) : null}
    </>
  );
}

function NextCell({ loan, today }: { loan: Data["loans"][number]; today: string }) {
  if (!loan.nextExpected) return <span className="muted">—</span>;
  const late = loan.nextExpected.dueOn < today;
  return (
    <>
      {usd(loan.nextExpected.amount)} expected {late ? "since" : "on"} {day(loan.nextExpected.dueOn)}
      {late ? <span className="muted"> (late)</span> : null}
    </>
  );
}

export default function MyLoans() {
  const data = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const filters = data.filters;
  const filtered = Boolean(filters.status || filters.country || filters.partner);
  const search = portfolioSearch(filters);
  if (data.total === 0 && !filtered) {
    return (
      <section aria-labelledby="my-loans-title">
        <h1 id="my-loans-title">My loans</h1>
        <p>
          You have not lent yet. <Link to="/loans">Find a loan to support</Link>.
        </p>
      </section>
    );
  }
  return (
    <section aria-labelledby="my-loans-title" className="portfolio">
      <h1 id="my-loans-title">My loans</h1>
      {params.get("checkout") ? (
        <p className="notice" role="status">
          Thank you! Your loans are below.
        </p>
      ) : null}
      {/* A plain GET form: the filters live in the URL and work without JavaScript. */}
      <Form method="get" className="portfolio-filters" aria-label="Filter my loans">
        <div className="field-row">
          <Select name="status" label="Status" any="Any status" value={filters.status} options={data.options.statuses} />
          <Select name="country" label="Country" any="Any country" value={filters.country} options={data.options.countries} />
          <Select name="partner" label="Field partner" any="Any partner" value={filters.partner} options={data.options.partners} />
        </div>
        <div className="actions">
          <button type="submit">Show loans</button>
          {filtered ? <Link to="/my/loans">Clear filters</Link> : null}
        </div>
      </Form>
      <Totals totals={data.totals} filtered={filtered} />
      <RepaymentsChart chart={data.chart} today={data.today} />
      <section aria-labelledby="loans-title">
        <div className="history-heading">
          <h2 id="loans-title">Loans</h2>
          <p className="downloads">
            <a href={`/my/loans.csv${search}`} download>
              Download these loans (CSV)
            </a>{" "}
            ·{" "}
            <a href={`/my/repayments.csv${search}`} download>
              Download their repayments (CSV)
            </a>
          </p>
        </div>
        {data.loans.length === 0 ? (
          <p>No loans match these filters.</p>
        ) : (
          <div className="table-scroll">
            <table className="portfolio-loans">
              <caption>
                {data.total.toLocaleString("en-US")} loan{data.total === 1 ? "" : "s"}, newest first
                {data.pageCount > 1 ? `; page ${data.page} of ${data.pageCount}` : ""}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Loan</th>
                  <th scope="col">Field partner</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Lent
                  </th>
                  <th scope="col" className="num">
                    Repaid to you
                  </th>
                  <th scope="col" className="num">
                    Outstanding
                  </th>
                  <th scope="col">Next repayment</th>
                  <th scope="col" className="num">
                    Currency loss
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.loans.map((l) => (
                  <tr key={l.id} className={l.inArrears ? "late" : undefined}>
                    {/* One element per cell: on a phone each cell is a row of label and value. */}
                    <td data-label="Loan">
                      <span>
                        <Link to={`/my/loans/${l.id}`}>{l.reference}</Link> — {l.purpose}
                        {l.borrower ? <span className="muted borrower"> {l.borrower}</span> : null}
                      </span>
                    </td>
                    <td data-label="Field partner">{l.partner}</td>
                    <td data-label="Status">
                      <span>
                        <StatusCell loan={l} />
                      </span>
                    </td>
                    <td data-label="Lent" className="num">
                      {usd(BigInt(l.lent) > 0n ? l.lent : l.refunded)}
                    </td>
                    <td data-label="Repaid to you" className="num">
                      {usd(l.repaid)}
                    </td>
                    <td data-label="Outstanding" className="num">
                      {BigInt(l.writtenOff) > 0n ? <span className="loss">{usd(l.writtenOff)} written off</span> : usd(l.outstanding)}
                    </td>
                    <td data-label="Next repayment">
                      <span>
                        <NextCell loan={l} today={data.today} />
                      </span>
                    </td>
                    <td data-label="Currency loss" className="num">
                      {usd(l.fxLoss)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {data.pageCount > 1 ? (
          <nav aria-label="Pages of my loans" className="pagination">
            {data.page > 1 ? (
              <Link to={`/my/loans${portfolioSearch(filters, data.page - 1)}`} rel="prev">
                Previous
              </Link>
            ) : null}
            <span>
              Page {data.page} of {data.pageCount}
            </span>
            {data.page < data.pageCount ? (
              <Link to={`/my/loans${portfolioSearch(filters, data.page + 1)}`} rel="next">
                Next
              </Link>
            ) : null}
          </nav>
        ) : null}
      </section>
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
