import { expect, test } from "./fixtures.ts";
import { addCredit, signUpLender } from "./helpers.ts";

test("relend from the wallet: one click to the loans with the credit shown, and checkout pays from it", async ({ page }) => {
  await signUpLender(page);
  await addCredit(page, "60");
  await page.getByRole("link", { name: "Relend your $60.00" }).click();
  await expect(page).toHaveURL(/\/loans\?relend=1$/);
  const banner = page.getByText("You have $60.00 of credit to relend.");
  await expect(banner).toBeVisible();
  // Filtering keeps the banner.
  await page.getByLabel("Country").selectOption({ label: "Kenya" });
  await page.getByRole("button", { name: "Show loans" }).click();
  await expect(page).toHaveURL(/relend=1.*country=KE|country=KE.*relend=1/);
  await expect(banner).toBeVisible();

  await page.locator("article.loan-card").first().getByRole("link").first().click();
  await page.getByLabel("Shares of $25").selectOption("1");
  await page.getByRole("button", { name: "Lend — add to basket" }).click();
  await page.getByRole("button", { name: "Lend now" }).click();
  await expect(page.getByText("Thank you! Your loans are below.")).toBeVisible();
  await page.goto("/wallet");
  await expect(page.locator(".wallet-balance strong")).toHaveText("$35.00");
  await expect(page.getByRole("link", { name: "Relend your $35.00" })).toBeVisible();
});

test.describe("on a phone without JavaScript", () => {
  test.use({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });

  test("auto-lending is off until turned on; a bad value is named and nothing is saved; good values are", async ({ page }) => {
    await signUpLender(page);
    await page.goto("/wallet");
    await page.getByRole("link", { name: "Auto-lending" }).click();
    await expect(page.getByRole("heading", { name: "Auto-lending", level: 1 })).toBeVisible();
    const status = page.locator("dt:has-text('Status') + dd");
    await expect(status).toHaveText("Off");
    await expect(page.getByLabel("Idle days before lending")).toHaveValue("30");

    await page.getByLabel("Lend my idle credit automatically").check();
    await page.getByLabel("Kenya").check();
    await page.getByLabel("Idle days before lending").fill("0");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByText("The number of idle days must be from 1 to 365 days.")).toBeVisible();
    await expect(page.getByLabel("Idle days before lending")).toHaveAttribute("aria-invalid", "true");
    // What was typed and ticked comes back; nothing was saved.
    await expect(page.getByLabel("Kenya")).toBeChecked();
    await expect(status).toHaveText("Off");

    await page.getByLabel("Idle days before lending").fill("14");
    await page.getByLabel("Most of your portfolio with one field partner (%)").fill("20");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByRole("status")).toHaveText("Saved. Auto-lending is on; it runs within the next day.");
    await expect(status).toHaveText("On");
    await expect(page.getByLabel("Kenya")).toBeChecked();
    await expect(page.getByLabel("Idle days before lending")).toHaveValue("14");
    await expect(page.getByLabel("Most of your portfolio with one field partner (%)")).toHaveValue("20");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    await page.getByLabel("Lend my idle credit automatically").uncheck();
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByRole("status")).toHaveText("Saved. Auto-lending is off.");
    await expect(status).toHaveText("Off");
  });
});
