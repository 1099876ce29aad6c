// On a phone, My loans (filters, totals, chart, the loans as cards) fits the screen's width.
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";
import { logInAs } from "./helpers.ts";

const sideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test("My loans fits a phone's width", async ({ page }) => {
  await logInAs(page, "lender@mavuno.test");
  await page.goto("/my/loans");
  await expect(page.getByRole("img", { name: "Repayments received and expected by month" })).toBeVisible();
  expect(await sideways(page)).toBeLessThanOrEqual(0);
  await page.getByLabel("Country").selectOption({ index: 1 });
  await page.getByRole("button", { name: "Show loans" }).click();
  await expect(page).toHaveURL(/country=/);
  expect(await sideways(page)).toBeLessThanOrEqual(0);
});
