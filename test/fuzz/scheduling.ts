/**
 * The fuzz property of limits per tool and ordering per key: any calls over
 * three tools, any keys (or none), any limits; the invariant, call order of
 * results, one call at a time per key in call order, and every limit held.
 */
import { ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import fc from "fast-check";
import { expect } from "vitest";
import { z } from "zod";
import { SafeToolNode } from "../../src/index.js";
import { aiWith, call, historyWith } from "../helpers/fixtures.js";
import { applyOutput, invariantProblems } from "../helpers/invariant.js";

const TOOLS = ["t0", "t1", "t2"] as const;

export interface ScheduleCase {
  calls: { tool: number; key: number | null; ms: number }[];
  /** Per tool: a limit, or null for none. */
  limits: (number | null)[];
  maxConcurrency: number | null;
  /** When the key function throws for a call (its index), or null. */
  badKeyAt: number | null;
}

export const scheduleCaseArb: fc.Arbitrary<ScheduleCase> = fc.record({
  calls: fc.array(fc.record({ tool: fc.nat(2), key: fc.option(fc.nat(3)), ms: fc.nat(3) }), {
    minLength: 1,
    maxLength: 16,
  }),
  limits: fc.tuple(
    fc.option(fc.integer({ min: 1, max: 3 })),
    fc.option(fc.integer({ min: 1, max: 3 })),
    fc.option(fc.integer({ min: 1, max: 3 })),
  ),
  maxConcurrency: fc.option(fc.integer({ min: 1, max: 6 })),
  badKeyAt: fc.option(fc.nat(15)),
});

export async function checkSchedule(c: ScheduleCase): Promise<void> {
  const events: { at: "start" | "end"; index: number }[] = [];
  const tools = TOOLS.map((name) =>
    tool(
      async ({ i }) => {
        events.push({ at: "start", index: i });
        await new Promise((resolve) => setTimeout(resolve, c.calls[i]!.ms));
        events.push({ at: "end", index: i });
        return `done ${i}`;
      },
      { name, description: name, schema: z.object({ i: z.number() }) },
    ),
  );
  const concurrency = Object.fromEntries(
    c.limits.flatMap((limit, t) => (limit === null ? [] : [[TOOLS[t]!, limit] as const])),
  );
  const keyOfIndex = (i: number) => (c.calls[i]!.key === null ? undefined : `k${c.calls[i]!.key}`);
  const node = new SafeToolNode(tools, {
    concurrency,
    ...(c.maxConcurrency === null ? {} : { maxConcurrency: c.maxConcurrency }),
    concurrencyKey: (tc) => {
      const i = Number(tc.args.i);
      if (i === c.badKeyAt) throw new Error("no key");
      return keyOfIndex(i);
    },
  });
  const turn = c.calls.map((spec, i) => call(TOOLS[spec.tool]!, { i }, `call_${i}`));
  const history = historyWith(aiWith(turn));
  const after = applyOutput(history, await node.invoke({ messages: history }));
  expect(invariantProblems(after)).toEqual([]);
  const results = after.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
  expect(results.map((r) => r.tool_call_id)).toEqual(turn.map((t) => t.id));
  results.forEach((r, i) => expect(r.status).toBe(i === c.badKeyAt ? "error" : "success"));

  // Replay the events: the limits held, and each key ran one at a time in call order.
  const runningByTool = [0, 0, 0];
  const runningByKey = new Map<string, number>();
  let running = 0;
  const startsByKey = new Map<string, number[]>();
  for (const e of events) {
    const spec = c.calls[e.index]!;
    const key = keyOfIndex(e.index);
    const step = e.at === "start" ? 1 : -1;
    running += step;
    runningByTool[spec.tool]! += step;
    if (key !== undefined) {
      runningByKey.set(key, (runningByKey.get(key) ?? 0) + step);
      expect(runningByKey.get(key)).toBeLessThanOrEqual(1);
      if (e.at === "start") startsByKey.set(key, [...(startsByKey.get(key) ?? []), e.index]);
    }
    expect(running).toBeLessThanOrEqual(c.maxConcurrency ?? Infinity);
    const limit = c.limits[spec.tool];
    if (limit !== null && limit !== undefined) expect(runningByTool[spec.tool]).toBeLessThanOrEqual(limit);
  }
  for (const starts of startsByKey.values()) expect(starts).toEqual([...starts].sort((a, b) => a - b));
  expect(events.filter((e) => e.at === "start").map((e) => e.index)).not.toContain(c.badKeyAt);
}
