// `npm run bench -- <name>`: runs scripts/bench/<name>.ts. Each bench measures
// its subject against a baseline in the same run and ends with one line per
// target: `target <name>: <measured> (goal <goal>) PASS|FAIL`.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const dir = path.join(import.meta.dirname, "bench");
const available = fs.readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.startsWith("_")).map((f) => f.replace(/\.ts$/, ""));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join("|")}>`);
  process.exit(2);
}
const bench = (await import(pathToFileURL(path.join(dir, `${name}.ts`)).href)) as { run: () => Promise<boolean> };
const ok = await bench.run();
process.exit(ok ? 0 : 1);
