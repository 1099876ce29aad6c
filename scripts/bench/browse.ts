// Browsing at scale: GET /loans with a realistic filter, served by the built
// app (scripts/serve.js) on 1,000 and on 100,000 loans, against a bare
// node:http server sending the same HTML bytes, all in the same run.
//
// Each app server gets its own scratch PGlite directory, migrated and loaded
// with `seed:scale`. The three servers run side by side and are measured in
// alternating rounds, so a busy machine slows all of them alike and the ratios
// stay fair. Loopback only; every loop is bounded by a request count and a time.
//
// Latency is measured with every request rendered: an extra query parameter the
// page ignores makes each URL new, so the page cache (docs/decisions/016) never
// answers and the 100k-vs-1k target still compares database work. Throughput
// is measured as visitors ask: the same URL, which the cache serves between
// changes.
//
// `npm run build` first. `npm run bench -- browse --reuse` keeps the scratch
// databases between runs (they are migrated and topped up, never reloaded).
// With DATABASE_URL=postgresql://… the same is measured on that server as well,
// in two scratch databases created there and dropped afterwards.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort } from "../../tests/support/server-process.ts";
import { machine, median, target } from "./_support.ts";

const root = path.resolve(import.meta.dirname, "../..");
const REUSE = process.argv.includes("--reuse");
const SIZES = [
  { label: "1k", loans: 1_000, lenders: 500 },
  { label: "100k", loans: 100_000, lenders: 50_000 },
] as const;
/** What a lender in Kenya looking for a shop to back would ask for. */
const URL_PATH = "/loans?country=KE&sector=Retail&sort=ending";
/** For information only: other shapes of the same page at both sizes. */
// /login has no database work: the floor of rendering any page here.
const EXTRA_PATHS = ["/login", "/loans", "/loans?sort=left&maxLeft=200", "/loans?q=goats", "/loans?region=Kisumu&kind=individual", "/loans?country=KE&sector=Retail&sort=ending&page=5"];
const ROUNDS = 6;
const LATENCY_REQUESTS = 30; // per round, one at a time
const THROUGHPUT_REQUESTS = 150; // per round, CONCURRENCY at a time
const CONCURRENCY = 4;
const ROUND_TIME_LIMIT_MS = 20_000;

function runCommand(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(root, "node_modules/.bin/tsx"), args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`${args.join(" ")} failed (${code}):\n${out}`))));
  });
}

type Server = { label: string; port: number; child: ChildProcess; stopped: Promise<void> };

