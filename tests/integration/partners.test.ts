import { describe, expect, it, vi } from "vitest";
import { action as reviewAction, loader as reviewLoader } from "~/routes/admin.partners.$partnerId.tsx";
import { loader as adminListLoader } from "~/routes/admin.partners._index.tsx";
import { action as applyAction, loader as applyLoader } from "~/routes/apply.tsx";
import { loader as staffLoader } from "~/routes/portal.$partnerId.staff.tsx";
import { getDb } from "~/utils/db.server.ts";
import { makeMembership, makePartner, makeUser } from "../factories/index.ts";
import { linkIn } from "../support/mail.ts";
import { formRequest, getRequest, run, sessionCookieFor } from "../support/requests.ts";
import { smtpServerForFile } from "../support/smtp.ts";

const smtp = smtpServerForFile({ rejectRecipients: /@refused\.test$/ });

const GOOD_APPLICATION = {
  legalName: "Pamoja Women's Fund Limited",
  name: "Pamoja Women's Fund",
  country: "tz",
  regions: "Arusha\n\n  Dodoma \narusha\nMwanza",
  currency: "tzs",
  contactName: "Neema Mushi",
  contactEmail: "Neema@Pamoja.example",
  contactPhone: "+255 754 123 456",
  website: "pamoja.example",
  description: "We lend to women-led market businesses and savings groups around Arusha and Dodoma.",
};

async function apply(cookie: string, fields: Record<string, string> = GOOD_APPLICATION) {
  return run(applyAction, formRequest("/apply", fields, cookie));
}

async function newApplication(name: string, email?: string) {
  const db = await getDb();
  const applicant = await makeUser(db, { name: `${name} Applicant`, email });
  const cookie = await sessionCookieFor(applicant.id);
  const res = await apply(cookie, { ...GOOD_APPLICATION, name });
  expect(res.status).toBe(302);
  const partner = await db.partner.findFirstOrThrow({ where: { appliedById: applicant.id } });
  return { applicant, cookie, partner };
}

async function platformAdminCookie() {
  const admin = await makeUser(await getDb(), { isPlatformAdmin: true, name: "Amina Admin" });
  return { admin, cookie: await sessionCookieFor(admin.id) };
}

