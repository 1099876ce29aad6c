// `npm run ledger:verify`: re-derives every balance from the ledger's entries and
// checks every invariant. Prints a summary; exits 1 on any breach.
import { verifyLedger, type VerifyReport } from "../app/models/ledger.server.ts";
import { closeDb } from "../app/utils/db.server.ts";

function describe(report: VerifyReport): string[] {
  const lines: string[] = [];
  for (const m of report.balanceMismatches) lines.push(`balance of ${m.account} (${m.currency}) is ${m.stored}, its entries sum to ${m.derived}`);
  for (const u of report.unbalanced) lines.push(`transaction ${u.transactionId} does not balance in ${u.currency}: sums to ${u.sum}`);
  for (const n of report.negative) lines.push(`${n.account} (${n.currency}) is negative: ${n.balance}`);
  for (const c of report.currencyMismatches) lines.push(`posting ${c.postingId} is in another currency than ${c.account}`);
  for (const e of report.escrowMismatches) lines.push(`escrow ${e.account} (${e.currency}) holds ${e.balance} but its pending holds total ${e.pendingHolds}`);
  for (const i of report.incomplete) lines.push(`transaction ${i.transactionId} has fewer than two postings`);
  return lines;
}

let code = 1;
try {
  const report = await verifyLedger();
  const problems = describe(report);
  console.log(
    `ledger verify: ${report.accounts} accounts, ${report.transactions} transactions, ${report.postings} postings: ` +
      (report.ok ? "every balance re-derived, every transaction balanced, no wallet negative. OK" : `${problems.length} problem(s)`),
  );
  for (const line of problems) console.log(`  - ${line}`);
  code = report.ok ? 0 : 1;
} catch (error) {
  console.error(`ledger verify failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await closeDb().catch(() => {});
}
process.exit(code);
