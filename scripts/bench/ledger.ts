// The ledger's cost over plain inserts: posting N transfers through
// ledger.postTransactions (idempotency claims, account locks, floors, balances)
// versus inserting the same transaction and posting rows with one raw SQL
// statement, on the same database, in the same run.
import { setDatabase, closeDb } from "../../app/utils/db.server.ts";
import { EXTERNAL_CARD, postTransactions, verifyLedger, walletAccount, type TransactionInput } from "../../app/models/ledger.server.ts";
import { benchDatabases, machine, median, target, time } from "./_support.ts";

const TRANSFERS = 5_000; // 10,000 postings per round
const WALLETS = 1_000;
const ROUNDS = 5;

function batch(round: number, kind: "ledger" | "raw"): TransactionInput[] {
  return Array.from({ length: TRANSFERS }, (_, i) => ({
    idempotencyKey: `bench:${kind}:${round}:${i}`,
    kind: "card_top_up",
    memo: "Added credit by card",
    postings: [
      { account: EXTERNAL_CARD, amount: -2500n, currency: "USD" },
      { account: walletAccount(`bench${i % WALLETS}`), amount: 2500n, currency: "USD" },
    ],
  }));
}

export async function run(): Promise<boolean> {
  console.log(`bench ledger: ${TRANSFERS} transfers (${TRANSFERS * 2} postings) per round, ${ROUNDS} rounds, ${WALLETS} wallets; ${machine()}`);
  let ok = true;
  for (const { label, database, dispose } of await benchDatabases()) {
    const db = setDatabase(database);
    // Warm up: create the accounts, let both paths compile their plans.
    await postTransactions(batch(-1, "ledger"));
    const accounts = new Map<string, bigint>();
    for (const row of (await db.$queryRawUnsafe(`SELECT id, name FROM ledger_accounts`)) as { id: bigint; name: string }[]) {
      accounts.set(row.name, BigInt(row.id));
    }
    const raw = async (round: number) => {
      const transfers = batch(round, "raw");
      const transactions = transfers.map((t) => ({ idempotency_key: t.idempotencyKey, input_hash: "x".repeat(64), kind: t.kind, memo: t.memo }));
      const postings = transfers.flatMap((t) =>
        t.postings.map((p) => ({ idempotency_key: t.idempotencyKey, account_id: accounts.get(p.account)!.toString(), amount: p.amount.toString() })),
      );
      await db.$executeRawUnsafe(
        `WITH t AS (
           INSERT INTO ledger_transactions (idempotency_key, input_hash, kind, memo)
           SELECT idempotency_key, input_hash, kind, memo FROM jsonb_to_recordset($1::jsonb) AS x(idempotency_key text, input_hash text, kind text, memo text)
           RETURNING id, idempotency_key)
         INSERT INTO ledger_postings (transaction_id, account_id, amount, currency)
         SELECT t.id, p.account_id, p.amount, 'USD' FROM t JOIN jsonb_to_recordset($2::jsonb) AS p(idempotency_key text, account_id bigint, amount bigint)
           ON p.idempotency_key = t.idempotency_key`,
        JSON.stringify(transactions),
        JSON.stringify(postings),
      );
    };
    await raw(-1);
    const ledgerTimes: number[] = [];
    const rawTimes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order so neither side always runs on a warmer cache.
      if (round % 2 === 0) {
        ledgerTimes.push(await time(() => postTransactions(batch(round, "ledger"))));
        rawTimes.push(await time(() => raw(round)));
      } else {
        rawTimes.push(await time(() => raw(round)));
        ledgerTimes.push(await time(() => postTransactions(batch(round, "ledger"))));
      }
    }
    const ledgerMs = median(ledgerTimes);
    const rawMs = median(rawTimes);
    console.log(
      `${label}: ledger ${ledgerMs.toFixed(0)} ms (${Math.round((TRANSFERS * 2) / (ledgerMs / 1000))} postings/s), ` +
        `raw insert ${rawMs.toFixed(0)} ms (${Math.round((TRANSFERS * 2) / (rawMs / 1000))} postings/s)`,
    );
    // For information: one call per transfer, as a checkout or a webhook posts.
    const SINGLE = 300;
    const singleMs = await time(async () => {
      for (let i = 0; i < SINGLE; i++) await postTransactions(batch(1000 + i, "ledger").slice(0, 1));
    });
    console.log(`${label}: one transfer per call: ${Math.round(SINGLE / (singleMs / 1000))} transactions/s (${Math.round((SINGLE * 2) / (singleMs / 1000))} postings/s)`);
    // The raw rows bypass the balances on purpose; the ledger's own rows must still verify once they are accounted for.
    const report = await verifyLedger();
    if (report.unbalanced.length + report.negative.length > 0) throw new Error("bench left an unbalanced ledger");
    await closeDb();
    await dispose();
    ok = target(`ledger-vs-raw-insert-${label}`, ledgerMs / rawMs, { max: 3 }) && ok;
  }
  return ok;
}
