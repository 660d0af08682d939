/**
 * `npm run fuzz -- --runs N [--seed S]`: the fuzz properties with more cases
 * (and, optionally, another seed) than the fixed budget `npm test` runs.
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "5000" }, seed: { type: "string" } },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  console.error("usage: npm run fuzz -- --runs N [--seed S]   (whole numbers; N at least 1)");
  process.exit(2);
}
console.log(`fuzzing: ${runs} cases per property, seed ${seed} (replay with --seed ${seed})`);
const result = spawnSync("npx", ["vitest", "run", "test/fuzz.test.ts"], {
  stdio: "inherit",
  env: { ...process.env, FUZZ_RUNS: String(runs), FUZZ_SEED: String(seed) },
});
process.exit(result.status ?? 1);
