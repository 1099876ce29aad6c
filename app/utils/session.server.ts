// Sessions after Lucia's design: a database row per session; the cookie holds
// `<id>.<secret>`; the database keeps only a SHA-256 hash of the secret, which
// is compared in constant time. Expiry slides: a session used in the second
// half of its life is extended. Deleting the row revokes it everywhere.
import crypto from "node:crypto";
import { getDb } from "./db.server.ts";
import { getEnv } from "./env.server.ts";

export const SESSION_COOKIE = "mavuno_session";
const DAY_MS = 24 * 60 * 60 * 1000;
export const SESSION_LIFETIME_MS = 30 * DAY_MS;
const RENEW_WHEN_LEFT_MS = SESSION_LIFETIME_MS / 2;

// Base32 (lowercase, no padding): URL- and cookie-safe. Also the secret in staff invitation links.
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
export function randomToken(bytes: number): string {
  const buffer = crypto.randomBytes(bytes);
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of buffer) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function hashSecret(secret: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(crypto.createHash("sha256").update(secret).digest());
}

export type SessionUser = {
  id: string;
  email: string;
  name: string;
  isPlatformAdmin: boolean;
};

export type ValidSession = {
  id: string;
  userId: string;
  expiresAt: Date;
  /** True when the expiry moved: the cookie must be sent again. */
  renewed: boolean;
  user: SessionUser;
};

export async function createSession(userId: string, userAgent: string | null) {
  const db = await getDb();
  const id = randomToken(20);
  const secret = randomToken(20);
  const expiresAt = new Date(Date.now() + SESSION_LIFETIME_MS);
  await db.session.create({
    data: { id, userId, secretHash: hashSecret(secret), expiresAt, userAgent: userAgent?.slice(0, 300) ?? null },
  });
  return { token: `${id}.${secret}`, id, expiresAt };
}

export async function validateSessionToken(token: string, now = new Date()): Promise<ValidSession | null> {
  const dot = token.indexOf(".");
  if (dot <= 0 || dot === token.length - 1) return null;
  const id = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (id.length > 64 || secret.length > 64) return null;

  const db = await getDb();
  const row = await db.session.findUnique({
    where: { id },
    include: { user: { select: { id: true, email: true, name: true, isPlatformAdmin: true } } },
  });
  if (!row) return null;

  const expected = Buffer.from(row.secretHash);
  const given = Buffer.from(hashSecret(secret));
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return null;

  if (row.expiresAt.getTime() <= now.getTime()) {
    await db.session.deleteMany({ where: { id } });
    return null;
  }

  let expiresAt = row.expiresAt;
  let renewed = false;
  if (expiresAt.getTime() - now.getTime() < RENEW_WHEN_LEFT_MS) {
    expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS);
    await db.session.update({ where: { id }, data: { expiresAt } });
    renewed = true;
  }
  return { id, userId: row.userId, expiresAt, renewed, user: row.user };
}

export async function invalidateSession(id: string): Promise<void> {
  const db = await getDb();
  await db.session.deleteMany({ where: { id } });
}

export async function invalidateAllSessions(userId: string): Promise<number> {
  const db = await getDb();
  const { count } = await db.session.deleteMany({ where: { userId } });
  return count;
}

export async function listSessions(userId: string) {
  const db = await getDb();
  return db.session.findMany({
    where: { userId, expiresAt: { gt: new Date() } },
    select: { id: true, createdAt: true, expiresAt: true, userAgent: true },
    orderBy: { createdAt: "desc" },
  });
}

// The database row's expiry is the authority and slides with use; the cookie
// itself lives as long as browsers allow, so it never expires before the row.
const COOKIE_MAX_AGE_S = 400 * 24 * 60 * 60;

export function sessionCookie(token: string): string {
  return serialize(token, COOKIE_MAX_AGE_S);
}

export function blankSessionCookie(): string {
  return serialize("", 0);
}

function serialize(value: string, maxAge: number): string {
  const parts = [`${SESSION_COOKIE}=${value}`, "Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${maxAge}`];
  if (getEnv().secureCookies) parts.push("Secure");
  return parts.join("; ");
}

export function readSessionToken(request: Request): string | null {
  return sessionTokenFromCookies(request.headers.get("Cookie"));
}

/** The session token in a Cookie header, read exactly as every request is: the page cache asks this too. */
export function sessionTokenFromCookies(header: string | null | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value || null;
    }
  }
  return null;
}
