// The built server as a process: start-up checks, the PGlite lock, clean
// shutdown on signals, data kept across restarts. Needs `npm run build` first
// (npm test builds before it runs the tests).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const tsx = path.join(root, "node_modules/.bin/tsx");
let dir: string;
let url: string;

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _drop, TEST_POSTGRES_URL: _drop2, ...rest } = process.env;
  return { ...rest, NODE_ENV: "production", SECURE_COOKIES: "false", ...extra };
}

function startServer(port: number, extra: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["scripts/serve.js"], {
    cwd: root,
    env: baseEnv({ DATABASE_URL: url, PORT: String(port), HOST: "127.0.0.1", ...extra }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    child.stdout!.on("data", () => {
      if (output.includes("serving on")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return { child, ready, output: () => output };
}

function exited(child: ChildProcess): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, ms: Date.now() - started })));
}

beforeAll(() => {
  if (!fs.existsSync(path.join(root, "build/index.js"))) throw new Error("Run `npm run build` before this test.");
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "mavuno-server-"));
  url = `pglite:${path.join(dir, "db")}`;
  const deploy = spawnSync(tsx, ["scripts/db.ts", "deploy"], { cwd: root, env: baseEnv({ DATABASE_URL: url }), encoding: "utf8" });
  expect(deploy.status, deploy.stderr + deploy.stdout).toBe(0);
}, 120_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("the server process", () => {
  it("refuses to start with a bad variable and names it", () => {
    const result = spawnSync(process.execPath, ["scripts/serve.js"], {
      cwd: root,
      env: baseEnv({ DATABASE_URL: url, PORT: "eighty" }),
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/PORT: /);
  });

  it("holds the embedded database alone, closes it on SIGTERM and SIGINT, and keeps the data", async () => {
    const port = 40_000 + Math.floor(Math.random() * 20_000);
    const first = startServer(port);
    await first.ready;
    const signup = await fetch(`http://127.0.0.1:${port}/signup`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: `http://127.0.0.1:${port}` },
      body: new URLSearchParams({ name: "Kept Across Restarts", email: "kept@example.test", password: "long-enough-pw" }),
      redirect: "manual",
    });
    expect(signup.status).toBe(302);

    // A second process on the same directory is refused, not allowed to lose writes.
    const second = spawnSync(tsx, ["scripts/db.ts", "status"], { cwd: root, env: baseEnv({ DATABASE_URL: url }), encoding: "utf8" });
    expect(second.status).not.toBe(0);
    expect(second.stderr + second.stdout).toContain(`already open in process ${first.child.pid}`);

    const stop = exited(first.child);
    first.child.kill("SIGTERM");
    const { code, ms } = await stop;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect(fs.existsSync(path.join(dir, "db/.mavuno.lock"))).toBe(false);

    const again = startServer(port);
    await again.ready;
    const login = await fetch(`http://127.0.0.1:${port}/login`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: `http://127.0.0.1:${port}` },
      body: new URLSearchParams({ email: "kept@example.test", password: "long-enough-pw" }),
      redirect: "manual",
    });
    expect(login.status).toBe(302);
    const stopAgain = exited(again.child);
    again.child.kill("SIGINT");
    expect((await stopAgain).code).toBe(0);
  }, 90_000);
});
