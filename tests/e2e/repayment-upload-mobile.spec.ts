// On a phone: the upload page and a report with long wrong lines fit the screen's width.
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";
import { logInAs } from "./helpers.ts";

const sideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test("the upload form and its report fit a phone's width", async ({ page }) => {
  await logInAs(page, "officer@mavuno.test");
  await page.getByRole("link", { name: "Partner portal" }).click();
  await page.getByRole("navigation", { name: "Partner portal" }).getByRole("link", { name: "Upload repayments" }).click();
  await expect(page.getByRole("heading", { name: "Upload repayments", level: 1 })).toBeVisible();
  expect(await sideways(page)).toBeLessThanOrEqual(0);
  const long = `MV-${"X".repeat(120)}`;
  const text = `loan reference,date,local amount,rate\n${long},2026-01-05,1500.50,129.50\nMV-KE-0001,15/03/2026,"1,500.50",129.50\n`;
  await page.getByLabel("CSV file of repayments").setInputFiles({ name: "phone.csv", mimeType: "text/csv", buffer: Buffer.from(text) });
  await page.getByRole("button", { name: "Upload and check" }).click();
  await expect(page.getByRole("table", { name: /2 lines that cannot be posted/ })).toBeVisible();
  expect(await sideways(page)).toBeLessThanOrEqual(0);
});
