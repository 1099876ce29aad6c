// Issue 16: a story or a loan's purpose that names the client and their
// village is shown to the public with both replaced until the client agrees;
// the officer sees this as they write, the admin beside the live consents.
import { expect, test } from "./fixtures.ts";
import { logInAs } from "./helpers.ts";

const in20Days = () => new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
// Letters only, so the surname is a word of its own and unique to this run.
const tag = () => Array.from({ length: 6 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");

test("an officer's story naming the client and village is read by the public without them until name consent is recorded", async ({ page }) => {
  // Three people's journeys in one test.
  test.setTimeout(120_000);
  const surname = `Achieng${tag()}`;
  const name = `Zawadi ${surname}`;
  const story = `${name} sells fresh vegetables at Kibuye market. ZAWADI's stall is the busiest in Kibuye.`;
  const publicStory = "The borrower sells fresh vegetables at the village market. The borrower's stall is the busiest in the village.";

  await logInAs(page, "officer@mavuno.test");
  await page.goto("/portal");
  await page.getByRole("navigation", { name: "Partner portal" }).getByRole("link", { name: "Clients" }).click();
  await page.getByRole("link", { name: "Add a client" }).click();
  await page.getByLabel("Full name").fill(name);
  await page.getByLabel("Region").selectOption("Kisumu");
  await page.getByLabel("Village or town").fill("Kibuye");
  await page.getByLabel("Line of business").fill("Food");
  await page.getByLabel("Profile story").fill(story);
  // As the officer types: the public text and a warning naming each hidden word.
  const preview = page.getByTestId("preview-story");
  await expect(preview.getByText(publicStory)).toBeVisible();
  await expect(preview.getByText(/Hidden from the public/)).toContainText(`“${name}”`);
  await expect(preview.getByText(/Hidden from the public/)).toContainText("“ZAWADI's”");
  await expect(preview.getByText(/Hidden from the public/)).toContainText("“Kibuye”");
  await page.getByRole("button", { name: "Save client" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  // After saving, the same preview from the server.
  await expect(page.getByTestId("preview-story").getByText(publicStory)).toBeVisible();
  // The page says what each consent changes, one sentence a purpose.
  await page.getByText("What each consent changes on public pages").click();
  await expect(page.getByText(/every name in a story, a loan's purpose or an offering reads "the borrower"/)).toBeVisible();

  await page.getByLabel("The client agreed to").selectOption({ label: "Show their story to lenders" });
  await page.getByLabel("Evidence").fill("Form 88, Kisumu branch");
  await page.getByRole("button", { name: "Record consent" }).click();
  await expect(page.getByRole("listitem").filter({ hasText: "Show their story to lenders" })).toBeVisible();

  await page.getByRole("link", { name: "Draft a loan request" }).click();
  await page.getByLabel("Amount in US dollars").fill("300");
  await page.getByLabel(/Exchange rate/).fill("129.50");
  await page.getByLabel("What the loan is for").fill("Zawadi wants a bigger stall in Kibuye");
  await expect(page.getByTestId("preview-purpose").getByText("The borrower wants a bigger stall in the village")).toBeVisible();
  await page.getByLabel("Sector").fill("Food");
  await page.getByLabel("Interest rate (% a year)").fill("20");
  await page.getByLabel("Fundraising deadline").fill(in20Days());
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByText("Draft", { exact: true })).toBeVisible();
  const reading = page.getByRole("region", { name: "What the public will read" });
  await expect(reading.getByText(publicStory)).toBeVisible();
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page.getByText("In review", { exact: true })).toBeVisible();
  const reference = (await page.getByRole("heading", { level: 1 }).textContent())!.split(":")[0]!.trim();
  const clientPage = page.url().replace(/\/loans\/.*$/, "/clients");
  await page.getByRole("button", { name: "Log out", exact: true }).click();

  // The admin reads the story as written, and beside the live consents the public text.
  await logInAs(page, "admin@mavuno.test");
  await page.goto("/admin/loans");
  await page.getByRole("link", { name: reference }).click();
  await expect(page.getByText(story)).toBeVisible();
  const review = page.getByRole("region", { name: "What the public will read" });
  await expect(review.getByText(`${name} (borrower): story`)).toBeVisible();
  await expect(review.getByText(publicStory)).toBeVisible();
  await expect(review.getByText("The borrower wants a bigger stall in the village")).toBeVisible();
  await page.getByRole("button", { name: "Approve and list" }).click();
  await expect(page.getByRole("heading", { name: "Loan requests waiting for review" })).toBeVisible();
  await page.getByRole("button", { name: "Log out", exact: true }).click();

  // The public: the listed loan's card and page carry no name and no village.
  await page.goto(`/loans?q=${encodeURIComponent("bigger stall")}`);
  const card = page.locator("article.loan-card").filter({ hasText: "The borrower wants a bigger stall in the village" });
  await expect(card).toHaveCount(1);
  const loanUrl = (await card.getByRole("link").first().getAttribute("href"))!;
  await page.goto(loanUrl);
  await expect(page.getByText(publicStory)).toBeVisible();
  await expect(page.locator("body")).not.toContainText(surname);
  await expect(page.locator("body")).not.toContainText("Kibuye");
  await expect(page.locator("body")).not.toContainText(/Zawadi/i);

  // The officer records the name consent: the name appears on the next request.
  await logInAs(page, "officer@mavuno.test");
  await page.goto(clientPage);
  await page.getByRole("link", { name }).click();
  await page.getByLabel("The client agreed to").selectOption({ label: "Show their name" });
  await page.getByLabel("Evidence").fill("Form 88, Kisumu branch");
  await page.getByRole("button", { name: "Record consent" }).click();
  await expect(page.getByRole("listitem").filter({ hasText: "Show their name" })).toBeVisible();
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await page.goto(loanUrl);
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page.getByText(`${name} sells fresh vegetables at the village market. ZAWADI's stall is the busiest in the village.`)).toBeVisible();
  await expect(page.locator("body")).not.toContainText("Kibuye");
});