describe("applying to become a field partner", () => {
  it("sends a logged-out visitor to log in first", async () => {
    const res = await run(applyLoader, getRequest("/apply"));
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/login?redirectTo=%2Fapply");
  });

  it("names each bad field (missing legal name, unknown country, no regions, bad email) and saves nothing", async () => {
    const db = await getDb();
    const user = await makeUser(db);
    const before = await db.partner.count();
    const res = await apply(await sessionCookieFor(user.id), {
      ...GOOD_APPLICATION,
      legalName: "  ",
      country: "XX",
      regions: " \n \n",
      contactEmail: "not-an-email",
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Record<string, string[]>; values: Record<string, string> };
    expect(Object.keys(body.errors).sort()).toEqual(["contactEmail", "country", "legalName", "regions"]);
    expect(body.errors.legalName![0]).toMatch(/legal name/);
    expect(body.errors.country![0]).toMatch(/country/);
    expect(body.errors.regions![0]).toMatch(/at least one region/);
    expect(body.errors.contactEmail![0]).toMatch(/valid email/);
    expect(body.values.name).toBe(GOOD_APPLICATION.name);
    expect(await db.partner.count()).toBe(before);
  });

  it("refuses a currency that is not ISO 4217 and a website that is not a web address", async () => {
    const user = await makeUser(await getDb());
    const res = await apply(await sessionCookieFor(user.id), { ...GOOD_APPLICATION, currency: "ABC", website: "javascript:alert(1)" });
    const { errors } = (await res.json()) as { errors: Record<string, string[]> };
    expect(Object.keys(errors).sort()).toEqual(["currency", "website"]);
  });

  it("creates an applied partner with a unique slug, and the applicant sees it waiting for review", async () => {
    const db = await getDb();
    const first = await makeUser(db);
    const second = await makeUser(db);
    const firstCookie = await sessionCookieFor(first.id);
    expect((await apply(firstCookie)).headers.get("Location")).toBe("/apply");
    expect((await apply(await sessionCookieFor(second.id))).status).toBe(302);

    const [a, b] = await db.partner.findMany({ where: { appliedById: { in: [first.id, second.id] } }, orderBy: { createdAt: "asc" } });
    expect(a!.slug).toBe("pamoja-women-s-fund");
    expect(b!.slug).toBe("pamoja-women-s-fund-2");
    expect(a).toMatchObject({
      status: "applied",
      appliedById: first.id,
      country: "TZ",
      currency: "TZS",
      regions: ["Arusha", "Dodoma", "Mwanza"],
      contactEmail: "neema@pamoja.example",
      website: "https://pamoja.example",
      joinedAt: null,
    });

    const page = (await (await run(applyLoader, getRequest("/apply", firstCookie))).json()) as {
      applications: { name: string; status: string }[];
      countries: { value: string; label: string }[];
    };
    expect(page.applications).toEqual([expect.objectContaining({ name: "Pamoja Women's Fund", status: "applied" })]);
    expect(page.countries).toContainEqual({ value: "TZ", label: "Tanzania" });

    const again = await apply(firstCookie, { ...GOOD_APPLICATION, name: "Another Name" });
    expect(again.status).toBe(409);
    expect(await db.partner.count({ where: { appliedById: first.id } })).toBe(1);
  });
});

describe("reviewing applications", () => {
  it("is for platform admins only: lenders and partner staff get 403 and change nothing", async () => {
    const db = await getDb();
    const { partner } = await newApplication("Closed Door Trust");
    const lender = await makeUser(db);
    const staffPartner = await makePartner(db);
    const partnerAdmin = await makeUser(db);
    await makeMembership(db, { userId: partnerAdmin.id, partnerId: staffPartner.id, role: "admin" });
    for (const userId of [lender.id, partnerAdmin.id]) {
      const cookie = await sessionCookieFor(userId);
      expect((await run(adminListLoader, getRequest("/admin/partners", cookie))).status).toBe(403);
      expect((await run(reviewLoader, getRequest(`/admin/partners/${partner.id}`, cookie), { partnerId: partner.id })).status).toBe(403);
      const approve = formRequest(`/admin/partners/${partner.id}`, { intent: "approve" }, cookie);
      expect((await run(reviewAction, approve, { partnerId: partner.id })).status).toBe(403);
    }
    expect((await db.partner.findUniqueOrThrow({ where: { id: partner.id } })).status).toBe("applied");
    expect(await db.partnerMembership.count({ where: { partnerId: partner.id } })).toBe(0);
  });

  it("lists applications waiting for review first, oldest first, then the other partners", async () => {
    const db = await getDb();
    await makePartner(db, { name: "Aardvark Active Partner" });
    const older = await newApplication("Queue First Cooperative");
    const newer = await newApplication("Queue Second Cooperative");
    const { cookie } = await platformAdminCookie();
    const res = await run(adminListLoader, getRequest("/admin/partners", cookie));
    const { pending, others } = (await res.json()) as { pending: { id: string }[]; others: { name: string; status: string }[] };
    const ids = pending.map((p) => p.id);
    expect(ids.indexOf(older.partner.id)).toBeLessThan(ids.indexOf(newer.partner.id));
    expect(others.some((p) => p.name === "Aardvark Active Partner")).toBe(true);
    expect(others.every((p) => p.status !== "applied")).toBe(true);
  });

  it("approving makes the partner active and the applicant its admin, who is emailed a link to the portal", async () => {
    const db = await getDb();
    const { applicant, cookie: applicantCookie, partner } = await newApplication("Approved Growers Trust");
    const { admin, cookie } = await platformAdminCookie();

    const res = await run(reviewAction, formRequest(`/admin/partners/${partner.id}`, { intent: "approve" }, cookie), { partnerId: partner.id });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { notice: string }).notice).toMatch(/approved\. The applicant has been emailed/);

    const after = await db.partner.findUniqueOrThrow({ where: { id: partner.id } });
    expect(after).toMatchObject({ status: "active", reviewedById: admin.id });
    expect(after.joinedAt).toBeInstanceOf(Date);
    expect(after.reviewedAt).toBeInstanceOf(Date);
    const membership = await db.partnerMembership.findUniqueOrThrow({
      where: { userId_partnerId: { userId: applicant.id, partnerId: partner.id } },
    });
    expect(membership.role).toBe("admin");

    const mail = await smtp.waitFor((m) => m.envelopeTo.includes(applicant.email) && /approved/.test(m.subject));
    expect(mail.subject).toBe("Approved Growers Trust is approved on Mavuno");
    expect(linkIn(mail.text, "/portal/")).toBe(`http://localhost:3000/portal/${partner.id}`);

    const status = (await (await run(applyLoader, getRequest("/apply", applicantCookie))).json()) as { applications: { status: string }[] };
    expect(status.applications[0]!.status).toBe("active");
    const staffPage = await run(staffLoader, getRequest(`/portal/${partner.id}/staff`, applicantCookie), { partnerId: partner.id });
    expect(staffPage.status).toBe(200);

    const twice = await run(reviewAction, formRequest(`/admin/partners/${partner.id}`, { intent: "approve" }, cookie), { partnerId: partner.id });
    expect(twice.status).toBe(409);
  });

  it("rejecting needs a reason, which is stored, shown to the applicant and emailed", async () => {
    const db = await getDb();
    const { applicant, cookie: applicantCookie, partner } = await newApplication("Rejected Ventures");
    const { cookie } = await platformAdminCookie();
    const path = `/admin/partners/${partner.id}`;

    const missing = await run(reviewAction, formRequest(path, { intent: "reject", reason: "   " }, cookie), { partnerId: partner.id });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { errors: Record<string, string[]> }).errors.reason![0]).toMatch(/reason/);
    expect((await db.partner.findUniqueOrThrow({ where: { id: partner.id } })).status).toBe("applied");

    const reason = "We could not verify your registration. Please attach your licence number.";
    const res = await run(reviewAction, formRequest(path, { intent: "reject", reason }, cookie), { partnerId: partner.id });
    expect(res.status).toBe(200);
    expect(await db.partner.findUniqueOrThrow({ where: { id: partner.id } })).toMatchObject({ status: "rejected", rejectionReason: reason, joinedAt: null });
    expect(await db.partnerMembership.count({ where: { partnerId: partner.id } })).toBe(0);

    const mail = await smtp.waitFor((m) => m.envelopeTo.includes(applicant.email));
    expect(mail.subject).toBe("Your Mavuno application for Rejected Ventures");
    expect(mail.text).toContain(reason);

    const status = (await (await run(applyLoader, getRequest("/apply", applicantCookie))).json()) as {
      applications: { status: string; rejectionReason: string }[];
    };
    expect(status.applications[0]).toMatchObject({ status: "rejected", rejectionReason: reason });
    // A rejected applicant may apply again.
    expect((await apply(applicantCookie, { ...GOOD_APPLICATION, name: "Rejected Ventures" })).status).toBe(302);
  });

  it("an approval stands when the email cannot be delivered, and the admin is told to contact the applicant", async () => {
    const db = await getDb();
    const { applicant, partner } = await newApplication("Unreachable Savings Trust", "founder@refused.test");
    const { cookie } = await platformAdminCookie();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const res = await run(reviewAction, formRequest(`/admin/partners/${partner.id}`, { intent: "approve" }, cookie), { partnerId: partner.id });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { notice: string }).notice).toMatch(/approved, but the email to the applicant could not be sent/);
      expect(warn).toHaveBeenCalledOnce();
    } finally {
      warn.mockRestore();
    }
    expect((await db.partner.findUniqueOrThrow({ where: { id: partner.id } })).status).toBe("active");
    expect(await db.partnerMembership.count({ where: { userId: applicant.id, partnerId: partner.id, role: "admin" } })).toBe(1);
  });

  it("answers 404 for a partner that does not exist", async () => {
    const { cookie } = await platformAdminCookie();
    const res = await run(reviewAction, formRequest("/admin/partners/nope", { intent: "approve" }, cookie), { partnerId: "nope" });
    expect(res.status).toBe(404);
  });
});
