import { describe, expect, it } from "vitest";
import { EXTERNAL_CARD, getBalance, postTransaction, verifyLedger, walletAccount } from "~/models/ledger.server.ts";
import * as basket from "~/routes/basket.tsx";
import * as checkoutReturn from "~/routes/checkout.$checkoutId.tsx";
import * as myLoans from "~/routes/my.loans._index.tsx";
import * as myStake from "~/routes/my.loans.$loanId.tsx";
import * as partnerLoan from "~/routes/portal.$partnerId.loans.$loanId.tsx";
import { runJobsOnce } from "~/utils/jobs.server.ts";
import { getDb } from "~/utils/db.server.ts";
import { createSession } from "~/utils/session.server.ts";
import { makeClient, makeLoan, makeMembership, makePartner, makeUser } from "../factories/index.ts";
import { smtpServerForFile } from "../support/smtp.ts";
import { formRequest, getRequest, run } from "../support/requests.ts";

const smtp = smtpServerForFile();

type Fn = Parameters<typeof run>[0];
const L = (m: { loader?: unknown }) => m.loader as Fn;
const A = (m: { action?: unknown }) => m.action as Fn;

async function lenderWith(cents: bigint) {
  const db = await getDb();
  const user = await makeUser(db);
  if (cents > 0n) {
    await postTransaction({
      idempotencyKey: `credit:${user.id}`,
      kind: "card_top_up",
      memo: "Added credit by card",
      postings: [
        { account: EXTERNAL_CARD, amount: -cents, currency: "USD" },
        { account: walletAccount(user.id), amount: cents, currency: "USD" },
      ],
    });
  }
  return { user, cookie: `mavuno_session=${(await createSession(user.id, null)).token}` };
}

async function loan(amountUsdCents: number, deadline = new Date(Date.now() + 5 * 86_400_000)) {
  const db = await getDb();
  const partner = await makePartner(db);
  const client = await makeClient(db, { partnerId: partner.id });
  return makeLoan(db, { partnerId: partner.id, clientId: client.id, amountUsdCents, fundraisingDeadline: deadline, reference: `MV-T-${Math.random().toString(36).slice(2, 8).toUpperCase()}` });
}

async function basketKey(cookie: string) {
  return ((await (await run(L(basket), getRequest("/basket", cookie))).json()) as { requestKey: string }).requestKey;
}

describe("lending through the pages", () => {
  it("add to basket → checkout from the wallet → My loans and the stake page; a second submit of the same form charges nothing", async () => {
    const l = await loan(5_000);
    const { user, cookie } = await lenderWith(10_000n);
    const added = await run(A(basket), formRequest("/basket", { intent: "add", loanId: l.id, shares: "2" }, cookie));
    expect(added.headers.get("Location")).toBe("/basket");
    const key = await basketKey(cookie);
    const done = await run(A(basket), formRequest("/basket", { intent: "checkout", requestKey: key, tip: "1.50" }, cookie));
    expect(done.headers.get("Location")).toMatch(/^\/my\/loans\?checkout=/);
    const again = await run(A(basket), formRequest("/basket", { intent: "checkout", requestKey: key, tip: "1.50" }, cookie));
    expect(again.status).toBe(302);
    expect(await getBalance(walletAccount(user.id), "USD")).toBe(10_000n - 5_000n - 150n);
    const mine = (await (await run(L(myLoans), getRequest("/my/loans", cookie))).json()) as { loans: { id: string; shares: number; status: string }[] };
    expect(mine.loans).toEqual([expect.objectContaining({ id: l.id, shares: 2, status: "funded" })]);
    const stake = await run(L(myStake), getRequest(`/my/loans/${l.id}`, cookie), { loanId: l.id });
    expect(stake.status).toBe(200);
    const mail = await smtp.waitFor((m) => m.to.includes(user.email) && /fully funded/.test(m.subject));
    expect(mail.text).toContain("$50.00");
  });

  it("someone else's stake page is a 404", async () => {
    const l = await loan(5_000);
    const a = await lenderWith(10_000n);
    const b = await lenderWith(10_000n);
    await run(A(basket), formRequest("/basket", { intent: "add", loanId: l.id, shares: "1" }, a.cookie));
    await run(A(basket), formRequest("/basket", { intent: "checkout", requestKey: await basketKey(a.cookie) }, a.cookie));
    expect((await run(L(myStake), getRequest(`/my/loans/${l.id}`, b.cookie), { loanId: l.id })).status).toBe(404);
  });

  it("pays the shortfall by card through the demo gateway, then buys the shares", async () => {
    const l = await loan(10_000);
    const { user, cookie } = await lenderWith(2_000n);
    await run(A(basket), formRequest("/basket", { intent: "add", loanId: l.id, shares: "3" }, cookie));
    const res = await run(A(basket), formRequest("/basket", { intent: "checkout", requestKey: await basketKey(cookie) }, cookie));
    expect(res.headers.get("Location")).toMatch(/^\/my\/loans\?checkout=/);
    expect(await getBalance(walletAccount(user.id), "USD")).toBe(0n);
    const db = await getDb();
    const payment = await db.cardPayment.findFirstOrThrow({ where: { userId: user.id } });
    expect(payment.amount).toBe(7_500n - 2_000n);
    expect((await db.loan.findUniqueOrThrow({ where: { id: l.id } })).sharesSold).toBe(3);
    const back = await run(L(checkoutReturn), getRequest(`/checkout/${(await db.checkout.findFirstOrThrow({ where: { userId: user.id } })).id}`, cookie), {
      checkoutId: (await db.checkout.findFirstOrThrow({ where: { userId: user.id } })).id,
    });
    expect(back.status).toBe(302);
  });

  it("bad input is refused with a clear message and nothing is charged", async () => {
    const l = await loan(5_000);
    const { user, cookie } = await lenderWith(10_000n);
    const zero = await run(A(basket), formRequest("/basket", { intent: "add", loanId: l.id, shares: "0" }, cookie));
    const basketError = (res: Response) => new URL(res.headers.get("Location") ?? "", "http://x").searchParams.get("basketError");
    expect(basketError(zero)).toBe("Choose at least one share.");
    const tooMany = await run(A(basket), formRequest("/basket", { intent: "add", loanId: l.id, shares: "10000" }, cookie));
    expect(basketError(tooMany)).toMatch(/At most 400 shares/);
    const words = await run(A(basket), formRequest("/basket", { intent: "add", loanId: l.id, shares: "lots" }, cookie));
    expect(words.status).toBe(400);
    await run(A(basket), formRequest("/basket", { intent: "add", loanId: l.id, shares: "1" }, cookie));
    const badTip = await run(A(basket), formRequest("/basket", { intent: "checkout", requestKey: await basketKey(cookie), tip: "-3" }, cookie));
    expect(((await badTip.json()) as { error: string; field: string })).toMatchObject({ field: "tip", error: expect.stringMatching(/^Tip: /) });
    const tampered = await run(A(basket), formRequest("/basket", { intent: "checkout", requestKey: "x" }, cookie));
    expect(((await tampered.json()) as { error: string }).error).toMatch(/out of date/);
    expect(await getBalance(walletAccount(user.id), "USD")).toBe(10_000n);
  });

  it("a logged-out visitor adding to the basket is sent to log in and back to the loan", async () => {
    const l = await loan(5_000);
    const res = await run(A(basket), formRequest("/basket", { intent: "add", loanId: l.id, shares: "1" }));
    expect(res.headers.get("Location")).toBe(`/login?redirectTo=%2Floans%2F${l.id}`);
  });
});

