import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { Field, FormError } from "~/components/forms.tsx";
import { reportDueBy } from "~/lib/equity-report.ts";
import { formatMoney } from "~/lib/money.ts";
import { OFFERING_STATUS_LABELS } from "~/lib/offering-summary.ts";
import { capTable, EquityError, fileReport, getOfferingForReport, parseReportForm, previewDistribution } from "~/models/equity.server.ts";
import { MANAGING_ROLES, requireStaffPartner } from "~/utils/auth.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Cycle report: ${data?.title ?? "offering"} — Mavuno partner portal` }];

async function context(request: Request, params: { partnerId?: string; offeringId?: string }) {
  const { user, partner } = await requireStaffPartner(request, params.partnerId ?? "", MANAGING_ROLES);
  const found = await getOfferingForReport(partner.id, params.offeringId ?? "");
  if (!found) throw new Response("Not found", { status: 404 });
  return { user, partner, offering: found.offering, raisedCents: found.raisedCents, meetings: found.meetings };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { partner, offering: o, raisedCents, meetings } = await context(request, params);
  const table = await capTable(o.id);
  const now = new Date();
  return json({
    partnerId: partner.id,
    currency: partner.currency,
    id: o.id,
    reference: o.reference,
    title: o.title,
    status: o.status,
    // An enterprise reports the same figures: income, expenses, losses (bad debts, stock lost) and net profit.
    owner: o.clientId ? "enterprise" : "group",
    cycleStart: o.cycleStart.toISOString().slice(0, 10),
    cycleEnd: o.cycleEnd.toISOString().slice(0, 10),
    dueBy: reportDueBy(o.cycleEnd).toISOString().slice(0, 10),
    canFile: o.status === "closed" && now.getTime() >= o.cycleEnd.getTime(),
    raised: raisedCents.toString(),
    meetings: meetings && { ...meetings, savingsCollected: meetings.savingsCollected.toString(), repaymentsCollected: meetings.repaymentsCollected.toString() },
    report: o.report && {
      income: o.report.incomeMinor.toString(),
      expenses: o.report.expensesMinor.toString(),
      loanLosses: o.report.loanLossesMinor.toString(),
      netProfit: o.report.netProfitMinor.toString(),
      rate: o.report.fxRate.toString(),
      distribution: o.report.distributionCents.toString(),
      reportedAt: o.report.reportedAt.toISOString(),
    },
    holders: table.holders.map((h) => ({ investorId: h.investorId, name: h.name, units: h.units, amount: h.amountCents.toString() })),
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, partner, offering, raisedCents } = await context(request, params);
  const form = Object.fromEntries(await request.formData());
  const parsed = parseReportForm(form, partner.currency);
  if (!parsed.ok) return json({ errors: parsed.errors, formError: null, preview: null }, { status: 400 });
  if (form.intent === "preview") {
    const p = previewDistribution(offering, raisedCents, parsed.figures, partner.currency);
    return json({
      errors: {},
      formError: null,
      preview: { netProfit: p.netProfitMinor.toString(), netUsd: p.netUsdCents.toString(), distribution: p.distributionCents.toString() },
    });
  }
  try {
    await fileReport({ partnerId: partner.id, offeringId: offering.id, userId: user.id, figures: parsed.figures });
  } catch (error) {
    if (!(error instanceof EquityError)) throw error;
    return json({ errors: {}, formError: error.message, preview: null }, { status: 409 });
  }
  return redirect(`/portal/${partner.id}/offering-reports/${offering.id}?filed=1`);
}

export default function OfferingReport() {
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const local = (minor: string) => formatMoney(BigInt(minor), d.currency);
  const usd = (cents: string) => formatMoney(BigInt(cents), "USD");
  const err = (field: "income" | "expenses" | "loanLosses" | "rate") => {
    const message = a?.errors && (a.errors as Record<string, string | undefined>)[field];
    return message ? [message] : undefined;
  };
  return (
    <section aria-labelledby="report-title">
      <h1 id="report-title">Cycle report: {d.title}</h1>
      <p>
        Offering {d.reference} · {OFFERING_STATUS_LABELS[d.status] ?? d.status} · cycle {d.cycleStart} to {d.cycleEnd} · raised {usd(d.raised)} · report
        due by {d.dueBy}
      </p>
      {d.report ? (
        <>
          <h2>The report as filed</h2>
          <dl>
            <dt>Income</dt>
            <dd>{local(d.report.income)}</dd>
            <dt>Expenses</dt>
            <dd>{local(d.report.expenses)}</dd>
            <dt>Loan losses</dt>
            <dd>{local(d.report.loanLosses)}</dd>
            <dt>Net profit</dt>
            <dd>{local(d.report.netProfit)}</dd>
            <dt>Rate</dt>
            <dd>
              {d.report.rate} {d.currency} per US dollar
            </dd>
            <dt>Distributed to investors</dt>
            <dd>{usd(d.report.distribution)}</dd>
          </dl>
        </>
      ) : d.canFile ? (
        <>
          <h2>File the {d.owner}'s results</h2>
          <p>
            Net profit is income less expenses less loan losses. Investors' distribution is computed from the terms and credited to their wallets when you
            file; it comes from the partner's own account.
          </p>
          {d.meetings ? (
            <p>
              For reference, the group's {d.meetings.meetings} meeting record{d.meetings.meetings === 1 ? "" : "s"} in the cycle show{d.meetings.meetings === 1 ? "s" : ""}{" "}
              savings collected of {formatMoney(BigInt(d.meetings.savingsCollected), d.meetings.currency)} and repayments collected of{" "}
              {formatMoney(BigInt(d.meetings.repaymentsCollected), d.meetings.currency)}.
            </p>
          ) : null}
          <FormError errors={a?.formError ? [a.formError] : undefined} />
          {a?.preview ? (
            <p role="status">
              Net profit {local(a.preview.netProfit)} ({usd(a.preview.netUsd)}): investors would receive {usd(a.preview.distribution)} in total.
            </p>
          ) : null}
          <Form method="post">
            <Field name="income" label={`Income (${d.currency})`} required errors={err("income")} />
            <Field name="expenses" label={`Expenses (${d.currency})`} required errors={err("expenses")} />
            <Field name="loanLosses" label={`Loan losses (${d.currency})`} required errors={err("loanLosses")} />
            <Field name="rate" label={`Exchange rate (${d.currency} per US dollar)`} required errors={err("rate")} />
            <button type="submit" name="intent" value="preview">
              Show the net profit and distribution
            </button>{" "}
            <button type="submit" name="intent" value="file">
              File the report and pay investors
            </button>
          </Form>
        </>
      ) : (
        <p>The report can be filed once the offering has closed and its cycle has ended ({d.cycleEnd}).</p>
      )}
      <h2>Cap table</h2>
      {d.holders.length === 0 ? (
        <p>No one holds units.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <caption>Who holds units of this offering</caption>
            <thead>
              <tr>
                <th scope="col">Investor</th>
                <th scope="col">Units</th>
                <th scope="col">Paid</th>
              </tr>
            </thead>
            <tbody>
              {d.holders.map((h) => (
                <tr key={h.investorId}>
                  <th scope="row">{h.name}</th>
                  <td>{h.units}</td>
                  <td>{usd(h.amount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
