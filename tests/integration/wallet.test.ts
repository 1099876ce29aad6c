// The wallet page with the demo gateway (no Stripe keys): adding credit,
// donating, withdrawing, the history and its CSV export, and every way an
// amount can be wrong.
import { describe, expect, it } from "vitest";
import { getBalance, PLATFORM_DONATIONS, postTransaction, verifyLedger, walletAccount } from "~/models/ledger.server.ts";
import { loader as exportLoader } from "~/routes/wallet.export[.]csv.tsx";
import { action as walletAction, loader as walletLoader } from "~/routes/wallet._index.tsx";
import { loader as rootLoader } from "~/root.tsx";
import { getDb } from "~/utils/db.server.ts";
import { seedWallet } from "../../prisma/seed.ts";
import { formRequest, getRequest, run } from "../support/requests.ts";
import {
  balanceOf,
  creditFromRepayment,
  donateFrom,
  formErrors,
  ledgerTransactionCount,
  signedInLender,
  submitWallet,
  topUp,
  walletPage,
  withdrawFrom,
  type Lender,
} from "../support/wallet.ts";

async function funded(amount: string): Promise<Lender> {
  const lender = await signedInLender();
  expect((await topUp(lender, amount)).headers.get("Location")).toBe("/wallet?done=top-up");
  return lender;
}

describe("the demo gateway", () => {
  it("is announced on every page", async () => {
    const root = await run(rootLoader, getRequest("/"));
    expect(((await root.json()) as { demoPayments: boolean }).demoPayments).toBe(true);
  });

  it("adds credit at once, through a recorded card payment, and a double submit adds it once", async () => {
    const lender = await signedInLender();
    const key = crypto.randomUUID();
    expect((await topUp(lender, "25", key)).headers.get("Location")).toBe("/wallet?done=top-up");
    expect((await topUp(lender, "25", key)).headers.get("Location")).toBe("/wallet?done=top-up");
    expect(await balanceOf(lender.id)).toBe(2500n);
    const payments = await (await getDb()).cardPayment.findMany({ where: { userId: lender.id } });
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ gateway: "demo", status: "completed", amount: 2500n });
    const page = await walletPage(lender);
    expect(page.demo).toBe(true);
    expect(page.entries.map((e) => [e.memo, e.amount, e.link?.href])).toEqual([["Added credit by card", "2500", `/wallet/payments/${payments[0]!.id}`]]);
  });

  it("withdraws at once, back to the demo card payment", async () => {
    const lender = await funded("30");
    expect((await withdrawFrom(lender, "12.50")).headers.get("Location")).toBe("/wallet?done=withdrawal-completed");
    expect(await balanceOf(lender.id)).toBe(1750n);
    expect(await formErrors(await withdrawFrom(lender, "17.51"))).toEqual({
      withdrawalAmount: ["That is more than your wallet holds: you have $17.50."],
    });
  });
});

describe("donating", () => {
  it("moves credit to the platform's donations, once per form", async () => {
    const lender = await funded("20");
    const donationsBefore = await getBalance(PLATFORM_DONATIONS, "USD");
    const key = crypto.randomUUID();
    expect((await donateFrom(lender, "7.25", key)).headers.get("Location")).toBe("/wallet?done=donation");
    expect((await donateFrom(lender, "7.25", key)).headers.get("Location")).toBe("/wallet?done=donation");
    expect(await balanceOf(lender.id)).toBe(1275n);
    expect((await getBalance(PLATFORM_DONATIONS, "USD")) - donationsBefore).toBe(725n);
    expect((await walletPage(lender)).entries[0]).toMatchObject({ memo: "Donation to Mavuno", amount: "-725", kind: "donation" });
  });

  it("refuses more than the balance, naming the field, and moves nothing", async () => {
    const lender = await funded("10");
    const before = await ledgerTransactionCount();
    expect(await formErrors(await donateFrom(lender, "10.01"))).toEqual({ donationAmount: ["That is more than your wallet holds: you have $10.00."] });
    expect(await ledgerTransactionCount()).toBe(before);
    expect((await donateFrom(lender, "10")).status).toBe(302);
    expect(await balanceOf(lender.id)).toBe(0n);
  });

  it("refuses the same form key sent again with another amount", async () => {
    const lender = await funded("10");
    const key = crypto.randomUUID();
    expect((await donateFrom(lender, "1", key)).status).toBe(302);
    const errors = await formErrors(await donateFrom(lender, "2", key));
    expect(errors[""]?.[0]).toMatch(/already sent with other details/);
    expect(await balanceOf(lender.id)).toBe(900n);
  });
});

