import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { FormError } from "~/components/forms.tsx";
import { fieldErrors, formToObject } from "~/lib/forms.ts";
import { formatMoney } from "~/lib/money.ts";
import { CLIENT_PURPOSE_LABELS, CLIENT_STATUS_LABELS, GRANULARITY_WORDS, INSTALMENT_STATE_LABELS } from "~/lib/statement.ts";
import {
  blankStatementCookie,
  getStatement,
  requireStatementClient,
  revokeFormSchema,
  revokeOwnConsent,
} from "~/models/client-access.server.ts";

export const meta: MetaFunction = () => [
  { title: "Your statement — Mavuno" },
  { name: "robots", content: "noindex" },
];

const PRIVATE = { "Cache-Control": "private, no-store" };

export async function loader({ request }: LoaderFunctionArgs) {
  const session = await requireStatementClient(request);
  const statement = await getStatement(session.clientId);
  if (!statement) throw new Response("Not found", { status: 404 });
  return json({ ...statement, endsAt: session.expiresAt.toISOString() }, { headers: PRIVATE });
}

export async function action({ request }: ActionFunctionArgs) {
  const values = formToObject(await request.formData());
  // Signing out works even after the session has ended: the button is still on the page.
  if (values.intent === "sign-out") {
    return redirect("/statement", { headers: { ...PRIVATE, "Set-Cookie": blankStatementCookie() } });
  }
  const session = await requireStatementClient(request);
  if (values.intent !== "revoke") return json({ errors: { "": ["Unknown request."] } as Record<string, string[]> }, { status: 400, headers: PRIVATE });
  const parsed = revokeFormSchema.safeParse(values);
  if (!parsed.success) return json({ errors: fieldErrors(parsed.error) }, { status: 400, headers: PRIVATE });
  const outcome = await revokeOwnConsent(session.clientId, parsed.data.consentId);
  if (outcome === "not_found") {
    return json({ errors: { consentId: ["That is not one of your consents. Reload the page and try again."] } as Record<string, string[]> }, { status: 400, headers: PRIVATE });
  }
  return redirect("/statement/me?withdrawn=1#consents", { headers: PRIVATE });
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });
const timeFormat = new Intl.DateTimeFormat("en-GB", { timeStyle: "short", timeZone: "UTC" });
const day = (iso: string) => dateFormat.format(new Date(iso));

