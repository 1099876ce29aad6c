// A visitor on the public impact page: the platform totals, then the stories
// filtered by partner and sector (a GET form, so the filters are in the link),
// and the same page on a phone without sideways scrolling.
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";

const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
const storiesFound = async (page: Page) => Number((await page.getByRole("status").filter({ hasText: /stor(y|ies) found/ }).innerText()).match(/^([\d,]+)/)![1]!.replace(/,/g, ""));

test("a visitor sees the platform totals and filters the stories", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Impact" }).click();
  await expect(page.getByRole("heading", { name: "Impact", level: 1 })).toBeVisible();

  const totals = page.getByRole("region", { name: "Mavuno so far" });
  await expect(totals.getByText("Lent by lenders")).toBeVisible();
  await expect(totals.locator("dd").first()).toHaveText(/^\$[\d,]+\.\d\d$/);
  const reached = Number((await totals.locator("dt:has-text('Clients reached') + dd").innerText()).match(/^([\d,]+)/)![1]!.replace(/,/g, ""));
  expect(reached).toBeGreaterThan(0);
  await expect(page.getByRole("table", { name: /Share of women/ })).toBeVisible();

  const stories = page.getByRole("region", { name: "Stories" });
  const all = await storiesFound(page);
  expect(all).toBeGreaterThan(0);

  await stories.getByLabel("Field partner").selectOption({ label: "Umoja Microfinance" });
  await stories.getByRole("button", { name: "Show stories" }).click();
  await expect(page).toHaveURL(/partner=umoja/);
  await expect(stories.getByRole("listitem").first()).toContainText("Umoja Microfinance");
  const umoja = await storiesFound(page);
  expect(umoja).toBeGreaterThan(0);
  expect(umoja).toBeLessThanOrEqual(all);
  const cards = stories.getByRole("listitem");
  for (const meta of await cards.locator(".loan-meta").allInnerTexts()) expect(meta).toContain("Umoja Microfinance");

  // Narrow by the sector of the first story shown; the partner stays chosen.
  const sector = (await cards.first().locator(".loan-meta").innerText()).split(" · ").find((part, i, parts) => (parts[0]!.startsWith("Group of") ? i === 1 : i === 0))!;
  await stories.getByLabel("Sector").selectOption({ label: sector });
  await stories.getByRole("button", { name: "Show stories" }).click();
  // Empty selects are in the link too ("sector="): wait for the chosen value.
  await expect(page).toHaveURL(new RegExp(`sector=${encodeURIComponent(sector).replace(/%20/g, "\\+")}`));
  await expect(stories.getByLabel("Field partner")).toHaveValue(/umoja/);
  expect(await storiesFound(page)).toBeLessThanOrEqual(umoja);
  for (const meta of await cards.locator(".loan-meta").allInnerTexts()) expect(meta).toContain(sector);

  await stories.getByRole("link", { name: "Clear filters" }).click();
  await expect(page).toHaveURL(/\/impact$/);
  expect(await storiesFound(page)).toBe(all);
});

test("the impact page fits a phone", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/impact");
  await expect(page.getByRole("heading", { name: "Impact", level: 1 })).toBeVisible();
  await expect(page.getByRole("region", { name: "Stories" }).getByLabel("Country")).toBeVisible();
  expect(await overflow(page)).toBeLessThanOrEqual(0);
});
