// Rendered public pages for anonymous visitors, kept in the server process
// (scripts/serve.js puts this in front of the Remix handler). Rendering a page
// costs milliseconds even with no database work; sending kept bytes costs
// microseconds. What makes it safe (docs/decisions/016-public-page-cache.md):
// - only GET/HEAD without a session cookie, only the pages that show what
//   anyone may see, only 200 responses with no Set-Cookie;
// - every write to a table those pages read sends a NOTIFY when it commits;
//   each notification drops every kept page, and a render keeps its result only
//   if no notification came while it ran;
// - no listening connection, no cache: pages are rendered until it is back;
// - a short lifetime for what changes by the clock (basket reservations lapse
//   with no write);
// - the CSP nonce is fresh on every response: a kept page is stored cut at the
//   nonce its render used and joined with the new one.
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from "express";
import type { ListenHandlers, NotificationListener } from "./database.server.ts";
import { getDatabase } from "./db.server.ts";
import { sessionTokenFromCookies } from "./session.server.ts";

/** The channel the migration `page_cache_notify` notifies on. */
export const PUBLIC_PAGES_CHANNEL = "mavuno_public_pages";

/** The home page, the loan list, a loan, a partner's profile: nothing on them depends on who asks when nobody is logged in. */
const PUBLIC_PATH = /^\/(?:loans(?:\/[^/?]+)?|partners\/[^/?]+|impact)?$/;

export type PageCacheOptions = {
  /** How long a page is kept: what changes by the clock alone (reservations lapsing, days left) is at most this old. */
  ttlMs: number;
  maxEntries: number;
  maxBytes: number;
  now: () => number;
};

export const DEFAULT_PAGE_CACHE_OPTIONS: PageCacheOptions = {
  ttlMs: 10_000,
  maxEntries: 500,
  maxBytes: 32 * 1024 * 1024,
  now: () => performance.now(),
};

export type CachedPage = {
  status: number;
  /** The rendered response's own headers (not the security headers every response gets). */
  headers: [string, string][];
  /** The body, cut where the render's nonce was: the pieces are joined with each response's nonce. */
  pieces: Buffer[];
  bytes: number;
};

type Entry = CachedPage & { expiresAt: number };

/**
 * The pages and when they may be used. Disabled until `listening()` says the
 * notifications are being received; each change of that state, and each
 * notification, starts a new generation and drops every page.
 */
export class PageCache {
  readonly options: PageCacheOptions;
  #entries = new Map<string, Entry>();
  #bytes = 0;
  #generation = 0;
  #enabled = false;
  #sync: (() => Promise<void>) | null = null;
  #inFlight: Promise<void> | null = null;
  #queued: Promise<void> | null = null;

  constructor(options: Partial<PageCacheOptions> = {}) {
    this.options = { ...DEFAULT_PAGE_CACHE_OPTIONS, ...options };
  }

  get enabled() {
    return this.#enabled;
  }

  /** Changes with every notification and every change of the listening state. */
  get generation() {
    return this.#generation;
  }