export default function Statement() {
  const { client, loans, consents, endsAt } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const [params] = useSearchParams();
  const live = consents.filter((c) => !c.revokedAt);
  const past = consents.filter((c) => c.revokedAt);
  return (
    <section aria-labelledby="statement-title">
      <h1 id="statement-title">Your statement</h1>
      <p>
        Hello {client.fullName}. This is what {client.partnerName} has recorded for you.
        {client.partnerPhone ? ` Something wrong or unclear? Call ${client.partnerName} on ${client.partnerPhone}.` : " Something wrong or unclear? Ask your field officer."}
      </p>
      <Form method="post" className="actions">
        <input type="hidden" name="intent" value="sign-out" />
        <button type="submit" className="secondary">Sign out</button>
        <span className="muted">This page closes by itself at {timeFormat.format(new Date(endsAt))} (UTC).</span>
      </Form>

      <h2>Your loans</h2>
      {loans.length === 0 ? <p>You have no loans through Mavuno yet.</p> : null}
      {loans.map((loan) => {
        const m = (v: string) => formatMoney(BigInt(v), loan.currency);
        return (
          <article key={loan.id} aria-labelledby={`loan-${loan.id}`}>
            <h3 id={`loan-${loan.id}`}>
              Loan {loan.reference}
              {loan.group ? ` — your group ${loan.group}` : ""}
            </h3>
            <dl className="facts">
              <dt>For</dt>
              <dd>{loan.purpose}</dd>
              <dt>Status</dt>
              <dd>{CLIENT_STATUS_LABELS[loan.status] ?? loan.status}</dd>
              <dt>Amount</dt>
              <dd>{m(loan.amount)}{loan.disbursedOn ? `, paid out on ${day(loan.disbursedOn)}` : ""}</dd>
              <dt>Repaid so far</dt>
              <dd>{m(loan.repaid)}</dd>
              {loan.leftToPay !== null ? (
                <>
                  <dt>Left to pay</dt>
                  <dd>{m(loan.leftToPay)}</dd>
                </>
              ) : null}
              {loan.next && loan.status === "paying_back" ? (
                <>
                  <dt>Next payment</dt>
                  <dd>
                    {m(loan.next.left)} by {day(loan.next.dueOn)}
                  </dd>
                </>
              ) : null}
            </dl>
            {loan.lateCount > 0 && loan.status === "paying_back" ? (
              <p className="notice warning">
                {loan.lateCount === 1 ? "One payment is" : `${loan.lateCount} payments are`} late. Please talk to your field officer.
              </p>
            ) : null}
            {loan.rows.length ? (
              <div className="table-scroll">
                <table>
                  <caption>Repayment plan for loan {loan.reference}</caption>
                  <thead>
                    <tr>
                      <th scope="col">#</th>
                      <th scope="col">Due</th>
                      <th scope="col" className="num">Amount</th>
                      <th scope="col" className="num">Paid</th>
                      <th scope="col">State</th>
                    </tr>
                  </thead>
                  <tbody>
                    {loan.rows.map((r) => (
                      <tr key={r.number}>
                        <td>{r.number}</td>
                        <td>{day(r.dueOn)}</td>
                        <td className="num">{m(r.total)}</td>
                        <td className="num">{m(r.paid)}</td>
                        <td>{INSTALMENT_STATE_LABELS[r.state] ?? r.state}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
            {loan.repayments.length ? (
              <div className="table-scroll">
                <table>
                  <caption>Payments recorded for loan {loan.reference}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Date</th>
                      <th scope="col" className="num">Amount</th>
                    </tr>
                  </thead>
                  <tbody>
                    {loan.repayments.map((r) => (
                      <tr key={r.id}>
                        <td>{day(r.paidOn)}</td>
                        <td className="num">{formatMoney(BigInt(r.amount), r.currency)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : loan.rows.length ? (
              <p>No payments recorded yet for this loan.</p>
            ) : null}
          </article>
        );
      })}

      <h2 id="consents">What you agreed Mavuno may show</h2>
      {params.get("withdrawn") ? (
        <p className="notice" role="status">
          Done: your permission is withdrawn. It stops being used on the next page anyone opens.
        </p>
      ) : null}
      <FormError errors={data?.errors[""] ?? data?.errors.consentId} />
      <p>
        Nothing about you is shown to lenders or the public unless you agreed. You can withdraw any of these at any time
        here; your loan is not affected.
      </p>
      {live.length === 0 ? (
        <p>You have not agreed to anything being shown: lenders see only that you are a client of {client.partnerName}.</p>
      ) : (
        <ul>
          {live.map((c) => (
            <li key={c.id}>
              <strong>{CLIENT_PURPOSE_LABELS[c.purpose] ?? c.purpose}</strong>
              {c.granularity ? ` (${GRANULARITY_WORDS[c.granularity] ?? c.granularity})` : ""} — since {day(c.grantedAt)}{" "}
              <Form method="post" className="inline-form">
                <input type="hidden" name="intent" value="revoke" />
                <input type="hidden" name="consentId" value={c.id} />
                <button type="submit" className="secondary" aria-label={`Withdraw: ${CLIENT_PURPOSE_LABELS[c.purpose] ?? c.purpose}`}>
                  Withdraw
                </button>
              </Form>
            </li>
          ))}
        </ul>
      )}
      {past.length ? (
        <details>
          <summary>Earlier permissions ({past.length})</summary>
          <ul>
            {past.map((c) => (
              <li key={c.id}>
                {CLIENT_PURPOSE_LABELS[c.purpose] ?? c.purpose}: from {day(c.grantedAt)} to {day(c.revokedAt!)}
                {c.revokedByClient ? ", withdrawn by you" : ""}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
