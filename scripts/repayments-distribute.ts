// `npm run repayments:distribute`: finishes every recorded repayment that has
// not reached the lenders' wallets yet (after a crash or a stopped server).
// Each batch is one transaction; running it twice, or beside the server's own
// job, distributes each repayment once. `--batch N` sets the batch size.
import { distributePending } from "../app/models/repayment.server.ts";
import { closeDb } from "../app/utils/db.server.ts";

const flag = process.argv.indexOf("--batch");
const batch = flag >= 0 ? Number.parseInt(process.argv[flag + 1] ?? "", 10) : 200;
if (!Number.isInteger(batch) || batch < 1) {
  console.error("repayments:distribute: --batch takes a whole number of repayments, e.g. --batch 200");
  process.exit(2);
}

let code = 1;
try {
  const count = await distributePending({ batch, onProgress: (done) => console.log(`distributed ${done}`) });
  console.log(`repayments distribute: ${count} repayment${count === 1 ? "" : "s"} distributed; none left waiting.`);
  code = 0;
} catch (error) {
  console.error(`repayments distribute failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await closeDb().catch(() => {});
}
process.exit(code);
