// Field partners: who they are, who works for them, and what lenders may see of them.
// Staff functions take the partner id the caller was checked against and scope
// every query to it, so an id from another partner matches nothing.
import crypto from "node:crypto";
import { z } from "zod";
import type { PartnerRole } from "~/generated/prisma/enums.ts";
import { PARTNER_ROLES, ROLE_LABELS } from "~/lib/partner-labels.ts";
import { COUNTRY_CODES, CURRENCY_CODES, countryName } from "~/lib/places.ts";
import { getDb, type Db } from "~/utils/db.server.ts";
import { trySendEmail } from "~/utils/email.server.ts";
import { randomToken } from "~/utils/session.server.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
export const INVITE_LIFETIME_MS = 7 * DAY_MS;

/** A rule of partner onboarding or staffing was broken; the message is for the person who asked. */
export class PartnerRuleError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** The form field it is about ("" for the form as a whole). */
    readonly field = "",
  ) {
    super(message);
    this.name = "PartnerRuleError";
  }
}

/** The partner as its own staff see it in the portal header. */
export async function getPartnerForStaff(partnerId: string) {
  const db = await getDb();
  return db.partner.findUnique({
    where: { id: partnerId },
    select: { id: true, name: true, slug: true, country: true, regions: true, currency: true, status: true },
  });
}

// ---------------------------------------------------------------------------
// Applications

function requiredText(missing: string, max: number) {
  return z
    .string({ message: missing })
    .trim()
    .min(1, missing)
    .max(max, `Use at most ${max} characters.`);
}

function emailAddress(missing: string) {
  return z
    .string({ message: missing })
    .trim()
    .toLowerCase()
    .min(1, missing)
    .max(254, "That email address is too long.")
    .pipe(z.email({ message: "Enter a valid email address, like name@example.com." }));
}

