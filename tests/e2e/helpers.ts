import { expect, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "mavuno-demo-2026";

export async function logInAs(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
}
