import { z } from "zod";
import { getDb } from "~/utils/db.server.ts";
import { getEnv } from "~/utils/env.server.ts";
import { dummyPasswordHash, hashPassword, verifyPassword } from "~/utils/password.server.ts";

export const emailField = z
  .string({ message: "Enter your email address." })
  .trim()
  .toLowerCase()
  .min(1, "Enter your email address.")
  .max(254, "That email address is too long.")
  .pipe(z.email({ message: "Enter a valid email address, like name@example.com." }));

export const signUpSchema = z.object({
  email: emailField,
  name: z
    .string({ message: "Enter your name." })
    .trim()
    .min(1, "Enter your name.")
    .max(100, "Use at most 100 characters."),
  password: z
    .string({ message: "Choose a password." })
    .min(10, "Use at least 10 characters.")
    .max(200, "Use at most 200 characters."),
});

export const logInSchema = z.object({
  email: emailField,
  password: z.string({ message: "Enter your password." }).min(1, "Enter your password.").max(200),
});

export class EmailTakenError extends Error {
  constructor() {
    super("An account with this email already exists. Log in instead.");
    this.name = "EmailTakenError";
  }
}

export async function createUser(input: z.infer<typeof signUpSchema> & { isPlatformAdmin?: boolean }) {
  const db = await getDb();
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.user.create({
      data: { email: input.email, name: input.name, passwordHash, isPlatformAdmin: input.isPlatformAdmin ?? false },
      select: { id: true, email: true, name: true },
    });
  } catch (error) {
    if ((error as { code?: string }).code === "P2002") throw new EmailTakenError();
    throw error;
  }
}

export type LogInResult =
  | { ok: true; userId: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAfterMinutes: number };

/**
 * Checks a password, refusing while the account or the IP has too many recent
 * failures. Every attempt is recorded; the throttle counts failures since the
 * account's last success within the window.
 */
export async function logIn(input: z.infer<typeof logInSchema>, ip: string, now = new Date()): Promise<LogInResult> {
  const db = await getDb();
  const env = getEnv();
  const windowStart = new Date(now.getTime() - env.LOGIN_THROTTLE_WINDOW_MINUTES * 60_000);

  const lastSuccess = await db.loginAttempt.findFirst({
    where: { email: input.email, succeeded: true, at: { gte: windowStart } },
    orderBy: { at: "desc" },
    select: { at: true },
  });
  const accountSince = lastSuccess && lastSuccess.at > windowStart ? lastSuccess.at : windowStart;
  const [accountFailures, ipFailures] = await Promise.all([
    db.loginAttempt.findMany({
      where: { email: input.email, succeeded: false, at: { gt: accountSince } },
      orderBy: { at: "asc" },
      select: { at: true },
    }),
    db.loginAttempt.findMany({
      where: { ip, succeeded: false, at: { gte: windowStart } },
      orderBy: { at: "asc" },
      select: { at: true },
    }),
  ]);
  const blockedBy =
    accountFailures.length >= env.LOGIN_MAX_FAILURES_PER_ACCOUNT
      ? accountFailures
      : ipFailures.length >= env.LOGIN_MAX_FAILURES_PER_IP
        ? ipFailures
        : null;
  if (blockedBy) {
    const oldest = blockedBy[0]!.at.getTime();
    const freeAt = oldest + env.LOGIN_THROTTLE_WINDOW_MINUTES * 60_000;
    const retryAfterMinutes = Math.max(1, Math.ceil((freeAt - now.getTime()) / 60_000));
    return { ok: false, reason: "throttled", retryAfterMinutes };
  }

  const user = await db.user.findUnique({ where: { email: input.email }, select: { id: true, passwordHash: true } });
  const valid = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), input.password);
  const succeeded = Boolean(user) && valid;
  await db.loginAttempt.create({ data: { email: input.email, ip, succeeded, at: now } });
  return succeeded && user ? { ok: true, userId: user.id } : { ok: false, reason: "invalid" };
}

export async function getAccount(userId: string) {
  const db = await getDb();
  return db.user.findUniqueOrThrow({
    where: { id: userId },
    select: { id: true, email: true, name: true, createdAt: true, isPlatformAdmin: true },
  });
}
