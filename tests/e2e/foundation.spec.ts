import { expect, test } from "./fixtures.ts";
import { DEMO_PASSWORD, logInAs } from "./helpers.ts";

test("a visitor browses seeded loans and opens one", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Lend $25");
  await page.getByRole("link", { name: /Browse \d+ loans? raising money now/ }).click();
  await expect(page.getByRole("heading", { name: "Loans", level: 1 })).toBeVisible();
  await expect(page.getByText(/\d+ loans? found\./)).toBeVisible();
  const cards = page.locator("article.loan-card");
  expect(await cards.count()).toBeGreaterThan(0);
  await cards.first().getByRole("link").click();
  await expect(page.getByRole("heading", { name: "Loan terms" })).toBeVisible();
  await expect(page.getByText("Mavuno's fee")).toBeVisible();
});

test("filters live in the URL and pages move forward", async ({ page }) => {
  await page.goto("/loans?status=all");
  await expect(page.getByText(/\d+ loans found/)).toBeVisible();
  await page.getByLabel("Country").selectOption({ label: "Kenya" });
  await page.getByRole("button", { name: "Show loans" }).click();
  await expect(page).toHaveURL(/country=KE/);
  await expect(page.locator("article.loan-card").first()).toContainText("Umoja Microfinance");
  await page.goto("/loans?status=all");
  await page.getByRole("link", { name: "Next" }).click();
  await expect(page.getByText(/Page 2 of \d+/)).toBeVisible();
});

test("sign up shows field errors, then creates the account; log out and log back in", async ({ page }) => {
  await page.goto("/signup");
  await page.getByLabel("Your name").fill("Pat Tester");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByText("Enter a valid email address, like name@example.com.")).toBeVisible();
  await expect(page.getByText("Use at least 10 characters.")).toBeVisible();
  await expect(page.getByLabel("Your name")).toHaveValue("Pat Tester");

  const email = `pat-${Date.now()}@example.test`;
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a-long-enough-password");
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();

  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();
  await page.goto("/account");
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Faccount/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong-password-here");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByText("Email or password is incorrect.")).toBeVisible();
  await page.getByLabel("Password").fill("a-long-enough-password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
});

test("the README's demo log-ins work", async ({ page }) => {
  for (const email of ["lender@mavuno.test", "officer@mavuno.test", "admin@mavuno.test"]) {
    await page.context().clearCookies();
    await logInAs(page, email, DEMO_PASSWORD);
  }
  await expect(page.getByText("Platform admin", { exact: true })).toBeVisible();
});

test("log out of all sessions ends the other browser's session too", async ({ browser }) => {
  const first = await browser.newContext();
  const second = await browser.newContext();
  const a = await first.newPage();
  const b = await second.newPage();
  await logInAs(a, "lender@mavuno.test");
  await logInAs(b, "lender@mavuno.test");
  await a.getByRole("button", { name: "Log out of all sessions" }).click();
  await b.goto("/account");
  await expect(b).toHaveURL(/\/login/);
  await first.close();
  await second.close();
});

test("works with JavaScript turned off", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/loans");
  await page.getByLabel("Country").selectOption({ label: "Uganda" });
  await page.getByRole("button", { name: "Show loans" }).click();
  await expect(page).toHaveURL(/country=UG/);
  await logInAs(page, "lender@mavuno.test");
  await context.close();
});

test("a cross-origin POST is refused and a real 404 page is shown", async ({ request, page }) => {
  const res = await request.post("/logout", { headers: { Origin: "https://evil.example" }, form: {} });
  expect(res.status()).toBe(403);
  expect(await res.text()).toContain("evil.example");
  const same = await request.post("/logout", { headers: { Origin: new URL(res.url()).origin }, maxRedirects: 0, form: {} });
  expect(same.status()).toBe(302);

  const missing = await page.goto("/no/such/page");
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(page.getByRole("link", { name: "browse loans" })).toBeVisible();
});

test("every page carries the security headers", async ({ request }) => {
  for (const path of ["/", "/loans", "/login"]) {
    const res = await request.get(path);
    const headers = res.headers();
    expect(headers["content-security-policy"]).toMatch(/frame-ancestors 'none'/);
    expect(headers["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  }
});
