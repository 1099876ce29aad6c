// Clients' own statements. A client has no account: their field partner gives
// them an access code, and the code opens a short statement session. Only a
// hash of the code is stored; the session is a signed cookie naming the code,
// checked against the code's row on every request, so revoking the code (or
// issuing a new one) ends every session opened with it at once.
// Why a signed cookie rather than a session row: docs/decisions/010-client-statements.md.
import crypto from "node:crypto";
import { redirect } from "@remix-run/node";
import { z } from "zod";
import { consentHistory, revokeConsent } from "~/models/consent.server.ts";
import { listLoanRepayments, scheduleWithState, type ScheduleRow } from "~/models/repayment.server.ts";
import { ACCESS_CODE_ALPHABET, ACCESS_CODE_LENGTH, coveredPerInstalment, formatAccessCode, normaliseAccessCode } from "~/lib/statement.ts";
import { getDb } from "~/utils/db.server.ts";
import { getEnv } from "~/utils/env.server.ts";

const DAY_MS = 86_400_000;
export const ACCESS_CODE_LIFETIME_MS = 180 * DAY_MS;
export const STATEMENT_SESSION_MS = 30 * 60_000;
export const STATEMENT_COOKIE = "mavuno_statement";
/** Failed code attempts are recorded beside failed log-ins, under this name instead of an email. */
export const ACCESS_CODE_ATTEMPT = "client-access-code";

export class AccessCodeError extends Error {
  constructor(
    message: string,
    readonly field: string = "",
  ) {
    super(message);
    this.name = "AccessCodeError";
  }
}

// Two secrets that live as long as the process: one signs statement cookies,
// one turns a form's request key into a code (so a resubmitted form shows the
// same code). Kept on globalThis so a development rebuild does not sign
// everyone out. A restart does: clients type their code again.
type Keys = { session: Buffer; code: Buffer };
const store = globalThis as typeof globalThis & { __mavunoStatementKeys?: Keys };
function keys(): Keys {
  store.__mavunoStatementKeys ??= { session: crypto.randomBytes(32), code: crypto.randomBytes(32) };
  return store.__mavunoStatementKeys;
}

function hashCode(normalised: string): string {
  return crypto.createHash("sha256").update(normalised).digest("hex");
}

