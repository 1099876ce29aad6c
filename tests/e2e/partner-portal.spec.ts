import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";
import { logInAs } from "./helpers.ts";

const in20Days = () => new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);

async function createClientAndLoan(page: Page, name: string, story: string, consent: boolean) {
  await logInAs(page, "officer@mavuno.test");
  await page.getByRole("link", { name: "Partner portal" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await page.getByRole("navigation", { name: "Partner portal" }).getByRole("link", { name: "Clients" }).click();
  await page.getByRole("link", { name: "Add a client" }).click();
  await page.getByLabel("Full name").fill(name);
  await page.getByLabel("Region").selectOption("Kisumu");
  await page.getByLabel("Village or town").fill("Kondele");
  await page.getByLabel("Line of business").fill("Retail");
  await page.getByLabel("Profile story").fill(story);
  await page.getByRole("button", { name: "Save client" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page.getByText("No consent is live")).toBeVisible();

  if (consent) {
    for (const purpose of ["Show their story to lenders", "Show their name"]) {
      await page.getByLabel("The client agreed to").selectOption({ label: purpose });
      await page.getByLabel("Evidence").fill("Form 77, Kondele branch");
      await page.getByRole("button", { name: "Record consent" }).click();
      await expect(page.getByRole("listitem").filter({ hasText: purpose })).toBeVisible();
    }
  }

  await page.getByRole("link", { name: "Draft a loan request" }).click();
  await expect(page.getByLabel("Borrower")).toHaveValue(/^client:/);
  await page.getByLabel("Amount in US dollars").fill("510");
  await page.getByLabel(/Exchange rate/).fill("129.50");
  await page.getByLabel("What the loan is for").fill("To buy a chest freezer for the shop");
  await page.getByLabel("Sector").fill("Retail");
  await page.getByLabel("Interest rate (% a year)").fill("24");
  await page.getByLabel("Fundraising deadline").fill(in20Days());
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByText("The amount must be a multiple of $25")).toBeVisible();
  await page.getByLabel("Amount in US dollars").fill("500");
  await page.getByRole("button", { name: "Show the repayment schedule" }).click();
  await expect(page.getByRole("table", { name: /Repayment schedule if disbursed today/ })).toBeVisible();
  await expect(page.getByText(/The borrower's APR:/)).toBeVisible();
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByText("Draft", { exact: true })).toBeVisible();
  await expect(page.getByRole("table", { name: "If disbursed today" }).getByRole("row")).toHaveCount(13);
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page.getByText("In review", { exact: true })).toBeVisible();
  const reference = (await page.getByRole("heading", { level: 1 }).textContent())!.split(":")[0]!.trim();
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  return reference;
}

async function approve(page: Page, reference: string) {
  await logInAs(page, "admin@mavuno.test");
  await page.goto("/admin/loans");
  await page.getByRole("link", { name: reference }).click();
  await page.getByRole("button", { name: "Approve and list" }).click();
  await expect(page.getByRole("heading", { name: "Loan requests waiting for review" })).toBeVisible();
  await expect(page.getByRole("link", { name: reference })).toHaveCount(0);
  await page.getByRole("button", { name: "Log out", exact: true }).click();
}

test("a partner's loan with story consent goes from draft to review to /loans, with the story", async ({ page }) => {
  const name = `Neema Storyteller ${Date.now()}`;
  const story = "Neema sells cooking oil at Kondele market and wants a freezer for fish.";
  const reference = await createClientAndLoan(page, name, story, true);
  await approve(page, reference);
  await page.goto("/loans?country=KE&sector=Retail");
  await page.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  // Name and story consents, but no location: the village in the story is replaced.
  await expect(page.getByText(story.replace("Kondele", "the village"))).toBeVisible();
  await expect(page.getByText("Kondele")).toHaveCount(0);
});

test("the same loan without consent shows no name and no story", async ({ page }) => {
  const name = `Private Person ${Date.now()}`;
  const story = "A story that must never be shown without consent.";
  const reference = await createClientAndLoan(page, name, story, false);
  await approve(page, reference);
  await page.goto("/loans?country=KE&sector=Retail");
  await expect(page.getByText(name)).toHaveCount(0);
  // Its card is the anonymous one with this loan's purpose.
  const card = page.locator("article.loan-card").filter({ hasText: "To buy a chest freezer for the shop" }).filter({ hasText: "A client of Umoja Microfinance in Kenya" });
  await card.first().getByRole("link").click();
  await expect(page.getByRole("heading", { name: "A client of Umoja Microfinance in Kenya", level: 1 })).toBeVisible();
  await expect(page.getByText("This borrower has not chosen to share their story publicly.")).toBeVisible();
  await expect(page.getByText(story)).toHaveCount(0);
  await expect(page.getByText(name)).toHaveCount(0);
});
