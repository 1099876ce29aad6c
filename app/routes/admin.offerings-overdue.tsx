import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { reportDueBy } from "~/lib/equity-report.ts";
import { overdueReports } from "~/models/equity.server.ts";
import { requireAdmin } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Overdue cycle reports — Mavuno admin" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAdmin(request);
  const overdue = await overdueReports(new Date());
  return json({
    overdue: overdue.map((o) => ({ ...o, cycleEnd: o.cycleEnd.toISOString().slice(0, 10), dueBy: reportDueBy(o.cycleEnd).toISOString().slice(0, 10) })),
  });
}

export default function OverdueReports() {
  const { overdue } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="overdue-title">
      <h1 id="overdue-title">Overdue cycle reports</h1>
      <p>Closed offerings whose partner has not filed the cycle report within 30 days of the cycle's end. Their investors see the same flag.</p>
      {overdue.length === 0 ? (
        <p>No report is overdue.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <caption>Offerings with an overdue report, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Offering</th>
                <th scope="col">Partner</th>
                <th scope="col">Cycle ended</th>
                <th scope="col">Report due by</th>
              </tr>
            </thead>
            <tbody>
              {overdue.map((o) => (
                <tr key={o.offeringId}>
                  <th scope="row">
                    <a href={`/admin/offerings/${o.offeringId}`}>{o.title}</a> ({o.reference})
                  </th>
                  <td>{o.partnerName}</td>
                  <td>{o.cycleEnd}</td>
                  <td>{o.dueBy}</td>
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
