import path from "node:path";
import { expect, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "mavuno-demo-2026";

/** Where the e2e server writes the emails it sends (OUTBOX_DIR in playwright.config.ts); one per port, like its database. */
export const E2E_OUTBOX_DIR = path.resolve(import.meta.dirname, `../.tmp/e2e-outbox-${process.env.E2E_PORT ?? 3100}`);

export async function logInAs(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
}