export const partnerApplicationSchema = z.object({
  legalName: requiredText("Enter the organisation's legal name.", 200),
  name: requiredText("Enter the name lenders will see.", 80),
  country: z
    .string({ message: "Choose the country you work in." })
    .trim()
    .toUpperCase()
    .refine((code) => COUNTRY_CODES.includes(code), "Choose the country you work in from the list."),
  regions: z
    .string({ message: "Enter at least one region you serve, one per line." })
    .transform((text) => {
      const seen = new Set<string>();
      return text
        .split(/\r?\n/)
        .map((line) => line.trim().replace(/\s+/g, " "))
        .filter((line) => line !== "" && !seen.has(line.toLowerCase()) && seen.add(line.toLowerCase()));
    })
    .refine((regions) => regions.length > 0, "Enter at least one region you serve, one per line.")
    .refine((regions) => regions.length <= 50, "List at most 50 regions.")
    .refine((regions) => regions.every((r) => r.length <= 80), "Keep each region under 80 characters."),
  currency: z
    .string({ message: "Choose the currency your clients borrow in." })
    .trim()
    .toUpperCase()
    .refine((code) => CURRENCY_CODES.includes(code), "Choose the currency your clients borrow in from the list."),
  contactName: requiredText("Enter the name of the person we should contact.", 100),
  contactEmail: emailAddress("Enter the contact's email address."),
  contactPhone: z
    .string({ message: "Enter the contact's phone number." })
    .trim()
    .regex(/^\+?[0-9][0-9 ()-]{5,24}$/, "Enter a phone number with its country code, like +254 712 345 678."),
  website: z
    .string()
    .trim()
    .max(200, "Use at most 200 characters.")
    .default("")
    // People type "umoja.example" far more often than the scheme.
    .transform((value) => (value && !/^[a-z]+:\/\//i.test(value) ? `https://${value}` : value))
    .pipe(
      z.union([
        z.literal(""),
        z.url({ protocol: /^https?$/, hostname: z.regexes.domain, message: "Enter a web address like https://umoja.example, or leave it empty." }),
      ]),
    ),
  description: z
    .string({ message: "Tell us about your organisation and the people you serve." })
    .trim()
    .min(20, "Tell us about your organisation and the people you serve, in at least 20 characters.")
    .max(2000, "Use at most 2000 characters."),
});

export type PartnerApplication = z.infer<typeof partnerApplicationSchema>;

function slugify(name: string): string {
  const base = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 60)
    .replace(/^-+|-+$/g, "");
  return base || "partner";
}

async function freeSlug(db: Db, base: string): Promise<string> {
  const taken = new Set(
    (await db.partner.findMany({ where: { slug: { startsWith: base } }, select: { slug: true } })).map((p) => p.slug),
  );
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** A new partner in status `applied`, for a platform admin to review. One pending application per person. */
export async function applyForPartnership(input: { userId: string; application: PartnerApplication }) {
  const db = await getDb();
  const { application } = input;
  const pending = await db.partner.findFirst({ where: { appliedById: input.userId, status: "applied" }, select: { name: true } });
  if (pending) {
    throw new PartnerRuleError(`Your application for ${pending.name} is still waiting for review.`, 409);
  }
  const base = slugify(application.name);
  // Two applicants with the same name at the same moment: the unique index decides, the loser retries.
  for (let attempt = 0; ; attempt++) {
    const slug = attempt === 0 ? await freeSlug(db, base) : `${base}-${crypto.randomBytes(3).toString("hex")}`;
    try {
      return await db.partner.create({
        data: { ...application, slug, status: "applied", appliedById: input.userId },
        select: { id: true, slug: true, name: true, status: true },
      });
    } catch (error) {
      if ((error as { code?: string }).code !== "P2002" || attempt >= 4) throw error;
    }
  }
}

/** What an applicant sees of their own applications, newest first. */
export async function listApplicationsOf(userId: string) {
  const db = await getDb();
  return db.partner.findMany({
    where: { appliedById: userId },
    select: { id: true, name: true, country: true, status: true, createdAt: true, reviewedAt: true, rejectionReason: true },
    orderBy: { createdAt: "desc" },
  });
}

/** Every partner for platform admins: applications waiting for review first (oldest first), then the rest by name. */
export async function listPartnersForReview() {
  const db = await getDb();
  const select = { id: true, name: true, legalName: true, country: true, status: true, createdAt: true, joinedAt: true } as const;
  const [pending, others] = await Promise.all([
    db.partner.findMany({ where: { status: "applied" }, select, orderBy: { createdAt: "asc" } }),
    db.partner.findMany({ where: { status: { not: "applied" } }, select, orderBy: { name: "asc" } }),
  ]);
  return { pending, others };
}

export async function getPartnerForReview(partnerId: string) {
  const db = await getDb();
  const partner = await db.partner.findUnique({ where: { id: partnerId } });
  if (!partner) return null;
  const people = await db.user.findMany({
    where: { id: { in: [partner.appliedById, partner.reviewedById].filter((id): id is string => id !== null) } },
    select: { id: true, name: true, email: true },
  });
  const person = (id: string | null) => people.find((p) => p.id === id) ?? null;
  return { ...partner, applicant: person(partner.appliedById), reviewer: person(partner.reviewedById) };
}

export const reviewSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("approve") }),
  z.object({
    intent: z.literal("reject"),
    reason: z
      .string({ message: "Give the applicant the reason, so they can fix it and apply again." })
      .trim()
      .min(1, "Give the applicant the reason, so they can fix it and apply again.")
      .max(2000, "Use at most 2000 characters."),
  }),
]);

async function reviewablePartner(db: Db, partnerId: string) {
  const partner = await db.partner.findUnique({ where: { id: partnerId }, select: { id: true, name: true, status: true } });
  if (!partner) throw new PartnerRuleError("There is no such partner.", 404);
  if (partner.status !== "applied") throw new PartnerRuleError(`${partner.name}'s application has already been reviewed.`, 409);
  return partner;
}

async function applicantOf(db: Db, partnerId: string) {
  const { appliedById } = await db.partner.findUniqueOrThrow({ where: { id: partnerId }, select: { appliedById: true } });
  return appliedById ? db.user.findUnique({ where: { id: appliedById }, select: { id: true, name: true, email: true } }) : null;
}

/**
 * Approves an application: the partner goes live and the person who applied
 * becomes its first admin. `emailed` is null when no one applied (seeded partners).
 */
