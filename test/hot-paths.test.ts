import { AIMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool, type ToolRuntime } from "@langchain/core/tools";
import { END, MemorySaver, MessagesAnnotation, START, Send, StateGraph } from "@langchain/langgraph";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { SafeToolNode, safeToolsFanOut, type SafeToolNodeOptions, type SafeToolRuntime } from "../src/index.js";
import { aiWith, call, historyWith, invalidCall } from "./helpers/fixtures.js";
import { applyOutput, expectValidHistory } from "./helpers/invariant.js";

// The benchmark shaped these paths (no signal and no race when nothing can
// stop a call; no async-local storage unless calls run as tasks; the runtime
// built with Object.assign). Each must give the same, valid answers.

const seen: Record<string, unknown>[] = [];
const echo = tool(
  async ({ q }, runtime: ToolRuntime) => {
    const r = runtime as SafeToolRuntime;
    seen.push({
      toolCallId: r.toolCallId,
      hasState: Array.isArray((r.state as { messages?: unknown }).messages),
      key: r.idempotencyKey,
      signal: r.signal instanceof AbortSignal,
    });
    if (q === "boom") throw new Error("boom");
    return `echo ${q}`;
  },
  { name: "echo", description: "Echo.", schema: z.object({ q: z.string() }) },
);

const turn = () =>
  aiWith(
    [
      call("echo", { q: "a" }, "c1"),
      call("echo", { q: "boom" }, "c2"),
      call("echo", { q: "a" }),
      call("nope", {}, "c4"),
      call("echo", { q: "b" }, "c1"),
    ],
    [invalidCall("echo", '{"q":', "c6")],
  );

const expected = [
  ["success", "echo a"],
  ["error", 'Error: tool "echo" failed: boom. Fix the arguments or try a different approach.'],
  ["success", "echo a"],
  ["error", expect.stringMatching(/^Error: tool "nope" does not exist/)],
  ["success", "echo b"],
  ["error", expect.stringMatching(/^Error: the call to "echo" could not be parsed/)],
];

async function viaGraph(options: SafeToolNodeOptions, checkpointer: boolean, fanOut = false): Promise<BaseMessage[]> {
  const builder = new StateGraph(MessagesAnnotation).addNode("tools", new SafeToolNode([echo], options));
  const wired = fanOut
    ? builder.addConditionalEdges(START, safeToolsFanOut("tools"), ["tools", END])
    : builder.addEdge(START, "tools");
  const graph = wired.compile(checkpointer ? { checkpointer: new MemorySaver() } : {});
  const state = await graph.invoke(
    { messages: historyWith(turn()) },
    { configurable: { thread_id: `hot-${Math.random()}` } },
  );
  return state.messages;
}

const paths: [string, () => Promise<BaseMessage[]>, boolean][] = [
  [
    "direct, no timeout (no signal, no race)",
    async () => {
      const h = historyWith(turn());
      return applyOutput(h, await new SafeToolNode([echo]).invoke({ messages: h }));
    },
    false,
  ],
  [
    "direct, with a timeout",
    async () => {
      const h = historyWith(turn());
      return applyOutput(h, await new SafeToolNode([echo], { timeoutMs: 5_000 }).invoke({ messages: h }));
    },
    true,
  ],
  ["graph, no checkpointer (run signal)", () => viaGraph({}, false), true],
  ["graph with a checkpointer (calls as tasks)", () => viaGraph({}, true), true],
  ["graph, fan-out", () => viaGraph({}, true, true), true],
];

describe("every execution path answers the same", () => {
  afterEach(() => void seen.splice(0));

  it.each(paths)("%s", async (_label, run, hasSignal) => {
    const history = await run();
    await expectValidHistory(history);
    const results = history.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
    expect(results.map((r) => [r.status, r.content])).toEqual(expected);
    expect(history.filter((m) => AIMessage.isInstance(m) && m.tool_calls?.length)).toHaveLength(1);
    expect(seen).toHaveLength(4);
    for (const s of seen)
      expect(s).toMatchObject({ hasState: true, signal: hasSignal, key: expect.stringMatching(/:.+:.+$/) });
  });

  // LangGraph (core's raceWithSignal) adds one abort listener per task to the
  // run's signal, and core's tool() one per call to the signal it is given: a
  // ToolNode fan-out of 8 calls puts 16 on the run's signal, and Node warns
  // past 10. SafeToolNode adds one for all its calls and Sends, and gives each
  // tool a signal of its own.
  // In durable batch mode the journal needs few tasks; with approvals
  // configured each call is a LangGraph task, whose listener the node makes
  // room for on that run's signal alone: 30 calls stay quiet either way.
  // A fan-out of more than 10 Sends puts a listener per Send task on the
  // step's signal (a Send per call to ToolNode warns): the first Send task to
  // reach the node lets that signal expect them all.
  it.each([
    ["batch", false, 8],
    ["batch", true, 8],
    ["batch", true, 30],
    ["batch, a task per call (approvals configured)", true, 30],
    ["fan-out", false, 8],
    ["fan-out", true, 8],
    ["fan-out", false, 30],
    ["fan-out", true, 30],
    ["a Send router of your own", true, 30],
  ] as const)(
    "adds one abort listener to the run's signal, not one per call or Send (%s, checkpointer %s, %i calls): no MaxListeners warning",
    async (wiring, checkpointer, count) => {
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.name);
      process.on("warning", onWarning);
      try {
        const slow = tool(async ({ q }) => (await new Promise((r) => setTimeout(r, 5)), q), {
          name: "echo",
          description: "Echo.",
          schema: z.object({ q: z.string() }),
        });
        const many = aiWith(Array.from({ length: count }, (_, i) => call("echo", { q: String(i) }, `m${i}`)));
        const options = wiring.includes("approvals") ? { requireApproval: () => false } : {};
        const builder = new StateGraph(MessagesAnnotation).addNode("tools", new SafeToolNode([slow], options));
        const ownSends = (state: typeof MessagesAnnotation.State) =>
          ((state.messages.at(-1) as AIMessage).tool_calls ?? []).map(
            (c) => new Send("tools", { ...state, lg_tool_call: c }),
          );
        const router =
          wiring === "fan-out" ? safeToolsFanOut("tools") : wiring.startsWith("a Send") ? ownSends : () => "tools";
        const graph = builder
          .addConditionalEdges(START, router, ["tools", END])
          .compile(checkpointer ? { checkpointer: new MemorySaver() } : {});
        const { messages } = await graph.invoke(
          { messages: historyWith(many) },
          { configurable: { thread_id: `many-${Math.random()}` } },
        );
        await new Promise((r) => setImmediate(r));
        expect(messages.filter((m) => ToolMessage.isInstance(m))).toHaveLength(count);
      } finally {
        process.off("warning", onWarning);
      }
      expect(warnings.filter((w) => w === "MaxListenersExceededWarning")).toEqual([]);
    },
  );
});
