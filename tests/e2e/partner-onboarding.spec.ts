import type { Page } from "@playwright/test";
import { linkIn, readOutbox, type ReadMail } from "../support/mail.ts";
import { expect, test } from "./fixtures.ts";
import { E2E_OUTBOX_DIR, logInAs } from "./helpers.ts";

/** The newest email the server wrote for this address, waiting for it to arrive. */
async function emailTo(address: string, subject: RegExp): Promise<ReadMail> {
  let found: ReadMail | undefined;
  await expect
    .poll(() => {
      found = readOutbox(E2E_OUTBOX_DIR)
        .filter((m) => m.to === address && subject.test(m.subject))
        .pop();
      return found !== undefined;
    }, { message: `an email to ${address} matching ${subject}` })
    .toBe(true);
  return found!;
}

async function signUp(page: Page, name: string, email: string) {
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a-long-enough-password");
  await page.getByRole("button", { name: "Sign up" }).click();
}

async function switchUser(page: Page, email: string, password?: string) {
  await page.context().clearCookies();
  await logInAs(page, email, password);
}

test("an organisation applies, the platform admin approves it, and the applicant opens its partner portal", async ({ page }) => {
  const stamp = Date.now();
  const applicantEmail = `founder-${stamp}@example.test`;
  const orgName = `Kilimo Bora Trust ${stamp}`;

  await page.goto("/signup");
  await signUp(page, "Faith Founder", applicantEmail);
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();

  await page.getByRole("link", { name: "Apply to become a field partner" }).click();
  await expect(page.getByRole("heading", { name: "Become a Mavuno field partner" })).toBeVisible();
  await page.getByLabel("Display name").fill(orgName);
  await page.getByLabel("Country").selectOption({ label: "Tanzania" });
  await page.getByRole("button", { name: "Send application" }).click();
  // The server names what is missing and keeps what was typed.
  await expect(page.getByText("Enter the organisation's legal name.")).toBeVisible();
  await expect(page.getByText("Enter at least one region you serve, one per line.")).toBeVisible();
  await expect(page.getByLabel("Display name")).toHaveValue(orgName);

  await page.getByLabel("Legal name").fill(`${orgName} Limited`);
  await page.getByLabel("Local currency").selectOption("TZS");
  await page.getByLabel("Regions you serve").fill("Arusha\nManyara");
  await page.getByLabel("Website (optional)").fill("kilimo-bora.example");
  await page.getByLabel("About your organisation").fill("We lend to smallholder farmers' groups for seed, storage and irrigation.");
  await page.getByLabel("Name", { exact: true }).fill("Faith Founder");
  await page.getByLabel("Email", { exact: true }).fill(applicantEmail);
  await page.getByLabel("Phone").fill("+255 754 000 111");
  await page.getByRole("button", { name: "Send application" }).click();
  await expect(page.getByText("Waiting for review")).toBeVisible();
  await expect(page.getByRole("button", { name: "Send application" })).toHaveCount(0);

  await switchUser(page, "admin@mavuno.test");
  await page.getByRole("link", { name: "Admin", exact: true }).click();
  await page.getByRole("link", { name: "Field partner applications" }).click();
  const queue = page.getByRole("table", { name: /Applications waiting for review/ });
  // The seeded application is in the queue too.
  await expect(queue.getByRole("link", { name: "Mbale Women's Enterprise Fund" })).toBeVisible();
  await queue.getByRole("link", { name: orgName }).click();
  await expect(page.getByRole("heading", { name: orgName })).toBeVisible();
  await expect(page.getByText(`Faith Founder (${applicantEmail})`)).toBeVisible();
  await page.getByRole("button", { name: `Approve ${orgName}` }).click();
  await expect(page.getByRole("status")).toContainText(`${orgName} is approved. The applicant has been emailed.`);

  const approval = await emailTo(applicantEmail, /approved/);
  expect(approval.subject).toBe(`${orgName} is approved on Mavuno`);
  const portalLink = linkIn(approval.text, "/portal/");

  await switchUser(page, applicantEmail, "a-long-enough-password");
  await page.goto("/apply");
  await expect(page.getByText("Approved", { exact: true })).toBeVisible();
  await page.getByRole("link", { name: `Open the partner portal for ${orgName}` }).click();
  await expect(page).toHaveURL(new URL(portalLink).pathname);
  await expect(page.getByText(`${orgName} · Tanzania · you are a partner admin`)).toBeVisible();
});

test("a partner admin invites a new loan officer, who signs up from the emailed link and joins", async ({ page }) => {
  const newcomer = `new-officer-${Date.now()}@example.test`;

  await logInAs(page, "partner-admin@mavuno.test");
  await page.goto("/portal/seed-partner-1/staff");
  await expect(page.getByRole("heading", { name: "Staff", level: 1 })).toBeVisible();
  await page.getByLabel("Their email").fill(newcomer);
  await page.getByLabel("Their role").selectOption({ label: "Loan officer" });
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByRole("status")).toContainText(`Invitation sent to ${newcomer}.`);
  await expect(page.getByRole("table", { name: "Pending invitations" })).toContainText(newcomer);

  const invitation = await emailTo(newcomer, /Join Umoja Microfinance/);
  const link = linkIn(invitation.text, "/invites/");

  await page.context().clearCookies();
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Join Umoja Microfinance" })).toBeVisible();
  await page.getByRole("link", { name: "Create an account" }).click();
  await signUp(page, "Neema Newcomer", newcomer);
  await expect(page).toHaveURL(new URL(link).pathname);
  await page.getByRole("button", { name: "Join Umoja Microfinance as loan officer" }).click();
  await expect(page.getByText("Umoja Microfinance · Kenya · you are an officer")).toBeVisible();

  // The link worked once.
  await page.goto(link);
  await expect(page.getByText("This invitation has already been used.")).toBeVisible();
});
