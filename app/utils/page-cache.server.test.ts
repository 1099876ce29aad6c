import { describe, expect, it, vi } from "vitest";
import type { ListenHandlers, NotificationListener } from "./database.server.ts";
import { keepListening, pageBody, PageCache, pageCacheKey, PUBLIC_PAGES_CHANNEL, toCachedPage, type CachedPage } from "./page-cache.server.ts";

const NONCE = "n0nce+/Abc==";

function page(text: string): CachedPage {
  return { status: 200, headers: [["content-type", "text/html; charset=utf-8"]], pieces: [Buffer.from(text)], bytes: Buffer.byteLength(text) };
}

function listeningCache(options: ConstructorParameters<typeof PageCache>[0] = {}) {
  const cache = new PageCache(options);
  cache.listening({ sync: null });
  return cache;
}

describe("which requests may be served from the cache", () => {
  const anonymous = (method: string, url: string, cookie?: string) =>
    pageCacheKey({ method, url, protocol: "http", headers: { host: "mavuno.test", cookie } });

  it("keys the public pages by the whole URL as sent, for GET and HEAD without a session", () => {
    expect(anonymous("GET", "/")).toBe("http://mavuno.test/");
    expect(anonymous("GET", "/loans?country=KE&sector=Retail")).toBe("http://mavuno.test/loans?country=KE&sector=Retail");
    // Same words, other order: another key (nothing is normalized).
    expect(anonymous("GET", "/loans?sector=Retail&country=KE")).not.toBe(anonymous("GET", "/loans?country=KE&sector=Retail"));
    expect(anonymous("HEAD", "/loans/loan_1")).toBe("http://mavuno.test/loans/loan_1");
    expect(anonymous("GET", "/partners/umoja")).toBe("http://mavuno.test/partners/umoja");
    expect(anonymous("GET", "/loans?_data=routes%2Floans._index")).toBe("http://mavuno.test/loans?_data=routes%2Floans._index");
    // Other cookies do not change what an anonymous visitor sees.
    expect(anonymous("GET", "/loans", "theme=dark")).toBe("http://mavuno.test/loans");
  });

  it("never a request with a session, another method, or any other page", () => {
    expect(anonymous("GET", "/loans", "theme=dark; mavuno_session=abc.def")).toBeNull();
    expect(anonymous("POST", "/loans")).toBeNull();
    expect(anonymous("GET", "/impact?country=KE")).toBe("http://mavuno.test/impact?country=KE");
    for (const url of ["/basket", "/my/loans", "/wallet", "/portal", "/loans/a/b", "/partners", "/login", "/checkout/co_1", "/photos/c1", "/loansx", "/impact/portal", "/impact/portal.csv", "/impactx"]) {
      expect(anonymous("GET", url), url).toBeNull();
    }
  });
});

describe("keeping a rendered page", () => {
  const html = (nonce: string) =>
    `<!DOCTYPE html><html><body><p>Loans</p><script nonce="${nonce}">window.__remixContext = {}</script><script nonce="${nonce}" type="module">import "x"</script></body></html>`;
  const ok = (headers: Record<string, string> = {}) => ({ status: 200, headers: new Headers({ "Content-Type": "text/html; charset=utf-8", ...headers }) });

  it("cuts the body at the render's nonce and joins it with each response's own", () => {
    const kept = toCachedPage(ok(), Buffer.from(html(NONCE)), NONCE, false)!;
    expect(kept.pieces).toHaveLength(3);
    expect(pageBody(kept, "fresh1==").toString()).toBe(html("fresh1=="));
    expect(pageBody(kept, "other/2+").toString()).toBe(html("other/2+"));
    expect(kept.headers).toEqual([["content-type", "text/html; charset=utf-8"]]);
  });

  it("refuses what must not be kept", () => {
    const body = Buffer.from(html(NONCE));
    expect(toCachedPage({ ...ok(), status: 404 }, body, NONCE, false)).toBeNull();
    expect(toCachedPage(ok({ "Set-Cookie": "a=b" }), body, NONCE, false)).toBeNull();
    expect(toCachedPage(ok({ "Cache-Control": "private, max-age=0" }), body, NONCE, false)).toBeNull();
    expect(toCachedPage({ status: 200, headers: new Headers({ "Content-Type": "application/json" }) }, body, NONCE, false)).toBeNull();
    // A nonce attribute that is not this render's (escaped, or another's) could not be replaced.
    expect(toCachedPage(ok(), Buffer.from(html(NONCE).replace(`nonce="${NONCE}"`, 'nonce="elsewhere"')), NONCE, false)).toBeNull();
    expect(toCachedPage(ok({ "X-Nonce-Echo": NONCE }), body, NONCE, false)).toBeNull();
  });

  it("keeps loader data for ?_data= requests, and only then", () => {
    const json = { status: 200, headers: new Headers({ "Content-Type": "application/json; charset=utf-8", "X-Remix-Response": "yes" }) };
    expect(toCachedPage(json, Buffer.from('{"loans":[]}'), NONCE, true)?.pieces).toHaveLength(1);
    expect(toCachedPage(ok(), Buffer.from(html(NONCE)), NONCE, true)).toBeNull();
  });
});

