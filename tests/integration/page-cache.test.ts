// The page cache in the real server: scripts/serve.js as a child process on
// its own database (a PGlite directory, or with TEST_POSTGRES_URL this file's
// PostgreSQL database, shared with the test process like a second server).
// Needs `npm run build` first.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeConsent } from "~/models/consent.server.ts";
import { openPglite } from "~/utils/database.server.ts";
import { clientFor, getDatabase, getDb, type Db } from "~/utils/db.server.ts";
import { grantConsent, makeClient, makeLoan, makeMembership, makePartner, makeUser } from "../factories/index.ts";
import { assertBuilt, freePort, startServer } from "../support/server-process.ts";
import { migrationSql } from "../support/test-database.ts";

const onPostgres = Boolean(process.env.TEST_POSTGRES_URL);
const PASSWORD = "page-cache-officer-pw";
const STORY = "Achieng has sold vegetables at the Kibuye market for nine years.";
/** The story as the public reads it: no name consent, location to the region only (ADR 028). */
const PUBLIC_STORY = "The borrower has sold vegetables at the village market for nine years.";
/** The same on /impact, where a story's subject is "the client". */
const IMPACT_STORY = "The client has sold vegetables at the village market for nine years.";

let server: ReturnType<typeof startServer>;
let base: string;
let dir: string | null = null;
let ids: Awaited<ReturnType<typeof seed>>;

async function seed(db: Db) {
  const partner = await makePartner(db, { slug: "lakeside-mfi", name: "Lakeside Microfinance", country: "KE", regions: ["Kisumu", "Nairobi"] });
  const officer = await makeUser(db, { email: "officer@lakeside.test", name: "Odhiambo Officer", password: PASSWORD });
  await makeMembership(db, { userId: officer.id, partnerId: partner.id, role: "officer" });
  const client = await makeClient(db, { partnerId: partner.id, fullName: "Achieng Atieno", region: "Kisumu", village: "Kibuye", story: STORY });
  const location = await grantConsent(db, { clientId: client.id, purpose: "location", granularity: "region" });
  const story = await grantConsent(db, { clientId: client.id, purpose: "story" });
  const loan = await makeLoan(db, { partnerId: partner.id, clientId: client.id, purpose: "To buy crates of tomatoes" });
  return { partnerId: partner.id, clientId: client.id, loanId: loan.id, locationConsentId: location.id, storyConsentId: story.id };
}

beforeAll(async () => {
  assertBuilt();
  let databaseUrl: string;
  if (onPostgres) {
    const database = await getDatabase();
    if (database.target.kind !== "postgres") throw new Error("expected this file's PostgreSQL database");
    databaseUrl = database.target.url;
    ids = await seed(await getDb());
  } else {
    // PGlite admits one process: the data goes in before the server opens it.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mavuno-page-cache-"));
    const database = await openPglite(path.join(dir, "db"));
    for (const sql of migrationSql()) await database.exec(sql);
    const db = clientFor(database);
    ids = await seed(db);
    await db.$disconnect();
    await database.close();
    databaseUrl = `pglite:${path.join(dir, "db")}`;
  }
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = startServer(port, { DATABASE_URL: databaseUrl, OUTBOX_DIR: path.join(os.tmpdir(), "mavuno-page-cache-outbox") });
  await server.ready;
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

type Got = { status: number; headers: Headers; body: string; nonce: string; cache: string | null };

async function get(pathname: string, options: { cookie?: string; method?: string } = {}): Promise<Got> {
  const response = await fetch(`${base}${pathname}`, {
    method: options.method ?? "GET",
    headers: options.cookie ? { Cookie: options.cookie } : {},
    redirect: "manual",
  });
  const body = await response.text();
  const nonce = /'nonce-([^']+)'/.exec(response.headers.get("content-security-policy") ?? "")?.[1] ?? "";
  return { status: response.status, headers: response.headers, body, nonce, cache: response.headers.get("x-cache") };
}

