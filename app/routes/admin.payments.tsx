import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { formatMoney } from "~/lib/money.ts";
import { listOpenPaymentIssues } from "~/models/payment.server.ts";
import { requireAdmin } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Payment issues — Mavuno" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAdmin(request);
  const issues = await listOpenPaymentIssues();
  return json({
    issues: issues.map((i) => ({
      id: i.id,
      kind: i.kind,
      subject: i.subject,
      userId: i.userId,
      amount: i.amount !== null && i.currency ? formatMoney(i.amount, i.currency.trim()) : null,
      detail: i.detail,
      createdAt: i.createdAt.toISOString(),
    })),
  });
}

const KINDS: Record<string, string> = {
  refund_unfunded: "Refund not covered by the wallet",
  amount_mismatch: "Paid amount differs from the amount asked",
};

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export default function PaymentIssues() {
  const { issues } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="issues-title">
      <h1 id="issues-title">Payment issues</h1>
      <p>Money the gateway moved that the ledger could not follow. Each needs a person to decide what happens next.</p>
      {issues.length === 0 ? (
        <p>Nothing open.</p>
      ) : (
        <table>
          <caption className="visually-hidden">Open payment issues, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">What</th>
              <th scope="col">Amount</th>
              <th scope="col">Gateway object</th>
              <th scope="col">Lender</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {issues.map((issue) => (
              <tr key={issue.id}>
                <td>{dateFormat.format(new Date(issue.createdAt))}</td>
                <td>{KINDS[issue.kind] ?? issue.kind}</td>
                <td>{issue.amount ?? "—"}</td>
                <td>
                  <code>{issue.subject}</code>
                </td>
                <td>{issue.userId ? <code>{issue.userId}</code> : "—"}</td>
                <td>{issue.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
