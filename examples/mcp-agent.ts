/**
 * An agent whose tools come from an MCP server (examples/mcp-server.mjs,
 * started over stdio by @langchain/mcp-adapters). The model calls a working
 * tool, one that reports an error, and one that never answers: each call is
 * answered once, and the agent goes on.
 */
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { MultiServerMCPClient } from "@langchain/mcp-adapters";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { SafeToolNode, safeToolsCondition } from "../src/index.js";
import { ScriptedChatModel } from "../src/testing.js";

export async function main(): Promise<BaseMessage[]> {
  const client = new MultiServerMCPClient({
    mcpServers: {
      calc: { transport: "stdio", command: process.execPath, args: [join(import.meta.dirname, "mcp-server.mjs")] },
    },
  });
  try {
    const tools = await client.getTools();
    const model = new ScriptedChatModel([
      new AIMessage({
        id: "m1",
        content: "",
        tool_calls: [
          { id: "call_add", name: "add", args: { a: 19, b: 23 } },
          { id: "call_refuse", name: "refuse", args: {} },
          { id: "call_hang", name: "hang", args: {} },
        ],
      }),
      new AIMessage({ id: "m2", content: "19 + 23 = 42; the other two services are not available right now." }),
    ]);
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
      .addNode("tools", new SafeToolNode(tools, { timeoutMs: 1_000 }))
      .addEdge(START, "agent")
      .addConditionalEdges("agent", safeToolsCondition, ["tools", END])
      .addEdge("tools", "agent")
      .compile();
    const { messages } = await graph.invoke({ messages: [new HumanMessage({ id: "h", content: "What is 19 + 23?" })] });
    for (const m of messages)
      console.log(`${m.getType().padEnd(5)} ${typeof m.content === "string" ? m.content : JSON.stringify(m.content)}`);
    return messages;
  } finally {
    await client.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
