// Micro-equity for investors: a new lender adds credit with the demo gateway,
// buys units of the seeded listed offering from the wallet, sees and cancels
// the holding within the window. The whole journey (draft to share-out) is
// equity-journey.spec.ts.
import { expect, test } from "./fixtures.ts";
import { addCredit, signUpLender } from "./helpers.ts";

test("an investor adds credit, buys units from the wallet, sees the holding and cancels it within the window", async ({ page }) => {
  await signUpLender(page);
  await addCredit(page, "60");
  await page.goto("/invest/seed-offering-listed");
  await expect(page.getByRole("heading", { name: "Invest in Tumaini savings group: the 2027 planting cycle", level: 1 })).toBeVisible();
  await expect(page.getByText(/Investors together receive 20% of the group's net profit/)).toBeVisible();

  await page.getByLabel("Units").fill("3");
  await page.getByRole("button", { name: "Buy units from my wallet" }).click();
  await expect(page.getByText("Your wallet is $15.00 short.", { exact: false })).toBeVisible();
  await expect(page.getByRole("link", { name: "add credit to your wallet" })).toHaveAttribute("href", "/wallet");

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
