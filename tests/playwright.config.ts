import fs from "node:fs";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";
import { E2E_OUTBOX_DIR } from "./e2e/helpers.ts";

const root = path.resolve(import.meta.dirname, "..");
const PORT = Number(process.env.E2E_PORT ?? 3100);

// CHROMIUM_PATH, else the system's Chromium, else Playwright's own browser if one
// was installed. Never download one: this machine has no route to a browser host.
function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
  for (const candidate of candidates) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

const executablePath = findChromium();
if (!executablePath) {
  const bundled = path.join(process.env.PLAYWRIGHT_BROWSERS_PATH ?? path.join(process.env.HOME ?? "", ".cache/ms-playwright"));
  if (!fs.existsSync(bundled)) {
    throw new Error(
      "No Chromium found for the end-to-end tests. Install one (Debian: `apt-get install chromium`) " +
        "or point CHROMIUM_PATH at a Chromium/Chrome binary.",
    );
  }
}

// Per port, so two runs side by side (developers and helpers) never share a database.
const e2eDir = path.join(root, `tests/.tmp/e2e-db-${PORT}`);

export default defineConfig({
  testDir: path.join(root, "tests/e2e"),
  outputDir: path.join(root, "test-results"),
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  // In CI a JSON report too, which .ci/run adds up.
  reporter: process.env.TEST_REPORT_DIR
    ? [["list"], ["json", { outputFile: path.join(process.env.TEST_REPORT_DIR, "playwright.json") }]]
    : [["list"]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath,
      args: [
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [
    { name: "desktop", use: { ...devices["Desktop Chrome"], channel: undefined }, testIgnore: /mobile\.spec\.ts/ },
    { name: "phone", use: { ...devices["Pixel 7"], channel: undefined }, testMatch: /mobile\.spec\.ts/ },
  ],
  webServer: {
    // A fresh embedded database, migrated and seeded, behind the built app.
    command: [
      `rm -rf ${e2eDir} ${E2E_OUTBOX_DIR}`,
      `DATABASE_URL=pglite:${e2eDir} node_modules/.bin/tsx scripts/db.ts deploy`,
      `DATABASE_URL=pglite:${e2eDir} node_modules/.bin/tsx prisma/seed.ts`,
      // Emails land as files the tests read, never at a real mail server.
      `exec env DATABASE_URL=pglite:${e2eDir} SMTP_URL= STRIPE_SECRET_KEY= STRIPE_WEBHOOK_SECRET= OUTBOX_DIR=${E2E_OUTBOX_DIR} NODE_ENV=production SECURE_COOKIES=false PORT=${PORT} node scripts/serve.js`,
    ].join(" && "),
    cwd: root,
    url: `http://localhost:${PORT}/`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
  },
});
