import { expect, test } from "./fixtures.ts";

test("loans are readable on a phone without sideways scrolling", async ({ page }) => {
  await page.goto("/loans");
  await expect(page.getByRole("heading", { name: "Loans", level: 1 })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.locator("article.loan-card").first().getByRole("link").click();
  await expect(page.getByRole("heading", { name: "Loan terms" })).toBeVisible();
  const overflowDetail = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflowDetail).toBeLessThanOrEqual(0);
});
