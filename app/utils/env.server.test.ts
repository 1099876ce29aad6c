import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env.server.ts";

function problems(source: Record<string, string>): string[] {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  return [];
}

describe("environment", () => {
  it("defaults to the embedded database on port 3000", () => {
    const env = parseEnv({});
    expect(env.DATABASE_URL).toBe("pglite:./data/pglite");
    expect(env.PORT).toBe(3000);
    expect(env.secureCookies).toBe(false);
  });

  it("names the variable that is wrong", () => {
    expect(problems({ PORT: "eighty" })[0]).toMatch(/^PORT: /);
    expect(problems({ PORT: "70000" })[0]).toMatch(/^PORT: /);
    expect(problems({ DATABASE_URL: "mysql://localhost/db" })[0]).toMatch(/^DATABASE_URL: must start with postgresql:\/\//);
    expect(problems({ APP_ORIGIN: "not a url" })[0]).toMatch(/^APP_ORIGIN: /);
    expect(problems({ NODE_ENV: "staging" })[0]).toMatch(/^NODE_ENV: /);
    expect(problems({ SECURE_COOKIES: "maybe" })[0]).toMatch(/^SECURE_COOKIES: must be true or false/);
  });

  it("takes Stripe only as a pair of well-formed keys, and names the variable that is wrong or missing", () => {
    const env = parseEnv({ STRIPE_SECRET_KEY: "sk_test_abc123", STRIPE_WEBHOOK_SECRET: "whsec_abc", STRIPE_API_BASE: "http://127.0.0.1:12111" });
    expect(env.STRIPE_SECRET_KEY).toBe("sk_test_abc123");
    expect(parseEnv({}).STRIPE_SECRET_KEY).toBeUndefined();
    expect(problems({ STRIPE_SECRET_KEY: "pk_test_abc", STRIPE_WEBHOOK_SECRET: "whsec_abc" })[0]).toMatch(/^STRIPE_SECRET_KEY: must be a Stripe secret key/);
    expect(problems({ STRIPE_SECRET_KEY: "sk_test_abc", STRIPE_WEBHOOK_SECRET: "secret" })[0]).toMatch(/^STRIPE_WEBHOOK_SECRET: /);
    expect(problems({ STRIPE_SECRET_KEY: "sk_test_abc" })).toEqual(["STRIPE_WEBHOOK_SECRET: must be set when STRIPE_SECRET_KEY is"]);
    expect(problems({ STRIPE_WEBHOOK_SECRET: "whsec_abc" })).toEqual(["STRIPE_SECRET_KEY: must be set when STRIPE_WEBHOOK_SECRET is"]);
    expect(problems({ STRIPE_API_BASE: "ftp://example.test" })[0]).toMatch(/^STRIPE_API_BASE: /);
  });

  it("reports every wrong variable at once", () => {
    expect(problems({ PORT: "x", DATABASE_URL: "ftp://x" }).map((p) => p.split(":")[0])).toEqual(["DATABASE_URL", "PORT"]);
  });

  it("uses secure cookies in production unless told otherwise", () => {
    expect(parseEnv({ NODE_ENV: "production" }).secureCookies).toBe(true);
    expect(parseEnv({ NODE_ENV: "production", SECURE_COOKIES: "false" }).secureCookies).toBe(false);
    expect(parseEnv({ DATABASE_URL: "postgresql://u@127.0.0.1:5432/db" }).DATABASE_URL).toMatch(/^postgresql:/);
  });
});
