import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { END, MemorySaver, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SafeToolNode, safeToolsCondition } from "../src/index.js";
import { ScriptedChatModel } from "../src/testing.js";

// A tool named like the model's node, as users name them ("agent", "research").
const agentTool = tool(async ({ q }) => `agent says ${q}`, {
  name: "agent",
  description: "Ask another agent.",
  schema: z.object({ q: z.string() }),
});
const search = tool(async ({ q }) => `found ${q}`, {
  name: "search",
  description: "Search.",
  schema: z.object({ q: z.string() }),
});

function graphWith(kind: "SafeToolNode" | "ToolNode", durable: boolean) {
  const model = new ScriptedChatModel([
    new AIMessage({
      id: "turn-1",
      content: "",
      tool_calls: [
        { id: "c1", name: "agent", args: { q: "a" } },
        { id: "c2", name: "search", args: { q: "b" } },
      ],
    }),
    new AIMessage({ id: "turn-2", content: "done" }),
  ]);
  const tools = kind === "SafeToolNode" ? new SafeToolNode([agentTool, search]) : new ToolNode([agentTool, search]);
  return new StateGraph(MessagesAnnotation)
    .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addNode("tools", tools)
    .addEdge(START, "agent")
    .addConditionalEdges("agent", safeToolsCondition, ["tools", END])
    .addEdge("tools", "agent")
    .compile(durable ? { checkpointer: new MemorySaver() } : {});
}

const input = { messages: [new HumanMessage({ id: "h", content: "go" })] };
let thread = 0;
const config = () => ({ configurable: { thread_id: `streams-${++thread}` } });

const MODES = [
  ["SafeToolNode, durable (checkpointer)", "SafeToolNode", true],
  ["SafeToolNode, not durable", "SafeToolNode", false],
  ["ToolNode (baseline)", "ToolNode", false],
  ["ToolNode with a checkpointer (baseline)", "ToolNode", true],
] as const;

describe('streamMode: "messages"', () => {
  it.each(MODES)("%s: each tool result once, attributed to the tools node", async (_label, kind, durable) => {
    const seen: { id: string; node: unknown }[] = [];
    for await (const [message, metadata] of await graphWith(kind, durable).stream(input, {
      ...config(),
      streamMode: "messages",
    })) {
      if (ToolMessage.isInstance(message))
        seen.push({ id: message.tool_call_id, node: (metadata as Record<string, unknown>).langgraph_node });
    }
    expect(seen).toEqual([
      { id: "c1", node: "tools" },
      { id: "c2", node: "tools" },
    ]);
  });
});

describe('streamMode: "updates"', () => {
  it.each(MODES)(
    "%s: the results come in the tools node's update; no update under the agent node's name holds a tool result",
    async (_label, kind, durable) => {
      const updates: [string, unknown][] = [];
      for await (const chunk of await graphWith(kind, durable).stream(input, { ...config(), streamMode: "updates" })) {
        for (const [name, value] of Object.entries(chunk as Record<string, unknown>)) updates.push([name, value]);
      }
      const results = (value: unknown) =>
        ((value as { messages?: BaseMessage[] })?.messages ?? []).filter((m) => ToolMessage.isInstance(m));
      const tools = updates.filter(([name]) => name === "tools");
      expect(tools).toHaveLength(1);
      expect(results(tools[0]![1]).map((m) => (m as ToolMessage).tool_call_id)).toEqual(["c1", "c2"]);
      for (const [name, value] of updates.filter(([n]) => n === "agent")) expect(results(value), name).toEqual([]);
      const names = updates.map(([name]) => name);
      const ofTools = names.filter((n) => n.startsWith("tools") && n !== "tools");
      if (kind === "SafeToolNode" && durable) {
        // Only the journal's tasks (if any: a batch that settles at once needs none), named after the
        // node with a "#" that no tool or node name collides with.
        expect(ofTools.every((n) => n === "tools#journal")).toBe(true);
      } else {
        expect(ofTools).toEqual([]);
      }
    },
  );
});
