// Micro-equity from the partner's draft to the public page: the officer drafts
// an offering for a savings group, records the members' meeting, submits it;
// an admin approves it; anyone sees it listed with the worked example and the
// meeting in aggregate, never a member's name.
import { expect, test } from "./fixtures.ts";
import { logInAs } from "./helpers.ts";

const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

test("partner drafts an offering → records the meeting → submits → admin approves → the public page shows it with the worked example", async ({ page }) => {
  test.setTimeout(90_000);
  const title = `Maize season loan fund ${Date.now()}`;
  await logInAs(page, "officer@mavuno.test");
  await page.getByRole("link", { name: "Partner portal" }).click();
  await page.getByRole("navigation", { name: "Partner portal" }).getByRole("link", { name: "Offerings" }).click();
  await page.getByRole("link", { name: "Draft an offering" }).click();

  const group = page.getByLabel("Group");
  await group.selectOption({ index: 1 });
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Capital sought (USD, the most it may raise)").fill("1000");
  await page.getByLabel("Minimum raise (USD)").fill("500");
  await page.getByLabel("Unit price (USD)").fill("25");
  await page.getByLabel("Investors' share of the cycle's net profit (%)").fill("120");
  await page.getByLabel("Cycle starts").fill(inDays(30));
  await page.getByLabel("Cycle ends (share-out)").fill(inDays(395));
  await page.getByLabel("Fundraising deadline").fill(inDays(20));
  await page.getByLabel("Most units one investor may hold").fill("10");
  await page.getByLabel("Risks").fill("A drought could cut members' harvests and their loan repayments.");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByText("The investors' share cannot be more than 100% of the profit.")).toBeVisible();
  await page.getByLabel("Investors' share of the cycle's net profit (%)").fill("20");
  await page.getByRole("button", { name: "Save draft" }).click();

  await expect(page.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  await expect(page.getByText("Draft", { exact: true })).toBeVisible();
  await expect(page.getByText("If all 40 units are sold and the group earns $200.00 in the cycle, one unit ($25.00) receives $26.00.")).toBeVisible();

  // Not yet: no meeting.
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page.getByText("Record the members' meeting before submitting.")).toBeVisible();

  // The facilitator records the meeting: everyone present, answers right, votes yes.
  const members = page.locator("fieldset.member-response");
  const count = await members.count();
  expect(count).toBeGreaterThanOrEqual(5);
  const aMemberName = (await members.first().locator("legend").first().textContent())!.trim();
  for (let i = 0; i < count; i++) {
    const m = members.nth(i);
    await m.getByLabel("Present", { exact: true }).check();
    await m.getByLabel("20%", { exact: true }).check();
    await m.getByLabel(/Yes: the group may refuse/).check();
    await m.getByLabel("Their money back, less their share of the loss").check();
    await m.getByRole("group", { name: "Vote" }).getByLabel("Yes", { exact: true }).check();
  }
  await page.getByRole("button", { name: "Record the meeting" }).click();
  await expect(page.getByText("The meeting is recorded.")).toBeVisible();
  await expect(page.getByText("The meeting allows listing: quorum, majority yes and understanding.")).toBeVisible();
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page.getByText("Submitted for review. The meeting record is now frozen.")).toBeVisible();
  await expect(page.getByText("Waiting for review", { exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Record the meeting" })).toHaveCount(0);
  const reference = (await page.getByText(/^EQ-/).first().textContent())!.split("·")[0]!.trim();
  await page.getByRole("button", { name: "Log out", exact: true }).click();

  await logInAs(page, "admin@mavuno.test");
  await page.goto("/admin/offerings");
  await page.getByRole("link", { name: reference }).click();
  await expect(page.getByText(`${count} yes, 0 no, 0 abstain`)).toBeVisible();
  await page.getByRole("button", { name: "Approve and list" }).click();
  await expect(page.getByRole("heading", { name: "Offerings waiting for review" })).toBeVisible();
  await page.getByRole("button", { name: "Log out", exact: true }).click();

  // Anyone: listed, with the worked example from the same functions as the distribution.
  await page.getByRole("link", { name: "Invest in groups" }).click();
  await page.getByRole("link", { name: title }).click();
  await expect(page.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  await expect(page.getByText("Open to investors", { exact: true })).toBeVisible();
  await expect(page.getByText("If all 40 units are sold and the group earns $200.00 in the cycle, one unit ($25.00) receives $26.00.")).toBeVisible();
  await expect(page.getByText("If the group breaks even, one unit ($25.00) receives $25.00.")).toBeVisible();
  await expect(page.getByText("If the group loses $100.00, one unit ($25.00) receives $24.50.")).toBeVisible();
  await expect(page.getByRole("table", { name: /What one unit of \$25\.00 receives/ }).getByRole("row", { name: /Loses \$100\.00/ })).toContainText("$24.50");
  await expect(page.getByText(`${count} yes, 0 no, 0 abstain`)).toBeVisible();
  await expect(page.getByText("Quorum (more than half the members present): yes")).toBeVisible();
  await expect(page.getByRole("link", { name: "Buy units" })).toHaveAttribute("href", /^\/invest\//);
  await expect(page.getByText(aMemberName)).toHaveCount(0);
});