  get size() {
    return { entries: this.#entries.size, bytes: this.#bytes };
  }

  /** Something a public page shows has changed (committed). */
  invalidate(): void {
    this.#generation++;
    this.#entries.clear();
    this.#bytes = 0;
  }

  /**
   * Notifications are received from now on (`sync` as in NotificationListener,
   * or null when they need none), or, with false, may be missed: nothing is
   * kept or served until they are received again.
   */
  listening(state: { sync: (() => Promise<void>) | null } | false): void {
    this.invalidate();
    this.#enabled = state !== false;
    this.#sync = state === false ? null : state.sync;
    this.#inFlight = null;
    this.#queued = null;
  }

  /** A kept page, if it is still good. */
  get(key: string): CachedPage | undefined {
    if (!this.#enabled) return undefined;
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.options.now()) {
      this.#remove(key, entry);
      return undefined;
    }
    // Least recently used goes first: a Map keeps insertion order.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  /**
   * Keeps a page rendered in generation `since`, unless a notification came
   * during the render (it may have read what was true before the change).
   */
  set(key: string, page: CachedPage, since: number): boolean {
    if (!this.#enabled || since !== this.#generation) return false;
    if (page.bytes > this.options.maxBytes / 8) return false;
    const old = this.#entries.get(key);
    if (old) this.#remove(key, old);
    this.#entries.set(key, { ...page, expiresAt: this.options.now() + this.options.ttlMs });
    this.#bytes += page.bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.options.maxEntries && this.#bytes <= this.options.maxBytes) break;
      this.#remove(oldest, entry);
    }
    return true;
  }

  /**
   * Resolves once every notification committed before the call has been
   * handled, so a page kept before a change is never served after it. Callers
   * arriving together share one round trip on the listening connection.
   */
  caughtUp(): Promise<void> | null {
    const sync = this.#sync;
    if (!sync) return null;
    const round = () => {
      const trip: Promise<void> = withTimeout(sync(), SYNC_TIMEOUT_MS).finally(() => {
        if (this.#inFlight === trip) this.#inFlight = null;
      });
      this.#inFlight = trip;
      return trip;
    };
    if (!this.#inFlight) return round();
    // A round trip already under way may have started before this caller's
    // moment: wait for the next one, which all such callers share.
    this.#queued ??= this.#inFlight
      .catch(() => undefined)
      .then(() => {
        this.#queued = null;
        return round();
      });
    return this.#queued;
  }

  #remove(key: string, entry: Entry) {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}

/** A listening connection that does not answer within this is treated as failed for that request (which renders). */
const SYNC_TIMEOUT_MS = 2_000;

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the listening connection within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The cache key of a request that may be served from the cache, else null. */
export function pageCacheKey(request: {
  method: string;
  url: string;
  protocol: string;
  headers: { host?: string; cookie?: string };
}): string | null {
  if (request.method !== "GET" && request.method !== "HEAD") return null;
  if (sessionTokenFromCookies(request.headers.cookie) !== null) return null;
  const query = request.url.indexOf("?");
  const path = query < 0 ? request.url : request.url.slice(0, query);
  if (!PUBLIC_PATH.test(path)) return null;
  // The whole URL as sent: nothing that could change its meaning is normalized.
  return `${request.protocol}://${request.headers.host ?? ""}${request.url}`;
}

const UNCACHEABLE_CONTROL = /\b(?:no-store|private|no-cache)\b/i;
// Framing is the server's own: a kept page is sent with its length.
const FRAMING_HEADERS = new Set(["content-length", "transfer-encoding", "connection", "keep-alive"]);

/**
 * The response as a page to keep, cut at `nonce`, or null when it must not be
 * kept: not a 200, a cookie set, caching refused, a type that is neither a
 * document nor (for `?_data=`) loader data, or a nonce not where it is expected.
 */
export function toCachedPage(response: { status: number; headers: Headers }, body: Buffer, nonce: string, isDataRequest: boolean): CachedPage | null {
  if (response.status !== 200) return null;
  if (response.headers.has("set-cookie")) return null;
  if (UNCACHEABLE_CONTROL.test(response.headers.get("cache-control") ?? "")) return null;
  const type = response.headers.get("content-type") ?? "";
  if (!(isDataRequest ? /^application\/json\b/i : /^text\/html\b/i).test(type)) return null;
  const headers: [string, string][] = [];
  for (const [name, value] of response.headers) {
    if (FRAMING_HEADERS.has(name)) continue;
    if (value.includes(nonce)) return null;
    headers.push([name, value]);
  }
  const needle = Buffer.from(nonce);
  const pieces: Buffer[] = [];
  let from = 0;
  for (let at = body.indexOf(needle, from); at >= 0; at = body.indexOf(needle, from)) {
    pieces.push(body.subarray(from, at));
    from = at + needle.length;
  }
  pieces.push(body.subarray(from));
  // Every nonce attribute must carry this render's nonce verbatim; one written
  // any other way could not be replaced and would break the page's scripts.
  const attributes = body.toString("latin1").split('nonce="').length - 1;
  if (attributes !== body.toString("latin1").split(`nonce="${nonce}"`).length - 1) return null;
  return { status: response.status, headers, pieces, bytes: body.length };
}

/** The page with `nonce` where its render's nonce was. */
export function pageBody(page: CachedPage, nonce: string): Buffer {
  if (page.pieces.length === 1) return page.pieces[0]!;
  const needle = Buffer.from(nonce);
  const parts: Buffer[] = [];
  page.pieces.forEach((piece, index) => {
    if (index > 0) parts.push(needle);
    parts.push(piece);
  });
  return Buffer.concat(parts);
}

function send(res: ExpressResponse, page: { status: number; headers: [string, string][] }, body: Buffer, cache: "hit" | "miss", head: boolean) {
  res.statusCode = page.status;
  const byName = new Map<string, string[]>();
  for (const [name, value] of page.headers) byName.set(name, [...(byName.get(name) ?? []), value]);
  for (const [name, values] of byName) res.setHeader(name, values.length === 1 ? values[0]! : values);
  res.setHeader("Content-Length", body.length);
  res.setHeader("X-Cache", cache);
  res.end(head ? undefined : body);
}

export type PageRenderer = (request: Request, req: ExpressRequest, res: ExpressResponse) => Promise<Response>;

/**
 * Express middleware in front of the Remix handler: serves kept pages, and
 * renders (through `render`) and keeps the ones that may be kept. Anything
 * else goes on to the next handler untouched.
 */
export function pageCacheMiddleware(cache: PageCache, options: { render: PageRenderer; nonce: (res: ExpressResponse) => string }) {
  return (req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    const key = pageCacheKey({ method: req.method, url: req.originalUrl, protocol: req.protocol, headers: req.headers });
    if (key === null) {
      next();
      return;
    }
    serve(cache, options, key, req, res).catch(next);
  };
}

async function serve(
  cache: PageCache,
  options: { render: PageRenderer; nonce: (res: ExpressResponse) => string },
  key: string,
  req: ExpressRequest,
  res: ExpressResponse,
) {
  const nonce = options.nonce(res);
  const head = req.method === "HEAD";
  if (cache.get(key)) {
    let caughtUp = true;
    try {
      await cache.caughtUp();
    } catch {
      // The listening connection failed (its handler disables the cache): render instead.
      caughtUp = false;
    }
    // Looked up again: a notification that was in flight has dropped it.
    const page = caughtUp ? cache.get(key) : undefined;
    if (page) {
      send(res, page, pageBody(page, nonce), "hit", head);
      return;
    }
  }

  const generation = cache.generation;
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  // HEAD is rendered as GET, so its page can be kept for both.
  const request = new Request(`${req.protocol}://${req.get("host") ?? "localhost"}${req.originalUrl}`, {
    method: "GET",
    headers,
    signal: controller.signal,
  });
  const response = await options.render(request, req, res);
  const body = Buffer.from(await response.arrayBuffer());
  const isDataRequest = new URL(request.url).searchParams.has("_data");
  const page = toCachedPage(response, body, nonce, isDataRequest);
  if (page) {
    cache.set(key, page, generation);
    send(res, page, body, "miss", head);
    return;
  }
  const all: [string, string][] = [];
  for (const [name, value] of response.headers) if (!FRAMING_HEADERS.has(name)) all.push([name, value]);
  res.statusMessage = response.statusText || res.statusMessage;
  send(res, { status: response.status, headers: all }, body, "miss", head);
}

// ---------------------------------------------------------------------------
// Listening for changes, reconnecting when the connection goes

export type Listen = (channel: string, handlers: ListenHandlers) => Promise<NotificationListener>;

const RETRY_MS = [250, 500, 1_000, 2_000, 5_000, 10_000, 30_000];

/**
 * Keeps a LISTEN open for the cache: enables it once listening, disables and
 * clears it whenever the connection fails, and reconnects with backoff.
 */
export function keepListening(cache: PageCache, listen: Listen, options: { retryMs?: readonly number[]; log?: (message: string) => void } = {}) {
  const retryMs = options.retryMs ?? RETRY_MS;
  const log = options.log ?? ((message: string) => console.warn(`mavuno: page cache: ${message}`));
  let stopped = false;
  let failures = 0;
  let current: NotificationListener | null = null;
  let timer: NodeJS.Timeout | undefined;

  const retry = () => {
    const delay = retryMs[Math.min(failures, retryMs.length - 1)]!;
    failures++;
    timer = setTimeout(() => void connect(), delay);
    timer.unref();
  };

  async function connect(): Promise<void> {
    if (stopped) return;
    let listener: NotificationListener;
    try {
      listener = await listen(PUBLIC_PAGES_CHANNEL, {
        onNotify: () => cache.invalidate(),
        onLost: (error) => {
          if (stopped || current !== listener) return;
          current = null;
          cache.listening(false);
          log(`stopped listening for changes (${error.message}); pages are rendered until it is back`);
          void listener.close();
          retry();
        },
      });
    } catch (error) {
      cache.listening(false);
      log(`cannot listen for changes (${(error as Error).message}); retrying`);
      retry();
      return;
    }
    if (stopped) {
      await listener.close();
      return;
    }
    if (failures > 0) log("listening for changes again");
    failures = 0;
    current = listener;
    cache.listening({ sync: listener.sync ?? null });
  }

  const ready = connect();
  return {
    /** Resolves after the first attempt, listening or not. */
    ready,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      cache.listening(false);
      const listener = current;
      current = null;
      await listener?.close();
    },
  };
}

let running: { cache: PageCache; stop: () => Promise<void> } | null = null;

/** The server's page cache, listening on the app's database. */
export async function startPageCache(options: Partial<PageCacheOptions> = {}): Promise<PageCache> {
  if (running) return running.cache;
  const database = await getDatabase();
  const cache = new PageCache(options);
  const listener = keepListening(cache, database.listen);
  running = { cache, stop: listener.stop };
  await listener.ready;
  return cache;
}

export async function stopPageCache(): Promise<void> {
  const current = running;
  running = null;
  await current?.stop();
}
