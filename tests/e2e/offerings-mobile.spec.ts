// Offerings on a phone: the public pages and the officer's meeting form fit
// the screen without sideways scrolling.
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";
import { logInAs } from "./helpers.ts";

const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test("the public offering pages and the meeting form fit a phone", async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto("/offerings");
  await expect(page.getByRole("heading", { name: "Invest in savings groups", level: 1 })).toBeVisible();
  expect(await overflow(page)).toBeLessThanOrEqual(0);
  await page.getByRole("heading", { level: 2 }).first().getByRole("link").click();
  await expect(page.getByRole("heading", { name: "Worked example" })).toBeVisible();
  await expect(page.getByRole("table", { name: /What one unit of/ })).toBeVisible();
  expect(await overflow(page)).toBeLessThanOrEqual(0);

  await logInAs(page, "officer@mavuno.test");
  await page.goto("/portal");
  const portal = page.url().match(/\/portal\/([^/?#]+)/)?.[1];
  await page.goto(portal ? `/portal/${portal}/offerings/new` : "/portal");
  await expect(page.getByRole("heading", { name: "Draft an offering", level: 1 })).toBeVisible();
  expect(await overflow(page)).toBeLessThanOrEqual(0);
  await page.getByLabel("Group").selectOption({ index: 1 });
  await page.getByLabel("Title").fill("Phone-drafted offering");
  await page.getByLabel("Capital sought (USD, the most it may raise)").fill("500");
  await page.getByLabel("Minimum raise (USD)").fill("250");
  await page.getByLabel("Unit price (USD)").fill("25");
  await page.getByLabel("Investors' share of the cycle's net profit (%)").fill("15");
  await page.getByLabel("Cycle starts").fill(inDays(30));
  await page.getByLabel("Cycle ends (share-out)").fill(inDays(200));
  await page.getByLabel("Fundraising deadline").fill(inDays(20));
  await page.getByLabel("Most units one investor may hold").fill("5");
  await page.getByLabel("Risks").fill("Members' loans may not be repaid after a poor harvest.");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByRole("heading", { name: "Record the meeting" })).toBeVisible();
  expect(await overflow(page)).toBeLessThanOrEqual(0);
});
