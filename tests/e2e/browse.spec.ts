// Browsing loans: filters in the URL, a page link that keeps them, and a loan
// page with what has been raised, what is left and the borrower's schedule;
// the same with JavaScript turned off.
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";

async function expectLoanPage(page: Page) {
  await expect(page.getByRole("heading", { name: "Funding" })).toBeVisible();
  await expect(page.getByText("Raised", { exact: true })).toBeVisible();
  await expect(page.getByText("Left to raise", { exact: true })).toBeVisible();
  await expect(page.getByText("Lenders", { exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { name: "The borrower's repayment schedule" })).toBeVisible();
  await expect(page.getByRole("table").locator("caption")).toContainText(/Instalments in [A-Z]{3}/);
  await expect(page.getByText("APR the borrower pays")).toBeVisible();
  await expect(page.getByText("Currency risk")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Track record" })).toBeVisible();
}

test("filter, open a loan, and see what is raised, what is left and the schedule", async ({ page }) => {
  await page.goto("/loans");
  await page.getByLabel("Country").selectOption({ label: "Kenya" });
  await page.getByText("More filters").click();
  await page.getByLabel("Individual or group").selectOption("individual");
  await page.getByLabel("Sort by").selectOption({ label: "Amount left (least first)" });
  await page.getByRole("button", { name: "Show loans" }).click();
  await expect(page).toHaveURL(/country=KE/);
  await expect(page).toHaveURL(/kind=individual/);
  await expect(page).toHaveURL(/sort=left/);
  // The filters in use stay open and selected.
  await expect(page.getByLabel("Individual or group")).toHaveValue("individual");
  await expect(page.getByText(/More filters \(1 in use\)/)).toBeVisible();
  const cards = page.locator("article.loan-card");
  expect(await cards.count()).toBeGreaterThan(0);
  for (const card of await cards.all()) {
    await expect(card).toContainText("Umoja Microfinance");
    await expect(card).not.toContainText("Group of");
    await expect(card).toContainText(/left/);
  }
  await cards.first().getByRole("link").click();
  await expect(page).toHaveURL(/\/loans\/[^/?]+$/);
  await expectLoanPage(page);
  await expect(page.getByRole("link", { name: "Umoja Microfinance" })).toHaveAttribute("href", "/partners/umoja-microfinance");
});

test("a page link keeps every filter, and search never finds a name", async ({ page }) => {
  await page.goto("/loans?status=all&kind=individual&sort=newest");
  await expect(page.getByText(/Page 1 of \d+/)).toBeVisible();
  const links = () => page.locator("article.loan-card h3 a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  const first = await links();
  await page.getByRole("link", { name: "Next" }).click();
  await expect(page).toHaveURL(/status=all/);
  await expect(page).toHaveURL(/kind=individual/);
  await expect(page).toHaveURL(/sort=newest/);
  await expect(page).toHaveURL(/page=2/);
  await expect(page.getByText(/Page 2 of \d+/)).toBeVisible();
  await expect(page.getByLabel("Sort by")).toHaveValue("newest");
  const second = await links();
  expect(first).toHaveLength(12);
  expect(second.length).toBeGreaterThan(0);
  expect(second.filter((href) => first.includes(href))).toEqual([]);

  await page.getByLabel("Search").fill("Kenya seed");
  await page.getByRole("button", { name: "Show loans" }).click();
  await expect(page).toHaveURL(/q=Kenya\+seed/);
  await expect(page).not.toHaveURL(/page=2/);
  await expect(page.getByText(/\d+ loans? found\./)).toBeVisible();
  // A seeded borrower's first name: shown only with consent, never searchable.
  await page.goto("/loans?status=all&q=Achieng");
  await expect(page.getByText("0 loans found.")).toBeVisible();
});

test("browsing works with JavaScript turned off", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/loans");
  await page.getByText("More filters").click();
  await page.getByLabel("Gender (individuals)").selectOption("female");
  await page.getByLabel("Term, at most").selectOption("18");
  await page.getByRole("button", { name: "Show loans" }).click();
  await expect(page).toHaveURL(/gender=female/);
  await expect(page).toHaveURL(/term=18/);
  await expect(page.getByLabel("Gender (individuals)")).toHaveValue("female");
  const cards = page.locator("article.loan-card");
  expect(await cards.count()).toBeGreaterThan(0);
  await cards.first().getByRole("link").click();
  await expectLoanPage(page);
  await context.close();
});