export async function approvePartnerApplication(input: { partnerId: string; reviewerId: string; origin: string }) {
  const db = await getDb();
  const partner = await reviewablePartner(db, input.partnerId);
  const applicant = await applicantOf(db, partner.id);
  await db.$transaction(async (tx) => {
    const now = new Date();
    // Conditional on the status, so two admins reviewing at once cannot both win.
    const { count } = await tx.partner.updateMany({
      where: { id: partner.id, status: "applied" },
      data: { status: "active", joinedAt: now, reviewedById: input.reviewerId, reviewedAt: now, rejectionReason: null },
    });
    if (count !== 1) throw new PartnerRuleError(`${partner.name}'s application has already been reviewed.`, 409);
    if (applicant) {
      await tx.partnerMembership.upsert({
        where: { userId_partnerId: { userId: applicant.id, partnerId: partner.id } },
        create: { userId: applicant.id, partnerId: partner.id, role: "admin" },
        update: { role: "admin" },
      });
    }
  });
  const emailed = applicant
    ? await trySendEmail({
        to: applicant.email,
        subject: `${partner.name} is approved on Mavuno`,
        text: [
          `Hello ${applicant.name},`,
          "",
          `Good news: ${partner.name} is now a Mavuno field partner, and you are its admin.`,
          "",
          "Open your partner portal:",
          `${input.origin}/portal/${partner.id}`,
          "",
          "Invite your loan officers and coordinators from its Staff page:",
          `${input.origin}/portal/${partner.id}/staff`,
          "",
          "— The Mavuno team",
        ].join("\n"),
      })
    : null;
  return { partner, emailed };
}

export async function rejectPartnerApplication(input: { partnerId: string; reviewerId: string; reason: string; origin: string }) {
  const db = await getDb();
  const partner = await reviewablePartner(db, input.partnerId);
  const applicant = await applicantOf(db, partner.id);
  const now = new Date();
  const { count } = await db.partner.updateMany({
    where: { id: partner.id, status: "applied" },
    data: { status: "rejected", reviewedById: input.reviewerId, reviewedAt: now, rejectionReason: input.reason },
  });
  if (count !== 1) throw new PartnerRuleError(`${partner.name}'s application has already been reviewed.`, 409);
  const emailed = applicant
    ? await trySendEmail({
        to: applicant.email,
        subject: `Your Mavuno application for ${partner.name}`,
        text: [
          `Hello ${applicant.name},`,
          "",
          `Thank you for applying to bring ${partner.name} to Mavuno. We cannot approve the application as it stands, for this reason:`,
          "",
          input.reason,
          "",
          "You are welcome to apply again once this is addressed:",
          `${input.origin}/apply`,
          "",
          "— The Mavuno team",
        ].join("\n"),
      })
    : null;
  return { partner, emailed };
}

// ---------------------------------------------------------------------------
// Staff and invitations

export const inviteSchema = z.object({
  email: emailAddress("Enter the email address to invite."),
  role: z.enum(PARTNER_ROLES, { message: "Choose a role: admin, officer or coordinator." }),
});

export const staffActionSchema = z.discriminatedUnion("intent", [
  inviteSchema.extend({ intent: z.literal("invite") }),
  z.object({ intent: z.literal("revoke"), inviteId: z.string().min(1).max(64) }),
  z.object({ intent: z.literal("change-role"), membershipId: z.string().min(1).max(64), role: inviteSchema.shape.role }),
  z.object({ intent: z.literal("remove"), membershipId: z.string().min(1).max(64) }),
]);

export async function listStaff(partnerId: string, now = new Date()) {
  const db = await getDb();
  const [members, invites] = await Promise.all([
    db.partnerMembership.findMany({
      where: { partnerId },
      select: { id: true, role: true, createdAt: true, user: { select: { id: true, name: true, email: true } } },
      orderBy: [{ role: "asc" }, { createdAt: "asc" }],
    }),
    db.partnerInvite.findMany({
      where: { partnerId, acceptedAt: null, revokedAt: null },
      select: { id: true, email: true, role: true, createdAt: true, expiresAt: true },
      orderBy: { createdAt: "desc" },
    }),
  ]);
  return { members, invites: invites.map((i) => ({ ...i, expired: i.expiresAt.getTime() <= now.getTime() })) };
}

function hashInviteToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

/**
 * Invites someone to this partner's staff by email. Inviting the same address
 * again withdraws the earlier link. When the email could not be sent, the link
 * is returned so the admin can pass it on themselves.
 */
