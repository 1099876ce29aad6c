import fs from "node:fs";
import { parseCsv } from "../../app/lib/csv.ts";
import { expect, test } from "./fixtures.ts";
import { logInAs } from "./helpers.ts";

const LENDER = "lender@mavuno.test";

const dollars = (text: string | null) => Math.round(Number((text ?? "").replace(/[$,]/g, "")) * 100);
const usd = (cents: number) => `$${(cents / 100).toLocaleString("en-US", { minimumFractionDigits: 2 })}`;

test("a lender adds credit with the demo gateway, donates part of it and downloads the history", async ({ page }) => {
  await logInAs(page, LENDER);
  await expect(page.getByRole("note")).toHaveText("Demo payments: no real money moves");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Wallet" }).click();
  await expect(page.getByRole("heading", { name: "Your wallet", level: 1 })).toBeVisible();
  const balance = page.locator(".wallet-balance strong");
  const start = dollars(await balance.textContent());
  // The seed gave the demo lender a history to look at.
  const rows = page.locator("table.history tbody tr");
  expect(await rows.count()).toBeGreaterThanOrEqual(4);

  await page.getByLabel("Amount to add (USD)").fill("25");
  await page.getByRole("button", { name: "Add credit" }).click();
  await expect(page.getByRole("status")).toHaveText("Credit added to your wallet.");
  await expect(balance).toHaveText(usd(start + 2500));
  await expect(rows.first()).toContainText("Added credit by card");
  await expect(rows.first()).toContainText("+$25.00");
  await rows.first().getByRole("link", { name: "Card payment" }).click();
  await expect(page.getByRole("heading", { name: "Card payment of $25.00" })).toBeVisible();
  await expect(page.getByText("Paid and credited to your wallet")).toBeVisible();
  await page.getByRole("link", { name: "← Your wallet" }).click();

  await page.getByLabel("Amount to donate (USD)").fill("5.001");
  await page.getByRole("button", { name: "Donate" }).click();
  await expect(page.getByText("Use at most 2 decimal places.")).toBeVisible();
  await expect(page.getByLabel("Amount to donate (USD)")).toHaveAttribute("aria-invalid", "true");
  await expect(balance).toHaveText(usd(start + 2500));

  await page.getByLabel("Amount to donate (USD)").fill("5");
  await page.getByRole("button", { name: "Donate" }).click();
  await expect(page.getByRole("status")).toHaveText("Thank you: your donation has gone to Mavuno.");
  await expect(balance).toHaveText(usd(start + 2000));
  await expect(rows.first()).toContainText("Donation to Mavuno");
  await expect(rows.first()).toContainText("-$5.00");
  const shown = await rows.count();

  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download the full history (CSV)" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^mavuno-wallet-\d{4}-\d{2}-\d{2}\.csv$/);
  const lines = fs.readFileSync((await download.path())!, "utf8").split("\r\n");
  expect(lines[0]).toBe("date,description,amount,currency,kind,transaction_id,posting_id,link");
  expect(lines[1]).toMatch(/^[\d-]+T[\d:.]+Z,Donation to Mavuno,-5\.00,USD,donation,\d+,\d+,$/);
  expect(lines[2]).toMatch(/^[\d-]+T[\d:.]+Z,Added credit by card,25\.00,USD,card_top_up,\d+,\d+,http:\/\/localhost:\d+\/wallet\/payments\/\w+$/);
  expect(lines.at(-1)).toBe("");
  // The page shows the newest movements a page at a time; the file has them all,
  // which the sum proves: every movement ever adds up to the balance.
  expect(lines.length - 2).toBeGreaterThanOrEqual(shown);
  // Descriptions may hold commas (then they are quoted): read the file as CSV.
  const records = parseCsv(fs.readFileSync((await download.path())!, "utf8"), { delimiter: "," }).slice(1);
  expect(records).toHaveLength(lines.length - 2);
  const sum = records.reduce((total, record) => total + dollars(record.fields[2]!), 0);
  expect(sum).toBe(start + 2000);
});

test.describe("on a phone without JavaScript", () => {
  test.use({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });

  test("the wallet's forms still work, and a bad amount is named", async ({ page }) => {
    await logInAs(page, LENDER);
    await page.goto("/wallet");
    const balance = page.locator(".wallet-balance strong");
    const start = dollars(await balance.textContent());
    await page.getByLabel("Amount to donate (USD)").fill("-3");
    await page.getByRole("button", { name: "Donate" }).click();
    await expect(page.getByText("Enter an amount greater than zero.")).toBeVisible();
    await page.getByLabel("Amount to donate (USD)").fill("1.50");
    await page.getByRole("button", { name: "Donate" }).click();
    await expect(page.getByRole("status")).toHaveText("Thank you: your donation has gone to Mavuno.");
    await expect(balance).toHaveText(usd(start - 150));
  });
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("the wallet fits without sideways scrolling", async ({ page }) => {
    await logInAs(page, LENDER);
    await page.goto("/wallet");
    await expect(page.getByRole("heading", { name: "Movements" })).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
