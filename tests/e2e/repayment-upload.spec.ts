import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";
import { logInAs } from "./helpers.ts";

const today = () => new Date().toISOString().slice(0, 10);

/** A loan of the officer's partner that is paying back, from the portal's own list. */
async function payingBackLoan(page: Page): Promise<string> {
  await page.getByRole("link", { name: "Partner portal" }).click();
  await page.getByRole("navigation", { name: "Partner portal" }).getByRole("link", { name: "Loan requests" }).click();
  const row = page.getByRole("row").filter({ hasText: "Paying back" }).first();
  return (await row.getByRole("link").first().textContent())!.trim();
}

/** `shownAs`: the same bytes uploaded before keep their first name. */
async function uploadFile(page: Page, name: string, text: string, shownAs = name) {
  await page.getByRole("navigation", { name: "Partner portal" }).getByRole("link", { name: "Upload repayments" }).click();
  await expect(page.getByRole("heading", { name: "Upload repayments", level: 1 })).toBeVisible();
  await page.getByLabel("CSV file of repayments").setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(text) });
  await page.getByRole("button", { name: "Upload and check" }).click();
  await expect(page.getByRole("heading", { name: `Repayments upload: ${shownAs}` })).toBeVisible();
}

test("a file with a wrong line is reported and not postable; the fixed file posts once, and again posts nothing", async ({ page }) => {
  await logInAs(page, "officer@mavuno.test");
  const reference = await payingBackLoan(page);
  const header = "loan reference,date,local amount,rate";

  await uploadFile(page, "march.csv", `${header}\n${reference},${today()},50.00,129.50\nMV-NOPE-1,${today()},50.00,129.50\n`);
  const wrong = page.getByRole("table", { name: /1 line that cannot be posted/ });
  await expect(wrong.getByRole("row").filter({ hasText: "There is no loan MV-NOPE-1 at Umoja Microfinance." }).getByRole("rowheader")).toHaveText("3");
  await expect(page.getByText("Nothing can be posted while a line is wrong.")).toBeVisible();
  await expect(page.getByRole("table", { name: /1 line ready to post/ })).toContainText(reference);
  await expect(page.getByRole("button", { name: /^Post / })).toHaveCount(0);

  const fixed = `${header}\n${reference},${today()},50.00,129.50\n`;
  await uploadFile(page, "march-fixed.csv", fixed);
  await expect(page.getByText("Every line is fine.")).toBeVisible();
  await page.getByRole("button", { name: "Post 1 repayment" }).click();
  await expect(page.getByText(/went to the lenders' wallets/)).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole("table", { name: /1 line posted/ }).getByRole("row").nth(1)).toContainText("$");

  await uploadFile(page, "march-fixed-again.csv", fixed, "march-fixed.csv");
  await expect(page.getByText(/This file was already posted on .*\. Nothing new was posted\./)).toBeVisible();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("upload and confirm work as plain forms, and the page shows the result", async ({ page }) => {
    await logInAs(page, "partner-admin@mavuno.test");
    const reference = await payingBackLoan(page);
    await uploadFile(page, "april.csv", `loan ref;amount;paid on;fx rate\n${reference};60;${today()};129.5\n`);
    await expect(page.getByText("Every line is fine.")).toBeVisible();
    await page.getByRole("button", { name: "Post 1 repayment" }).click();
    await expect(page.getByText(/went to the lenders' wallets/)).toBeVisible({ timeout: 15_000 });
  });

  test("a file that is not CSV is refused with what to do", async ({ page }) => {
    await logInAs(page, "officer@mavuno.test");
    await page.getByRole("link", { name: "Partner portal" }).click();
    await page.getByRole("navigation", { name: "Partner portal" }).getByRole("link", { name: "Upload repayments" }).click();
    await page.getByLabel("CSV file of repayments").setInputFiles({ name: "march.xlsx", mimeType: "application/octet-stream", buffer: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]) });
    await page.getByRole("button", { name: "Upload and check" }).click();
    await expect(page.getByText(/not a CSV file\. Save it as “CSV UTF-8 \(comma delimited\)”/)).toBeVisible();
    await expect(page.getByLabel("CSV file of repayments")).toHaveAttribute("aria-invalid", "true");
  });
});