export async function inviteStaff(input: {
  partnerId: string;
  invitedBy: { id: string; name: string };
  email: string;
  role: PartnerRole;
  origin: string;
  now?: Date;
}) {
  const db = await getDb();
  const now = input.now ?? new Date();
  const partner = await db.partner.findUniqueOrThrow({ where: { id: input.partnerId }, select: { id: true, name: true } });
  const existing = await db.partnerMembership.findFirst({
    where: { partnerId: partner.id, user: { email: input.email } },
    select: { id: true },
  });
  if (existing) throw new PartnerRuleError(`${input.email} is already on ${partner.name}'s staff.`, 409, "email");

  const token = randomToken(20);
  const expiresAt = new Date(now.getTime() + INVITE_LIFETIME_MS);
  const invite = await db.$transaction(async (tx) => {
    await tx.partnerInvite.updateMany({
      where: { partnerId: partner.id, email: input.email, acceptedAt: null, revokedAt: null },
      data: { revokedAt: now },
    });
    return tx.partnerInvite.create({
      data: {
        partnerId: partner.id,
        email: input.email,
        role: input.role,
        tokenHash: hashInviteToken(token),
        invitedById: input.invitedBy.id,
        expiresAt,
      },
      select: { id: true, email: true, role: true, expiresAt: true },
    });
  });
  const link = `${input.origin}/invites/${token}`;
  const emailed = await trySendEmail({
    to: input.email,
    subject: `Join ${partner.name} on Mavuno`,
    text: [
      "Hello,",
      "",
      `${input.invitedBy.name} has invited you to join ${partner.name}'s staff on Mavuno as ${ROLE_LABELS[input.role].toLowerCase()}.`,
      "",
      "Accept the invitation here:",
      link,
      "",
      `The link works for 7 days and only for an account with this email address (${input.email}). If you do not have a Mavuno account yet, you can create one from the link.`,
      "",
      "If you were not expecting this, you can ignore this email.",
    ].join("\n"),
  });
  return { invite, emailed, link: emailed ? null : link };
}

export async function revokeInvite(input: { partnerId: string; inviteId: string; now?: Date }) {
  const db = await getDb();
  const { count } = await db.partnerInvite.updateMany({
    where: { id: input.inviteId, partnerId: input.partnerId, acceptedAt: null, revokedAt: null },
    data: { revokedAt: input.now ?? new Date() },
  });
  if (count !== 1) throw new PartnerRuleError("That invitation is not pending any more.", 404);
}

