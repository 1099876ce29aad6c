import { describe, expect, it } from "vitest";
import { requireAdmin, requirePartnerStaff, requireUser } from "~/utils/auth.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { createSession } from "~/utils/session.server.ts";
import { makeMembership, makePartner, makeUser } from "../factories/index.ts";
import { BASE } from "../support/requests.ts";

async function requestAs(userId: string, method = "GET") {
  const { token } = await createSession(userId, "vitest");
  return new Request(`${BASE}/somewhere`, { method, headers: { Cookie: `mavuno_session=${token}` } });
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown.status;
    throw thrown;
  }
}

describe("role helpers", () => {
  it("requirePartnerStaff lets a partner's officer in and keeps another partner's officer out", async () => {
    const db = await getDb();
    const a = await makePartner(db, { name: "Partner A" });
    const b = await makePartner(db, { name: "Partner B" });
    const officerA = await makeUser(db);
    await makeMembership(db, { userId: officerA.id, partnerId: a.id, role: "officer" });

    const request = await requestAs(officerA.id);
    const { membership } = await requirePartnerStaff(request, a.id);
    expect(membership.role).toBe("officer");
    expect(await statusOf(requirePartnerStaff(await requestAs(officerA.id), b.id))).toBe(403);
  });

  it("requirePartnerStaff with a role refuses staff without that role", async () => {
    const db = await getDb();
    const partner = await makePartner(db);
    const officer = await makeUser(db);
    const admin = await makeUser(db);
    await makeMembership(db, { userId: officer.id, partnerId: partner.id, role: "officer" });
    await makeMembership(db, { userId: admin.id, partnerId: partner.id, role: "admin" });
    expect(await statusOf(requirePartnerStaff(await requestAs(officer.id), partner.id, ["admin"]))).toBe(403);
    expect(await statusOf(requirePartnerStaff(await requestAs(admin.id), partner.id, ["admin"]))).toBe(200);
  });

  it("a lender with no membership cannot reach partner staff pages, nor can a platform admin act as staff", async () => {
    const db = await getDb();
    const partner = await makePartner(db);
    const lender = await makeUser(db);
    const platformAdmin = await makeUser(db, { isPlatformAdmin: true });
    expect(await statusOf(requirePartnerStaff(await requestAs(lender.id), partner.id))).toBe(403);
    expect(await statusOf(requirePartnerStaff(await requestAs(platformAdmin.id), partner.id))).toBe(403);
  });

  it("requireAdmin admits only platform admins", async () => {
    const db = await getDb();
    const lender = await makeUser(db);
    const admin = await makeUser(db, { isPlatformAdmin: true });
    expect(await statusOf(requireAdmin(await requestAs(lender.id)))).toBe(403);
    expect(await statusOf(requireAdmin(await requestAs(admin.id)))).toBe(200);
  });

  it("requireUser sends a page visit to log in and answers other requests with 401", async () => {
    try {
      await requireUser(new Request(`${BASE}/account?tab=2`));
      expect.unreachable();
    } catch (thrown) {
      const res = thrown as Response;
      expect(res.status).toBe(302);
      expect(res.headers.get("Location")).toBe("/login?redirectTo=%2Faccount%3Ftab%3D2");
    }
    expect(await statusOf(requireUser(new Request(`${BASE}/account`, { method: "POST" })))).toBe(401);
    expect(await statusOf(requireUser(new Request(`${BASE}/account?_data=routes%2Faccount`)))).toBe(401);
  });
});
