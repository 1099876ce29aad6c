// Who is asking. Every loader and action starts here.
import { redirect } from "@remix-run/node";
import type { PartnerRole } from "~/generated/prisma/enums.ts";
import type { Viewer } from "~/models/consent.server.ts";
import { getDb } from "./db.server.ts";
import { readSessionToken, validateSessionToken, type SessionUser, type ValidSession } from "./session.server.ts";

const sessions = new WeakMap<Request, Promise<ValidSession | null>>();

export function getSession(request: Request): Promise<ValidSession | null> {
  let pending = sessions.get(request);
  if (!pending) {
    const token = readSessionToken(request);
    pending = token ? validateSessionToken(token) : Promise.resolve(null);
    sessions.set(request, pending);
  }
  return pending;
}

export async function getOptionalUser(request: Request): Promise<SessionUser | null> {
  return (await getSession(request))?.user ?? null;
}

function isPageNavigation(request: Request): boolean {
  const url = new URL(request.url);
  return request.method === "GET" && !url.searchParams.has("_data");
}

/**
 * The signed-in user. A page visit without a session is sent to the log-in page
 * (and back afterwards); anything else gets 401.
 */
export async function requireUser(request: Request): Promise<SessionUser> {
  const user = await getOptionalUser(request);
  if (user) return user;
  if (isPageNavigation(request)) {
    const url = new URL(request.url);
    const back = `${url.pathname}${url.search}`;
    throw redirect(`/login?${new URLSearchParams({ redirectTo: back })}`);
  }
  throw new Response("You need to log in.", { status: 401 });
}

export function forbidden(message = "You do not have access to this page."): Response {
  return new Response(message, { status: 403 });
}

export async function requireAdmin(request: Request): Promise<SessionUser> {
  const user = await requireUser(request);
  if (!user.isPlatformAdmin) throw forbidden("Only platform admins can do this.");
  return user;
}

/**
 * A member of this partner's staff, optionally with one of the given roles.
 * Staff of another partner get 403, whatever their role there.
 */
export async function requirePartnerStaff(request: Request, partnerId: string, roles?: readonly PartnerRole[]) {
  const user = await requireUser(request);
  const db = await getDb();
  const membership = await db.partnerMembership.findUnique({
    where: { userId_partnerId: { userId: user.id, partnerId } },
    select: { role: true, partnerId: true },
  });
  if (!membership) throw forbidden("You are not on this partner's staff.");
  if (roles && !roles.includes(membership.role)) {
    throw forbidden(`This needs the ${roles.join(" or ")} role at this partner.`);
  }
  return { user, membership };
}

/** The partners a user works for, for navigation. */
export async function getMemberships(userId: string) {
  const db = await getDb();
  return db.partnerMembership.findMany({
    where: { userId },
    select: { role: true, partner: { select: { id: true, name: true, slug: true } } },
    orderBy: { createdAt: "asc" },
  });
}

/** The viewer for consent decisions: anonymous, or a user with their partner memberships. */
export async function getViewer(request: Request): Promise<Viewer> {
  const user = await getOptionalUser(request);
  if (!user) return { userId: null, isPlatformAdmin: false, partnerIds: [] };
  const memberships = await getMemberships(user.id);
  return { userId: user.id, isPlatformAdmin: user.isPlatformAdmin, partnerIds: memberships.map((m) => m.partner.id) };
}

/** Partner staff who manage clients, loans and groups (not coordinators, who only watch group health). */
export const MANAGING_ROLES = ["admin", "officer"] as const satisfies readonly PartnerRole[];

/** Staff of this partner (optionally with one of `roles`), with the partner's record: 404 when it does not exist. */
export async function requireStaffPartner(request: Request, partnerId: string, roles?: readonly PartnerRole[]) {
  const { user, membership } = await requirePartnerStaff(request, partnerId, roles);
  const db = await getDb();
  const partner = await db.partner.findUnique({
    where: { id: partnerId },
    select: { id: true, name: true, slug: true, country: true, regions: true, currency: true, status: true },
  });
  if (!partner) throw new Response("Not found", { status: 404 });
  return { user, membership, partner };
}
