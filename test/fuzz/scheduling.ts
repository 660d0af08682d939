/**
 * The fuzz property of limits per tool and ordering per key: any calls over
 * three tools, any keys (or none), any limits, some calls pausing first
 * (durable mode, resumed in rounds); the invariant, call order of results,
 * each call's work done once, one call at a time per key in call order, and
 * every limit held, across the pauses too.
 */
import { ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, MemorySaver, MessagesAnnotation, START, StateGraph, interrupt } from "@langchain/langgraph";
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
  /** Calls (indexes) whose tool calls interrupt() first; any makes it a durable graph run, resumed until done. */
  pauseAt: number[];
  /** Each resume answers one pending interrupt (the lowest call), or all of them. */
  answer: "one" | "all";
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
  pauseAt: fc.uniqueArray(fc.nat(15), { maxLength: 4 }),
  answer: fc.constantFrom("one", "all"),
});

let threads = 0;

/** The history after the node answered the turn: one invoke, or a durable graph resumed until nothing pauses. */
async function answerTurn(node: SafeToolNode, history: BaseMessage[], c: ScheduleCase): Promise<BaseMessage[]> {
  if (c.pauseAt.length === 0) return applyOutput(history, await node.invoke({ messages: history }));
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("tools", node)
    .addEdge(START, "tools")
    .compile({ checkpointer: new MemorySaver() });
  const config = { configurable: { thread_id: `schedule-${++threads}` } };
  let out = (await graph.invoke({ messages: history }, config)) as {
    messages: BaseMessage[];
    __interrupt__?: { id: string; value: number }[];
  };
  for (let round = 0; out.__interrupt__?.length; round++) {
    expect(round).toBeLessThan(c.calls.length);
    const pending = [...out.__interrupt__].sort((a, b) => a.value - b.value);
    const answered = c.answer === "one" ? pending.slice(0, 1) : pending;
    out = (await graph.invoke(
      new Command({ resume: Object.fromEntries(answered.map((i) => [i.id, "go"])) }),
      config,
    )) as typeof out;
  }
  return out.messages;
}

export async function checkSchedule(c: ScheduleCase): Promise<void> {
  const events: { at: "start" | "end"; index: number }[] = [];
  const tools = TOOLS.map((name) =>
    tool(
      async ({ i }) => {
        if (c.pauseAt.includes(i)) interrupt(i);
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
  const after = await answerTurn(node, history, c);
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
  const starts = events.filter((e) => e.at === "start").map((e) => e.index);
  expect(starts).not.toContain(c.badKeyAt);
  // Each call's work (after its pause) ran once.
  expect(new Set(starts).size).toBe(starts.length);
}
