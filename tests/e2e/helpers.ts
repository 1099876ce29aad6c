import path from "node:path";
import { expect, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "mavuno-demo-2026";

/** Where the e2e server writes the emails it sends (OUTBOX_DIR in playwright.config.ts); one per port, like its database. */
export const E2E_OUTBOX_DIR = path.resolve(import.meta.dirname, `../.tmp/e2e-outbox-${process.env.E2E_PORT ?? 3100}`);

/** A new lender with an empty wallet, signed up through the form and logged in. */
export async function signUpLender(page: Page) {
  const email = `lender-${Date.now()}-${Math.random().toString(36).slice(2, 6)}@example.test`;
  await page.goto("/signup");
  await page.getByLabel("Your name").fill("Lee Lender");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  return email;
}

/** Credit added on the wallet page (the e2e server runs the demo gateway, which settles at once). */
export async function addCredit(page: Page, dollars: string) {
  await page.goto("/wallet");
  await page.getByLabel(/Amount to add/i).fill(dollars);
  await page.getByRole("button", { name: /Add credit/i }).click();
  await expect(page.getByText(/Added credit by card/).first()).toBeVisible();
}

export async function logInAs(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
}