describe("amounts that are wrong", () => {
  const cases: [string, Record<string, string>, string, RegExp][] = [
    ["negative", { intent: "top-up", topUpAmount: "-10" }, "topUpAmount", /greater than zero/],
    ["zero", { intent: "donate", donationAmount: "0" }, "donationAmount", /greater than zero/],
    ["too many decimals", { intent: "top-up", topUpAmount: "10.005" }, "topUpAmount", /at most 2 decimal places/],
    ["not a number", { intent: "withdraw", withdrawalAmount: "ten dollars" }, "withdrawalAmount", /in numbers/],
    ["an exponent", { intent: "top-up", topUpAmount: "1e3" }, "topUpAmount", /in numbers/],
    ["another currency's sign", { intent: "top-up", topUpAmount: "€25" }, "topUpAmount", /in numbers/],
    ["empty", { intent: "donate", donationAmount: "  " }, "donationAmount", /Enter an amount/],
    ["missing", { intent: "donate" }, "donationAmount", /Enter an amount/],
    ["under the top-up minimum", { intent: "top-up", topUpAmount: "4.99" }, "topUpAmount", /smallest amount is \$5\.00/],
    ["over the top-up maximum", { intent: "top-up", topUpAmount: "10,000.01" }, "topUpAmount", /largest amount is \$10,000\.00/],
    ["under the withdrawal minimum", { intent: "withdraw", withdrawalAmount: "0.99" }, "withdrawalAmount", /smallest amount is \$1\.00/],
    ["another currency", { intent: "top-up", topUpAmount: "25", currency: "EUR" }, "currency", /US dollars/],
    ["a form key that is not one", { intent: "donate", donationAmount: "1", key: "1" }, "key", /Reload the page/],
    ["an unknown intent", { intent: "steal", donationAmount: "1" }, "intent", /Unknown request/],
  ];

  it.each(cases)("refuses %s, names the field, and posts nothing", async (_label, fields, field, message) => {
    const lender = await funded("50");
    const before = await ledgerTransactionCount();
    const paymentsBefore = await (await getDb()).cardPayment.count();
    const errors = await formErrors(await submitWallet(lender, fields));
    expect(Object.keys(errors)).toEqual([field]);
    expect(errors[field]![0]).toMatch(message);
    expect(await ledgerTransactionCount()).toBe(before);
    expect(await (await getDb()).cardPayment.count()).toBe(paymentsBefore);
    expect(await balanceOf(lender.id)).toBe(5000n);
  });

  it("echoes what was typed and hands out fresh form keys", async () => {
    const lender = await signedInLender();
    const response = await topUp(lender, "abc");
    const body = (await response.json()) as { intent: string; values: { topUpAmount: string }; keys: Record<string, string> };
    expect(body.intent).toBe("top-up");
    expect(body.values.topUpAmount).toBe("abc");
    expect(body.keys["top-up"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("the wallet page", () => {
  it("needs a logged-in lender", async () => {
    const page = await run(walletLoader, getRequest("/wallet"));
    expect(page.status).toBe(302);
    expect(page.headers.get("Location")).toBe("/login?redirectTo=%2Fwallet");
    expect((await run(exportLoader, getRequest("/wallet/export.csv"))).status).toBe(302);
    expect((await run(walletAction, formRequest("/wallet?index", { intent: "donate", donationAmount: "1" }))).status).toBe(401);
  });

  it("renders a fresh key for each form on each visit", async () => {
    const lender = await signedInLender();
    const [first, second] = [await walletPage(lender), await walletPage(lender)];
    expect(new Set([...Object.values(first.keys), ...Object.values(second.keys)]).size).toBe(6);
  });

  it("pages through every movement, newest first, by cursor, and links each to its cause", async () => {
    const lender = await funded("100");
    await creditFromRepayment(lender.id, 300n, { memo: 'Repayment from "Upendo", Kisumu', loanId: "seed-loan-001" });
    for (let i = 0; i < 43; i++) expect((await donateFrom(lender, "0.01")).status).toBe(302);

    const seen: WalletEntryLike[] = [];
    let query = "";
    let pages = 0;
    for (;;) {
      const page = await walletPage(lender, query);
      pages++;
      seen.push(...page.entries);
      if (!page.nextBefore) break;
      query = `?before=${page.nextBefore}`;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(45);
    const ids = seen.map((e) => BigInt(e.postingId));
    expect(ids.every((id, i) => i === 0 || id < ids[i - 1]!)).toBe(true);
    expect(seen[0]).toMatchObject({ memo: "Donation to Mavuno", amount: "-1", link: null });
    expect(seen[43]).toMatchObject({ memo: 'Repayment from "Upendo", Kisumu', amount: "300", link: { href: "/loans/seed-loan-001", label: "Loan" } });
    expect(seen[44]).toMatchObject({ memo: "Added credit by card", amount: "10000" });
    expect(await balanceOf(lender.id)).toBe(10_257n);
  });

  it("exports the full history as CSV with a header, escaped text and decimal amounts", async () => {
    const lender = await funded("100");
    await creditFromRepayment(lender.id, 300n, { memo: 'Repayment from "Upendo", Kisumu', loanId: "seed-loan-001" });
    // More than one of the export's read batches.
    const db = await getDb();
    for (let i = 0; i < 520; i++) {
      await postTransaction({
        idempotencyKey: `test:cent:${lender.id}:${i}`,
        kind: "donation",
        memo: "Donation to Mavuno",
        postings: [
          { account: walletAccount(lender.id), amount: -1n, currency: "USD" },
          { account: PLATFORM_DONATIONS, amount: 1n, currency: "USD" },
        ],
      });
    }
    const response = await run(exportLoader, getRequest("/wallet/export.csv", lender.cookie));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toMatch(/^attachment; filename="mavuno-wallet-\d{4}-\d{2}-\d{2}\.csv"$/);
    const text = await response.text();
    const lines = text.split("\r\n");
    expect(lines.at(-1)).toBe("");
    expect(lines[0]).toBe("date,description,amount,currency,kind,transaction_id,posting_id,link");
    const rows = lines.slice(1, -1);
    expect(rows).toHaveLength(522);
    expect(rows[0]).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z,Donation to Mavuno,-0\.01,USD,donation,\d+,\d+,$/);
    expect(rows[520]).toMatch(/,"Repayment from ""Upendo"", Kisumu",3\.00,USD,repayment,\d+,\d+,http:\/\/localhost:3000\/loans\/seed-loan-001$/);
    const payment = await db.cardPayment.findFirstOrThrow({ where: { userId: lender.id } });
    expect(rows[521]).toMatch(new RegExp(`,Added credit by card,100\\.00,USD,card_top_up,\\d+,\\d+,http://localhost:3000/wallet/payments/${payment.id}$`));
    const postingIds = rows.map((row) => BigInt(row.split(",").at(-2)!));
    expect(new Set(postingIds).size).toBe(522);
  });

  it("keeps each lender's history to themselves", async () => {
    const a = await funded("10");
    const b = await signedInLender();
    expect((await walletPage(b)).entries).toEqual([]);
    const csv = await (await run(exportLoader, getRequest("/wallet/export.csv", b.cookie))).text();
    expect(csv.split("\r\n")).toEqual(["date,description,amount,currency,kind,transaction_id,posting_id,link", ""]);
    expect(await balanceOf(a.id)).toBe(1000n);
  });
});

describe("the demo seed", () => {
  it("gives the demo lender a wallet history through the wallet's own functions, once however often it runs", async () => {
    const lender = await signedInLender("Seeded Lender");
    await seedWallet(lender.id);
    const transactions = await ledgerTransactionCount();
    await seedWallet(lender.id);
    expect(await ledgerTransactionCount()).toBe(transactions);
    expect(await balanceOf(lender.id)).toBe(12_500n);
    expect((await walletPage(lender)).entries.map((e) => [e.memo, e.amount])).toEqual([
      ["Withdrawal to your card", "-2000"],
      ["Donation to Mavuno", "-500"],
      ["Added credit by card", "5000"],
      ["Added credit by card", "10000"],
    ]);
  });
});

type WalletEntryLike = { postingId: string; amount: string; memo: string; link: { href: string; label: string } | null };

describe("the ledger after all of the above", () => {
  it("re-derives every balance and finds nothing wrong", async () => {
    expect((await verifyLedger()).ok).toBe(true);
  });
});
