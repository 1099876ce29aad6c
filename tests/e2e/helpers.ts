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

/**
 * A loan made the way a real one is: drafted and submitted by the demo officer
 * at Umoja Microfinance (KES), approved and listed by the demo admin. Leaves
 * nobody logged in. Returns its reference, id and the partner portal's path.
 */
export async function listLoanThroughReview(
  page: Page,
  loan: { amountUsd: string; termMonths: string; purpose: string; sector: string; /** The option's value, e.g. `group:<id>`; else the first borrower. */ borrower?: string },
) {
  const in20Days = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
  await logInAs(page, "officer@mavuno.test");
  await page.goto("/portal/seed-partner-1/loans/new");
  await page.getByLabel("Borrower").selectOption(loan.borrower ?? { index: 1 });
  await page.getByLabel("Amount in US dollars").fill(loan.amountUsd);
  await page.getByLabel(/Exchange rate/).fill("129.50");
  await page.getByLabel("What the loan is for").fill(loan.purpose);
  await page.getByLabel("Sector").fill(loan.sector);
  await page.getByLabel("Term (months)").fill(loan.termMonths);
  await page.getByLabel("Interest rate (% a year)").fill("24");
  await page.getByLabel("Fundraising deadline").fill(in20Days);
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByText("Draft", { exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page.getByText("In review", { exact: true })).toBeVisible();
  const reference = (await page.getByRole("heading", { level: 1 }).textContent())!.split(":")[0]!.trim();
  const portalPath = new URL(page.url()).pathname;
  await page.context().clearCookies();
  await logInAs(page, "admin@mavuno.test");
  await page.goto("/admin/loans");
  await page.getByRole("link", { name: reference }).click();
  await page.getByRole("button", { name: "Approve and list" }).click();
  // Back on the queue, so the approval has been answered before the session is dropped.
  await expect(page.getByRole("heading", { name: "Loan requests waiting for review" })).toBeVisible();
  await expect(page.getByRole("link", { name: reference })).toHaveCount(0);
  await page.context().clearCookies();
  return { reference, loanId: portalPath.split("/").pop()!, portalPath };
}