async function post(pathname: string, fields: Record<string, string>, cookie?: string) {
  return fetch(`${base}${pathname}`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: base, ...(cookie ? { Cookie: cookie } : {}) },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

async function logIn(): Promise<string> {
  const response = await post("/login", { email: "officer@lakeside.test", password: PASSWORD, redirectTo: "/" });
  expect(response.status).toBe(302);
  return /mavuno_session=[^;]*/.exec(response.headers.get("set-cookie") ?? "")![0];
}

const withoutNonce = (got: Got) => got.body.replaceAll(got.nonce, "NONCE");
const headersWithoutNonce = (got: Got) =>
  [...got.headers]
    .filter(([name]) => name !== "date" && name !== "x-cache")
    .map(([name, value]) => [name, value.replaceAll(got.nonce, "NONCE")]);

describe(`the page cache (${onPostgres ? "PostgreSQL" : "PGlite"})`, () => {
  it("serves a second anonymous request from the cache, with the same headers and bytes apart from the nonce", async () => {
    for (const url of ["/", "/loans?country=KE", `/loans/${ids.loanId}`, "/partners/lakeside-mfi", "/loans?country=KE&_data=routes%2Floans._index", "/impact", "/impact?country=KE"]) {
      const first = await get(url);
      const second = await get(url);
      expect(first.status, url).toBe(200);
      expect([first.cache, second.cache], url).toEqual(["miss", "hit"]);
      expect(withoutNonce(second), url).toBe(withoutNonce(first));
      expect(headersWithoutNonce(second), url).toEqual(headersWithoutNonce(first));
    }
    const head = await get("/loans?country=KE", { method: "HEAD" });
    expect(head.cache).toBe("hit");
    expect(head.body).toBe("");
    expect(head.headers.get("content-length")).toBe((await get("/loans?country=KE")).headers.get("content-length"));
    // Pages that are not public, and answers that are not 200, are never kept.
    expect((await get("/login")).cache).toBeNull();
    for (let i = 0; i < 2; i++) expect((await get("/loans/no-such-loan")).cache).toBe("miss");
  });

  it("gives every response a fresh nonce, the one in its CSP header, in every nonce attribute", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const got = await get(`/loans/${ids.loanId}`);
      expect(got.nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      const attributes = [...got.body.matchAll(/nonce="([^"]*)"/g)].map((m) => m[1]);
      expect(attributes.length).toBeGreaterThan(0);
      expect(new Set(attributes)).toEqual(new Set([got.nonce]));
      seen.add(got.nonce);
    }
    expect(seen.size).toBe(5);
  });

  it("never serves a logged-in request from the cache, nor keeps its page", async () => {
    const cookie = await logIn();
    const url = `/loans/${ids.loanId}`;
    await get(url);
    expect((await get(url)).cache).toBe("hit");
    // Staff of the partner see the client's name; the kept page must not stand in.
    const loggedIn = await get(url, { cookie });
    expect(loggedIn.cache).toBeNull();
    expect(loggedIn.body).toContain("Achieng Atieno");
    expect(loggedIn.body).toContain("Odhiambo Officer");

    const fresh = `/loans/${ids.loanId}?seen=by-staff-first`;
    expect((await get(fresh, { cookie })).body).toContain("Achieng Atieno");
    const anonymous = await get(fresh);
    expect(anonymous.cache).toBe("miss");
    expect(anonymous.body).not.toContain("Achieng Atieno");
    expect(anonymous.body).not.toContain("Odhiambo Officer");
  });

  it("shows a consent revocation, and a new grant, on the very next request", async () => {
    const cookie = await logIn();
    const loanPage = `/loans/${ids.loanId}`;
    const inKisumu = "/loans?region=Kisumu";
    const clientPage = `/portal/${ids.partnerId}/clients/${ids.clientId}`;
    for (const url of [loanPage, inKisumu]) {
      await get(url);
      expect((await get(url)).cache).toBe("hit");
    }
    expect((await get(loanPage)).body).toContain("Kisumu, Kenya");
    expect((await get(inKisumu)).body).toContain(`/loans/${ids.loanId}"`);

    expect((await post(clientPage, { intent: "revoke", consentId: ids.locationConsentId }, cookie)).status).toBe(302);
    const afterRevoke = await get(loanPage);
    expect(afterRevoke.cache).toBe("miss");
    expect(afterRevoke.body).not.toContain("Kisumu");
    expect((await get(inKisumu)).body).not.toContain(`/loans/${ids.loanId}"`);
    expect((await get(loanPage)).cache).toBe("hit");

    expect(
      (await post(clientPage, { intent: "grant", purpose: "location", granularity: "region", evidence: "Form 17, signed again" }, cookie)).status,
    ).toBe(302);
    expect((await get(loanPage)).body).toContain("Kisumu, Kenya");
    expect((await get(inKisumu)).body).toContain(`/loans/${ids.loanId}"`);

    expect((await get(loanPage)).body).toContain(PUBLIC_STORY);
    await get("/impact");
    const impactKept = await get("/impact");
    expect(impactKept.cache).toBe("hit");
    expect(impactKept.body).toContain(IMPACT_STORY);
    if (onPostgres) {
      // Written by another process (this one), as another server would: its commit reaches the server's LISTEN.
      expect(await revokeConsent(ids.clientId, ids.storyConsentId, "test: another server")).toBe(true);
    } else {
      expect((await post(clientPage, { intent: "revoke", consentId: ids.storyConsentId }, cookie)).status).toBe(302);
    }
    const afterStory = await get(loanPage);
    expect(afterStory.body).not.toContain(PUBLIC_STORY);
    expect(afterStory.body).toContain("has not chosen to share their story");
    const impactAfter = await get("/impact");
    expect(impactAfter.cache).toBe("miss");
    expect(impactAfter.body).not.toContain(IMPACT_STORY);
  });

  it.runIf(onPostgres)("turns itself off while its listening connection is gone, and on again once it listens", async () => {
    const url = "/partners/lakeside-mfi";
    await get(url);
    expect((await get(url)).cache).toBe("hit");
    const db = await getDb();
    const cut = (await db.$queryRawUnsafe(
      `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = 'mavuno-listen' AND datname = current_database()`,
    )) as { done: boolean }[];
    expect(cut).toEqual([{ done: true }]);
    // Whatever the server has noticed yet: a round trip on the dead connection fails, so no kept page is served.
    expect((await get(url)).cache).toBe("miss");
    await expect.poll(() => server.output(), { timeout: 10_000 }).toContain("stopped listening for changes");
    await expect.poll(() => server.output(), { timeout: 10_000 }).toContain("listening for changes again");
    await get(url);
    expect((await get(url)).cache).toBe("hit");
  });
});
