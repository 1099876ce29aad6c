import crypto from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { inviteStaff } from "~/models/partner.server.ts";
import { action as inviteAction, loader as inviteLoader } from "~/routes/invites.$token.tsx";
import { action as staffAction, loader as staffLoader } from "~/routes/portal.$partnerId.staff.tsx";
import { getDb } from "~/utils/db.server.ts";
import { makeMembership, makePartner, makeUser } from "../factories/index.ts";
import { linkIn } from "../support/mail.ts";
import { formRequest, getRequest, run, sessionCookieFor } from "../support/requests.ts";
import { smtpServerForFile } from "../support/smtp.ts";

const smtp = smtpServerForFile({ rejectRecipients: /@refused\.test$/ });

/** A partner with an admin and an officer, each with a session. */
async function staffedPartner(name: string) {
  const db = await getDb();
  const partner = await makePartner(db, { name });
  const admin = await makeUser(db, { name: `${name} Admin` });
  const officer = await makeUser(db, { name: `${name} Officer` });
  const adminMembership = await makeMembership(db, { userId: admin.id, partnerId: partner.id, role: "admin" });
  const officerMembership = await makeMembership(db, { userId: officer.id, partnerId: partner.id, role: "officer" });
  return {
    partner,
    admin: { ...admin, membershipId: adminMembership.id, cookie: await sessionCookieFor(admin.id) },
    officer: { ...officer, membershipId: officerMembership.id, cookie: await sessionCookieFor(officer.id) },
  };
}

function staff(partnerId: string, fields: Record<string, string>, cookie: string) {
  return run(staffAction, formRequest(`/portal/${partnerId}/staff`, fields, cookie), { partnerId });
}

/** Invites through the staff page and returns the token from the email that arrived. */
async function inviteByEmail(partnerId: string, adminCookie: string, email: string, role = "officer") {
  const res = await staff(partnerId, { intent: "invite", email, role }, adminCookie);
  expect(res.status).toBe(200);
  const mail = await smtp.waitFor((m) => m.envelopeTo.includes(email.toLowerCase()));
  const link = linkIn(mail.text, "/invites/");
  return { mail, link, token: new URL(link).pathname.split("/").pop()! };
}

function accept(token: string, cookie?: string) {
  return run(inviteAction, formRequest(`/invites/${token}`, {}, cookie), { token });
}

function invitePage(token: string, cookie?: string) {
  return run(inviteLoader, getRequest(`/invites/${token}`, cookie), { token });
}

