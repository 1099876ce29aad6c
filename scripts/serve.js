// The production HTTP server: Express in front of the Remix build, with the
// security headers, the cross-origin guard, and a clean database shutdown.
import crypto from "node:crypto";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import { createRequestHandler as createFetchHandler } from "@remix-run/node";
import express from "express";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const build = await import(pathToFileURL(path.join(root, "build/index.js")).href);
const entry = build.entry.module;

let env;
try {
  env = entry.getEnv();
  await entry.startup();
} catch (error) {
  console.error(`mavuno: cannot start.\n${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const checkoutOrigins = entry.getGateway().checkoutOrigins;
const mode = env.NODE_ENV === "development" ? "development" : "production";
const getLoadContext = (req, res) => ({ cspNonce: res.locals.cspNonce, clientIp: req.ip ?? "unknown" });
// Public pages for anonymous visitors, kept until a write they depend on commits (docs/decisions/016-public-page-cache.md).
const pageCache = await entry.startPageCache();
const renderPage = createFetchHandler(build, mode);

const app = express();
app.disable("x-powered-by");

app.use((req, res, next) => {
  const nonce = crypto.randomBytes(16).toString("base64");
  res.locals.cspNonce = nonce;
  res.set(entry.securityHeaders(nonce, { development: env.NODE_ENV === "development", secure: env.secureCookies, checkoutOrigins }));
  const expectedOrigin = env.APP_ORIGIN ? new URL(env.APP_ORIGIN).origin : `${req.protocol}://${req.get("host")}`;
  const reason = entry.crossOriginReason({
    method: req.method,
    origin: req.get("origin"),
    secFetchSite: req.get("sec-fetch-site"),
    expectedOrigin,
  });
  if (reason) {
    res.status(403).type("text/plain").send(reason);
    return;
  }
  next();
});

app.use("/build", express.static(path.join(root, "public/build"), { immutable: true, maxAge: "1y" }));
// Before the static files: the public pages are never files, and looking for one
// (a stat per request) was the largest cost of a kept page after the socket write.
app.use(
  entry.pageCacheMiddleware(pageCache, {
    render: (request, req, res) => renderPage(request, getLoadContext(req, res)),
    nonce: (res) => res.locals.cspNonce,
  }),
);
app.use(express.static(path.join(root, "public"), { maxAge: "1h", index: false }));

app.all("*", createRequestHandler({ build, mode, getLoadContext }));

const server = app.listen(env.PORT, env.HOST, () => {
  console.log(`Mavuno is serving on http://localhost:${env.PORT}`);
});

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`mavuno: ${signal} received, closing the database and stopping.`);
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  server.close();
  server.closeAllConnections?.();
  try {
    await entry.shutdown();
  } catch (error) {
    console.error(error);
  }
  process.exit(0);
}
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
