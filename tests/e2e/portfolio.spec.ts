// My loans is the lender's portfolio. The demo lender (seeded through the same
// functions the site uses) holds loans paying back, late, repaid, defaulted and
// written off, with repayments at weaker exchange rates.
import type { Browser } from "@playwright/test";
import { expect, test } from "./fixtures.ts";
import { logInAs } from "./helpers.ts";

test("totals, the repayments chart with its table, and every loan's figures, with JavaScript", async ({ page }) => {
  await logInAs(page, "lender@mavuno.test");
  await page.goto("/my/loans");
  await expect(page.getByRole("heading", { name: "My loans", level: 1 })).toBeVisible();
  const totals = page.getByRole("region", { name: "Totals" });
  await expect(totals.getByText("Repaid to you")).toBeVisible();
  await expect(page.getByRole("img", { name: "Repayments received and expected by month" })).toBeVisible();
  await expect(page.getByRole("table", { name: /Repayments to you by month/ }).getByRole("row")).toHaveCount(26);
  const loans = page.getByRole("table", { name: /loans?, newest first/ });
  await expect(loans.getByRole("row").nth(1)).toBeVisible();
  // A loan paying back shows what comes next, labelled as an expectation.
  await expect(loans.getByText(/expected (on|since)/).first()).toBeVisible();
  // The next page keeps working after hydration: filter by a status in the list.
  await page.getByLabel("Status").selectOption({ label: "Repaid" });
  await page.getByRole("button", { name: "Show loans" }).click();
  await expect(page).toHaveURL(/status=repaid/);
  await expect(page.getByRole("heading", { name: "Totals for these loans" })).toBeVisible();
  const statuses = await loans.locator("tbody td[data-label=Status] .status").allTextContents();
  expect(statuses.length).toBeGreaterThan(0);
  expect(new Set(statuses)).toEqual(new Set(["Repaid"]));
});

test("filters and the CSV downloads work without JavaScript", async ({ browser }: { browser: Browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await logInAs(page, "lender@mavuno.test");
  await page.goto("/my/loans");
  await page.getByLabel("Status").selectOption({ label: "Paying back" });
  await page.getByRole("button", { name: "Show loans" }).click();
  await expect(page).toHaveURL(/status=paying_back/);
  await expect(page.getByRole("link", { name: "Clear filters" })).toBeVisible();
  const href = await page.getByRole("link", { name: "Download these loans (CSV)" }).getAttribute("href");
  expect(href).toBe("/my/loans.csv?status=paying_back");
  const csv = await context.request.get(href!);
  expect(csv.headers()["content-type"]).toBe("text/csv; charset=utf-8");
  const lines = (await csv.text()).trim().split("\r\n");
  expect(lines[0]).toMatch(/^loan_reference,purpose,field_partner,/);
  expect(lines.length).toBeGreaterThan(1);
  expect(lines.slice(1).every((line) => line.includes(",paying_back,"))).toBe(true);
  const repayments = await context.request.get((await page.getByRole("link", { name: "Download their repayments (CSV)" }).getAttribute("href"))!);
  expect((await repayments.text()).split("\r\n")[0]).toBe("paid_on,loan_reference,field_partner,shares,amount_usd,fx_loss_usd,owed_usd,repayment_id");
  await context.close();
});