/** A code from the form's request key: random to anyone without the process's key, the same for a resubmission. */
function codeFor(clientId: string, requestKey: string): string {
  const alphabet = ACCESS_CODE_ALPHABET;
  // Bytes at or above the largest multiple of the alphabet's size are skipped, so every character is equally likely.
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  for (let round = 0; out.length < ACCESS_CODE_LENGTH; round++) {
    const bytes = crypto.createHmac("sha256", keys().code).update(`${clientId}\n${requestKey}\n${round}`).digest();
    for (const byte of bytes) {
      if (byte < limit && out.length < ACCESS_CODE_LENGTH) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

// --- The partner's side -------------------------------------------------------

export const issueCodeSchema = z.object({
  requestKey: z.string({ message: "Reload the page and try again." }).min(8, "Reload the page and try again.").max(100),
});

export type IssuedCode = { code: string; expiresAt: Date; replayed: boolean };

/**
 * Issues a client a new access code and revokes any code they had. The code
 * is returned once, to show the staff member; only its hash is kept. The same
 * request key (a form sent twice) gives back the same code.
 */
export async function issueAccessCode(input: {
  partnerId: string;
  clientId: string;
  issuedById: string;
  requestKey: string;
  now?: Date;
}): Promise<IssuedCode> {
  const now = input.now ?? new Date();
  const code = codeFor(input.clientId, input.requestKey);
  const codeHash = hashCode(code);
  const db = await getDb();
  // Checked before a replay too: a code is only ever handed to the client's own partner.
  if (!(await db.client.findFirst({ where: { id: input.clientId, partnerId: input.partnerId }, select: { id: true } }))) {
    throw new AccessCodeError("No such client at this partner.");
  }

  const replay = async (): Promise<IssuedCode | null> => {
    const row = await db.clientAccessCode.findUnique({ where: { codeHash }, select: { clientId: true, revokedAt: true, expiresAt: true } });
    if (!row) return null;
    if (row.clientId !== input.clientId) throw new Error("Access code collision between clients");
    if (row.revokedAt || row.expiresAt <= now) {
      throw new AccessCodeError("This form was already used, and that code has since been replaced or revoked. Load the page again to issue a new code.");
    }
    return { code: formatAccessCode(code), expiresAt: row.expiresAt, replayed: true };
  };

  const earlier = await replay();
  if (earlier) return earlier;
  try {
    return await db.$transaction(async (tx) => {
      // One issuer at a time per client, so two at once cannot leave two live codes.
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM clients WHERE id = ${input.clientId} AND partner_id = ${input.partnerId} FOR UPDATE`;
      if (locked.length === 0) throw new AccessCodeError("No such client at this partner.");
      await tx.clientAccessCode.updateMany({ where: { clientId: input.clientId, revokedAt: null }, data: { revokedAt: now } });
      const expiresAt = new Date(now.getTime() + ACCESS_CODE_LIFETIME_MS);
      await tx.clientAccessCode.create({ data: { clientId: input.clientId, codeHash, issuedById: input.issuedById, createdAt: now, expiresAt } });
      return { code: formatAccessCode(code), expiresAt, replayed: false };
    });
  } catch (error) {
    // The same form sent twice at once: the other request stored this code first.
    if ((error as { code?: string }).code === "P2002") {
      const other = await replay();
      if (other) return other;
    }
    throw error;
  }
}

/** Revokes the client's live codes; every statement session opened with them ends on its next request. */
export async function revokeAccessCodes(partnerId: string, clientId: string, now = new Date()): Promise<number> {
  const db = await getDb();
  const client = await db.client.findFirst({ where: { id: clientId, partnerId }, select: { id: true } });
  if (!client) return 0;
  const { count } = await db.clientAccessCode.updateMany({ where: { clientId, revokedAt: null }, data: { revokedAt: now } });
  return count;
}

/** What the partner's client page says about the client's code: never the code itself. */
export async function accessCodeStatus(clientId: string, now = new Date()) {
  const db = await getDb();
  const latest = await db.clientAccessCode.findFirst({
    where: { clientId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { createdAt: true, expiresAt: true, revokedAt: true, lastUsedAt: true, issuedById: true },
  });
  if (!latest) return null;
  const issuedBy = latest.issuedById ? await db.user.findUnique({ where: { id: latest.issuedById }, select: { name: true } }) : null;
  const state = latest.revokedAt ? "revoked" : latest.expiresAt <= now ? "expired" : "live";
  return {
    state,
    issuedAt: latest.createdAt,
    issuedBy: issuedBy?.name ?? null,
    expiresAt: latest.expiresAt,
    revokedAt: latest.revokedAt,
    lastUsedAt: latest.lastUsedAt,
  } as const;
}

// --- The client's side: signing in ---------------------------------------------

export const codeFormSchema = z.object({
  code: z
    .string({ message: "Enter the code your field officer gave you." })
    .transform((value, ctx) => {
      const normalised = normaliseAccessCode(value);
      if (normalised === "") {
        ctx.addIssue({ code: "custom", message: "Enter the code your field officer gave you." });
        return z.NEVER;
      }
      if (normalised === null) {
        ctx.addIssue({
          code: "custom",
          message: `A code has ${ACCESS_CODE_LENGTH} letters and numbers, like ABCD-EFGH-JK. Check it and try again.`,
        });
        return z.NEVER;
      }
      return normalised;
    }),
});

export type CodeSignIn =
  | { ok: true; cookie: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAfterMinutes: number };

/**
 * Checks a code, refusing while this IP has too many recent failures. Code
 * guesses and password guesses share the per-IP budget of the log-in page:
 * both are secrets someone may try to guess, from the same places.
 */
export async function signInWithCode(normalisedCode: string, ip: string, now = new Date()): Promise<CodeSignIn> {
  const db = await getDb();
  const env = getEnv();
  const windowMs = env.LOGIN_THROTTLE_WINDOW_MINUTES * 60_000;
  const failures = await db.loginAttempt.findMany({
    where: { ip, succeeded: false, at: { gte: new Date(now.getTime() - windowMs) } },
    orderBy: { at: "asc" },
    select: { at: true },
    take: env.LOGIN_MAX_FAILURES_PER_IP,
  });
  if (failures.length >= env.LOGIN_MAX_FAILURES_PER_IP) {
    const freeAt = failures[0]!.at.getTime() + windowMs;
    return { ok: false, reason: "throttled", retryAfterMinutes: Math.max(1, Math.ceil((freeAt - now.getTime()) / 60_000)) };
  }
  const row = await db.clientAccessCode.findUnique({
    where: { codeHash: hashCode(normalisedCode) },
    select: { id: true, revokedAt: true, expiresAt: true },
  });
  const live = row && !row.revokedAt && row.expiresAt > now;
  await db.loginAttempt.create({ data: { email: ACCESS_CODE_ATTEMPT, ip, succeeded: Boolean(live), at: now } });
  if (!live) return { ok: false, reason: "invalid" };
  await db.clientAccessCode.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  const expiresAt = Math.min(now.getTime() + STATEMENT_SESSION_MS, row.expiresAt.getTime());
  return { ok: true, cookie: statementCookie(signSession(row.id, expiresAt), Math.floor((expiresAt - now.getTime()) / 1000)) };
}

// --- The statement session -----------------------------------------------------

function mac(payload: string): string {
  return crypto.createHmac("sha256", keys().session).update(payload).digest("base64url");
}

function signSession(codeId: string, expiresAtMs: number): string {
  const payload = `${codeId}.${expiresAtMs}`;
  return `${payload}.${mac(payload)}`;
}

function statementCookie(value: string, maxAgeSeconds: number): string {
  // Path=/statement: the cookie is not sent anywhere else on the site.
  const parts = [`${STATEMENT_COOKIE}=${value}`, "Path=/statement", "HttpOnly", "SameSite=Lax", `Max-Age=${maxAgeSeconds}`];
  if (getEnv().secureCookies) parts.push("Secure");
  return parts.join("; ");
}

export function blankStatementCookie(): string {
  return statementCookie("", 0);
}

function readCookie(request: Request): string | null {
  for (const part of (request.headers.get("Cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === STATEMENT_COOKIE) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

export type StatementSession = { codeId: string; clientId: string; expiresAt: Date };

export async function getStatementSession(request: Request, now = new Date()): Promise<StatementSession | null> {
  const value = readCookie(request);
  if (!value || value.length > 200) return null;
  const [codeId, expires, signature, extra] = value.split(".");
  if (!codeId || !expires || !signature || extra !== undefined || !/^\d{1,15}$/.test(expires)) return null;
  const expected = Buffer.from(mac(`${codeId}.${expires}`));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return null;
  const expiresAt = Number(expires);
  if (expiresAt <= now.getTime()) return null;
  const db = await getDb();
  const row = await db.clientAccessCode.findUnique({ where: { id: codeId }, select: { clientId: true, revokedAt: true, expiresAt: true } });
  if (!row || row.revokedAt || row.expiresAt <= now) return null;
  return { codeId, clientId: row.clientId, expiresAt: new Date(expiresAt) };
}

/**
 * The client whose statement this is. Without a live session, whatever was
 * asked (a page, a withdrawal) goes back to the code form, which says why:
 * a client is never shown the log-in page, which is not for them.
 */
export async function requireStatementClient(request: Request): Promise<StatementSession> {
  const session = await getStatementSession(request);
  if (session) return session;
  throw redirect(readCookie(request) ? "/statement?ended=1" : "/statement", { headers: { "Cache-Control": "private, no-store", "Set-Cookie": blankStatementCookie() } });
}

// --- What the client sees --------------------------------------------------------

/** Loans the client may read as their own: never drafts, which are the partner's work in progress. */
const STATEMENT_STATUSES = ["submitted", "fundraising", "funded", "paying_back", "repaid", "defaulted", "written_off", "expired", "cancelled"] as const;

/**
 * A client's own statement: their loans (and their groups' loans), each with
 * its schedule and the repayments made, and their consents. Their own data
 * needs no consent; nothing here names another client or a lender.
 */
export async function getStatement(clientId: string, now = new Date()) {
  const db = await getDb();
  const client = await db.client.findUnique({
    where: { id: clientId },
    select: {
      id: true,
      fullName: true,
      partner: { select: { name: true, contactPhone: true } },
      memberships: { select: { groupId: true, joinedAt: true, leftAt: true, group: { select: { name: true } } } },
    },
  });
  if (!client) return null;

  // A group's loans made while the client was a member (or since, while they still are).
  const groupConditions = client.memberships.map((m) => ({
    groupId: m.groupId,
    ...(m.leftAt ? { createdAt: { lt: m.leftAt } } : {}),
  }));
  const loans = await db.loan.findMany({
    where: { status: { in: [...STATEMENT_STATUSES] }, OR: [{ clientId }, ...groupConditions] },
    select: {
      id: true,
      reference: true,
      status: true,
      purpose: true,
      groupId: true,
      localCurrency: true,
      amountLocalMinor: true,
      repaidLocalMinor: true,
      disbursedAt: true,
    },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
  });

  const details = await Promise.all(
    loans.map(async (loan) => {
      const [schedule, repayments] = await Promise.all([scheduleWithState(loan.id, now), listLoanRepayments(loan.id)]);
      let rows: (ScheduleRow & { paid: string })[] = [];
      let leftToPay: bigint | null = null;
      if (schedule) {
        const head = await db.loanSchedule.findUnique({
          where: { loanId_version: { loanId: loan.id, version: schedule.version } },
          select: { paidBeforeLocal: true },
        });
        const paid = loan.repaidLocalMinor - (head?.paidBeforeLocal ?? 0n);
        const totals = schedule.rows.map((r) => BigInt(r.total));
        const covered = coveredPerInstalment(totals, paid);
        rows = schedule.rows.map((r, i) => ({ ...r, paid: covered[i]!.toString() }));
        leftToPay = totals.reduce((a, b) => a + b, 0n) - covered.reduce((a, b) => a + b, 0n);
      }
      const next = rows.find((r) => r.state !== "paid") ?? null;
      return {
        id: loan.id,
        reference: loan.reference,
        status: loan.status,
        purpose: loan.purpose,
        group: loan.groupId ? (client.memberships.find((m) => m.groupId === loan.groupId)?.group.name ?? null) : null,
        currency: loan.localCurrency.trim(),
        amount: loan.amountLocalMinor.toString(),
        repaid: loan.repaidLocalMinor.toString(),
        disbursedOn: loan.disbursedAt?.toISOString().slice(0, 10) ?? null,
        rows,
        /** Left to pay on the schedule in force, principal and interest. */
        leftToPay: leftToPay?.toString() ?? null,
        lateCount: rows.filter((r) => r.state === "late").length,
        next: next ? { dueOn: next.dueOn, left: (BigInt(next.total) - BigInt(next.paid)).toString() } : null,
        // What they paid and when, in their own currency: the lenders' side (US dollars, rates) is not theirs.
        repayments: repayments.map((r) => ({ id: r.id, paidOn: r.paidOn, amount: r.localAmount, currency: r.currency })),
      };
    }),
  );

  const consents = await consentHistory(clientId);
  return {
    client: { fullName: client.fullName, partnerName: client.partner.name, partnerPhone: client.partner.contactPhone },
    loans: details,
    consents: consents.map((c) => ({
      id: c.id,
      purpose: c.purpose,
      granularity: c.granularity,
      grantedAt: c.grantedAt.toISOString(),
      revokedAt: c.revokedAt?.toISOString() ?? null,
      revokedByClient: c.revokedBy === REVOKED_BY_CLIENT,
    })),
  };
}

export const REVOKED_BY_CLIENT = "the client, from their own statement";

export const revokeFormSchema = z.object({
  consentId: z.string({ message: "Choose a consent to withdraw." }).min(1, "Choose a consent to withdraw.").max(100),
});

/**
 * The client withdraws one of their own live consents; it takes effect on the
 * next page anyone loads. Withdrawing one already withdrawn (a form sent
 * twice) is not an error.
 */
export async function revokeOwnConsent(clientId: string, consentId: string): Promise<"revoked" | "already" | "not_found"> {
  if (await revokeConsent(clientId, consentId, REVOKED_BY_CLIENT)) return "revoked";
  const db = await getDb();
  const row = await db.consent.findFirst({ where: { id: consentId, clientId }, select: { revokedAt: true } });
  return row ? "already" : "not_found";
}
