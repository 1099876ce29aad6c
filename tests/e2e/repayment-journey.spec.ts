// Issue 6's journey end to end: a partner records the repayment that clears a
// loan; the lender finds the credit in the wallet, the loan repaid in the
// portfolio and an email saying so, and relends the credit in two clicks.
import type { Page } from "@playwright/test";
import { readOutbox } from "../support/mail.ts";
import { expect, test } from "./fixtures.ts";
import { addCredit, E2E_OUTBOX_DIR, listLoanThroughReview, logInAs, signUpLender } from "./helpers.ts";


async function logOut(page: Page) {
  await page.context().clearCookies();
}

test("partner records a repayment → the lender sees the credit, the portfolio row and the email → relends it", async ({ page }) => {
  test.setTimeout(180_000);
  // A one-month loan of $50, drafted by the officer and approved by the admin.
  const { reference, loanId, portalPath } = await listLoanThroughReview(page, {
    amountUsd: "50",
    termMonths: "1",
    purpose: "To buy a bicycle for deliveries",
    sector: "Transport",
  });

  // A lender funds it in full from wallet credit.
  const lenderEmail = await signUpLender(page);
  await addCredit(page, "50");
  await page.goto(`/loans/${loanId}`);
  await page.getByLabel("Shares of $25").selectOption("2");
  await page.getByRole("button", { name: "Lend — add to basket" }).click();
  await page.getByRole("button", { name: "Lend now" }).click();
  await expect(page.getByText("Thank you! Your loans are below.")).toBeVisible();
  await logOut(page);

  // The officer disburses it and records the one instalment in full.
  await logInAs(page, "officer@mavuno.test");
  await page.goto(portalPath);
  await page.getByRole("button", { name: "Record disbursement" }).click();
  await expect(page.getByText("Paying back", { exact: true })).toBeVisible();
  const schedule = page.getByRole("table", { name: /Schedule in force \(version 1\)/ });
  const instalment = (await schedule.getByRole("row").nth(1).getByRole("cell").nth(4).textContent())!.replace(/[^\d.]/g, "");
  await page.getByLabel("Amount paid (KES)").fill(instalment);
  await page.getByLabel(/I have checked this is the exchange rate/).check();
  await page.getByRole("button", { name: "Record repayment" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Repayment recorded." })).toContainText("The lenders received $50.00 in their wallets");
  await expect(page.getByText("Repaid", { exact: true }).first()).toBeVisible();
  await logOut(page);

  // The lender: the credit in the wallet, the loan repaid in the portfolio, the email.
  await logInAs(page, lenderEmail);
  await page.goto("/wallet");
  await expect(page.getByText(`Repayment from loan ${reference}`)).toBeVisible();
  await expect(page.locator(".wallet-balance strong")).toHaveText("$50.00");
  await page.goto("/my/loans");
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: reference }) });
  await expect(row.getByRole("cell").nth(2)).toContainText("Repaid");
  await expect(row.getByRole("cell").nth(4)).toHaveText("$50.00");
  await expect(row.getByRole("cell").nth(5)).toHaveText("$0.00");
  await expect
    .poll(() => readOutbox(E2E_OUTBOX_DIR).some((m) => m.to === lenderEmail && m.subject === `Loan ${reference} is repaid in full`), {
      message: "the loan-repaid email",
    })
    .toBe(true);

  // Relend: from the wallet back to the loans, and the credit pays for a new share.
  await page.goto("/wallet");
  await page.getByRole("link", { name: "Relend your $50.00" }).click();
  await expect(page.getByText("You have $50.00 of credit to relend.")).toBeVisible();
  await page.locator("article.loan-card").first().getByRole("link").first().click();
  await page.getByLabel("Shares of $25").selectOption("2");
  await page.getByRole("button", { name: "Lend — add to basket" }).click();
  await page.getByRole("button", { name: "Lend now" }).click();
  await expect(page.getByText("Thank you! Your loans are below.")).toBeVisible();
  await page.goto("/wallet");
  await expect(page.locator(".wallet-balance strong")).toHaveText("$0.00");
  await page.goto("/my/loans");
  await expect(page.getByRole("table", { name: /2 loans/ })).toBeVisible();
});
