/**
 * Every option in use: a default timeout with a per-tool override, a
 * concurrency cap, custom error text per error class, and a tools node with
 * another name routed by `safeToolsCondition("name")`.
 */
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { SafeToolNode, ToolTimeoutError, UnknownToolError, safeToolsCondition } from "../src/index.js";
import { ScriptedChatModel } from "../src/testing.js";

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()));
  });

const quickLookup = tool(async ({ key }, runtime) => (await sleep(20, runtime.signal), `value of ${key}`), {
  name: "quick_lookup",
  description: "Fast key lookup.",
  schema: z.object({ key: z.string() }),
});
const slowReport = tool(async ({ year }, runtime) => (await sleep(5_000, runtime.signal), `report ${year}`), {
  name: "slow_report",
  description: "Builds a yearly report (slow).",
  schema: z.object({ year: z.number() }),
});

export const toolsNode = new SafeToolNode([quickLookup, slowReport], {
  name: "run_tools",
  timeoutMs: 1_000, // every call...
  toolTimeoutMs: { slow_report: 100 }, // ...but this tool gets less (or more)
  maxConcurrency: 2, // at most two calls at once
  handleToolErrors: (error, call) => {
    if (ToolTimeoutError.isInstance(error))
      return `${call.name} took longer than ${error.timeoutMs} ms. Ask for a smaller report.`;
    if (UnknownToolError.isInstance(error))
      return `No tool "${call.name}". Use one of: ${error.availableTools.join(", ")}.`;
    return error.message; // the built-in text for everything else
  },
});

export async function main(): Promise<BaseMessage[]> {
  const model = new ScriptedChatModel([
    new AIMessage({
      id: "a1",
      content: "",
      tool_calls: [
        { id: "c1", name: "quick_lookup", args: { key: "a" } },
        { id: "c2", name: "quick_lookup", args: { key: "b" } },
        { id: "c3", name: "quick_lookup", args: { key: "c" } },
        { id: "c4", name: "slow_report", args: { year: 2025 } },
        { id: "c5", name: "make_coffee", args: {} },
      ],
    }),
    new AIMessage({ id: "a2", content: "Here is what I found." }),
  ]);
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addNode("run_tools", toolsNode)
    .addEdge(START, "agent")
    .addConditionalEdges("agent", safeToolsCondition("run_tools"), ["run_tools", END])
    .addEdge("run_tools", "agent")
    .compile();
  const { messages } = await graph.invoke({ messages: [new HumanMessage("Look up a, b, c and the 2025 report.")] });
  for (const m of messages) console.log(`${m.getType()}: ${String(m.content)}`);
  return messages;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
