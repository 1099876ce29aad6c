import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { percent } from "~/components/percent.tsx";
import { groupHealth, listGroups } from "~/models/group.server.ts";
import { MANAGING_ROLES, requirePartnerStaff } from "~/utils/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "Groups — Mavuno partner portal" }];

// Every staff role, coordinators included, sees the health of all the partner's groups.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const partnerId = params.partnerId ?? "";
  const { membership } = await requirePartnerStaff(request, partnerId);
  const [groups, health] = await Promise.all([listGroups(partnerId), groupHealth(partnerId)]);
  const byId = new Map(health.map((h) => [h.groupId, h]));
  return json({
    partnerId,
    canManage: (MANAGING_ROLES as readonly string[]).includes(membership.role),
    groups: groups.map((g) => ({ id: g.id, name: g.name, kind: g.kind, place: `${g.village}, ${g.region}`, health: byId.get(g.id)! })),
  });
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export default function Groups() {
  const { partnerId, canManage, groups } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="groups-title">
      <h1 id="groups-title">Groups and their health</h1>
      {canManage ? <p><Link className="button" to={`/portal/${partnerId}/groups/new`}>Add a group</Link></p> : null}
      <p>Attendance over each group's last six meetings; savings growth compares the last 90 days with the 90 before.</p>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col" className="num">Members</th>
              <th scope="col">Last meeting</th>
              <th scope="col" className="num">Attendance</th>
              <th scope="col" className="num">Savings growth</th>
              <th scope="col">Attendance by month (6 months)</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr key={g.id}>
                <td><Link to={`/portal/${partnerId}/groups/${g.id}`}>{g.name}</Link><br /><span className="muted">{g.place}</span></td>
                <td className="num">{g.health.members}</td>
                <td>{g.health.lastMeeting ? dateFormat.format(new Date(g.health.lastMeeting)) : "none yet"}</td>
                <td className="num">{percent(g.health.attendanceRate)}</td>
                <td className="num">{percent(g.health.savingsGrowth, { signed: true })}</td>
                <td>{g.health.trend.map((t) => percent(t.attendanceRate)).join(" · ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
