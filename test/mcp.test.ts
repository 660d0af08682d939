import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { MultiServerMCPClient } from "@langchain/mcp-adapters";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ScriptedChatModel } from "../src/testing.js";
import { SafeToolNode, safeToolsCondition } from "../src/index.js";
import { expectValidHistory } from "./helpers/invariant.js";

const SERVER = join(import.meta.dirname, "../examples/mcp-server.mjs");
let client: MultiServerMCPClient | undefined;

function connect() {
  client = new MultiServerMCPClient({
    mcpServers: { test: { transport: "stdio", command: process.execPath, args: [SERVER] } },
    useStandardContentBlocks: false,
  });
  return client.getTools();
}

afterEach(async () => {
  await client?.close().catch(() => {});
  client = undefined;
});

/** An agent on a scripted model: one turn of calls, then a final answer. */
async function runAgent(calls: { id: string; name: string; args: Record<string, unknown> }[], timeoutMs = 500) {
  const tools = await connect();
  const model = new ScriptedChatModel([
    new AIMessage({ id: "m1", content: "", tool_calls: calls }),
    new AIMessage({ id: "m2", content: "carrying on" }),
  ]);
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addNode("tools", new SafeToolNode(tools, { timeoutMs }))
    .addEdge(START, "agent")
    .addConditionalEdges("agent", safeToolsCondition, ["tools", END])
    .addEdge("tools", "agent")
    .compile();
  const { messages } = await graph.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
  return messages as BaseMessage[];
}

const results = (messages: BaseMessage[]) => messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));

describe("tools from a real MCP server (stdio), through @langchain/mcp-adapters", () => {
  it("answers a tool error, a hang past the timeout and a malformed result with one error each; the agent goes on", async () => {
    const messages = await runAgent([
      { id: "c1", name: "add", args: { a: 2, b: 3 } },
      { id: "c2", name: "refuse", args: {} },
      { id: "c3", name: "hang", args: {} },
      { id: "c4", name: "garbled", args: {} },
      { id: "c5", name: "add", args: { a: "x", b: 1 } },
    ]);
    await expectValidHistory(messages);
    const r = results(messages);
    expect(r.map((m) => [m.tool_call_id, m.status])).toEqual([
      ["c1", "success"],
      ["c2", "error"],
      ["c3", "error"],
      ["c4", "error"],
      ["c5", "error"],
    ]);
    expect(r[0]!.content).toMatch(/5/);
    expect(r[1]!.content).toMatch(/quota exceeded for this key/);
    expect(r[2]!.content).toMatch(/timed out after 500 ms/);
    expect(r[4]!.content).toMatch(/invalid arguments for tool "add":\n- a: /);
    expect(messages.at(-1)!.content).toBe("carrying on");
  }, 30_000);

  it("answers every call when the server process exits mid-call", async () => {
    const messages = await runAgent(
      [
        { id: "c1", name: "add", args: { a: 1, b: 1 } },
        { id: "c2", name: "die", args: {} },
      ],
      3_000,
    );
    await expectValidHistory(messages);
    const r = results(messages);
    expect(r.map((m) => m.tool_call_id)).toEqual(["c1", "c2"]);
    expect(r[1]!.status).toBe("error");
    expect(messages.at(-1)!.content).toBe("carrying on");
  }, 30_000);
});