async function waitForHttp(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server on port ${port} exited:\n${log()}`);
    try {
      await get(port, "/", agentFor(1));
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`server on port ${port} did not answer within 2 minutes:\n${log()}`);
}

function startProcess(label: string, command: string, args: string[], env: Record<string, string>, port: number): Promise<Server> {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const stopped = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return waitForHttp(port, child, () => out).then(() => ({ label, port, child, stopped }));
}

async function startApp(label: string, databaseUrl: string, outbox: string): Promise<Server> {
  const port = await freePort();
  return startProcess(
    label,
    process.execPath,
    ["scripts/serve.js"],
    {
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: "127.0.0.1",
      NODE_ENV: "production",
      SECURE_COOKIES: "false",
      SMTP_URL: "",
      OUTBOX_DIR: outbox,
    },
    port,
  );
}

// The baseline: the same bytes with the same content type, from plain node:http.
const BARE_SERVER = `
const http = require("node:http");
const fs = require("node:fs");
const body = fs.readFileSync(process.env.BODY_FILE);
http.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Length": body.length });
  res.end(body);
}).listen(Number(process.env.PORT), "127.0.0.1");
`;

async function startBare(bodyFile: string): Promise<Server> {
  const port = await freePort();
  return startProcess("bare", process.execPath, ["-e", BARE_SERVER], { BODY_FILE: bodyFile, PORT: String(port) }, port);
}

async function stop(server: Server): Promise<void> {
  if (server.child.exitCode === null) server.child.kill("SIGTERM");
  await server.stopped;
}

const agents = new Map<number, http.Agent>();
function agentFor(sockets: number): http.Agent {
  let agent = agents.get(sockets);
  if (!agent) agents.set(sockets, (agent = new http.Agent({ keepAlive: true, maxSockets: sockets })));
  return agent;
}

function get(port: number, urlPath: string, agent: http.Agent): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: urlPath, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

let renderCounter = 0;
/** The same page under a URL never asked before: the cache cannot answer it. */
const rendered = (urlPath: string) => () => `${urlPath}${urlPath.includes("?") ? "&" : "?"}render=${++renderCounter}`;

/** `count` requests, `concurrency` at a time, stopping early at the time limit. */
async function loop(port: number, urlPath: string | (() => string), count: number, concurrency: number) {
  const agent = agentFor(concurrency);
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count && performance.now() - started < ROUND_TIME_LIMIT_MS) {
      next++;
      const target = typeof urlPath === "string" ? urlPath : urlPath();
      const t = performance.now();
      const res = await get(port, target, agent);
      if (res.status !== 200) throw new Error(`GET ${target} on port ${port}: ${res.status}`);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, ms: performance.now() - started };
}

type Target = { label: string; size: (typeof SIZES)[number]; url: string; dispose: () => Promise<void> };

async function load(target: Omit<Target, "dispose">): Promise<void> {
  const env = { DATABASE_URL: target.url };
  const started = performance.now();
  console.log(`${target.label}: ${await runCommand(["scripts/db.ts", "deploy"], env)}`);
  console.log(
    `${target.label}: ${await runCommand(["scripts/seed-scale.ts", "--loans", String(target.size.loans), "--lenders", String(target.size.lenders), "--surveys", "0"], env)}`,
  );
  console.log(`${target.label}: ready in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

async function pgliteTarget(size: (typeof SIZES)[number], base: string): Promise<Target> {
  const dir = path.join(base, `browse-${size.label}`);
  if (!REUSE) fs.rmSync(dir, { recursive: true, force: true });
  const t = { label: size.label, size, url: `pglite:${dir}` };
  await load(t);
  return { ...t, dispose: async () => (REUSE ? undefined : fs.rmSync(dir, { recursive: true, force: true })) };
}

