import fc from "fast-check";
import { afterAll, beforeAll, describe, it, vi } from "vitest";
import { turnCaseArb } from "./fuzz/cases.js";
import { checkRepair, checkTurn, type HistoryItem } from "./fuzz/check.js";
import { checkSchedule, scheduleCaseArb } from "./fuzz/scheduling.js";

/**
 * Property-based fuzzing with a fixed seed. CI runs FUZZ_RUNS cases per
 * property (default below); `npm run fuzz -- --runs 5000 [--seed N]` runs
 * more. A failure prints the shrunk case as a test to paste.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const RUNS = Number(process.env.FUZZ_RUNS ?? 600);

async function runProperty<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  check: (value: T) => Promise<void>,
  checkName: string,
) {
  const details = await fc.check(fc.asyncProperty(arb, check), { seed: SEED, numRuns: RUNS });
  if (!details.failed) return;
  const example = JSON.stringify(details.counterexample?.[0], null, 2);
  console.error(
    [
      `\n${name}: counterexample after ${details.numRuns} runs (seed ${details.seed}, path "${details.counterexamplePath}", shrunk ${details.numShrinks} times).`,
      "Paste this into a test file to keep it:\n",
      `import { it } from "vitest";`,
      `import { ${checkName} } from "./fuzz/${checkName === "checkSchedule" ? "scheduling" : "check"}.js";\n`,
      `it("fuzz regression (seed ${details.seed})", async () => {`,
      `  await ${checkName}(${example.replace(/\n/g, "\n  ")});`,
      `});\n`,
    ].join("\n"),
  );
  throw details.errorInstance ?? new Error(`${name} failed`);
}

const ids = fc.constantFrom("call_a", "call_b", "call_c", null, "", "x.y");
const historyArb: fc.Arbitrary<HistoryItem[]> = fc.array(
  fc.oneof(
    fc.record({ type: fc.constant("human" as const) }),
    fc.record({ type: fc.constant("ai" as const), calls: fc.array(ids, { maxLength: 3 }), invalid: fc.nat(2) }),
    fc.record({ type: fc.constant("tool" as const), id: fc.constantFrom("call_a", "call_b", "call_c", "orphan") }),
  ),
  { maxLength: 10 },
);

describe(`fuzz (seed ${SEED}, ${RUNS} runs per property)`, () => {
  // @langchain/core warns on every AIMessage it builds with only raw OpenAI calls; generated turns make many.
  beforeAll(() => {
    const warn = console.warn;
    vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => {
      if (!String(args[0]).startsWith("New LangChain packages")) warn(...args);
    });
  });
  afterAll(() => vi.restoreAllMocks());

  it(
    "any turn, any tool behaviour: one result per call, accepted by every provider",
    async () => {
      await runProperty("node property", turnCaseArb, checkTurn, "checkTurn");
    },
    Math.max(60_000, RUNS * 500),
  );

  it(
    "any calls, keys and limits: one result per call in call order, one call at a time per key in call order, every limit held",
    async () => {
      await runProperty("scheduling property", scheduleCaseArb, checkSchedule, "checkSchedule");
    },
    Math.max(60_000, RUNS * 100),
  );

  it(
    "any broken history: repairToolResults makes it valid, idempotently",
    async () => {
      await runProperty("repair property", historyArb, checkRepair, "checkRepair");
    },
    Math.max(60_000, RUNS * 200),
  );
});
