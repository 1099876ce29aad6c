// Part of `npm run bench -- repay`: distributing one repayment to 10,000
// lenders (allocations, one ledger transaction of 10,001 postings, wallet
// balances) against inserting the same ledger rows raw, and the cost at 1,000
// against 10,000 lenders, on the same database in the same run.
import { setDatabase, closeDb, type Db } from "../../app/utils/db.server.ts";
import { inTransaction, verifyLedger, walletAccount } from "../../app/models/ledger.server.ts";
import { createInitialSchedule, distributeWithin, partnerExternalAccount, recordRepayments } from "../../app/models/repayment.server.ts";
import { benchDatabases, machine, median, target, time } from "./_support.ts";

const ROUNDS = 5;

/** A disbursed loan held by `lenders` lenders with one $25 share each, written set-based. */
async function loanWithLenders(db: Db, prefix: string, lenders: number) {
  const loanId = `${prefix}-loan`;
  const partnerId = `${prefix}-partner`;
  await db.$executeRawUnsafe(
    `INSERT INTO partners (id, slug, name, legal_name, country, regions, status, contact_email, currency)
     VALUES ($1, $1, 'Bench partner', 'Bench partner Ltd', 'KE', ARRAY['Central'], 'active', 'bench@example.test', 'KES')`,
    partnerId,
  );
  await db.$executeRawUnsafe(
    `INSERT INTO clients (id, partner_id, full_name, region, village, sector) VALUES ($1 || '-client', $2, 'Bench client', 'Central', 'Village', 'Retail')`,
    prefix,
    partnerId,
  );
  const amount = lenders * 2500;
  const disbursed = new Date(Date.now() - 400 * 86_400_000);
  await db.$executeRawUnsafe(
    `INSERT INTO loans (id, reference, partner_id, client_id, status, amount_usd_cents, local_currency, amount_local_minor, fx_rate, purpose, sector,
                        term_months, frequency, interest_method, annual_rate_bps, shares_sold, lender_count, funded_at, disbursed_at, updated_at)
     VALUES ($1, upper($1), $2, $3 || '-client', 'paying_back', $4::int, 'KES', $4::bigint * 1295 / 10, 129.5, 'Bench', 'Retail', 12, 'monthly', 'flat', 2400,
             $5::int, $5::int, $6::timestamptz, $6::timestamptz, now())`,
    loanId,
    partnerId,
    prefix,
    amount,
    lenders,
    disbursed,
  );
  await db.$executeRawUnsafe(
    `INSERT INTO users (id, email, name, password_hash) SELECT $1 || '-u' || i, $1 || '-u' || i || '@bench.test', 'Bench lender', 'x' FROM generate_series(1, $2::int) i`,
    prefix,
    lenders,
  );
  await db.$executeRawUnsafe(
    `INSERT INTO checkouts (id, user_id, request_key, input_hash, status, total_cents, items) VALUES ($1 || '-co', $1 || '-u1', $1, 'x', 'completed', 0, '[]')`,
    prefix,
  );
  await db.$executeRawUnsafe(
    `INSERT INTO loan_shares (loan_id, lender_id, checkout_id, shares, amount, hold_id, status)
     SELECT $1, $2 || '-u' || i, $2 || '-co', 1, 2500, -(i + $3::bigint), 'funded' FROM generate_series(1, $4::int) i`,
    loanId,
    prefix,
    lenders * 10,
    lenders,
  );
  const loan = await db.loan.findUniqueOrThrow({ where: { id: loanId } });
  await inTransaction((tx) => createInitialSchedule(tx, loan, disbursed, null));
  return { loanId, partnerId };
}

export async function runDistribution(): Promise<boolean> {
  console.log(`bench repay distribution: one repayment to 10,000 and to 1,000 lenders, ${ROUNDS} rounds each, alternating; ${machine()}`);
  let ok = true;
  for (const { label, database, dispose } of await benchDatabases()) {
    const db = setDatabase(database);
    const big = await loanWithLenders(db, "b10k", 10_000);
    const small = await loanWithLenders(db, "b1k", 1_000);
    let round = 0;
    // One repayment recorded, then timed while it is distributed.
    const distribute = async (loan: { loanId: string; partnerId: string }) => {
      const key = `bench:${loan.loanId}:${round++}`;
      // The next instalment in full, so every round repays principal to every lender.
      const [next] = (await db.$queryRawUnsafe(
        `SELECT i.principal + i.interest AS due FROM loan_instalments i JOIN loans l ON l.id = i.loan_id
          WHERE i.loan_id = $1 AND i.due_on >= l.first_unpaid_due_on ORDER BY i.number LIMIT 1`,
        loan.loanId,
      )) as { due: bigint }[];
      const { recorded } = await inTransaction((tx) =>
        recordRepayments(tx, [{ partnerId: loan.partnerId, loanId: loan.loanId, requestKey: key, paidOn: new Date(), localAmount: BigInt(next!.due), fxRate: "140" }]),
      );
      return time(() => inTransaction((tx) => distributeWithin(tx, [recorded[0]!.repaymentId])));
    };
    // The baseline: the same transaction and 10,001 posting rows, inserted with one statement.
    const accounts = async () => {
      const rows = (await db.$queryRawUnsafe(
        `SELECT id, name FROM ledger_accounts WHERE name = ANY($1::text[])`,
        [partnerExternalAccount(big.partnerId), ...Array.from({ length: 10_000 }, (_, i) => walletAccount(`b10k-u${i + 1}`))],
      )) as { id: bigint; name: string }[];
      return rows.map((r) => r.id.toString());
    };
    await distribute(big); // warm up, and creates the wallet accounts
    await distribute(small);
    const accountIds = await accounts();
    const raw = () =>
      time(() =>
        db.$executeRawUnsafe(
          `WITH t AS (INSERT INTO ledger_transactions (idempotency_key, input_hash, kind, memo) VALUES ($1, $2, 'repayment', 'raw') RETURNING id)
           INSERT INTO ledger_postings (transaction_id, account_id, amount, currency)
           SELECT t.id, a, CASE WHEN o = 1 THEN -100 * (cardinality($3::bigint[]) - 1) ELSE 100 END, 'USD' FROM t, unnest($3::bigint[]) WITH ORDINALITY AS u(a, o)`,
          `raw:${round++}`,
          "x".repeat(64),
          accountIds,
        ),
      );
    const bigTimes: number[] = [];
    const rawTimes: number[] = [];
    const smallTimes: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2 === 0) {
        bigTimes.push(await distribute(big));
        rawTimes.push(await raw());
        smallTimes.push(await distribute(small));
      } else {
        smallTimes.push(await distribute(small));
        rawTimes.push(await raw());
        bigTimes.push(await distribute(big));
      }
    }
    const bigMs = median(bigTimes);
    const rawMs = median(rawTimes);
    const smallMs = median(smallTimes);
    console.log(`${label}: one repayment to 10,000 lenders ${bigMs.toFixed(0)} ms; raw insert of its ledger rows ${rawMs.toFixed(0)} ms; to 1,000 lenders ${smallMs.toFixed(0)} ms`);
    const report = await verifyLedger();
    if (report.unbalanced.length + report.negative.length > 0) throw new Error("bench left an unbalanced ledger");
    await closeDb();
    await dispose();
    ok = target(`repay-distribution-vs-raw-${label}`, bigMs / rawMs, { max: 3 }) && ok;
    ok = target(`repay-1k-to-10k-lenders-${label}`, bigMs / smallMs, { max: 11 }) && ok;
  }
  return ok;
}
