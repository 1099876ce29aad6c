// Who may reach the partner portal and the review pages. Every loader and action
// of every portal route is called as an officer of another partner, a lender,
// and the right officer.
import { describe, expect, it } from "vitest";
import * as clientPage from "~/routes/portal.$partnerId.clients.$clientId.tsx";
import * as clientsIndex from "~/routes/portal.$partnerId.clients._index.tsx";
import * as clientNew from "~/routes/portal.$partnerId.clients.new.tsx";
import * as dashboard from "~/routes/portal.$partnerId._index.tsx";
import * as groupPage from "~/routes/portal.$partnerId.groups.$groupId.tsx";
import * as groupsIndex from "~/routes/portal.$partnerId.groups._index.tsx";
import * as groupNew from "~/routes/portal.$partnerId.groups.new.tsx";
import * as layout from "~/routes/portal.$partnerId.tsx";
import * as loanPage from "~/routes/portal.$partnerId.loans.$loanId.tsx";
import * as loansIndex from "~/routes/portal.$partnerId.loans._index.tsx";
import * as loanNew from "~/routes/portal.$partnerId.loans.new.tsx";
import * as reviewPage from "~/routes/admin.loans.$loanId.tsx";
import * as reviewQueue from "~/routes/admin.loans._index.tsx";
import * as photo from "~/routes/photos.$clientId.tsx";
import { getDb } from "~/utils/db.server.ts";
import { createSession } from "~/utils/session.server.ts";
import { makeClient, makeGroup, makeLoan, makeMembership, makePartner, makeUser } from "../factories/index.ts";
import { formRequest, getRequest, run } from "../support/requests.ts";

async function cookieFor(userId: string) {
  return `mavuno_session=${(await createSession(userId, null)).token}`;
}

async function world() {
  const db = await getDb();
  const a = await makePartner(db, { name: "Partner A", regions: ["Kisumu"] });
  const b = await makePartner(db, { name: "Partner B", regions: ["Gulu"] });
  const officerA = await makeUser(db);
  const officerB = await makeUser(db);
  const coordinatorB = await makeUser(db);
  const lender = await makeUser(db);
  const admin = await makeUser(db, { isPlatformAdmin: true });
  await makeMembership(db, { userId: officerA.id, partnerId: a.id, role: "officer" });
  await makeMembership(db, { userId: officerB.id, partnerId: b.id, role: "officer" });
  await makeMembership(db, { userId: coordinatorB.id, partnerId: b.id, role: "coordinator" });
  const clientB = await makeClient(db, { partnerId: b.id, region: "Gulu" });
  await db.client.update({ where: { id: clientB.id }, data: { photoFile: "missing.jpg" } });
  const groupB = await makeGroup(db, { partnerId: b.id, region: "Gulu", memberIds: [clientB.id] });
  const loanB = await makeLoan(db, { partnerId: b.id, clientId: clientB.id, status: "submitted" });
  return { a, b, officerA, officerB, coordinatorB, lender, admin, clientB, groupB, loanB };
}

type Route = { loader?: unknown; action?: unknown };

function calls(w: Awaited<ReturnType<typeof world>>) {
  const p = w.b.id;
  const list: { name: string; route: Route; path: string; params: Record<string, string>; form?: Record<string, string> }[] = [
    { name: "layout", route: layout, path: `/portal/${p}`, params: { partnerId: p } },
    { name: "dashboard", route: dashboard, path: `/portal/${p}`, params: { partnerId: p } },
    { name: "clients", route: clientsIndex, path: `/portal/${p}/clients`, params: { partnerId: p } },
    { name: "new client", route: clientNew, path: `/portal/${p}/clients/new`, params: { partnerId: p }, form: { fullName: "X", gender: "female", region: "Gulu", village: "Y", sector: "Z" } },
    { name: "client", route: clientPage, path: `/portal/${p}/clients/${w.clientB.id}`, params: { partnerId: p, clientId: w.clientB.id }, form: { intent: "grant", purpose: "story", evidence: "form 1" } },
    { name: "groups", route: groupsIndex, path: `/portal/${p}/groups`, params: { partnerId: p } },
    { name: "new group", route: groupNew, path: `/portal/${p}/groups/new`, params: { partnerId: p }, form: { name: "G", kind: "savings_group", region: "Gulu", village: "V", sector: "S" } },
    { name: "group", route: groupPage, path: `/portal/${p}/groups/${w.groupB.id}`, params: { partnerId: p, groupId: w.groupB.id }, form: { intent: "remove-member", clientId: w.clientB.id } },
    { name: "loans", route: loansIndex, path: `/portal/${p}/loans`, params: { partnerId: p } },
    { name: "new loan", route: loanNew, path: `/portal/${p}/loans/new`, params: { partnerId: p }, form: { intent: "save" } },
    { name: "loan", route: loanPage, path: `/portal/${p}/loans/${w.loanB.id}`, params: { partnerId: p, loanId: w.loanB.id }, form: { intent: "cancel", reason: "because" } },
  ];
  return list;
}