describe("staff invitations", () => {
  it("emails a link; the invited person accepts it and joins with the role given; the link then stops working", async () => {
    const db = await getDb();
    const { partner, admin } = await staffedPartner("Invite Happy Path MFI");
    const { mail, link, token } = await inviteByEmail(partner.id, admin.cookie, "New.Officer@Example.test", "coordinator");
    expect(mail.subject).toBe("Join Invite Happy Path MFI on Mavuno");
    expect(mail.text).toContain("Invite Happy Path MFI Admin has invited you");
    expect(link).toBe(`http://localhost:3000/invites/${token}`);

    const stored = await db.partnerInvite.findFirstOrThrow({ where: { partnerId: partner.id } });
    expect(stored.email).toBe("new.officer@example.test");
    expect(stored.tokenHash).toBe(crypto.createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(stored)).not.toContain(token);
    const days = (stored.expiresAt.getTime() - stored.createdAt.getTime()) / 86_400_000;
    expect(days).toBeCloseTo(7, 1);

    const listed = (await (await run(staffLoader, getRequest(`/portal/${partner.id}/staff`, admin.cookie), { partnerId: partner.id })).json()) as {
      invites: { email: string; role: string }[];
    };
    expect(listed.invites).toEqual([expect.objectContaining({ email: "new.officer@example.test", role: "coordinator" })]);

    const newcomer = await makeUser(db, { email: "new.officer@example.test", name: "Nia Newcomer" });
    const cookie = await sessionCookieFor(newcomer.id);
    const page = await invitePage(token, cookie);
    expect(page.status).toBe(200);
    expect(await page.json()).toMatchObject({
      invite: { partnerName: "Invite Happy Path MFI", role: "coordinator", problem: null },
      user: { matches: true },
    });

    const res = await accept(token, cookie);
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe(`/portal/${partner.id}`);
    const membership = await db.partnerMembership.findUniqueOrThrow({
      where: { userId_partnerId: { userId: newcomer.id, partnerId: partner.id } },
    });
    expect(membership.role).toBe("coordinator");
    expect((await db.partnerInvite.findUniqueOrThrow({ where: { id: stored.id } })).acceptedById).toBe(newcomer.id);

    const reused = await accept(token, cookie);
    expect(reused.status).toBe(410);
    expect(((await reused.json()) as { errors: string[] }).errors[0]).toMatch(/already been used/);
    expect((await invitePage(token)).status).toBe(410);
  });

  it("sends a logged-out visitor to log in or sign up and back to the link", async () => {
    const { partner, admin } = await staffedPartner("Invite Logged Out MFI");
    const { token } = await inviteByEmail(partner.id, admin.cookie, "visitor@example.test");
    const page = (await (await invitePage(token)).json()) as { user: null; back: string };
    expect(page.user).toBeNull();
    expect(page.back).toBe(new URLSearchParams({ redirectTo: `/invites/${token}` }).toString());
    expect((await accept(token)).status).toBe(401);
  });

  it("refuses a user whose email is not the one invited, whatever the case of the address", async () => {
    const db = await getDb();
    const { partner, admin } = await staffedPartner("Invite Mismatch MFI");
    const { token } = await inviteByEmail(partner.id, admin.cookie, "intended@example.test");
    const stranger = await makeUser(db, { email: "someone-else@example.test" });
    const res = await accept(token, await sessionCookieFor(stranger.id));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { errors: string[] }).errors[0]).toMatch(/for intended@example\.test, but you are logged in as someone-else@example\.test/);
    expect(await db.partnerMembership.count({ where: { userId: stranger.id } })).toBe(0);

    const intended = await makeUser(db, { email: "INTENDED@example.test" });
    expect((await accept(token, await sessionCookieFor(intended.id))).status).toBe(302);
  });

  it("refuses an expired invitation", async () => {
    const db = await getDb();
    const { partner, admin } = await staffedPartner("Invite Expired MFI");
    await inviteStaff({
      partnerId: partner.id,
      invitedBy: { id: admin.id, name: admin.name },
      email: "late@example.test",
      role: "officer",
      origin: "http://localhost:3000",
      now: new Date(Date.now() - 8 * 86_400_000),
    });
    const link = linkIn((await smtp.waitFor((m) => m.envelopeTo.includes("late@example.test"))).text, "/invites/");
    const token = link.split("/").pop()!;
    const late = await makeUser(db, { email: "late@example.test" });
    const res = await accept(token, await sessionCookieFor(late.id));
    expect(res.status).toBe(410);
    expect(((await res.json()) as { errors: string[] }).errors[0]).toMatch(/expired/);
    expect(((await (await invitePage(token)).json()) as { invite: { problem: string } }).invite.problem).toMatch(/expired/);
    expect(await db.partnerMembership.count({ where: { userId: late.id } })).toBe(0);
  });

  it("refuses a withdrawn invitation, and inviting the same address again withdraws the earlier link", async () => {
    const db = await getDb();
    const { partner, admin } = await staffedPartner("Invite Revoked MFI");
    const { token: first } = await inviteByEmail(partner.id, admin.cookie, "twice@example.test");
    smtp.received.splice(0);
    const { token: second } = await inviteByEmail(partner.id, admin.cookie, "twice@example.test");
    expect(second).not.toBe(first);
    const user = await makeUser(db, { email: "twice@example.test" });
    const cookie = await sessionCookieFor(user.id);
    const res = await accept(first, cookie);
    expect(res.status).toBe(410);
    expect(((await res.json()) as { errors: string[] }).errors[0]).toMatch(/withdrawn/);

    const invite = await db.partnerInvite.findFirstOrThrow({ where: { partnerId: partner.id, revokedAt: null } });
    expect((await staff(partner.id, { intent: "revoke", inviteId: invite.id }, admin.cookie)).status).toBe(200);
    expect((await accept(second, cookie)).status).toBe(410);
    expect(await db.partnerMembership.count({ where: { userId: user.id } })).toBe(0);
  });

  it("when the email cannot be delivered, shows the admin the link to pass on, and the link works", async () => {
    const db = await getDb();
    const { partner, admin } = await staffedPartner("Invite Undeliverable MFI");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    let body: { notice: string; link: string };
    try {
      const res = await staff(partner.id, { intent: "invite", email: "offline@refused.test", role: "officer" }, admin.cookie);
      expect(res.status).toBe(200);
      body = (await res.json()) as { notice: string; link: string };
    } finally {
      warn.mockRestore();
    }
    expect(body.notice).toMatch(/could not be sent/);
    const token = linkIn(body.link, "/invites/").split("/").pop()!;
    const invitee = await makeUser(db, { email: "offline@refused.test" });
    expect((await accept(token, await sessionCookieFor(invitee.id))).status).toBe(302);
  });

  it("will not invite someone already on the staff", async () => {
    const { partner, admin, officer } = await staffedPartner("Invite Existing MFI");
    const res = await staff(partner.id, { intent: "invite", email: officer.email.toUpperCase(), role: "admin" }, admin.cookie);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { errors: Record<string, string[]> }).errors.email![0]).toMatch(/already on/);
  });

  it("names the bad field of an invitation", async () => {
    const { partner, admin } = await staffedPartner("Invite Bad Input MFI");
    const res = await staff(partner.id, { intent: "invite", email: "nope", role: "boss" }, admin.cookie);
    expect(res.status).toBe(400);
    expect(Object.keys(((await res.json()) as { errors: Record<string, string[]> }).errors).sort()).toEqual(["email", "role"]);
  });
});

