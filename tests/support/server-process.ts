// The built server (scripts/serve.js) as a child process, for tests of what
// only the real server does: start-up, signals, the page cache in front of
// Remix. Needs `npm run build` first.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");

export function assertBuilt() {
  if (!fs.existsSync(path.join(root, "build/index.js"))) throw new Error("Run `npm run build` before this test.");
}

/** The test runner's environment without its database choices, as production runs. */
export function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _drop, TEST_POSTGRES_URL: _drop2, ...rest } = process.env;
  return { ...rest, NODE_ENV: "production", SECURE_COOKIES: "false", ...extra };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts scripts/serve.js; `ready` resolves once it says it is serving. */
export function startServer(port: number, env: Record<string, string>) {
  const child = spawn(process.execPath, ["scripts/serve.js"], {
    cwd: root,
    env: serverEnv({ PORT: String(port), HOST: "127.0.0.1", ...env }),
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
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    ready,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
