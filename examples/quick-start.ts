/**
 * The README's quick start: a ReAct loop with SafeToolNode in place of
 * ToolNode. The model is scripted so that this runs offline; swap in
 * `new ChatOpenAI(...).bindTools([getWeather])` for a real one.
 */
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { SafeToolNode, safeToolsCondition } from "../src/index.js";
import { ScriptedChatModel } from "../src/testing.js";

const model = new ScriptedChatModel([
  new AIMessage({ id: "a1", content: "", tool_calls: [{ id: "call_1", name: "get_weather", args: { city: "Oslo" } }] }),
  new AIMessage({ id: "a2", content: "It is snowing in Oslo." }),
]);

// --- quick start ---
const getWeather = tool(async ({ city }) => `Snow in ${city}`, {
  name: "get_weather",
  description: "Weather for a city.",
  schema: z.object({ city: z.string() }),
});

export const graph = new StateGraph(MessagesAnnotation)
  .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
  .addNode("tools", new SafeToolNode([getWeather], { timeoutMs: 30_000 })) // was: new ToolNode([getWeather])
  .addEdge(START, "agent")
  .addConditionalEdges("agent", safeToolsCondition, ["tools", END]) // was: toolsCondition
  .addEdge("tools", "agent")
  .compile();
// --- end quick start ---

export async function main() {
  const { messages } = await graph.invoke({ messages: [new HumanMessage("Weather in Oslo?")] });
  for (const m of messages) console.log(`${m.getType()}: ${String(m.content)}`);
  return messages;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
