// A client's own statement: the officer issues a code on the client's page; the
// client opens /statement on a phone with no JavaScript, reads their loan and
// withdraws a consent; the officer sees who withdrew it, then revokes the code.
// The same pages with JavaScript, so a hydration error would fail the test.
import { expect, test } from "./fixtures.ts";
import { logInAs } from "./helpers.ts";

// A seeded client of Umoja Microfinance whose loan is paying back.
const CLIENT_PAGE = "/portal/seed-partner-1/clients/seed-client-p1c7";
const LOAN = "MV-KE-0007";

test("officer issues a code; the client reads their statement on a phone without JavaScript and withdraws a consent", async ({ page, browser }) => {
  await logInAs(page, "officer@mavuno.test");
  await page.goto(CLIENT_PAGE);
  await page.getByLabel("The client agreed to").selectOption({ label: "Show their story to lenders" });
  await page.getByLabel("Evidence").fill("Form 912, Kisumu branch");
  await page.getByRole("button", { name: "Record consent" }).click();
  await expect(page.getByRole("listitem").filter({ hasText: "Form 912, Kisumu branch" })).toBeVisible();

  await page.getByRole("button", { name: /^Issue a (new )?code/ }).click();
  const shown = page.locator(".access-code");
  await expect(shown).toHaveText(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}$/);
  const code = (await shown.textContent())!;
  await expect(page.getByText("Give it to the client now: it is not shown again.")).toBeVisible();

  const phone = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    const client = await phone.newPage();
    await client.goto("/statement");
    await client.getByLabel("Your code").fill("WRONG-CODE-22");
    await client.getByRole("button", { name: "Show my statement" }).click();
    await expect(client.getByText(/A code has 10 letters and numbers/)).toBeVisible();
    // Typed as people do on a phone: small letters, no dashes.
    await client.getByLabel("Your code").fill(code.toLowerCase().replace(/-/g, ""));
    await client.getByRole("button", { name: "Show my statement" }).click();

    await expect(client.getByRole("heading", { name: "Your statement", level: 1 })).toBeVisible();
    const loan = client.getByRole("article").filter({ has: client.getByRole("heading", { name: `Loan ${LOAN}` }) });
    await expect(loan).toBeVisible();
    await expect(loan.getByText("You are paying it back")).toBeVisible();
    const overflow = await client.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    await client.getByRole("button", { name: "Withdraw: Show your story to lenders" }).click();
    await expect(client.getByRole("status")).toHaveText(/your permission is withdrawn/);
    await expect(client.getByRole("button", { name: "Withdraw: Show your story to lenders" })).toHaveCount(0);
    await client.getByText(/Earlier permissions/).click();
    await expect(client.getByText(/Show your story to lenders: from .* withdrawn by you/).first()).toBeVisible();

    // The officer sees who withdrew it; then revokes the code, and the open statement closes.
    await page.goto(CLIENT_PAGE);
    await expect(page.getByRole("listitem").filter({ hasText: "Form 912, Kisumu branch" })).toHaveCount(0);
    await page.getByText(/Consent history/).click();
    await expect(page.getByText(/the client, from their own statement/).first()).toBeVisible();
    await page.getByRole("button", { name: "Revoke the code" }).click();
    await expect(page.getByText(/The last code was revoked on/)).toBeVisible();

    await client.reload();
    await expect(client.getByRole("heading", { name: "See your loan statement" })).toBeVisible();
    await expect(client.getByText("Your statement closed. Enter your code again to see it.")).toBeVisible();
  } finally {
    await phone.close();
  }

  // With JavaScript too (the fixture fails the test on any browser error): a new code, the statement, signing out.
  await page.getByRole("button", { name: /^Issue a (new )?code/ }).click();
  const second = (await page.locator(".access-code").textContent())!;
  await page.goto("/statement");
  await page.getByLabel("Your code").fill(second);
  await page.getByRole("button", { name: "Show my statement" }).click();
  await expect(page.getByRole("heading", { name: `Loan ${LOAN}` })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "See your loan statement" })).toBeVisible();
  await page.goto("/statement/me");
  await expect(page.getByRole("heading", { name: "See your loan statement" })).toBeVisible();
});
