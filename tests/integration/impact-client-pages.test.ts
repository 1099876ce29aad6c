// A partner's clients in no group (and a group's members) are listed a page at
// a time on the portal, by name, so every client can be reached however many
// there are; the CSV has them all. A funder's pages hold only the clients they
// fund who agreed to drill-down.
import { beforeAll, describe, expect, it } from "vitest";
import { CLIENT_PAGE_SIZE, defaultQuarterRange, parsePortalQuery, type PortalFilters } from "~/lib/impact.ts";
import { ADMIN_PORTAL_VIEWER, impactView, portalViewerFor } from "~/models/impact.server.ts";
import { loader as portalLoader } from "~/routes/impact.portal.tsx";
import { loader as csvLoader } from "~/routes/impact.portal[.]csv.tsx";
import { getDb } from "~/utils/db.server.ts";
import { getRequest, run, sessionCookieFor } from "../support/requests.ts";
import { fundedLoan, makePartner, makePeople, makeUser } from "./impact-portal-helpers.ts";

const REGION = "Pages Region";
const TOTAL = CLIENT_PAGE_SIZE + 12;
const FILTERS: PortalFilters = { ...defaultQuarterRange(new Date()), scorecard: null, line: null, gender: null, area: null, sector: null };
const audit = { auditPath: "/test" };

let partnerId: string;
let names: string[];
let investor: { id: string };
let fundedWithConsent: string[];

beforeAll(async () => {
  const db = await getDb();
  const partner = await makePartner(db, { country: "UG", regions: [REGION], name: "Paging Partner" });
  partnerId = partner.id;
  // Names out of order on purpose: the pages go by name.
  const specs = Array.from({ length: TOTAL }, (_, i) => ({
    name: `Client ${String((i * 37) % TOTAL).padStart(3, "0")}`,
    consents: i % 2 === 0 ? (["investor_drilldown", "name"] as const) : ([] as const),
  }));
  const people = await makePeople(db, partnerId, REGION, specs.map((s) => ({ name: s.name, consents: [...s.consents] })));
  names = people.map((p) => p.fullName).sort();
  // A funder of five clients: three agreed to drill-down and to their name (even positions), two did not.
  investor = await makeUser(db, { name: "Paging Investor" });
  const funded = people.slice(0, 5);
  for (const c of funded) await fundedLoan(db, { partnerId, clientId: c.id, lenderId: investor.id, fundedOn: "2026-05-02" });
  fundedWithConsent = funded.filter((_, i) => i % 2 === 0).map((c) => c.fullName).sort();
});

const clientLabels = (view: Awaited<ReturnType<typeof impactView>>) => view.children.filter((c) => c.kind === "client").map((c) => c.label);
const path = () => ({ country: "UG", region: REGION, partner: partnerId });

describe("client rows a page at a time", () => {
  it("the first page has the first names, the next page the rest, and both say how many there are in all", async () => {
    const first = await impactView(ADMIN_PORTAL_VIEWER, path(), FILTERS, audit);
    expect(clientLabels(first)).toEqual(names.slice(0, CLIENT_PAGE_SIZE));
    expect(first.clientPages).toEqual({ page: 1, pageSize: CLIENT_PAGE_SIZE, total: TOTAL });
    const second = await impactView(ADMIN_PORTAL_VIEWER, path(), FILTERS, { ...audit, clientPage: 2 });
    expect(clientLabels(second)).toEqual(names.slice(CLIENT_PAGE_SIZE));
    expect(second.clientPages).toEqual({ page: 2, pageSize: CLIENT_PAGE_SIZE, total: TOTAL });
    const past = await impactView(ADMIN_PORTAL_VIEWER, path(), FILTERS, { ...audit, clientPage: 3 });
    expect(clientLabels(past)).toEqual([]);
  });

  it("the CSV has every client row, not one page", async () => {
    const admin = await makeUser(await getDb(), { name: "Paging Admin", isPlatformAdmin: true });
    const response = await run(csvLoader, getRequest(`/impact/portal.csv?country=UG&region=${encodeURIComponent(REGION)}&partner=${partnerId}&page=2`, await sessionCookieFor(admin.id)));
    expect(response.status).toBe(200);
    const csv = await response.text();
    for (const name of names) expect(csv).toContain(name);
  });

  it("a funder's pages hold only the clients they fund who agreed to drill-down", async () => {
    const viewer = await portalViewerFor(investor.id);
    const view = await impactView(viewer, path(), FILTERS, audit);
    expect(clientLabels(view)).toEqual(fundedWithConsent);
    expect(view.clientPages).toEqual({ page: 1, pageSize: CLIENT_PAGE_SIZE, total: fundedWithConsent.length });
  });

  it("the page links keep the node and filters; a bad page number is a 400 naming the field", async () => {
    const admin = await makeUser(await getDb(), { name: "Paging Admin 2", isPlatformAdmin: true });
    const cookie = await sessionCookieFor(admin.id);
    const ok = await run(portalLoader, getRequest(`/impact/portal?country=UG&region=${encodeURIComponent(REGION)}&partner=${partnerId}&gender=female&page=2`, cookie));
    expect(ok.status).toBe(200);
    const data = (await ok.json()) as { view: { clientPages: { page: number; total: number }; filters: { gender: string } } };
    expect(data.view.clientPages).toMatchObject({ page: 2, total: TOTAL });
    expect(data.view.filters.gender).toBe("female");
    for (const bad of ["0", "two", "1.5"]) {
      const response = await run(portalLoader, getRequest(`/impact/portal?country=UG&page=${bad}`, cookie));
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/^page:/);
    }
    expect(parsePortalQuery(new URLSearchParams("country=UG"), new Date())).toMatchObject({ ok: true, page: 1 });
  });
});
