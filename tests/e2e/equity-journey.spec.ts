// Micro-equity end to end, one offering all the way: the officer drafts it for
// a savings group (a refused 120% share first), the facilitator records the
// members' meeting, an admin approves it, the public page shows the worked
// example and the meeting with no names; an investor short of credit pays the
// rest by card and buys units; the deadline passes and the offering closes;
// the officer files the cycle report (a negative figure refused first); the
// investor sees the share-out in the wallet and gets the emails.
//
// Time is the one thing a browser cannot make pass. This spec runs its own
// server on its own embedded database so that, with that server stopped, a
// script can move this offering's calendar back (deadline and cycle, nothing
// else) and settle it with the real settleOfferings, then start it again.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { readOutbox } from "../support/mail.ts";
import { assertBuilt, freePort, root, startServer } from "../support/server-process.ts";
import { expect, test } from "./fixtures.ts";
import { addCredit, logInAs, signUpLender } from "./helpers.ts";

const port = await freePort();
const dbDir = path.join(root, `tests/.tmp/e2e-equity-journey-${process.env.E2E_PORT ?? 3100}`);
const outbox = path.join(root, `tests/.tmp/e2e-equity-journey-outbox-${process.env.E2E_PORT ?? 3100}`);
const env = { DATABASE_URL: `pglite:${dbDir}`, SMTP_URL: "", STRIPE_SECRET_KEY: "", STRIPE_WEBHOOK_SECRET: "", OUTBOX_DIR: outbox };
let server: ReturnType<typeof startServer> | undefined;

const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

function tsx(script: string, args: string[] = []) {
  return execFileSync(process.execPath, ["--import", "tsx", script, ...args], { cwd: root, env: { ...process.env, ...env }, encoding: "utf8" });
}

async function serve() {
  server = startServer(port, env);
  await server.ready;
}

test.use({ baseURL: `http://127.0.0.1:${port}` });

test.beforeAll(async () => {
  test.setTimeout(360_000);
  assertBuilt();
  fs.rmSync(dbDir, { recursive: true, force: true });
  fs.rmSync(outbox, { recursive: true, force: true });
  tsx("scripts/db.ts", ["deploy"]);
  tsx("prisma/seed.ts");
  await serve();
});

test.afterAll(async () => {
  await server?.stop();
});

