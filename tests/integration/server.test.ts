// The built server as a process: start-up checks, the PGlite lock, clean
// shutdown on signals, data kept across restarts. Needs `npm run build` first
// (npm test builds before it runs the tests).
import { spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, root, serverEnv as baseEnv, startServer as start } from "../support/server-process.ts";

const tsx = path.join(root, "node_modules/.bin/tsx");
let dir: string;
let url: string;

function startServer(port: number, extra: Record<string, string> = {}) {
  return start(port, { DATABASE_URL: url, ...extra });
}

function exited(child: ChildProcess): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, ms: Date.now() - started })));
}

beforeAll(() => {
  assertBuilt();
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