async function postgresTarget(size: (typeof SIZES)[number], serverUrl: string): Promise<Target> {
  const name = `mavuno_bench_browse_${size.label}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  if (!REUSE) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`).catch((error: { code?: string }) => {
    if (error.code !== "42P04") throw error; // kept from an earlier --reuse run
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const t = { label: `pg-${size.label}`, size, url: url.toString() };
  await load(t);
  return { ...t, dispose: async () => (REUSE ? undefined : admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
}

type Tally = { latencies: number[]; requests: number; ms: number };

export async function run(): Promise<boolean> {
  const buildFile = path.join(root, "build/index.js");
  if (!fs.existsSync(buildFile)) {
    console.error("bench browse: no build found; run `npm run build` first.");
    return false;
  }
  console.log(
    `bench browse: GET ${URL_PATH}; ${ROUNDS} rounds of ${LATENCY_REQUESTS} sequential (each rendered) + ${THROUGHPUT_REQUESTS} at concurrency ${CONCURRENCY} (same URL) per server; ${machine()}; build of ${fs.statSync(buildFile).mtime.toISOString()}`,
  );
  const base = path.join(os.tmpdir(), "mavuno-bench");
  fs.mkdirSync(base, { recursive: true });
  const serverUrl = process.env.DATABASE_URL && /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL) ? process.env.DATABASE_URL : null;
  const targets: Target[] = [];
  const servers: Server[] = [];
  try {
    for (const size of SIZES) targets.push(await pgliteTarget(size, base));
    if (serverUrl) for (const size of SIZES) targets.push(await postgresTarget(size, serverUrl));
    for (const t of targets) servers.push(await startApp(t.label, t.url, path.join(base, `outbox-${t.label}`)));
    const byLabel = (label: string) => servers.find((s) => s.label === label)!;
    const [small, large] = [byLabel("1k"), byLabel("100k")];
    // Same bytes as the large page: the baseline pays for the same transfer.
    const sample = await get(large.port, URL_PATH, agentFor(1));
    // React separates text pieces with <!-- --> in server HTML.
    const found = (body: Buffer) => /([\d,]+) loans? found/.exec(body.toString("utf8").replaceAll("<!-- -->", ""))?.[1] ?? "?";
    const smallFound = found((await get(small.port, URL_PATH, agentFor(1))).body);
    console.log(`page: ${sample.body.length.toLocaleString("en")} bytes; ${smallFound} loans match at 1k, ${found(sample.body)} at 100k`);
    const bodyFile = path.join(base, "browse-page.html");
    fs.writeFileSync(bodyFile, sample.body);
    servers.push(await startBare(bodyFile));

    // Warm up: caches, JIT, the database's buffers.
    for (const server of servers) await loop(server.port, URL_PATH, 40, 2);

    const tallies = new Map<string, { latency: Tally; throughput: Tally }>(
      servers.map((s) => [s.label, { latency: { latencies: [], requests: 0, ms: 0 }, throughput: { latencies: [], requests: 0, ms: 0 } }]),
    );
    for (let round = 0; round < ROUNDS; round++) {
      // A different server goes first each round.
      const order = servers.map((_, i) => servers[(i + round) % servers.length]!);
      for (const server of order) {
        const t = tallies.get(server.label)!;
        const seq = await loop(server.port, rendered(URL_PATH), LATENCY_REQUESTS, 1);
        t.latency.latencies.push(...seq.latencies);
        const par = await loop(server.port, URL_PATH, THROUGHPUT_REQUESTS, CONCURRENCY);
        t.throughput.requests += par.latencies.length;
        t.throughput.ms += par.ms;
      }
    }
    const summary = (label: string) => {
      const t = tallies.get(label)!;
      const sorted = [...t.latency.latencies].sort((a, b) => a - b);
      return {
        median: median(sorted),
        p90: sorted[Math.floor(sorted.length * 0.9)]!,
        rps: t.throughput.requests / (t.throughput.ms / 1000),
        n: sorted.length + t.throughput.requests,
      };
    };
    const names: Record<string, string> = { "1k": "app, PGlite, 1k loans", "100k": "app, PGlite, 100k loans", "pg-1k": "app, PostgreSQL, 1k loans", "pg-100k": "app, PostgreSQL, 100k loans", bare: "bare node:http" };
    for (const server of servers) {
      const s = summary(server.label);
      console.log(
        `${names[server.label]}: median ${s.median.toFixed(2)} ms, p90 ${s.p90.toFixed(2)} ms (one at a time, each rendered); ${s.rps.toFixed(0)} requests/s at concurrency ${CONCURRENCY} (same URL); ${s.n} requests`,
      );
    }

    // For information: other shapes of the page, one at a time.
    for (const extra of EXTRA_PATHS) {
      const cells = [];
      for (const t of targets) {
        const server = byLabel(t.label);
        await loop(server.port, rendered(extra), 5, 1);
        cells.push(`${server.label} ${median((await loop(server.port, rendered(extra), 25, 1)).latencies).toFixed(1)} ms`);
      }
      console.log(`info GET ${extra} (rendered): median ${cells.join(", ")}`);
    }

    const bare = summary("bare");
    let ok = true;
    for (const [prefix, suffix] of serverUrl ? [["", ""], ["pg-", "-postgresql"]] : [["", ""]]) {
      const s1k = summary(`${prefix}1k`);
      const s100k = summary(`${prefix}100k`);
      ok = target(`browse-100k-vs-1k-median${suffix}`, s100k.median / s1k.median, { max: 1.5 }) && ok;
      ok = target(`browse-vs-bare-throughput${suffix}`, s100k.rps / bare.rps, { min: 0.25 }) && ok;
    }
    return ok;
  } finally {
    for (const server of servers) await stop(server);
    for (const agent of agents.values()) agent.destroy();
    for (const t of targets) await t.dispose();
  }
}
