import { describe, expect, it } from "vitest";
import { getBalance, verifyLedger, walletAccount } from "~/models/ledger.server.ts";
import * as overdue from "~/routes/admin.offerings-overdue.tsx";
import * as invest from "~/routes/invest.$offeringId.tsx";
import * as myEquityCsv from "~/routes/my.equity[.]csv.tsx";
import * as myEquity from "~/routes/my.equity._index.tsx";
import * as report from "~/routes/portal.$partnerId.offering-reports.$offeringId.tsx";
import { settleOfferings } from "~/models/equity.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { makeMembership, makeUser } from "../factories/index.ts";
import { formRequest, getRequest, run, sessionCookieFor } from "../support/requests.ts";
import { investor, listedOffering } from "./equity-helpers.ts";

type Fn = Parameters<typeof run>[0];
const L = (m: { loader?: unknown }) => m.loader as Fn;
const A = (m: { action?: unknown }) => m.action as Fn;
const DAY = 86_400_000;

async function investKey(offeringId: string, cookie: string) {
  const res = await run(L(invest), getRequest(`/invest/${offeringId}`, cookie), { offeringId });
  return (await res.json()) as { requestKey: string; capTable: { investors: number; units: number }; unitsLeft: number };
}

describe("investing through the pages", () => {
  it("buy from the wallet, see the holding, cancel it; a short wallet is sent to add credit; over the limit is a field error", async () => {
    const { offering } = await listedOffering({ perInvestorMaxUnits: 5 });
    const a = await investor(10_000n, "Wanjiru Investor");
    const cookie = await sessionCookieFor(a.id);
    const page = await investKey(offering.id, cookie);
    const bought = await run(A(invest), formRequest(`/invest/${offering.id}`, { units: "3", requestKey: page.requestKey }, cookie), { offeringId: offering.id });
    expect(bought.headers.get("Location")).toMatch(/^\/my\/equity\?bought=/);
    const again = await run(A(invest), formRequest(`/invest/${offering.id}`, { units: "3", requestKey: page.requestKey }, cookie), { offeringId: offering.id });
    expect(again.status).toBe(302);
    expect(await getBalance(walletAccount(a.id), "USD")).toBe(7_000n);

    const over = await run(A(invest), formRequest(`/invest/${offering.id}`, { units: "3", requestKey: (await investKey(offering.id, cookie)).requestKey }, cookie), { offeringId: offering.id });
    expect(over.status).toBe(409);
    expect(await over.json()).toMatchObject({ field: "units", error: "One investor may hold at most 5 units of this offering; you hold 3, so you may buy at most 2." });

    const bad = await run(A(invest), formRequest(`/invest/${offering.id}`, { units: "-2", requestKey: (await investKey(offering.id, cookie)).requestKey }, cookie), { offeringId: offering.id });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: "units", error: "Buy at least one unit." });

    const poor = await investor(500n);
    const poorCookie = await sessionCookieFor(poor.id);
    const short = await run(A(invest), formRequest(`/invest/${offering.id}`, { units: "2", requestKey: (await investKey(offering.id, poorCookie)).requestKey }, poorCookie), { offeringId: offering.id });
    expect(short.status).toBe(402);
    expect(await short.json()).toMatchObject({ shortCents: "1500" });

    // Investors see the cap table only in aggregate.
    const view = await investKey(offering.id, poorCookie);
    expect(view.capTable).toEqual({ investors: 1, units: 3, raised: "3000" });
    expect(JSON.stringify(view)).not.toContain("Wanjiru");

    const holdings = (await (await run(L(myEquity), getRequest("/my/equity", cookie))).json()) as { holdings: { investmentId: string; cancellableUntil: string | null; units: number }[] };
    expect(holdings.holdings).toHaveLength(1);
    expect(holdings.holdings[0]!.cancellableUntil).not.toBeNull();
    const cancelled = await run(A(myEquity), formRequest("/my/equity", { investmentId: holdings.holdings[0]!.investmentId }, cookie));
    expect(cancelled.headers.get("Location")).toBe("/my/equity?cancelled=1");
    expect(await getBalance(walletAccount(a.id), "USD")).toBe(10_000n);
    // Someone else's purchase: not found.
    const stranger = await run(A(myEquity), formRequest("/my/equity", { investmentId: holdings.holdings[0]!.investmentId }, poorCookie));
    expect(stranger.status).toBe(404);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("the CSV export cannot run a formula in a spreadsheet", async () => {
    const { offering } = await listedOffering();
    const db = await getDb();
    await db.offering.update({ where: { id: offering.id }, data: { title: "=HYPERLINK(\"http://evil\")" } });
    const a = await investor();
    const cookie = await sessionCookieFor(a.id);
    await run(A(invest), formRequest(`/invest/${offering.id}`, { units: "2", requestKey: (await investKey(offering.id, cookie)).requestKey }, cookie), { offeringId: offering.id });
    const res = await run(L(myEquityCsv), getRequest("/my/equity.csv", cookie));
    expect(res.headers.get("Content-Type")).toMatch(/text\/csv/);
    const text = await res.text();
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(text.split("\r\n")[1]).toMatch(/,2,20\.00,held,listed,/);
  });
});

