// A partner records repayments on its loan page. The loan is made the way a
// real one is (drafted by the officer, approved by the admin, funded by a
// lender paying by the demo card, disbursed by the officer), so the test owes
// nothing to how the seed's loans happen to be set up. Then the officer records
// a repayment with JavaScript (a hydration error would fail it) and another
// without, and the lender finds the money in their wallet.
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";
import { DEMO_PASSWORD, listLoanThroughReview, logInAs } from "./helpers.ts";

const PARTNER = "seed-partner-1"; // Umoja Microfinance, Kenya (KES); officer@mavuno.test works there

async function logOut(page: Page) {
  await page.getByRole("button", { name: "Log out", exact: true }).click();
}

async function fundByCard(page: Page, loanId: string) {
  const email = `repaid-lender-${Date.now()}@example.test`;
  await page.goto("/signup");
  await page.getByLabel("Your name").fill("Rita Repaid");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await page.goto(`/loans/${loanId}`);
  await page.getByLabel("Shares of $25").selectOption("2");
  await page.getByRole("button", { name: "Lend — add to basket" }).click();
  await page.getByRole("button", { name: "Lend now" }).click();
  await expect(page.getByText("Thank you! Your loans are below.")).toBeVisible();
  await logOut(page);
  return email;
}

test("an officer records repayments on a paying-back loan, with and without JavaScript; the lender gets the money", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const { reference, loanId, portalPath: loanPath } = await listLoanThroughReview(page, {
    amountUsd: "50",
    termMonths: "6",
    purpose: "To buy a second sewing machine",
    sector: "Services",
  });
  const lenderEmail = await fundByCard(page, loanId);

  // Disbursed today: the schedule starts, and the loan is paying back.
  await logInAs(page, "officer@mavuno.test");
  await page.goto(loanPath);
  await page.getByRole("button", { name: "Record disbursement" }).click();
  await expect(page.getByText("Paying back", { exact: true })).toBeVisible();
  await expect(page.getByRole("table", { name: /Schedule in force \(version 1\)/ }).getByRole("row")).toHaveCount(7);
  await expect(page.getByText("No repayment has been recorded yet.")).toBeVisible();

  // The rate comes filled in with the loan's own, and must be confirmed.
  await expect(page.getByLabel(/Exchange rate \(KES per US dollar\)/)).toHaveValue("129.5");
  await page.getByLabel("Amount paid (KES)").fill("1000");
  await page.getByRole("button", { name: "Record repayment" }).click();
  await expect(page.getByText(/Confirm the exchange rate/)).toBeVisible();
  await page.getByLabel(/I have checked this is the exchange rate/).check();
  await page.getByRole("button", { name: "Record repayment" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Repayment recorded." })).toContainText(/KES\s1,000\.00 paid on/);
  await expect(page.getByRole("status").filter({ hasText: "Repayment recorded." })).toContainText(/The lenders received \$\d+\.\d\d in their wallets/);
  const recorded = page.getByRole("table", { name: "Repayments recorded, latest first" });
  await expect(recorded.getByRole("row")).toHaveCount(2);
  await expect(recorded).toContainText(/KES\s1,000\.00/);

  // The same page without JavaScript, on a phone: a bad amount is refused on its field, then a good one is recorded.
  const noJs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    const plain = await noJs.newPage();
    await logInAs(plain, "officer@mavuno.test");
    await plain.goto(loanPath);
    await plain.getByLabel("Amount paid (KES)").fill("ten");
    await plain.getByLabel(/I have checked this is the exchange rate/).check();
    await plain.getByRole("button", { name: "Record repayment" }).click();
    await expect(plain.getByLabel("Amount paid (KES)")).toHaveAttribute("aria-invalid", "true");
    await expect(plain.getByRole("table", { name: "Repayments recorded, latest first" }).getByRole("row")).toHaveCount(2);
    await plain.getByLabel("Amount paid (KES)").fill("500");
    await plain.getByLabel(/Exchange rate \(KES per US dollar\)/).fill("140");
    await plain.getByLabel(/I have checked this is the exchange rate/).check();
    await plain.getByRole("button", { name: "Record repayment" }).click();
    await expect(plain.getByRole("status").filter({ hasText: "Repayment recorded." })).toContainText(/KES\s500\.00 paid on/);
    await expect(plain.getByRole("table", { name: "Repayments recorded, latest first" }).getByRole("row")).toHaveCount(3);
    // Wide tables scroll inside their box; the page itself never scrolls sideways.
    expect(await plain.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  } finally {
    await noJs.close();
  }
  await logOut(page);

  // The lender's wallet shows both repayments.
  await logInAs(page, lenderEmail);
  await page.goto("/wallet");
  await expect(page.getByText(`Repayment from loan ${reference}`)).toHaveCount(2);

  // The partner's public profile now has a track record to show.
  await page.goto(loanPath.replace(`/portal/${PARTNER}/loans/`, "/loans/"));
  await expect(page.getByRole("heading", { name: "Track record" })).toBeVisible();
  await expect(page.getByText("Repayment rate", { exact: true })).toBeVisible();
});