// Staff changes for one partner take turns on the partner's row, so two admins
// demoting each other at once cannot leave the partner with none.
async function changeMembership(
  partnerId: string,
  membershipId: string,
  change: { kind: "remove" } | { kind: "role"; role: PartnerRole },
) {
  const db = await getDb();
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM partners WHERE id = ${partnerId} FOR UPDATE`;
    const member = await tx.partnerMembership.findFirst({
      where: { id: membershipId, partnerId },
      select: { id: true, role: true, userId: true },
    });
    if (!member) throw new PartnerRuleError("That person is not on this partner's staff.", 404);
    const losesAdmin = member.role === "admin" && (change.kind === "remove" || change.role !== "admin");
    if (losesAdmin && (await tx.partnerMembership.count({ where: { partnerId, role: "admin" } })) <= 1) {
      throw new PartnerRuleError(
        change.kind === "remove"
          ? "You cannot remove the last admin: make someone else an admin first."
          : "You cannot change the last admin's role: make someone else an admin first.",
        409,
      );
    }
    if (change.kind === "remove") await tx.partnerMembership.delete({ where: { id: member.id } });
    else await tx.partnerMembership.update({ where: { id: member.id }, data: { role: change.role } });
    return { userId: member.userId };
  });
}

export function changeStaffRole(input: { partnerId: string; membershipId: string; role: PartnerRole }) {
  return changeMembership(input.partnerId, input.membershipId, { kind: "role", role: input.role });
}

export function removeStaff(input: { partnerId: string; membershipId: string }) {
  return changeMembership(input.partnerId, input.membershipId, { kind: "remove" });
}

export type InviteState = "pending" | "expired" | "revoked" | "accepted";

const TOKEN_SHAPE = /^[a-z2-7]{16,64}$/;

/** The invitation behind a link, with what can still be done with it; null for a link that never existed. */
export async function getInvite(token: string, now = new Date()) {
  if (!TOKEN_SHAPE.test(token)) return null;
  const db = await getDb();
  const invite = await db.partnerInvite.findUnique({
    where: { tokenHash: hashInviteToken(token) },
    select: {
      id: true,
      email: true,
      role: true,
      expiresAt: true,
      acceptedAt: true,
      revokedAt: true,
      partner: { select: { id: true, name: true, country: true } },
    },
  });
  if (!invite) return null;
  const state: InviteState = invite.acceptedAt
    ? "accepted"
    : invite.revokedAt
      ? "revoked"
      : invite.expiresAt.getTime() <= now.getTime()
        ? "expired"
        : "pending";
  return {
    email: invite.email,
    role: invite.role,
    expiresAt: invite.expiresAt,
    state,
    partner: { ...invite.partner, countryName: countryName(invite.partner.country) },
  };
}

export function inviteStateMessage(state: Exclude<InviteState, "pending">, partnerName: string): string {
  switch (state) {
    case "accepted":
      return "This invitation has already been used. Each link works once.";
    case "revoked":
      return `${partnerName} has withdrawn this invitation. Ask them for a new one if you still need it.`;
    case "expired":
      return `This invitation has expired (links work for 7 days). Ask ${partnerName} to send a new one.`;
  }
}

/** Accepts an invitation for the logged-in user, whose email must be the one invited. */
export async function acceptInvite(input: { token: string; user: { id: string; email: string }; now?: Date }) {
  const now = input.now ?? new Date();
  const invite = await getInvite(input.token, now);
  if (!invite) throw new PartnerRuleError("This invitation link is not valid. Check that you copied all of it.", 404);
  if (invite.state !== "pending") throw new PartnerRuleError(inviteStateMessage(invite.state, invite.partner.name), 410);
  if (invite.email.toLowerCase() !== input.user.email.toLowerCase()) {
    throw new PartnerRuleError(
      `This invitation is for ${invite.email}, but you are logged in as ${input.user.email}. Log out, then log in or sign up as ${invite.email} to accept it.`,
      403,
    );
  }
  const db = await getDb();
  const already = await db.partnerMembership.findUnique({
    where: { userId_partnerId: { userId: input.user.id, partnerId: invite.partner.id } },
    select: { role: true },
  });
  if (already) throw new PartnerRuleError(`You are already on ${invite.partner.name}'s staff.`, 409);
  await db.$transaction(async (tx) => {
    // Conditional on the invite still being open: a double click or a revocation in between cannot slip through.
    const { count } = await tx.partnerInvite.updateMany({
      where: { tokenHash: hashInviteToken(input.token), acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
      data: { acceptedAt: now, acceptedById: input.user.id },
    });
    if (count !== 1) throw new PartnerRuleError("This invitation has already been used. Each link works once.", 410);
    await tx.partnerMembership.create({ data: { userId: input.user.id, partnerId: invite.partner.id, role: invite.role } });
  });
  return { partnerId: invite.partner.id, partnerName: invite.partner.name, role: invite.role };
}

const LISTED_STATUSES = ["fundraising", "funded", "paying_back", "repaid", "defaulted", "written_off", "expired"] as const;

/** Loans by status and what has been posted and raised, for the dashboard and the public profile. */
export async function partnerStats(partnerId: string) {
  const db = await getDb();
  const [byStatus, listed, clients, groups] = await Promise.all([
    db.loan.groupBy({ by: ["status"], where: { partnerId }, _count: { _all: true }, _sum: { amountUsdCents: true } }),
    db.loan.aggregate({ where: { partnerId, status: { in: [...LISTED_STATUSES] } }, _count: { _all: true }, _sum: { amountUsdCents: true } }),
    db.client.count({ where: { partnerId } }),
    db.group.count({ where: { partnerId } }),
  ]);
  const counts = Object.fromEntries(byStatus.map((s) => [s.status, { count: s._count._all, amountUsdCents: s._sum.amountUsdCents ?? 0 }]));
  // Raised = the loans that reached full funding; money in escrow comes with lending.
  const raisedStatuses = ["funded", "paying_back", "repaid", "defaulted", "written_off"];
  const raisedUsdCents = byStatus.filter((s) => raisedStatuses.includes(s.status)).reduce((a, s) => a + (s._sum.amountUsdCents ?? 0), 0);
  return {
    byStatus: counts as Record<string, { count: number; amountUsdCents: number }>,
    loansPosted: listed._count._all,
    amountPostedUsdCents: listed._sum.amountUsdCents ?? 0,
    raisedUsdCents,
    clients,
    groups,
  };
}

/** What lenders see of a partner: only active partners have a public profile. */
export async function getPublicPartner(slug: string) {
  const db = await getDb();
  const partner = await db.partner.findFirst({
    where: { slug, status: "active" },
    select: { id: true, slug: true, name: true, country: true, regions: true, description: true, website: true, joinedAt: true },
  });
  if (!partner) return null;
  return { partner, stats: await partnerStats(partner.id) };
}