async function statuses(w: Awaited<ReturnType<typeof world>>, cookie: string | undefined) {
  const out: Record<string, number> = {};
  for (const c of calls(w)) {
    const route = c.route as { loader?: Parameters<typeof run>[0]; action?: Parameters<typeof run>[0] };
    if (route.loader) out[`${c.name} read`] = (await run(route.loader, getRequest(c.path, cookie), c.params)).status;
    if (route.action && c.form) out[`${c.name} write`] = (await run(route.action, formRequest(c.path, c.form, cookie), c.params)).status;
  }
  return out;
}

describe("partner portal access", () => {
  it("an officer of partner A gets 403 on every read and write of partner B's clients, groups and loans, and nothing changes", async () => {
    const w = await world();
    const result = await statuses(w, await cookieFor(w.officerA.id));
    for (const [call, status] of Object.entries(result)) expect({ call, status }).toEqual({ call, status: 403 });
    const db = await getDb();
    expect((await db.loan.findUniqueOrThrow({ where: { id: w.loanB.id } })).status).toBe("submitted");
    expect(await db.consent.count({ where: { clientId: w.clientB.id } })).toBe(0);
    expect(await db.groupMember.count({ where: { groupId: w.groupB.id, leftAt: null } })).toBe(1);
  });

  it("partner B's photo is not served to partner A's officer without the client's photo consent", async () => {
    const w = await world();
    const res = await run(photo.loader as Parameters<typeof run>[0], getRequest(`/photos/${w.clientB.id}`, await cookieFor(w.officerA.id)), { clientId: w.clientB.id });
    // 404, not 403: whether a photo exists is itself not revealed.
    expect(res.status).toBe(404);
  });

  it("a lender cannot reach partner pages; a visitor is sent to log in", async () => {
    const w = await world();
    const asLender = await statuses(w, await cookieFor(w.lender.id));
    for (const [call, status] of Object.entries(asLender)) expect({ call, status }).toEqual({ call, status: 403 });
    const anonymous = await statuses(w, undefined);
    for (const [call, status] of Object.entries(anonymous)) {
      expect({ call, status }).toEqual({ call, status: call.endsWith("read") ? 302 : 401 });
    }
  });

  it("a coordinator sees group health but not clients, loans or money-moving pages", async () => {
    const w = await world();
    const result = await statuses(w, await cookieFor(w.coordinatorB.id));
    expect(result["groups read"]).toBe(200);
    expect(result["group read"]).toBe(200);
    expect(result["dashboard read"]).toBe(200);
    for (const name of ["clients read", "client read", "client write", "loans read", "loan read", "loan write", "new loan write", "group write", "new group write"]) {
      expect({ name, status: result[name] }).toEqual({ name, status: 403 });
    }
  });

  it("the right officer gets in", async () => {
    const w = await world();
    const result = await statuses(w, await cookieFor(w.officerB.id));
    for (const name of ["dashboard read", "clients read", "client read", "groups read", "group read", "loans read", "loan read"]) {
      expect({ name, status: result[name] }).toEqual({ name, status: 200 });
    }
  });

  it("only platform admins review loan requests", async () => {
    const w = await world();
    for (const user of [w.officerB, w.lender]) {
      const cookie = await cookieFor(user.id);
      expect((await run(reviewQueue.loader as Parameters<typeof run>[0], getRequest("/admin/loans", cookie))).status).toBe(403);
      const res = await run(reviewPage.action as Parameters<typeof run>[0], formRequest(`/admin/loans/${w.loanB.id}`, { decision: "approve" }, cookie), { loanId: w.loanB.id });
      expect(res.status).toBe(403);
    }
    expect((await (await getDb()).loan.findUniqueOrThrow({ where: { id: w.loanB.id } })).status).toBe("submitted");
    const asAdmin = await run(reviewQueue.loader as Parameters<typeof run>[0], getRequest("/admin/loans", await cookieFor(w.admin.id)));
    expect(asAdmin.status).toBe(200);
  });
});

describe("the admin home", () => {
  it("counts what waits for review, for platform admins only", async () => {
    const admin = await import("~/routes/admin._index.tsx");
    const w = await world();
    const asOfficer = await run(admin.loader as Parameters<typeof run>[0], getRequest("/admin", await cookieFor(w.officerB.id)));
    expect(asOfficer.status).toBe(403);
    const res = await run(admin.loader as Parameters<typeof run>[0], getRequest("/admin", await cookieFor(w.admin.id)));
    const body = (await res.json()) as { loanRequests: number; applications: number };
    expect(body.loanRequests).toBeGreaterThanOrEqual(1);
  });
});
