import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";
import { addCredit, signUpLender as newLender } from "./helpers.ts";

async function pickLoan(page: Page) {
  await page.goto("/loans");
  await page.getByLabel("Country").selectOption({ label: "Kenya" });
  await page.getByRole("button", { name: "Show loans" }).click();
  await expect(page).toHaveURL(/country=KE/);
  await page.locator("article.loan-card").first().getByRole("link").first().click();
  await expect(page.getByRole("heading", { name: "Loan terms" })).toBeVisible();
  return page.url().split("/loans/")[1]!.split("?")[0]!;
}

async function lendTwoShares(page: Page) {
  const loanId = await pickLoan(page);
  await page.getByLabel("Shares of $25").selectOption("2");
  await page.getByRole("button", { name: "Lend — add to basket" }).click();
  await expect(page.getByRole("heading", { name: "Your basket" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "$50.00" })).toBeVisible();
  await page.getByRole("button", { name: "Lend now" }).click();
  await expect(page.getByRole("heading", { name: "My loans" })).toBeVisible();
  await expect(page.getByText("Thank you! Your loans are below.")).toBeVisible();
  const row = page.getByRole("row").filter({ has: page.locator(`a[href="/my/loans/${loanId}"]`) });
  await expect(row).toContainText("$50.00");
  return loanId;
}

test("filter → loan → 2 shares → checkout with wallet credit → My loans", async ({ page }) => {
  await newLender(page);
  await addCredit(page, "100");
  await lendTwoShares(page);
  await page.goto("/wallet");
  await expect(page.getByText(/held until it is funded|passed to the field partner/).first()).toBeVisible();
});

test("the same paying by card through the demo gateway", async ({ page }) => {
  await newLender(page);
  await lendTwoShares(page);
  await page.goto("/wallet");
  await expect(page.getByText("Added credit by card").first()).toBeVisible();
});

test("the same with JavaScript disabled", async ({ browser }: { browser: Browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await newLender(page);
  await lendTwoShares(page);
  await context.close();
});
