// Runs the benchmarks: `npm run bench` runs every bench/*.ts in turn; `npm run bench -- NAME [args]` runs one.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

// Benchmarks are the .ts files directly in bench/; bench/lib/ holds this runner and the benchmarks' helpers.
const here = join(dirname(fileURLToPath(import.meta.url)), "..");
const all = readdirSync(here)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3))
  .sort();
const [name, ...rest] = process.argv.slice(2);
if (name !== undefined && !all.includes(name)) {
  console.error(`unknown benchmark ${JSON.stringify(name)}; available: ${all.join(", ")}`);
  process.exit(2);
}
let failed = 0;
for (const bench of name === undefined ? all : [name]) {
  console.log(`\n=== bench/${bench} ===`);
  const r = await execa(process.execPath, ["--import", "tsx", join(here, `${bench}.ts`), ...rest], {
    stdio: "inherit",
    reject: false,
  });
  if (r.exitCode !== 0) {
    failed++;
    console.error(`bench/${bench} failed (exit ${r.exitCode})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
