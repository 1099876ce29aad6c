// Property test: random sequences of ledger operations, 10,000 in all, checked
// against a plain in-memory model. After every operation the outcome (posted,
// replayed, or the exact typed refusal) must match the model; after every run
// every balance must match and `verifyLedger` must find nothing wrong.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EXTERNAL_CARD,
  getBalance,
  hold,
  HoldNotPending,
  IdempotencyConflict,
  InsufficientFunds,
  PLATFORM_DONATIONS,
  postHold,
  postTransaction,
  verifyLedger,
  voidHold,
  walletAccount,
} from "~/models/ledger.server.ts";

const RUNS = 100;
const OPS_PER_RUN = 100; // 100 × 100 = 10,000 operations

const amount = fc.bigInt({ min: 1n, max: 20_000n });
const who = fc.integer({ min: 0, max: 3 });
const op = fc.oneof(
  fc.record({ type: fc.constant("credit" as const), w: who, amount }),
  fc.record({ type: fc.constant("debit" as const), w: who, amount }),
  fc.record({ type: fc.constant("transfer" as const), w: who, to: who, amount }),
  fc.record({ type: fc.constant("hold" as const), w: who, escrow: fc.integer({ min: 0, max: 1 }), amount }),
  fc.record({ type: fc.constant("post" as const), pick: fc.nat() }),
  fc.record({ type: fc.constant("void" as const), pick: fc.nat() }),
  fc.record({ type: fc.constant("retrySame" as const), pick: fc.nat() }),
  fc.record({ type: fc.constant("retryChanged" as const), pick: fc.nat() }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

type Done = { key: string; run: (key: string, changed: boolean) => Promise<unknown> };

let runNumber = 0;

describe("ledger properties", () => {
  it(`keeps every invariant over ${RUNS * OPS_PER_RUN} random operations`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: OPS_PER_RUN, maxLength: OPS_PER_RUN }), async (ops: Op[]) => {
        const run = `r${++runNumber}${Math.random().toString(36).slice(2, 7)}`;
        const wallets = [0, 1, 2, 3].map((i) => walletAccount(`${run}w${i}`));
        const escrows = [0, 1].map((i) => `loan:${run}e${i}:escrow`);
        const model = new Map<string, bigint>([...wallets, ...escrows].map((a) => [a, 0n]));
        const holds: { id: bigint; source: string; escrow: string; amount: bigint; status: "pending" | "posted" | "voided" }[] = [];
        const done: Done[] = [];
        let seq = 0;
        const nextKey = () => `${run}:${++seq}`;
        const bal = (a: string) => model.get(a) ?? 0n;
        const add = (a: string, d: bigint) => model.set(a, bal(a) + d);

        const move = (from: string, to: string, amt: bigint, kind: string) => (key: string, changed: boolean) =>
          postTransaction({
            idempotencyKey: key,
            kind,
            memo: kind,
            postings: [
              { account: from, amount: -(changed ? amt + 1n : amt), currency: "USD" },
              { account: to, amount: changed ? amt + 1n : amt, currency: "USD" },
            ],
          });

        for (const o of ops) {
          const key = nextKey();
          switch (o.type) {
            case "credit": {
              const run = move(EXTERNAL_CARD, wallets[o.w]!, o.amount, "card_top_up");
              expect((await run(key, false) as { replayed: boolean }).replayed).toBe(false);
              add(wallets[o.w]!, o.amount);
              done.push({ key, run });
              break;
            }
            case "debit":
            case "transfer": {
              const from = wallets[o.w]!;
              const to = o.type === "debit" ? PLATFORM_DONATIONS : wallets[o.to]!;
              const run = move(from, to, o.amount, o.type);
              if (from === to) break;
              if (bal(from) < o.amount) {
                await expect(run(key, false)).rejects.toBeInstanceOf(InsufficientFunds);
              } else {
                await run(key, false);
                add(from, -o.amount);
                if (model.has(to)) add(to, o.amount);
                done.push({ key, run });
              }
              break;
            }
            case "hold": {
              const source = wallets[o.w]!;
              const escrow = escrows[o.escrow]!;
              const run = (k: string, changed: boolean) =>
                hold({ idempotencyKey: k, source, escrow, amount: changed ? o.amount + 1n : o.amount, currency: "USD", memo: "hold" });
              if (bal(source) < o.amount) {
                await expect(run(key, false)).rejects.toBeInstanceOf(InsufficientFunds);
              } else {
                const { holdId } = await run(key, false);
                holds.push({ id: holdId, source, escrow, amount: o.amount, status: "pending" });
                add(source, -o.amount);
                add(escrow, o.amount);
                done.push({ key, run });
              }
              break;
            }
            case "post":
            case "void": {
              if (holds.length === 0) break;
              const h = holds[o.pick % holds.length]!;
              const run = (k: string, changed: boolean) =>
                o.type === "post"
                  ? postHold({ idempotencyKey: k, holdId: h.id, destination: changed ? "partner:other:payable" : "partner:p:payable", memo: "post" })
                  : voidHold({ idempotencyKey: k, holdId: h.id, memo: changed ? "void!" : "void", reference: changed ? { changed: "yes" } : undefined });
              if (h.status !== "pending") {
                await expect(run(key, false)).rejects.toBeInstanceOf(HoldNotPending);
              } else {
                await run(key, false);
                add(h.escrow, -h.amount);
                if (o.type === "void") add(h.source, h.amount);
                h.status = o.type === "post" ? "posted" : "voided";
                done.push({ key, run });
              }
              break;
            }
            case "retrySame": {
              if (done.length === 0) break;
              const earlier = done[o.pick % done.length]!;
              const result = (await earlier.run(earlier.key, false)) as { replayed?: boolean; transaction?: { replayed: boolean } };
              expect(result.replayed ?? result.transaction?.replayed).toBe(true);
              break;
            }
            case "retryChanged": {
              if (done.length === 0) break;
              const earlier = done[o.pick % done.length]!;
              const error = await earlier.run(earlier.key, true).catch((e: unknown) => e);
              // A resolved hold refuses any other resolution; everything else is an idempotency conflict.
              expect(error instanceof IdempotencyConflict || error instanceof HoldNotPending).toBe(true);
              break;
            }
          }
        }
        for (const [account, expected] of model) expect(await getBalance(account, "USD")).toBe(expected);
        const report = await verifyLedger();
        expect(report).toMatchObject({ ok: true });
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 600_000);
});
