// Many requests at once against one wallet. Meaningful on the real PostgreSQL
// server (CI runs the integration suite there too); on PGlite the same test
// runs serialised and must give the same answer.
import { describe, expect, it } from "vitest";
import { EXTERNAL_CARD, getBalance, InsufficientFunds, PLATFORM_DONATIONS, postTransaction, verifyLedger, walletAccount } from "~/models/ledger.server.ts";

describe("ledger under concurrency", () => {
  it("200 concurrent debits against a wallet that can afford 100: exactly 100 succeed, the rest are InsufficientFunds, the balance ends at 0", async () => {
    const wallet = walletAccount(`race-${Date.now()}`);
    await postTransaction({
      idempotencyKey: `${wallet}:fund`,
      kind: "card_top_up",
      memo: "Added credit by card",
      postings: [
        { account: EXTERNAL_CARD, amount: -100n * 2500n, currency: "USD" },
        { account: wallet, amount: 100n * 2500n, currency: "USD" },
      ],
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        postTransaction({
          idempotencyKey: `${wallet}:debit:${i}`,
          kind: "donation",
          memo: "Donation",
          postings: [
            { account: wallet, amount: -2500n, currency: "USD" },
            { account: PLATFORM_DONATIONS, amount: 2500n, currency: "USD" },
          ],
        }),
      ),
    );
    const succeeded = outcomes.filter((o) => o.status === "fulfilled");
    const refused = outcomes.filter((o) => o.status === "rejected");
    expect(succeeded).toHaveLength(100);
    expect(refused).toHaveLength(100);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(InsufficientFunds);
    expect(await getBalance(wallet, "USD")).toBe(0n);
    expect((await verifyLedger()).ok).toBe(true);
  }, 120_000);

  it("the same idempotency key sent 50 times at once posts once", async () => {
    const wallet = walletAccount(`dup-${Date.now()}`);
    const send = () =>
      postTransaction({
        idempotencyKey: `${wallet}:once`,
        kind: "card_top_up",
        memo: "Added credit by card",
        postings: [
          { account: EXTERNAL_CARD, amount: -999n, currency: "USD" },
          { account: wallet, amount: 999n, currency: "USD" },
        ],
      });
    const results = await Promise.all(Array.from({ length: 50 }, send));
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(await getBalance(wallet, "USD")).toBe(999n);
  }, 120_000);
});