describe("who may manage staff", () => {
  it("an officer gets 403 on the staff page and every staff action", async () => {
    const db = await getDb();
    const { partner, admin, officer } = await staffedPartner("Officer Forbidden MFI");
    expect((await run(staffLoader, getRequest(`/portal/${partner.id}/staff`, officer.cookie), { partnerId: partner.id })).status).toBe(403);
    const attempts: Record<string, string>[] = [
      { intent: "invite", email: "sneaky@example.test", role: "admin" },
      { intent: "change-role", membershipId: officer.membershipId, role: "admin" },
      { intent: "remove", membershipId: admin.membershipId },
    ];
    for (const fields of attempts) {
      expect((await staff(partner.id, fields, officer.cookie)).status).toBe(403);
    }
    expect(await db.partnerInvite.count({ where: { partnerId: partner.id } })).toBe(0);
    expect(await db.partnerMembership.count({ where: { partnerId: partner.id, role: "admin" } })).toBe(1);
  });

  it("an admin of partner A gets 403 on partner B's staff page, and A's page cannot reach B's people or invitations", async () => {
    const db = await getDb();
    const a = await staffedPartner("Partner A Staffing");
    const b = await staffedPartner("Partner B Staffing");
    expect((await run(staffLoader, getRequest(`/portal/${b.partner.id}/staff`, a.admin.cookie), { partnerId: b.partner.id })).status).toBe(403);
    expect((await staff(b.partner.id, { intent: "invite", email: "x@example.test", role: "admin" }, a.admin.cookie)).status).toBe(403);

    await inviteByEmail(b.partner.id, b.admin.cookie, "b-invitee@example.test");
    const bInvite = await db.partnerInvite.findFirstOrThrow({ where: { partnerId: b.partner.id } });
    // B's ids posted to A's own page match nothing there.
    expect((await staff(a.partner.id, { intent: "revoke", inviteId: bInvite.id }, a.admin.cookie)).status).toBe(404);
    expect((await staff(a.partner.id, { intent: "remove", membershipId: b.officer.membershipId }, a.admin.cookie)).status).toBe(404);
    expect((await staff(a.partner.id, { intent: "change-role", membershipId: b.officer.membershipId, role: "admin" }, a.admin.cookie)).status).toBe(404);
    expect((await db.partnerInvite.findUniqueOrThrow({ where: { id: bInvite.id } })).revokedAt).toBeNull();
    expect((await db.partnerMembership.findUniqueOrThrow({ where: { id: b.officer.membershipId } })).role).toBe("officer");

    const listed = (await (await run(staffLoader, getRequest(`/portal/${a.partner.id}/staff`, a.admin.cookie), { partnerId: a.partner.id })).json()) as {
      members: { email: string }[];
      invites: unknown[];
    };
    expect(listed.members.map((m) => m.email).sort()).toEqual([a.admin.email, a.officer.email].sort());
    expect(listed.invites).toEqual([]);
  });

  it("the last admin can be neither removed nor demoted; with a second admin, they can", async () => {
    const db = await getDb();
    const { partner, admin, officer } = await staffedPartner("Last Admin MFI");
    const remove = await staff(partner.id, { intent: "remove", membershipId: admin.membershipId }, admin.cookie);
    expect(remove.status).toBe(409);
    expect(((await remove.json()) as { errors: Record<string, string[]> }).errors[""]![0]).toMatch(/last admin/);
    const demote = await staff(partner.id, { intent: "change-role", membershipId: admin.membershipId, role: "officer" }, admin.cookie);
    expect(demote.status).toBe(409);
    expect(await db.partnerMembership.count({ where: { partnerId: partner.id, role: "admin" } })).toBe(1);

    expect((await staff(partner.id, { intent: "change-role", membershipId: officer.membershipId, role: "admin" }, admin.cookie)).status).toBe(200);
    const removedSelf = await staff(partner.id, { intent: "remove", membershipId: admin.membershipId }, admin.cookie);
    expect(removedSelf.status).toBe(302);
    expect(removedSelf.headers.get("Location")).toBe("/account");
    expect(await db.partnerMembership.findMany({ where: { partnerId: partner.id }, select: { userId: true, role: true } })).toEqual([
      { userId: officer.id, role: "admin" },
    ]);
  });
});