describe("the cache", () => {
  it("serves nothing and keeps nothing until it is listening for changes", () => {
    const cache = new PageCache();
    expect(cache.set("k", page("a"), cache.generation)).toBe(false);
    cache.listening({ sync: null });
    expect(cache.set("k", page("a"), cache.generation)).toBe(true);
    expect(cache.get("k")).toBeDefined();
    cache.listening(false);
    expect(cache.get("k")).toBeUndefined();
    expect(cache.set("k", page("a"), cache.generation)).toBe(false);
  });

  it("drops every page on a notification, and never keeps a render that a notification overlapped", () => {
    const cache = listeningCache();
    cache.set("a", page("a"), cache.generation);
    const renderStarted = cache.generation;
    cache.invalidate();
    expect(cache.get("a")).toBeUndefined();
    expect(cache.set("b", page("b"), renderStarted)).toBe(false);
    expect(cache.set("b", page("b"), cache.generation)).toBe(true);
  });

  it("a render that began before the listening state changed is not kept", () => {
    const cache = listeningCache();
    const renderStarted = cache.generation;
    cache.listening(false);
    cache.listening({ sync: null });
    expect(cache.set("a", page("a"), renderStarted)).toBe(false);
  });

  it("forgets a page after its lifetime", () => {
    let now = 1_000;
    const cache = listeningCache({ ttlMs: 10_000, now: () => now });
    cache.set("a", page("a"), cache.generation);
    now += 9_999;
    expect(cache.get("a")).toBeDefined();
    now += 1;
    expect(cache.get("a")).toBeUndefined();
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
  });

  it("stays within its entry and byte bounds, dropping the least recently used", () => {
    const cache = listeningCache({ maxEntries: 3, maxBytes: 8_000 });
    for (const key of ["a", "b", "c"]) cache.set(key, page(key.repeat(100)), cache.generation);
    cache.get("a");
    cache.set("d", page("d".repeat(100)), cache.generation);
    expect(cache.get("b")).toBeUndefined();
    expect(["a", "c", "d"].map((k) => Boolean(cache.get(k)))).toEqual([true, true, true]);
    // Bytes: pages of 900 bytes, at most 8,000 in all.
    for (let i = 0; i < 20; i++) cache.set(`p${i}`, page("x".repeat(900)), cache.generation);
    expect(cache.size.bytes).toBeLessThanOrEqual(8_000);
    // One page larger than an eighth of the budget is never kept.
    expect(cache.set("big", page("x".repeat(1_001)), cache.generation)).toBe(false);
  });

  it("waits for notifications in flight with one shared round trip that began after the caller arrived", async () => {
    const trips: (() => void)[] = [];
    const cache = new PageCache();
    cache.listening({ sync: () => new Promise<void>((resolve) => trips.push(resolve)) });
    const first = cache.caughtUp()!;
    const second = cache.caughtUp()!;
    const third = cache.caughtUp()!;
    expect(trips).toHaveLength(1);
    let settled = "";
    void first.then(() => (settled += "1"));
    void second.then(() => (settled += "2"));
    void third.then(() => (settled += "3"));
    trips[0]!();
    await first;
    // The second and third arrived during the first trip: they wait for a second one.
    await new Promise((r) => setTimeout(r, 0));
    expect(settled).toBe("1");
    expect(trips).toHaveLength(2);
    trips[1]!();
    await Promise.all([second, third]);
    expect(settled).toBe("123");
    expect(new PageCache().caughtUp()).toBeNull();
  });
});

describe("a listening connection that does not answer", () => {
  it("fails the wait after two seconds, and the next caller gets a new round trip", async () => {
    vi.useFakeTimers();
    try {
      const cache = new PageCache();
      let trips = 0;
      cache.listening({ sync: () => (trips++ === 0 ? new Promise<void>(() => {}) : Promise.resolve()) });
      const hung = cache.caughtUp()!;
      const failed = expect(hung).rejects.toThrow(/no answer/);
      await vi.advanceTimersByTimeAsync(2_000);
      await failed;
      await expect(cache.caughtUp()).resolves.toBeUndefined();
      expect(trips).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("listening for changes", () => {
  function fakeDatabase() {
    const listeners: { handlers: ListenHandlers; closed: boolean }[] = [];
    let failNext = 0;
    const listen = vi.fn(async (channel: string, handlers: ListenHandlers): Promise<NotificationListener> => {
      expect(channel).toBe(PUBLIC_PAGES_CHANNEL);
      if (failNext > 0) {
        failNext--;
        throw new Error("connection refused");
      }
      const entry = { handlers, closed: false };
      listeners.push(entry);
      return { close: async () => void (entry.closed = true) };
    });
    return { listen, listeners, failTimes: (n: number) => (failNext = n) };
  }

  it("enables the cache once listening, clears it on each notification, disables it while the connection is gone and reconnects", async () => {
    const db = fakeDatabase();
    const cache = new PageCache();
    const log = vi.fn();
    const running = keepListening(cache, db.listen, { retryMs: [1], log });
    await running.ready;
    expect(cache.enabled).toBe(true);

    cache.set("a", page("a"), cache.generation);
    db.listeners[0]!.handlers.onNotify("");
    expect(cache.get("a")).toBeUndefined();

    cache.set("a", page("a"), cache.generation);
    db.failTimes(2);
    db.listeners[0]!.handlers.onLost(new Error("terminated by administrator"));
    expect(cache.enabled).toBe(false);
    expect(cache.size.entries).toBe(0);
    expect(db.listeners[0]!.closed).toBe(true);
    await vi.waitFor(() => expect(cache.enabled).toBe(true));
    expect(db.listen).toHaveBeenCalledTimes(4);
    expect(log.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringContaining("stopped listening"),
      expect.stringContaining("cannot listen"),
      expect.stringContaining("cannot listen"),
      "listening for changes again",
    ]);
    await running.stop();
    expect(cache.enabled).toBe(false);
    expect(db.listeners[1]!.closed).toBe(true);
  });

  it("starts disabled when the first attempt fails", async () => {
    const db = fakeDatabase();
    db.failTimes(1);
    const cache = new PageCache();
    const running = keepListening(cache, db.listen, { retryMs: [60_000], log: () => {} });
    await running.ready;
    expect(cache.enabled).toBe(false);
    await running.stop();
  });
});