describe("the partner's cycle report through the page", () => {
  async function setup() {
    const { offering, partner } = await listedOffering({
      minRaiseCents: 1_000n,
      fundraisingDeadline: new Date(Date.now() + DAY),
      cycleStart: new Date(Date.now() - 200 * DAY),
      cycleEnd: new Date(Date.now() - DAY),
    });
    const a = await investor(100_000n, "Juma Investor");
    const aCookie = await sessionCookieFor(a.id);
    await run(A(invest), formRequest(`/invest/${offering.id}`, { units: "10", requestKey: (await investKey(offering.id, aCookie)).requestKey }, aCookie), { offeringId: offering.id });
    await settleOfferings(new Date(Date.now() + 2 * DAY));
    const db = await getDb();
    const officer = await makeUser(db);
    await makeMembership(db, { userId: officer.id, partnerId: partner.id, role: "officer" });
    return { offering, partner, a, aCookie, cookie: await sessionCookieFor(officer.id) };
  }

  it("negative income is a field error and nothing is posted; a preview posts nothing; filing pays the investor; the partner sees names", async () => {
    const { offering, partner, a, cookie } = await setup();
    const path = `/portal/${partner.id}/offering-reports/${offering.id}`;
    const params = { partnerId: partner.id, offeringId: offering.id };
    const before = await getBalance(walletAccount(a.id), "USD");
    const negative = await run(A(report), formRequest(path, { intent: "file", income: "-5000", expenses: "0", loanLosses: "0", rate: "100" }, cookie), params);
    expect(negative.status).toBe(400);
    expect(await negative.json()).toMatchObject({ errors: { income: "Income cannot be negative." } });
    const preview = await run(A(report), formRequest(path, { intent: "preview", income: "5000", expenses: "1000", loanLosses: "0", rate: "100" }, cookie), params);
    expect(await preview.json()).toMatchObject({ preview: { netProfit: "400000", netUsd: "4000", distribution: "10800" } });
    const db = await getDb();
    expect(await db.offeringReport.count({ where: { offeringId: offering.id } })).toBe(0);
    expect(await getBalance(walletAccount(a.id), "USD")).toBe(before);

    const filed = await run(A(report), formRequest(path, { intent: "file", income: "5000", expenses: "1000", loanLosses: "0", rate: "100" }, cookie), params);
    expect(filed.headers.get("Location")).toBe(`${path}?filed=1`);
    // $100 raised, $40 profit, 20% share + capital returned = $108.00.
    expect(await getBalance(walletAccount(a.id), "USD")).toBe(before + 10_800n);
    const page = (await (await run(L(report), getRequest(path, cookie), params)).json()) as { report: { distribution: string }; holders: { name: string; units: number }[] };
    expect(page.report.distribution).toBe("10800");
    expect(page.holders).toEqual([expect.objectContaining({ name: "Juma Investor", units: 10 })]);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("investors and other partners' staff cannot open the report page; only admins see the overdue list", async () => {
    const { offering, partner, aCookie } = await setup();
    const params = { partnerId: partner.id, offeringId: offering.id };
    const path = `/portal/${partner.id}/offering-reports/${offering.id}`;
    expect((await run(L(report), getRequest(path, aCookie), params)).status).toBe(403);
    expect((await run(A(report), formRequest(path, { intent: "file", income: "1", expenses: "0", loanLosses: "0", rate: "1" }, aCookie), params)).status).toBe(403);
    expect((await run(L(overdue), getRequest("/admin/offerings-overdue", aCookie))).status).toBe(403);
    const admin = await makeUser(await getDb(), { isPlatformAdmin: true });
    const list = await run(L(overdue), getRequest("/admin/offerings-overdue", await sessionCookieFor(admin.id)));
    expect(list.status).toBe(200);
  });
});
