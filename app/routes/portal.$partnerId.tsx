import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary.tsx";
import { countryName } from "~/lib/places.ts";
import { getPartnerForStaff } from "~/models/partner.server.ts";
import { requirePartnerStaff } from "~/utils/auth.server.ts";

// The partner portal's frame: only this partner's own staff get past it, and
// every child route checks again for itself (a loader runs without its parent's).
export async function loader({ request, params }: LoaderFunctionArgs) {
  const partnerId = params.partnerId ?? "";
  const { membership } = await requirePartnerStaff(request, partnerId);
  const partner = await getPartnerForStaff(partnerId);
  if (!partner) throw new Response("Not found", { status: 404 });
  return json({ partner: { ...partner, countryName: countryName(partner.country) }, role: membership.role });
}

export default function PortalLayout() {
  const { partner, role } = useLoaderData<typeof loader>();
  const base = `/portal/${partner.id}`;
  return (
    <div className="portal">
      <header className="portal-header">
        <p className="portal-title">
          <strong>{partner.name}</strong> · {partner.countryName} · you are {role === "admin" ? "a partner admin" : `an ${role}`}
        </p>
        <nav aria-label="Partner portal">
          <ul>
            <li><NavLink to={base} end>Dashboard</NavLink></li>
            <li><NavLink to={`${base}/loans`}>Loan requests</NavLink></li>
            <li><NavLink to={`${base}/arrears`}>Arrears</NavLink></li>
            {role !== "coordinator" ? <li><NavLink to={`${base}/repayments/upload`}>Upload repayments</NavLink></li> : null}
            <li><NavLink to={`${base}/clients`}>Clients</NavLink></li>
            <li><NavLink to={`${base}/groups`}>Groups</NavLink></li>
            {role !== "coordinator" ? <li><NavLink to={`${base}/offerings`}>Offerings</NavLink></li> : null}
            {role === "admin" ? <li><NavLink to={`${base}/staff`}>Staff</NavLink></li> : null}
            {role === "admin" ? <li><NavLink to={`${base}/audit`}>Client data reads</NavLink></li> : null}
            <li><NavLink to="/impact/portal">Impact portal</NavLink></li>
          </ul>
        </nav>
      </header>
      <Outlet />
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
