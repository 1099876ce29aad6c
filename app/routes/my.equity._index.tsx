import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { FormError } from "~/components/forms.tsx";
import { formatMoney } from "~/lib/money.ts";
import { HOLDING_STATUS_LABELS, OFFERING_STATUS_LABELS } from "~/lib/offering-summary.ts";
import { cancelInvestment, EquityError, listHoldings } from "~/models/equity.server.ts";
import { requireUser } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "My equity — Mavuno" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const holdings = await listHoldings(user.id);
  return json({
    holdings: holdings.map((h) => ({
      ...h,
      amountCents: h.amountCents.toString(),
      expectedAtProfitCents: h.expectedAtProfitCents.toString(),
      receivedCents: h.receivedCents?.toString() ?? null,
      createdAt: h.createdAt.toISOString(),
      cancellableUntil: h.cancellableUntil?.toISOString() ?? null,
    })),
  });
}

const cancelSchema = z.object({ investmentId: z.string().min(1).max(64) });

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const parsed = cancelSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return json({ error: "Choose a purchase to cancel." }, { status: 400 });
  try {
    await cancelInvestment({ investorId: user.id, investmentId: parsed.data.investmentId });
  } catch (error) {
    if (!(error instanceof EquityError)) throw error;
    if (error.details.status === 404) throw new Response("Not found", { status: 404 });
    return json({ error: error.message }, { status: 409 });
  }
  return redirect("/my/equity?cancelled=1");
}

const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export default function MyEquity() {
  const { holdings } = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const usd = (cents: string) => formatMoney(BigInt(cents), "USD");
  const overdue = holdings.filter((h) => h.reportOverdue);
  return (
    <section aria-labelledby="equity-title">
      <h1 id="equity-title">My equity</h1>
      <p>
        Your units in savings groups' cycles. <a href="/my/equity.csv">Download as CSV</a>
      </p>
      <FormError errors={a ? [a.error] : undefined} />
      {overdue.length > 0 ? (
        <div role="alert">
          <p>
            Overdue: the cycle report for {overdue.map((h) => h.title).join(", ")} was due 30 days after the cycle ended and has not been filed. Mavuno's
            admins have been told.
          </p>
        </div>
      ) : null}
      {holdings.length === 0 ? (
        <p>You hold no units yet.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <caption>Your holdings, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Offering</th>
                <th scope="col">Units</th>
                <th scope="col">Paid</th>
                <th scope="col">Status</th>
                <th scope="col">At a 20% profit you would receive</th>
                <th scope="col">Received</th>
                <th scope="col">Cancel</th>
              </tr>
            </thead>
            <tbody>
              {holdings.map((h) => (
                <tr key={h.investmentId}>
                  <th scope="row">
                    <Link to={`/invest/${h.offeringId}`}>{h.title}</Link> ({h.reference})
                  </th>
                  <td>{h.units}</td>
                  <td>{usd(h.amountCents)}</td>
                  <td>
                    {HOLDING_STATUS_LABELS[h.status] ?? h.status}; offering: {OFFERING_STATUS_LABELS[h.offeringStatus] ?? h.offeringStatus}
                    {h.reportOverdue ? " — report overdue" : ""}
                  </td>
                  <td>{h.status === "held" || h.status === "active" ? usd(h.expectedAtProfitCents) : "—"}</td>
                  <td>{h.receivedCents === null ? "—" : usd(h.receivedCents)}</td>
                  <td>
                    {h.cancellableUntil ? (
                      <Form method="post">
                        <input type="hidden" name="investmentId" value={h.investmentId} />
                        <button type="submit">Cancel for a full refund</button>
                        <p className="hint">Until {when.format(new Date(h.cancellableUntil))} UTC</p>
                      </Form>
                    ) : (
                      "—"
                    )}
                  </td>
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