describe("expiry and cancellation", () => {
  it("the periodic job expires an overdue loan, refunds every lender exactly and emails them", async () => {
    const deadline = new Date(Date.now() + 60_000);
    const l = await loan(10_000, deadline);
    const a = await lenderWith(10_000n);
    const b = await lenderWith(10_000n);
    for (const [who, shares] of [[a, "1"], [b, "2"]] as const) {
      await run(A(basket), formRequest("/basket", { intent: "add", loanId: l.id, shares }, who.cookie));
      await run(A(basket), formRequest("/basket", { intent: "checkout", requestKey: await basketKey(who.cookie) }, who.cookie));
    }
    expect(await getBalance(walletAccount(b.user.id), "USD")).toBe(5_000n);
    const result = await runJobsOnce(new Date(deadline.getTime() + 1_000));
    expect(result.expired).toBeGreaterThanOrEqual(1);
    expect(await getBalance(walletAccount(a.user.id), "USD")).toBe(10_000n);
    expect(await getBalance(walletAccount(b.user.id), "USD")).toBe(10_000n);
    const mail = await smtp.waitFor((m) => m.to.includes(b.user.email) && /expired/.test(m.subject));
    expect(mail.subject).toContain("$50.00 refunded");
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("a partner cancelling a fundraising loan refunds its lenders and emails them", async () => {
    const l = await loan(10_000);
    const a = await lenderWith(10_000n);
    await run(A(basket), formRequest("/basket", { intent: "add", loanId: l.id, shares: "2" }, a.cookie));
    await run(A(basket), formRequest("/basket", { intent: "checkout", requestKey: await basketKey(a.cookie) }, a.cookie));
    const db = await getDb();
    const officer = await makeUser(db);
    await makeMembership(db, { userId: officer.id, partnerId: l.partnerId, role: "officer" });
    const cookie = `mavuno_session=${(await createSession(officer.id, null)).token}`;
    const res = await run(A(partnerLoan), formRequest(`/portal/${l.partnerId}/loans/${l.id}`, { intent: "cancel", reason: "Client withdrew the request" }, cookie), { partnerId: l.partnerId, loanId: l.id });
    expect(res.status).toBe(302);
    expect(await getBalance(walletAccount(a.user.id), "USD")).toBe(10_000n);
    await smtp.waitFor((m) => m.to.includes(a.user.email) && /cancelled/.test(m.subject));
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("the partner records the disbursement of a funded loan and it starts paying back", async () => {
    const l = await loan(2_500);
    const a = await lenderWith(10_000n);
    await run(A(basket), formRequest("/basket", { intent: "add", loanId: l.id, shares: "1" }, a.cookie));
    await run(A(basket), formRequest("/basket", { intent: "checkout", requestKey: await basketKey(a.cookie) }, a.cookie));
    const db = await getDb();
    const officer = await makeUser(db);
    await makeMembership(db, { userId: officer.id, partnerId: l.partnerId, role: "officer" });
    const cookie = `mavuno_session=${(await createSession(officer.id, null)).token}`;
    const params = { partnerId: l.partnerId, loanId: l.id };
    const future = await run(A(partnerLoan), formRequest(`/portal/${l.partnerId}/loans/${l.id}`, { intent: "disburse", disbursedOn: "2099-01-01" }, cookie), params);
    expect(future.status).toBe(409);
    const today = new Date().toISOString().slice(0, 10);
    await run(A(partnerLoan), formRequest(`/portal/${l.partnerId}/loans/${l.id}`, { intent: "disburse", disbursedOn: today }, cookie), params);
    const after = await db.loan.findUniqueOrThrow({ where: { id: l.id } });
    expect(after.status).toBe("paying_back");
    expect(await getBalance(`partner:${l.partnerId}:payable`, "USD")).toBe(0n);
    expect((await verifyLedger()).ok).toBe(true);
  });
});
