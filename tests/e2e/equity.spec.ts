// Micro-equity for investors: a new lender adds credit with the demo gateway,
// buys units of the seeded listed offering, sees and cancels the holding; the
// officer files the cycle report of the seeded closed offering (a negative
// figure refused first) and the demo lender sees the share-out in the wallet.
import { expect, test } from "./fixtures.ts";
import { addCredit, logInAs, signUpLender } from "./helpers.ts";

test("an investor adds credit, buys units from the wallet, sees the holding and cancels it within the window", async ({ page }) => {
  await signUpLender(page);
  await addCredit(page, "60");
  await page.goto("/invest/seed-offering-listed");
  await expect(page.getByRole("heading", { name: "Invest in Tumaini savings group: the 2027 planting cycle", level: 1 })).toBeVisible();
  await expect(page.getByText(/Investors together receive 20% of the group's net profit/)).toBeVisible();

  await page.getByLabel("Units").fill("3");
  await page.getByRole("button", { name: "Buy units from my wallet" }).click();
  await expect(page.getByText("You need $15.00 more.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Add credit to your wallet" })).toHaveAttribute("href", "/wallet");

  await page.getByLabel("Units").fill("2");
  await page.getByRole("button", { name: "Buy units from my wallet" }).click();
  await expect(page.getByRole("heading", { name: "My equity", level: 1 })).toBeVisible();
  const row = page.getByRole("row", { name: /Tumaini savings group: the 2027 planting cycle/ });
  await expect(row).toContainText("$50.00");
  await expect(row).toContainText("Held until the offering closes");
  await row.getByRole("button", { name: "Cancel for a full refund" }).click();
  await expect(page.getByRole("row", { name: /2027 planting cycle/ })).toContainText("Cancelled: refunded");
  await page.goto("/wallet");
  await expect(page.locator(".wallet-balance strong")).toHaveText("$60.00");
});

test("the officer files the cycle report; the investor sees the share-out in the wallet and the holding", async ({ page }) => {
  await logInAs(page, "officer@mavuno.test");
  await page.goto("/portal/seed-partner-1/offering-reports/seed-offering-closed");
  await expect(page.getByRole("heading", { name: "Cycle report: Tumaini savings group: the 2026 harvest cycle", level: 1 })).toBeVisible();
  await expect(page.getByRole("table", { name: "Who holds units of this offering" })).toContainText("Lena Lender");

  await page.getByLabel(/^Income/).fill("-5000");
  await page.getByLabel(/^Expenses/).fill("1000");
  await page.getByLabel(/^Loan losses/).fill("0");
  await page.getByLabel(/^Exchange rate/).fill("130");
  await page.getByRole("button", { name: "File the report and pay investors" }).click();
  await expect(page.getByText("Income cannot be negative.")).toBeVisible();
  await expect(page.getByLabel(/^Income/)).toHaveAttribute("aria-invalid", "true");

  await page.getByLabel(/^Income/).fill("500000");
  await page.getByLabel(/^Expenses/).fill("100000");
  await page.getByLabel(/^Loan losses/).fill("50000");
  await page.getByLabel(/^Exchange rate/).fill("130");
  await page.getByRole("button", { name: "File the report and pay investors" }).click();
  await expect(page.getByRole("heading", { name: "The report as filed" })).toBeVisible();
  await expect(page.getByText("Distributed to investors")).toBeVisible();

  await page.getByRole("button", { name: /Log out/i }).click();
  await logInAs(page, "lender@mavuno.test");
  await page.goto("/my/equity");
  const row = page.getByRole("row", { name: /2026 harvest cycle/ });
  await expect(row).toContainText("Invested for the cycle");
  const received = (await row.locator("td").nth(4).textContent())!.trim();
  expect(received).toMatch(/^\$\d/);
  await page.goto("/wallet");
  const entry = page.locator("table.history tbody tr").first();
  await expect(entry).toContainText("Share-out from Tumaini savings group: the 2026 harvest cycle");
  await expect(entry).toContainText(`+${received}`);
});
