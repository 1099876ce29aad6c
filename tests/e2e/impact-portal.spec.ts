// The impact portal as a funder uses it. An officer enrols seven clients and
// their savings group; one member agrees to let her funders see her record.
// The group's loan is listed and a new lender funds it in full; it is disbursed
// and an admin recomputes the social figures. The lender then
// drills down from all countries to the group, reads its trend, opens the
// member who agreed, and is refused one who did not (who is not listed either).
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";
import { addCredit, listLoanThroughReview, logInAs, signUpLender } from "./helpers.ts";

const PARTNER = "seed-partner-1";
const REGION = "Kisumu";

async function enrolClient(page: Page, name: string, gender: "Woman" | "Man") {
  await page.goto(`/portal/${PARTNER}/clients/new`);
  await page.getByLabel("Full name").fill(name);
  await page.getByLabel("Gender").selectOption({ label: gender });
  await page.getByLabel("Region").selectOption(REGION);
  await page.getByLabel("Village or town").fill("Portal Village");
  await page.getByLabel("Line of business").fill("Agriculture");
  await page.getByRole("button", { name: "Save client" }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  return new URL(page.url()).pathname.split("/").pop()!;
}

test("a funder sees the trend of a group they fund, opens a member who agreed, and is refused one who did not", async ({ page }) => {
  test.setTimeout(120_000);
  const tag = Date.now().toString(36);
  const names = Array.from({ length: 7 }, (_, i) => `Portal Member ${tag} ${i + 1}`);

  await logInAs(page, "officer@mavuno.test");
  const ids: string[] = [];
  for (const [i, name] of names.entries()) ids.push(await enrolClient(page, name, i < 5 ? "Woman" : "Man"));
  // The first member agrees, on the record, to let her funders see her data.
  await page.goto(`/portal/${PARTNER}/clients/${ids[0]}`);
  await page.getByLabel("The client agreed to").selectOption({ label: "Let their funders see their individual record" });
  await page.getByLabel("Evidence").fill(`Form ${tag}, Kisumu branch`);
  await page.getByRole("button", { name: "Record consent" }).click();
  await expect(page.getByRole("listitem").filter({ hasText: `Form ${tag}, Kisumu branch` })).toBeVisible();

  await page.goto(`/portal/${PARTNER}/groups/new`);
  const groupName = `Portal Savers ${tag}`;
  await page.getByLabel("Group name").fill(groupName);
  await page.getByLabel("Region").selectOption(REGION);
  await page.getByLabel("Village or town").fill("Portal Village");
  for (const name of names) await page.getByLabel(`${name} (Portal Village)`).check();
  await page.getByRole("button", { name: "Save group" }).click();
  await page.waitForURL((url) => /\/groups\/[^/]+$/.test(url.pathname) && !url.pathname.endsWith("/new"));
  const groupId = new URL(page.url()).pathname.split("/").pop()!;
  await page.context().clearCookies();

  const { loanId } = await listLoanThroughReview(page, {
    amountUsd: "50",
    termMonths: "6",
    purpose: "Seed and fertiliser for every member",
    sector: "Agriculture",
    borrower: `group:${groupId}`,
  });

  const lenderEmail = await signUpLender(page);
  await addCredit(page, "50");
  await page.goto(`/loans/${loanId}`);
  await page.getByLabel("Shares of $25").selectOption("2");
  await page.getByRole("button", { name: "Lend — add to basket" }).click();
  await page.getByRole("button", { name: "Lend now" }).click();
  await expect(page.getByText("Thank you! Your loans are below.")).toBeVisible();

  // The portal's social figures count disbursed loans and are recomputed every hour: the officer records
  // the disbursement, and an admin recomputes them now rather than wait.
  await page.context().clearCookies();
  await logInAs(page, "officer@mavuno.test");
  await page.goto(`/portal/${PARTNER}/loans/${loanId}`);
  await page.getByRole("button", { name: "Record disbursement" }).click();
  await expect(page.getByRole("button", { name: "Record disbursement" })).toHaveCount(0);
  await page.context().clearCookies();
  await logInAs(page, "admin@mavuno.test");
  await page.goto("/impact/portal");
  await page.getByRole("button", { name: "Recompute the social figures now" }).click();
  await expect(page.getByText(/are as of/)).toBeVisible();
  await page.context().clearCookies();
  await logInAs(page, lenderEmail);

  // Drill down by clicking, from all countries to the group.
  await page.goto("/impact/portal");
  await expect(page.getByRole("heading", { level: 1, name: /All countries/ })).toBeVisible();
  await page.getByRole("table", { name: /All countries/ }).getByRole("link", { name: "Kenya" }).click();
  await page.getByRole("table", { name: /Kenya/ }).getByRole("link", { name: REGION }).click();
  await page.getByRole("table", { name: /Kisumu/ }).getByRole("link", { name: "Umoja Microfinance" }).click();
  // The group is named to funders only when every member agreed to share their story: here it is not.
  const groups = page.getByRole("table", { name: /Umoja Microfinance/ });
  await expect(groups.getByText(groupName)).toHaveCount(0);
  await groups.getByRole("link", { name: "A group (name not shared)" }).click();
  await expect(page).toHaveURL(new RegExp(`group=${groupId}`));

  // The group's trend: seven clients reached this quarter, in the chart's table. Five are women, but a share of
  // 71.43% would tell this funder, who knows one member, that the other two are men: the share is withheld.
  const women = page.getByRole("figure", { name: /Share of women among clients reached/ });
  await expect(women.locator("svg")).toBeVisible();
  const thisQuarter = women.getByRole("table").getByRole("row").filter({ has: page.getByRole("cell", { name: "7", exact: true }) });
  await expect(thisQuarter.getByRole("cell", { name: "withheld" })).toBeVisible();
  await expect(women.getByText("71.43%")).toHaveCount(0);
  await expect(page.getByText(/of the clients with a loan running in the previous quarter/)).toBeVisible();

  // Members: only the one who agreed is listed.
  const members = page.getByRole("table", { name: /Choose a name to drill down/ });
  await expect(members.getByRole("row")).toHaveCount(2);
  await expect(members.getByText(names[1]!)).toHaveCount(0);
  await members.getByRole("link").first().click();
  await expect(page).toHaveURL(new RegExp(`client=${ids[0]}`));
  await expect(page.getByRole("heading", { name: "About this client" })).toBeVisible();

  // A member who did not agree: her page is refused, with nothing of hers on it.
  const refused = new URL(page.url());
  refused.searchParams.set("client", ids[1]!);
  const response = await page.goto(`${refused.pathname}${refused.search}`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(page.getByText(names[1]!)).toHaveCount(0);
});

test("anyone combines the gender, area and sector filters, and the page and its CSV link say which are on", async ({ page }) => {
  await page.goto("/impact/portal");
  await page.getByLabel("Gender").selectOption({ label: "Women" });
  await page.getByLabel("Area").selectOption({ label: "Rural" });
  await page.getByLabel("Sector").fill("Agriculture");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/gender=female&area=rural&sector=Agriculture/);
  await expect(page.getByRole("status")).toContainText("filtered by gender: female; area: rural; sector: Agriculture");
  await expect(page.getByRole("link", { name: "Download this view as CSV" })).toHaveAttribute("href", /gender=female&area=rural&sector=Agriculture/);
});
