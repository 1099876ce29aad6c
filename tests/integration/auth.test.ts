import { describe, expect, it } from "vitest";
import { action as signUp } from "~/routes/signup.tsx";
import { action as logIn } from "~/routes/login.tsx";
import { action as logOut } from "~/routes/logout.tsx";
import { action as accountAction, loader as accountLoader } from "~/routes/account.tsx";
import { getDb } from "~/utils/db.server.ts";
import { validateSessionToken } from "~/utils/session.server.ts";
import { makeUser } from "../factories/index.ts";
import { context, formRequest, getRequest, run, sessionCookieFrom } from "../support/requests.ts";

type FormResult = { errors: Record<string, string[]> };

async function errorsOf(response: Response) {
  expect(response.status).toBeGreaterThanOrEqual(400);
  return ((await response.json()) as FormResult).errors;
}

describe("sign up", () => {
  it("names the email field when the email is not valid", async () => {
    const res = await run(signUp, formRequest("/signup", { name: "Ann", email: "not-an-email", password: "long-enough-pw" }));
    const errors = await errorsOf(res);
    expect(errors.email?.[0]).toMatch(/valid email/i);
    expect(errors.password).toBeUndefined();
  });

  it("names the password field when the password is too short", async () => {
    const res = await run(signUp, formRequest("/signup", { name: "Ann", email: "ann@example.test", password: "short" }));
    expect((await errorsOf(res)).password?.[0]).toMatch(/at least 10/);
    const db = await getDb();
    expect(await db.user.count({ where: { email: "ann@example.test" } })).toBe(0);
  });

  it("refuses an email that already has an account, ignoring case", async () => {
    await makeUser(await getDb(), { email: "taken@example.test" });
    const res = await run(signUp, formRequest("/signup", { name: "Bo", email: "Taken@Example.test", password: "long-enough-pw" }));
    expect((await errorsOf(res)).email?.[0]).toMatch(/already exists/);
  });

  it("creates the account, stores an argon2id hash and logs the person in", async () => {
    const res = await run(signUp, formRequest("/signup", { name: "Cleo", email: "cleo@example.test", password: "long-enough-pw", redirectTo: "/loans" }));
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/loans");
    const setCookie = res.headers.get("Set-Cookie")!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    const user = await (await getDb()).user.findUniqueOrThrow({ where: { email: "cleo@example.test" } });
    expect(user.passwordHash.startsWith("$argon2id$")).toBe(true);
    const account = await run(accountLoader, getRequest("/account", sessionCookieFrom(res)));
    expect(account.status).toBe(200);
    expect(((await account.json()) as { account: { email: string } }).account.email).toBe("cleo@example.test");
  });

  it("never redirects off-site after sign-up", async () => {
    const res = await run(signUp, formRequest("/signup", { name: "Dee", email: "dee@example.test", password: "long-enough-pw", redirectTo: "//evil.example" }));
    expect(res.headers.get("Location")).toBe("/account");
  });
});

describe("log in", () => {
  it("gives the same generic message for a wrong password and an unknown email", async () => {
    await makeUser(await getDb(), { email: "eve@example.test", password: "the-right-password" });
    const wrong = await errorsOf(await run(logIn, formRequest("/login", { email: "eve@example.test", password: "not-the-password" })));
    const unknown = await errorsOf(await run(logIn, formRequest("/login", { email: "nobody@example.test", password: "not-the-password" })));
    expect(wrong[""]).toEqual(["Email or password is incorrect."]);
    expect(unknown).toEqual(wrong);
  });

  it("logs in with the right password and the session cookie opens the account", async () => {
    await makeUser(await getDb(), { email: "fay@example.test", password: "the-right-password" });
    const res = await run(logIn, formRequest("/login", { email: "FAY@example.test", password: "the-right-password" }));
    expect(res.status).toBe(302);
    const account = await run(accountLoader, getRequest("/account", sessionCookieFrom(res)));
    expect(account.status).toBe(200);
  });

  it("throttles an account after five failures, even with the right password", async () => {
    await makeUser(await getDb(), { email: "gus@example.test", password: "the-right-password" });
    for (let i = 0; i < 5; i++) {
      // Different addresses: the account limit, not the IP limit, must trip.
      await run(logIn, formRequest("/login", { email: "gus@example.test", password: "wrong-password" }), {}, context(`198.51.100.${i}`));
    }
    const res = await run(logIn, formRequest("/login", { email: "gus@example.test", password: "the-right-password" }), {}, context("198.51.100.99"));
    expect(res.status).toBe(429);
    expect((await errorsOf(res))[""]?.[0]).toMatch(/Too many failed log-in attempts\. Try again in \d+ minutes?\./);
  });

  it("throttles an address that fails across many accounts", async () => {
    await makeUser(await getDb(), { email: "hal@example.test", password: "the-right-password" });
    for (let i = 0; i < 20; i++) {
      await run(logIn, formRequest("/login", { email: `spray${i}@example.test`, password: "guess-guess" }), {}, context("192.0.2.50"));
    }
    const blocked = await run(logIn, formRequest("/login", { email: "hal@example.test", password: "the-right-password" }), {}, context("192.0.2.50"));
    expect(blocked.status).toBe(429);
    const elsewhere = await run(logIn, formRequest("/login", { email: "hal@example.test", password: "the-right-password" }), {}, context("192.0.2.51"));
    expect(elsewhere.status).toBe(302);
  });
});