test("draft → members' meeting → approval → units bought partly by card → closed at the deadline → cycle report → share-out in the wallet", async ({ page }) => {
  test.setTimeout(360_000);
  const title = `Maize season loan fund ${Date.now()}`;

  // The officer drafts the terms.
  await logInAs(page, "officer@mavuno.test");
  await page.getByRole("link", { name: "Partner portal" }).click();
  await page.getByRole("navigation", { name: "Partner portal" }).getByRole("link", { name: "Offerings" }).click();
  await page.getByRole("link", { name: "Draft an offering" }).click();
  await page.getByLabel("Group").selectOption({ index: 1 });
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Capital sought (USD, the most it may raise)").fill("100");
  await page.getByLabel("Minimum raise (USD)").fill("50");
  await page.getByLabel("Unit price (USD)").fill("25");
  await page.getByLabel("Investors' share of the cycle's net profit (%)").fill("120");
  await page.getByLabel("Cycle starts").fill(inDays(30));
  await page.getByLabel("Cycle ends (share-out)").fill(inDays(120));
  await page.getByLabel("Fundraising deadline").fill(inDays(20));
  await page.getByLabel("Most units one investor may hold").fill("4");
  await page.getByLabel("Risks").fill("A drought could cut members' harvests and their loan repayments.");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByText("The investors' share cannot be more than 100% of the profit.")).toBeVisible();
  await page.getByLabel("Investors' share of the cycle's net profit (%)").fill("20");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  await expect(page.getByText("If all 4 units are sold and the group earns $20.00 in the cycle, one unit ($25.00) receives $26.00.")).toBeVisible();
  const reference = (await page.getByText(/^EQ-/).first().textContent())!.split("·")[0]!.trim();

  // Not without the members.
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
  await expect(page.getByText("The meeting allows listing: quorum, majority yes and understanding.")).toBeVisible();
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page.getByText("Submitted for review. The meeting record is now frozen.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Record the meeting" })).toHaveCount(0);
  await page.getByRole("button", { name: "Log out", exact: true }).click();

  // An admin approves it.
  await logInAs(page, "admin@mavuno.test");
  await page.goto("/admin/offerings");
  await page.getByRole("link", { name: reference }).click();
  await expect(page.getByText(`${count} yes, 0 no, 0 abstain`)).toBeVisible();
  await page.getByRole("button", { name: "Approve and list" }).click();
  await expect(page.getByRole("heading", { name: "Offerings waiting for review" })).toBeVisible();
  await page.getByRole("button", { name: "Log out", exact: true }).click();

  // Anyone sees it listed, with the worked example and the meeting in aggregate, never a name.
  await page.getByRole("link", { name: "Invest in groups" }).click();
  await page.getByRole("link", { name: title }).click();
  await expect(page.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  await expect(page.getByText("Open to investors", { exact: true })).toBeVisible();
  await expect(page.getByText("If the group loses $10.00, one unit ($25.00) receives $24.50.")).toBeVisible();
  await expect(page.getByRole("table", { name: /What one unit of \$25\.00 receives/ }).getByRole("row", { name: /Loses \$10\.00/ })).toContainText("$24.50");
  await expect(page.getByText(`${count} yes, 0 no, 0 abstain`)).toBeVisible();
  await expect(page.getByText(aMemberName)).toHaveCount(0);
  const offeringPath = await page.getByRole("link", { name: "Buy units" }).getAttribute("href");

  // An investor with $30 buys three units ($75): the wallet pays $30, the card (demo gateway) $45.
  const investor = await signUpLender(page);
  await addCredit(page, "30");
  await page.goto(offeringPath!);
  await page.getByLabel("Units").fill("3");
  await page.getByRole("button", { name: "Buy units from my wallet" }).click();
  await expect(page.getByText("Your wallet is $45.00 short.", { exact: false })).toBeVisible();
  await page.getByLabel("Units").fill("3");
  await page.getByRole("button", { name: "Pay what my wallet lacks by card" }).click();
  await expect(page.getByRole("heading", { name: "My equity", level: 1 })).toBeVisible();
  const holding = page.getByRole("row", { name: new RegExp(title) });
  await expect(holding).toContainText("$75.00");
  await expect(holding).toContainText("Held until the offering closes");
  await page.goto("/wallet");
  await expect(page.locator(".wallet-balance strong")).toHaveText("$0.00");

  // The deadline passes (the calendar moved back 125 days with the server stopped) and the real settlement closes it.
  // Off the site first: an open page still fetches route manifests, which fail while the server is down.
  await page.goto("about:blank");
  await server!.stop();
  const settled = JSON.parse(tsx("tests/e2e/support/equity-clock.ts", [reference, "125"]).trim().split("\n").pop()!) as { outcome: string }[];
  expect(settled.map((s) => s.outcome)).toEqual(["closed"]);
  await serve();

  // The officer files the cycle report: a negative figure refused first.
  await page.context().clearCookies();
  await logInAs(page, "officer@mavuno.test");
  await page.goto("/portal/seed-partner-1/offerings");
  await page.getByRole("link", { name: reference }).click();
  await expect(page.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  await expect(page.getByText("Funded: cycle under way")).toBeVisible();
  await page.getByRole("link", { name: "The cycle report and the investors" }).click();
  // The partner sees who holds what; investors only ever the aggregate.
  await expect(page.getByRole("table", { name: "Who holds units of this offering" })).toContainText("Lee Lender");
  await page.getByLabel(/^Income/).fill("-5000");
  await page.getByLabel(/^Expenses/).fill("1000");
  await page.getByLabel(/^Loan losses/).fill("0");
  await page.getByLabel(/^Exchange rate/).fill("125");
  await page.getByRole("button", { name: "File the report and pay investors" }).click();
  await expect(page.getByText("Income cannot be negative.")).toBeVisible();
  // Net profit 100,000 − 40,000 − 10,000 = 50,000 at 125 a dollar = $400; 20% is $80, plus the $75 returned.
  await page.getByLabel(/^Income/).fill("100000");
  await page.getByLabel(/^Expenses/).fill("40000");
  await page.getByLabel(/^Loan losses/).fill("10000");
  await page.getByLabel(/^Exchange rate/).fill("125");
  await page.getByRole("button", { name: "File the report and pay investors" }).click();
  await expect(page.getByRole("heading", { name: "The report as filed" })).toBeVisible();
  await page.getByRole("button", { name: "Log out", exact: true }).click();

  // The investor sees the share-out in the wallet and on My equity.
  await page.context().clearCookies();
  await logInAs(page, investor);
  await page.goto("/wallet");
  const entry = page.locator("table.history tbody tr").first();
  // A ledger memo names the offering by its reference, never by a title that could name a client (ADR 028).
  await expect(entry).toContainText("Share-out from offering ");
  await expect(entry).toContainText("+$155.00");
  await expect(page.locator(".wallet-balance strong")).toHaveText("$155.00");
  await page.goto("/my/equity");
  await expect(page.getByRole("row", { name: new RegExp(title) })).toContainText("$155.00");

  // And was told by email that the offering closed with their money invested.
  await expect
    .poll(() => readOutbox(outbox).some((m) => m.to === investor && m.subject === `${title} is funded: your $75.00 is invested`), { timeout: 20_000 })
    .toBe(true);
});
