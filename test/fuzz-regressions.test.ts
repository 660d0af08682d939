import { it } from "vitest";
import { checkTurn } from "./fuzz/check.js";

// Counterexamples the fuzz properties found, kept as ordinary tests.
it("fuzz regression (seed 99): a cut-off v1 turn whose last block is an invalid call", async () => {
  await checkTurn({
    earlier: [],
    reuseIds: false,
    shape: "v1",
    calls: [
      { tool: "act", id: "call_a", invalid: false, behaviour: { kind: "return", value: 0 }, n: "NaN" },
      { tool: "act", id: null, invalid: true, behaviour: { kind: "return", value: 0 }, n: "NaN" },
    ],
    answered: ["call_a"],
    answeredReversed: false,
    durable: false,
    cutOff: true,
  });
});

it("fuzz regression (seed 31337): two hand-offs, one with only its result, one re-sending the history", async () => {
  await checkTurn({
    earlier: [],
    reuseIds: false,
    shape: "plain",
    calls: [
      { tool: "act", id: "call_a", invalid: false, behaviour: { kind: "handoff", via: 0 }, n: 0 },
      { tool: "act", id: "call_a", invalid: false, behaviour: { kind: "handoff", via: 1 }, n: 0 },
    ],
    answered: [],
    answeredReversed: false,
    durable: false,
    cutOff: false,
  });
});
