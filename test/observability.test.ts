import { ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { MemorySaver, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SafeToolNode, type SafeToolNodeOptions, type ToolBatchSummary, type ToolCallFinished } from "../src/index.js";
import { aiWith, call, historyWith, invalidCall } from "./helpers/fixtures.js";
import { expectValidHistory } from "./helpers/invariant.js";

const quick = tool(async ({ q }) => `ok ${q}`, {
  name: "quick",
  description: "q",
  schema: z.object({ q: z.string() }),
});
const broken = tool(
  async (): Promise<string> => {
    throw new Error("down");
  },
  { name: "broken", description: "b", schema: z.object({}) },
);
const slow = tool(() => new Promise<string>(() => {}), { name: "slow", description: "s", schema: z.object({}) });

const batch = () =>
  aiWith(
    [
      call("quick", { q: "a" }, "c1"),
      call("broken", {}, "c2"),
      call("slow", {}, "c3"),
      call("quick", { q: "b" }, "c4"),
    ],
    [invalidCall("quick", "{", "c5")],
  );

function graphWith(options: SafeToolNodeOptions, checkpointer = false) {
  return new StateGraph(MessagesAnnotation)
    .addNode("tools", new SafeToolNode([quick, broken, slow], options))
    .addEdge(START, "tools")
    .compile(checkpointer ? { checkpointer: new MemorySaver() } : {});
}

describe("observability", () => {
  it.each([
    ["in batch mode", false],
    ["in durable mode", true],
  ])("streams one custom event per finished call %s", async (_label, durable) => {
    const graph = graphWith({ timeoutMs: 30 }, durable);
    const events: ToolCallFinished[] = [];
    let final: unknown;
    for await (const [mode, chunk] of await graph.stream(
      { messages: historyWith(batch()) },
      { streamMode: ["custom", "values"], configurable: { thread_id: `obs-${durable}` } },
    )) {
      if (mode === "custom") events.push(chunk as ToolCallFinished);
      else final = chunk;
    }
    await expectValidHistory((final as { messages: ToolMessage[] }).messages);
    const byId = Object.fromEntries(events.map((e) => [e.toolCallId, e]));
    expect(Object.keys(byId).sort()).toEqual(["c1", "c2", "c3", "c4", "c5"]);
    expect(events.every((e) => e.type === "safe_tool_node.call_finished" && e.durationMs >= 0)).toBe(true);
    expect([byId.c1!.status, byId.c2!.status, byId.c3!.status, byId.c4!.status, byId.c5!.status]).toEqual([
      "success",
      "error",
      "error",
      "success",
      "error",
    ]);
    if (!durable)
      expect([byId.c2!.errorKind, byId.c3!.errorKind, byId.c5!.errorKind]).toEqual([
        "execution",
        "timeout",
        "invalid_tool_call",
      ]);
    // the slow call is reported when it times out, before the batch ends
    expect(byId.c3!.durationMs).toBeGreaterThanOrEqual(25);
  });

  it("tells callbacks how many calls succeeded, failed and timed out, and tags each tool run with its tool_call_id", async () => {
    const graph = graphWith({ timeoutMs: 30 });
    let summary: ToolBatchSummary | undefined;
    const toolEvents: [string, string, unknown][] = [];
    for await (const event of graph.streamEvents({ messages: historyWith(batch()) }, { version: "v2" })) {
      if (event.event === "on_custom_event" && event.name === "safe_tool_node_summary")
        summary = event.data as ToolBatchSummary;
      if (event.event.startsWith("on_tool_")) toolEvents.push([event.event, event.name, event.metadata?.tool_call_id]);
    }
    expect(summary).toEqual({
      calls: 5,
      succeeded: 2,
      failed: 3,
      timedOut: 1,
      cancelled: 0,
      rejected: 0,
      alreadyAnswered: 0,
    });
    expect(toolEvents).toEqual(
      expect.arrayContaining([
        ["on_tool_start", "quick", "c1"],
        ["on_tool_end", "quick", "c1"],
        ["on_tool_start", "broken", "c2"],
        ["on_tool_error", "broken", "c2"],
        ["on_tool_start", "slow", "c3"],
      ]),
    );
  });

  it("reports to a callback handler too", async () => {
    const seen: unknown[] = [];
    const node = new SafeToolNode([quick]);
    const graph = new StateGraph(MessagesAnnotation).addNode("tools", node).addEdge(START, "tools").compile();
    await graph.invoke(
      { messages: historyWith(aiWith([call("quick", { q: "z" }, "c1")])) },
      { callbacks: [{ handleCustomEvent: (name: string, data: unknown) => void seen.push([name, data]) }] },
    );
    expect(seen).toEqual([["safe_tool_node_summary", expect.objectContaining({ calls: 1, succeeded: 1 })]]);
  });
});
