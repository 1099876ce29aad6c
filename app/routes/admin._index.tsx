import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/utils/auth.server.ts";
import { getDb } from "~/utils/db.server.ts";

export const meta: MetaFunction = () => [{ title: "Admin — Mavuno" }];

// The platform admin's starting point: what is waiting, and where to act on it.
export async function loader({ request }: LoaderFunctionArgs) {
  await requireAdmin(request);
  const db = await getDb();
  const [applications, loanRequests, paymentIssues] = await Promise.all([
    db.partner.count({ where: { status: "applied" } }),
    db.loan.count({ where: { status: "submitted" } }),
    db.paymentIssue.count({ where: { resolvedAt: null } }),
  ]);
  return json({ applications, loanRequests, paymentIssues });
}

export default function AdminHome() {
  const { applications, loanRequests, paymentIssues } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Admin</h1>
      <ul className="admin-areas">
        <li><Link to="/admin/partners">Field partner applications</Link> — {applications} waiting for review</li>
        <li><Link to="/admin/loans">Loan requests</Link> — {loanRequests} waiting for review</li>
        <li><Link to="/admin/offerings">Micro-equity offerings</Link> — the review queue</li>
        <li><Link to="/admin/offerings-overdue">Overdue cycle reports</Link> — offerings whose group has not reported 30 days after its cycle ended</li>
        <li><Link to="/admin/payments">Payment issues</Link> — {paymentIssues} open</li>
        <li><Link to="/admin/ppi">PPI scorecards</Link> — import a country&apos;s scorecard file, see the ones in use</li>
      </ul>
    </section>
  );
}
