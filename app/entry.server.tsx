import { PassThrough } from "node:stream";
import type { AppLoadContext, EntryContext } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { NonceContext } from "./components/nonce.tsx";
import { closeDb, getDb } from "./utils/db.server.ts";
import { getEnv } from "./utils/env.server.ts";
import { startJobs, stopJobs } from "./utils/jobs.server.ts";
import { stopPageCache } from "./utils/page-cache.server.ts";

const ABORT_DELAY = 5_000;

/** Called by the HTTP server before it listens: check the environment and open the database. */
export async function startup(): Promise<void> {
  getEnv();
  const db = await getDb();
  await db.$queryRawUnsafe("SELECT 1");
  startJobs();
}

/** Called by the HTTP server on SIGTERM/SIGINT. */
export async function shutdown(): Promise<void> {
  await stopPageCache();
  await stopJobs();
  await closeDb();
}

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = loadContext.cspNonce;
  // Crawlers get the whole page at once; people get it streamed.
  const readyEvent = isbot(request.headers.get("user-agent") ?? "") ? "onAllReady" : "onShellReady";
  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const { pipe, abort } = renderToPipeableStream(
      <NonceContext.Provider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
      </NonceContext.Provider>,
      {
        nonce,
        [readyEvent]() {
          shellRendered = true;
          const body = new PassThrough();
          responseHeaders.set("Content-Type", "text/html; charset=utf-8");
          resolve(
            new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }),
          );
          pipe(body);
        },
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          if (shellRendered) console.error(error);
        },
      },
    );
    setTimeout(abort, ABORT_DELAY);
  });
}

export function handleError(error: unknown, { request }: { request: Request }) {
  if (request.signal.aborted) return;
  console.error(error);
}

// The HTTP server reads these from the build, so the rules live in app code and are tested there.
export { crossOriginReason, securityHeaders } from "./utils/http-guard.server.ts";
export { getEnv } from "./utils/env.server.ts";
export { getGateway } from "./utils/payments.server.ts";
export { pageCacheMiddleware, startPageCache } from "./utils/page-cache.server.ts";
