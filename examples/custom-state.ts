/**
 * A custom-state graph: the state carries a `userId` next to `messages`, and
 * a tool reads it from `runtime.state`, as with ToolNode. The node only
 * writes `messages`; the other keys are left as they are.
 */
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { tool, type ToolRuntime } from "@langchain/core/tools";
import { Annotation, END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { SafeToolNode, safeToolsCondition } from "../src/index.js";
import { ScriptedChatModel } from "../src/testing.js";

const AgentState = Annotation.Root({
  ...MessagesAnnotation.spec,
  userId: Annotation<string>(),
});

const getOrders = tool(
  async ({ limit }, runtime: ToolRuntime) => {
    const { userId } = runtime.state as typeof AgentState.State;
    return { userId, orders: [`${userId}-001`, `${userId}-002`].slice(0, limit) };
  },
  {
    name: "get_orders",
    description: "The current user's orders.",
    schema: z.object({ limit: z.number().int().min(1) }),
  },
);

export async function main(): Promise<BaseMessage[]> {
  const model = new ScriptedChatModel([
    new AIMessage({
      id: "a1",
      content: "",
      tool_calls: [
        { id: "call_a", name: "get_orders", args: { limit: 1 } },
        { id: "call_b", name: "get_orders", args: { limit: 0 } }, // fails the schema: answered with the field path
      ],
    }),
    new AIMessage({ id: "a2", content: "Your latest order is u-7-001." }),
  ]);
  const graph = new StateGraph(AgentState)
    .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addNode("tools", new SafeToolNode([getOrders]))
    .addEdge(START, "agent")
    .addConditionalEdges("agent", safeToolsCondition, ["tools", END])
    .addEdge("tools", "agent")
    .compile();
  const result = await graph.invoke({ messages: [new HumanMessage("My last order?")], userId: "u-7" });
  for (const m of result.messages) console.log(`${m.getType()}: ${String(m.content)}`);
  return result.messages;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
