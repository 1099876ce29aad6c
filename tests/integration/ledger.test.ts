import { describe, expect, it } from "vitest";
import {
  AlreadyReversed,
  EXTERNAL_CARD,
  getBalance,
  hold,
  HoldNotPending,
  IdempotencyConflict,
  InsufficientFunds,
  inputHash,
  InvalidPosting,
  listEntries,
  PLATFORM_DONATIONS,
  postHold,
  postTransaction,
  postTransactions,
  reverse,
  Unbalanced,
  verifyLedger,
  voidHold,
  walletAccount,
} from "~/models/ledger.server.ts";
import { getDb } from "~/utils/db.server.ts";

let n = 0;
const key = (label: string) => `test:${label}:${++n}:${Math.random().toString(36).slice(2)}`;
const wallet = () => walletAccount(`u${++n}${Math.random().toString(36).slice(2, 8)}`);

function topUp(account: string, amount: bigint, idempotencyKey = key("topup")) {
  return postTransaction({
    idempotencyKey,
    kind: "card_top_up",
    memo: "Added credit by card",
    postings: [
      { account: EXTERNAL_CARD, amount: -amount, currency: "USD" },
      { account, amount, currency: "USD" },
    ],
  });
}

describe("ledger", () => {
  it("posts a balanced transaction and keeps the balance with the entries", async () => {
    const w = wallet();
    const posted = await topUp(w, 5000n);
    expect(posted.replayed).toBe(false);
    expect(await getBalance(w, "USD")).toBe(5000n);
    const entries = await listEntries(w, "USD");
    expect(entries).toHaveLength(1);
    expect(entries[0]!.amount).toBe(5000n);
    expect(entries[0]!.memo).toBe("Added credit by card");
  });

  it("refuses an unbalanced transaction and writes nothing", async () => {
    const w = wallet();
    await expect(
      postTransaction({
        idempotencyKey: key("bad"),
        kind: "card_top_up",
        memo: "x",
        postings: [
          { account: EXTERNAL_CARD, amount: -100n, currency: "USD" },
          { account: w, amount: 99n, currency: "USD" },
        ],
      }),
    ).rejects.toBeInstanceOf(Unbalanced);
    expect(await getBalance(w, "USD")).toBe(0n);
  });

  it("balances per currency, not in total", async () => {
    await expect(
      postTransaction({
        idempotencyKey: key("fx"),
        kind: "transfer",
        memo: "x",
        postings: [
          { account: EXTERNAL_CARD, amount: -100n, currency: "USD" },
          { account: "external:partner:p1", amount: 100n, currency: "KES" },
        ],
      }),
    ).rejects.toBeInstanceOf(Unbalanced);
  });

  it("refuses unknown account names, zero amounts and a single posting", async () => {
    const base = { idempotencyKey: key("v"), kind: "transfer", memo: "x" };
    await expect(postTransaction({ ...base, postings: [{ account: "bogus", amount: 1n, currency: "USD" }, { account: EXTERNAL_CARD, amount: -1n, currency: "USD" }] })).rejects.toBeInstanceOf(InvalidPosting);
    await expect(postTransaction({ ...base, postings: [{ account: wallet(), amount: 0n, currency: "USD" }, { account: EXTERNAL_CARD, amount: 0n, currency: "USD" }] })).rejects.toBeInstanceOf(InvalidPosting);
    await expect(postTransaction({ ...base, postings: [{ account: EXTERNAL_CARD, amount: 1n, currency: "USD" }] })).rejects.toBeInstanceOf(InvalidPosting);
  });

  it("never lets a wallet go negative", async () => {
    const w = wallet();
    await topUp(w, 1000n);
    const donate = (amount: bigint) =>
      postTransaction({
        idempotencyKey: key("donate"),
        kind: "donation",
        memo: "Donation to Mavuno",
        postings: [
          { account: w, amount: -amount, currency: "USD" },
          { account: PLATFORM_DONATIONS, amount, currency: "USD" },
        ],
      });
    const error = await donate(1001n).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientFunds);
    expect((error as InsufficientFunds).available).toBe(1000n);
    expect((error as InsufficientFunds).needed).toBe(1001n);
    await donate(1000n);
    expect(await getBalance(w, "USD")).toBe(0n);
  });

  it("hashes a command's input to the same value as when it was first posted (replays of stored keys depend on it)", () => {
    // Values computed when these keys were first stored; a change to the canonical form would turn every retry into a conflict.
    const repayment = {
      idempotencyKey: "k",
      kind: "repayment",
      memo: "not part of the hash",
      reference: { repaymentId: "r-1", loanId: 'l "1"', unused: undefined as unknown as string },
      postings: [
        { account: "external:partner:p1", amount: -2501n, currency: "USD" },
        { account: "lender:u1:wallet", amount: 1250n, currency: "USD" },
        { account: "lender:ü2:wallet", amount: 1251n, currency: "USD" },
      ],
    };
    expect(inputHash(repayment)).toBe("13442bf31f6b42954c8eb1e94740822917798f0eedd4f25074c98a453e134ba6");
    expect(inputHash({ ...repayment, memo: "another memo" })).toBe(inputHash(repayment));
    const topUp = {
      idempotencyKey: "x",
      kind: "card_top_up",
      memo: "",
      postings: [
        { account: EXTERNAL_CARD, amount: -5n, currency: "KES" },
        { account: "lender:a:wallet", amount: 5n, currency: "KES" },
      ],
    };
    expect(inputHash(topUp)).toBe("0518b0cc470066746ceb91bff99430ecde24d6dd91562c8cd929cbd8c2b249de");
  });

  it("replays the same key and input, and refuses the same key with another input", async () => {
    const w = wallet();
    const k = key("idem");
    const first = await topUp(w, 2500n, k);
    const again = await topUp(w, 2500n, k);
    expect(again).toEqual({ ...first, replayed: true });
    expect(await getBalance(w, "USD")).toBe(2500n);
    await expect(topUp(w, 2600n, k)).rejects.toBeInstanceOf(IdempotencyConflict);
    expect(await getBalance(w, "USD")).toBe(2500n);
  });

  it("posts a batch all or nothing", async () => {
    const a = wallet();
    const b = wallet();
    await topUp(a, 100n);
    const move = (from: string, to: string, amount: bigint) => ({
      idempotencyKey: key("batch"),
      kind: "transfer",
      memo: "x",
      postings: [
        { account: from, amount: -amount, currency: "USD" },
        { account: to, amount, currency: "USD" },
      ],
    });
    await expect(postTransactions([move(a, b, 60n), move(a, b, 60n)])).rejects.toBeInstanceOf(InsufficientFunds);
    expect(await getBalance(a, "USD")).toBe(100n);
    expect(await getBalance(b, "USD")).toBe(0n);
    await postTransactions([move(a, b, 60n), move(a, b, 40n)]);
    expect(await getBalance(b, "USD")).toBe(100n);
  });

  it("holds money in escrow, then posts it on or voids it back, exactly once", async () => {
    const w = wallet();
    await topUp(w, 5000n);
    const escrow = `loan:l${++n}:escrow`;
    const { holdId } = await hold({ idempotencyKey: key("hold"), source: w, escrow, amount: 2500n, currency: "USD", memo: "Share in a loan" });
    expect(await getBalance(w, "USD")).toBe(2500n);
    expect(await getBalance(escrow, "USD")).toBe(2500n);

    const postKey = key("post");
    await postHold({ idempotencyKey: postKey, holdId, destination: "partner:p1:payable", memo: "Loan funded" });
    expect(await getBalance(escrow, "USD")).toBe(0n);
    expect(await getBalance("partner:p1:payable", "USD")).toBeGreaterThanOrEqual(2500n);
    // A retry of the same call is a replay; voiding a posted hold is refused.
    expect((await postHold({ idempotencyKey: postKey, holdId, destination: "partner:p1:payable", memo: "Loan funded" })).replayed).toBe(true);
    await expect(voidHold({ idempotencyKey: key("void"), holdId, memo: "Expired" })).rejects.toBeInstanceOf(HoldNotPending);

    const second = await hold({ idempotencyKey: key("hold"), source: w, escrow, amount: 2500n, currency: "USD", memo: "Share" });
    await voidHold({ idempotencyKey: key("void"), holdId: second.holdId, memo: "Loan expired: refunded" });
    expect(await getBalance(w, "USD")).toBe(2500n);
    await expect(postHold({ idempotencyKey: key("post"), holdId: second.holdId, destination: "partner:p1:payable", memo: "x" })).rejects.toBeInstanceOf(HoldNotPending);
  });

  it("corrects by a reversing transaction, at most once", async () => {
    const w = wallet();
    const posted = await topUp(w, 700n);
    await reverse({ idempotencyKey: key("rev"), transactionId: posted.id, memo: "Card payment reversed" });
    expect(await getBalance(w, "USD")).toBe(0n);
    await topUp(w, 700n);
    await expect(reverse({ idempotencyKey: key("rev"), transactionId: posted.id, memo: "again" })).rejects.toBeInstanceOf(AlreadyReversed);
    expect(await getBalance(w, "USD")).toBe(700n);
  });

  it("the database itself refuses edits and deletes of posted entries", async () => {
    const w = wallet();
    await topUp(w, 300n);
    const db = await getDb();
    await expect(db.$executeRawUnsafe(`UPDATE ledger_postings SET amount = amount + 1`)).rejects.toThrow(/append-only/);
    await expect(db.$executeRawUnsafe(`DELETE FROM ledger_transactions`)).rejects.toThrow(/append-only/);
    await expect(
      db.$executeRawUnsafe(`UPDATE ledger_accounts SET balance = -1 WHERE name = $1`, w),
    ).rejects.toThrow(/ledger_accounts_floor/);
    expect((await verifyLedger()).ok).toBe(true);
  });

  it("verify finds a balance that no longer matches its entries", async () => {
    const w = wallet();
    await topUp(w, 400n);
    const db = await getDb();
    await db.$executeRawUnsafe(`UPDATE ledger_accounts SET balance = balance + 1 WHERE name = $1`, w);
    const report = await verifyLedger();
    expect(report.ok).toBe(false);
    expect(report.balanceMismatches).toEqual([{ account: w, currency: "USD", stored: 401n, derived: 400n }]);
    await db.$executeRawUnsafe(`UPDATE ledger_accounts SET balance = balance - 1 WHERE name = $1`, w);
    expect((await verifyLedger()).ok).toBe(true);
  });
});
