// The environment, read once through one Zod schema. A wrong or missing value
// stops start-up with a message naming the variable.
import { z } from "zod";
import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from "./database.server.ts";

const boolean = z
  .enum(["true", "false", "1", "0"], { message: "must be true or false" })
  .transform((value) => value === "true" || value === "1");

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z
    .string()
    .default(DEFAULT_DATABASE_URL)
    .superRefine((value, ctx) => {
      try {
        parseDatabaseUrl(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message.replace(/^DATABASE_URL:?\s*/, "") });
      }
    }),
  PORT: z.coerce.number({ message: "must be a number" }).int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  /** The public origin (https://mavuno.example) when served behind a proxy; checked against Origin headers. */
  APP_ORIGIN: z.url({ message: "must be a URL like https://mavuno.example" }).optional(),
  /** Mark cookies Secure. Defaults to true in production. */
  SECURE_COOKIES: boolean.optional(),
  /** Per-account and per-IP log-in throttling: failures allowed in the window. */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(20),
  LOGIN_THROTTLE_WINDOW_MINUTES: z.coerce.number().int().min(1).default(15),
  /** Outgoing mail server. Unset: every email is written to OUTBOX_DIR instead of being sent. */
  SMTP_URL: z
    .url({
      protocol: /^smtps?$/,
      message: "must be an SMTP URL like smtp://user:password@mail.example.com:587 (smtps:// for TLS from the start)",
    })
    .optional(),
  /** The sender of every email. */
  MAIL_FROM: z
    .string()
    .regex(/^(?:[^<>@]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/, {
      message: "must be an address like no-reply@mavuno.example or Mavuno <no-reply@mavuno.example>",
    })
    .default("Mavuno <no-reply@mavuno.test>"),
  /** Where emails go as .eml files when SMTP_URL is unset (the demo's and the e2e tests' mailbox). */
  OUTBOX_DIR: z.string().min(1).default("data/outbox"),
  /** Where client photos are stored (served only while the client's photo consent is live). */
  UPLOADS_DIR: z.string().min(1).default("data/uploads"),
  /** Stripe's secret API key. With STRIPE_WEBHOOK_SECRET, card payments go through Stripe; without both, the demo gateway. */
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, { message: "must be a Stripe secret key, like sk_test_… or sk_live_…" })
    .optional(),
  /** The signing secret of the webhook endpoint /webhooks/stripe. */
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9_]+$/, { message: "must be a Stripe webhook signing secret, like whsec_…" })
    .optional(),
  /** Where Stripe's API is (tests point it at a local fake); Stripe's own host when unset. */
  STRIPE_API_BASE: z
    .url({ protocol: /^https?$/, message: "must be an http(s) URL like http://127.0.0.1:12111" })
    .optional(),
});

export type Env = z.infer<typeof schema> & { secureCookies: boolean };

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings count as unset, as most shells and .env files mean them.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  const env = result.data;
  // Half a Stripe set-up would take money without ever crediting it (no webhook) or the reverse.
  const stripeProblems = [
    env.STRIPE_SECRET_KEY && !env.STRIPE_WEBHOOK_SECRET ? "STRIPE_WEBHOOK_SECRET: must be set when STRIPE_SECRET_KEY is" : null,
    env.STRIPE_WEBHOOK_SECRET && !env.STRIPE_SECRET_KEY ? "STRIPE_SECRET_KEY: must be set when STRIPE_WEBHOOK_SECRET is" : null,
  ].filter((p): p is string => p !== null);
  if (stripeProblems.length > 0) throw new EnvError(stripeProblems);
  return { ...env, secureCookies: env.SECURE_COOKIES ?? env.NODE_ENV === "production" };
}

let cached: Env | undefined;

export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
