import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";
import { logInAs } from "./helpers.ts";
import { handWorkedScorecard } from "../support/ppi-scorecard.ts";

// A made-up Kenyan scorecard with a version of its own, so the test does not
// depend on which sample scorecards the demo seed imported.
const version = `e2e-${Date.now().toString(36)}`;
const scorecard = handWorkedScorecard({ comment: "made-up, for the end-to-end test", country: "KE", version, title: "E2E Kenya scorecard (sample)" });

async function openFirstClientPpi(page: Page) {
  await page.goto("/portal");
  await page.getByRole("navigation", { name: "Partner portal" }).getByRole("link", { name: "Clients" }).click();
  await page.getByRole("table").getByRole("link").first().click();
  await expect(page.getByRole("heading", { name: "Consent" })).toBeVisible();
  const name = (await page.getByRole("heading", { level: 1 }).textContent())!.trim();
  await page.getByRole("link", { name: /Record a PPI survey/ }).click();
  await expect(page.getByRole("heading", { name: `Poverty survey (PPI): ${name}` })).toBeVisible();
  return name;
}

test("an admin imports a scorecard after checking it; an officer records a survey, sees the score first, and finds it in the history", async ({ page, browser }) => {
  await logInAs(page, "admin@mavuno.test");
  await page.goto("/admin");
  await page.getByRole("link", { name: "PPI scorecards" }).click();
  const upload = page.getByLabel(/Scorecard file \(CSV/);
  await upload.setInputFiles({ name: "broken.csv", mimeType: "text/csv", buffer: Buffer.from(scorecard.replace("answer,Yes,20", "answer,Yes,twenty")) });
  await page.getByRole("button", { name: "Upload and check" }).click();
  await expect(page.getByRole("alert")).toContainText("Line 17 (points): Points are a whole number from 0 to 100.");

  await upload.setInputFiles({ name: "kenya.csv", mimeType: "text/csv", buffer: Buffer.from(scorecard) });
  await page.getByRole("button", { name: "Upload and check" }).click();
  await expect(page.getByRole("heading", { name: "Check before importing: E2E Kenya scorecard (sample)" })).toBeVisible();
  await expect(page.getByText("C. One or two — 25 points")).toBeVisible();
  const table = page.getByRole("table", { name: /Likelihood of living below each poverty line/ });
  await expect(table.getByRole("row", { name: /^30 35\.00% 8\.75%$/ })).toBeVisible();
  await page.getByRole("button", { name: `Import KE version ${version}` }).click();
  await expect(page.getByText("Imported. Partner staff in Kenya can now survey with it.")).toBeVisible();
  await expect(page.getByText("Sample data — not a real PPI table.")).toBeVisible();
  await page.getByRole("link", { name: "← PPI scorecards" }).click();
  await expect(page.getByRole("row").filter({ hasText: version })).toContainText("Sample data — not a real PPI table");
  await page.getByRole("button", { name: "Log out", exact: true }).click();

  await logInAs(page, "officer@mavuno.test");
  const name = await openFirstClientPpi(page);
  // The newest scorecard is the one in force.
  await expect(page.getByRole("group", { name: "1. How many people live in the household?" })).toBeVisible();
  await page.getByRole("group", { name: /^1\./ }).getByLabel("B. Three or four (10 points)").check();
  await expect(page.getByText("1 of 3 questions answered.")).toBeVisible();
  await page.getByRole("group", { name: /^2\./ }).getByLabel("B. Iron sheets (15 points)").check();
  await page.getByRole("group", { name: /^3\./ }).getByLabel("A. No (0 points)").check();
  await expect(page.locator("output")).toHaveText("Score 25 of 100. Likelihood of living below: National 35.00%; Extreme 8.75%.");
  await page.getByRole("button", { name: "Save the survey" }).click();
  await expect(page.getByRole("status").filter({ hasText: "saved" })).toContainText("saved: score 25");
  // A fresh form for the next survey.
  await expect(page.getByRole("group", { name: /^1\./ }).getByLabel("B. Three or four (10 points)")).not.toBeChecked();
  await expect(page.locator("output")).toHaveText("");
  const history = page.getByRole("table", { name: new RegExp(`${name}'s PPI surveys`) });
  await expect(history.getByRole("row").filter({ hasText: version }).last()).toContainText("National: 35.00%; Extreme: 8.75%");

  // Without JavaScript: the form still checks, names what is missing, and scores on request.
  // On a phone-sized screen, which is where surveys are done.
  const noJs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  const plain = await noJs.newPage();
  await logInAs(plain, "officer@mavuno.test");
  await openFirstClientPpi(plain);
  await plain.getByRole("group", { name: /^1\./ }).getByLabel("C. One or two (25 points)").check();
  await plain.getByRole("button", { name: "Save the survey" }).click();
  await expect(plain.getByRole("group", { name: /^2\./ })).toContainText("Choose an answer.");
  await expect(plain.getByRole("group", { name: /^1\./ }).getByLabel("C. One or two (25 points)")).toBeChecked();
  await plain.getByRole("group", { name: /^2\./ }).getByLabel("B. Iron sheets (15 points)").check();
  await plain.getByRole("group", { name: /^3\./ }).getByLabel("B. Yes (20 points)").check();
  await plain.getByRole("button", { name: "Check the score" }).click();
  await expect(plain.locator("output")).toHaveText("Score 60 of 100. Likelihood of living below: National 10.00%; Extreme 1.00%.");
  expect(await plain.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), "no sideways scrolling").toBe(true);
  await noJs.close();
});
