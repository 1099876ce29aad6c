// On a phone: the filters, the list and a loan page (with its schedule) fit the screen's width.
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";

const sideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test("filters, results and a loan page fit a phone's width", async ({ page }) => {
  await page.goto("/loans");
  await page.getByText("More filters").click();
  await expect(page.getByLabel("Partner", { exact: true })).toBeVisible();
  expect(await sideways(page)).toBeLessThanOrEqual(0);
  await page.getByLabel("Sector").selectOption("Agriculture");
  await page.getByLabel("Fundraising ends within").selectOption("30");
  await page.getByRole("button", { name: "Show loans" }).click();
  await expect(page).toHaveURL(/sector=Agriculture/);
  await expect(page).toHaveURL(/ends=30/);
  expect(await sideways(page)).toBeLessThanOrEqual(0);
  await page.locator("article.loan-card").first().getByRole("link").click();
  await expect(page.getByRole("heading", { name: "Funding" })).toBeVisible();
  await expect(page.getByRole("table")).toBeVisible();
  expect(await sideways(page)).toBeLessThanOrEqual(0);
});