async function loggedIn(email: string) {
  await makeUser(await getDb(), { email, password: "the-right-password" });
  const res = await run(logIn, formRequest("/login", { email, password: "the-right-password" }), {}, context(`10.9.${Math.floor(Math.random() * 250)}.1`));
  return sessionCookieFrom(res);
}

describe("sessions", () => {
  it("log out ends the session and clears the cookie", async () => {
    const cookie = await loggedIn("ivy@example.test");
    const res = await run(logOut, formRequest("/logout", {}, cookie));
    expect(res.headers.get("Set-Cookie")).toMatch(/mavuno_session=;.*Max-Age=0/);
    const after = await run(accountLoader, getRequest("/account", cookie));
    expect(after.status).toBe(302);
    expect(after.headers.get("Location")).toBe("/login?redirectTo=%2Faccount");
  });

  it("stores only a hash of the secret, and a tampered secret is refused", async () => {
    const cookie = await loggedIn("jon@example.test");
    const token = cookie.split("=")[1]!;
    const [id, secret] = token.split(".");
    const row = await (await getDb()).session.findUniqueOrThrow({ where: { id: id! } });
    expect(Buffer.from(row.secretHash).toString("utf8")).not.toContain(secret!);
    const flipped = secret!.slice(0, -1) + (secret!.endsWith("a") ? "b" : "a");
    expect(await validateSessionToken(`${id}.${flipped}`)).toBeNull();
    expect(await validateSessionToken(token)).not.toBeNull();
  });

  it("rejects an expired session and removes it", async () => {
    const cookie = await loggedIn("kim@example.test");
    const id = cookie.split("=")[1]!.split(".")[0]!;
    const db = await getDb();
    await db.session.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const res = await run(accountLoader, getRequest("/account", cookie));
    expect(res.status).toBe(302);
    expect(await db.session.count({ where: { id } })).toBe(0);
  });

  it("slides the expiry of a session used late in its life", async () => {
    const cookie = await loggedIn("lou@example.test");
    const id = cookie.split("=")[1]!.split(".")[0]!;
    const db = await getDb();
    const soon = new Date(Date.now() + 5 * 86_400_000);
    await db.session.update({ where: { id }, data: { expiresAt: soon } });
    expect((await run(accountLoader, getRequest("/account", cookie))).status).toBe(200);
    const row = await db.session.findUniqueOrThrow({ where: { id } });
    expect(row.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
  });

  it("log out of all sessions revokes every device", async () => {
    const first = await loggedIn("max@example.test");
    const second = sessionCookieFrom(
      await run(logIn, formRequest("/login", { email: "max@example.test", password: "the-right-password" }), {}, context("10.8.0.1")),
    );
    const res = await run(accountAction, formRequest("/account", { intent: "logout-all" }, first));
    expect(res.status).toBe(302);
    for (const cookie of [first, second]) {
      expect((await run(accountLoader, getRequest("/account", cookie))).status).toBe(302);
    }
  });

  it("answers 401, not a redirect, to a POST without a session", async () => {
    const res = await run(accountAction, formRequest("/account", { intent: "logout-all" }));
    expect(res.status).toBe(401);
  });
});
