import { describe, expect, it } from "vitest";
import { getDb } from "~/utils/db.server.ts";
import { logIn } from "~/models/user.server.ts";
import { DEMO_PASSWORD, DEMO_USERS, seed } from "../../prisma/seed.ts";

describe("demo seed", () => {
  it("loads three partners in three countries and 40+ loans in every status, and running it again changes nothing", async () => {
    const db = await getDb();
    await seed();
    const partners = await db.partner.findMany({ select: { country: true } });
    expect(new Set(partners.map((p) => p.country)).size).toBe(3);
    const loans = await db.loan.count();
    expect(loans).toBeGreaterThanOrEqual(40);
    const statuses = await db.loan.findMany({ select: { status: true }, distinct: ["status"] });
    expect(statuses.map((s) => s.status).sort()).toEqual(
      ["cancelled", "defaulted", "draft", "expired", "funded", "fundraising", "paying_back", "repaid", "submitted", "written_off"],
    );
    expect(await db.group.count()).toBeGreaterThanOrEqual(3);
    expect(await db.partner.count({ where: { status: "applied", appliedById: { not: null } } })).toBeGreaterThanOrEqual(1);

    expect(await db.groupMeeting.count()).toBeGreaterThanOrEqual(60);
    expect(await db.ppiSurvey.count()).toBeGreaterThan(0);
    expect(await db.socialRollup.count()).toBeGreaterThan(0);
    const counts = { users: await db.user.count(), clients: await db.client.count(), consents: await db.consent.count(), meetings: await db.groupMeeting.count(), surveys: await db.ppiSurvey.count() };
    await seed();
    expect(await db.loan.count()).toBe(loans);
    expect({ users: await db.user.count(), clients: await db.client.count(), consents: await db.consent.count(), meetings: await db.groupMeeting.count(), surveys: await db.ppiSurvey.count() }).toEqual(counts);

    const skipped = await seed({ ifEmpty: true });
    expect(skipped.seeded).toBe(false);

    for (const email of Object.values(DEMO_USERS)) {
      expect((await logIn({ email, password: DEMO_PASSWORD }, "127.0.0.1")).ok).toBe(true);
    }
  }, 120_000);
});
