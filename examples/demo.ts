/**
 * `npm run demo`: an agent loop, offline, on a scripted model that makes the
 * classic mistakes in one turn - a call with broken JSON, a call to a tool
 * that does not exist, a tool that throws, a tool that hangs - and then
 * answers. SafeToolNode answers every call and the next model request is
 * accepted. Then a turn cut off by the token limit, through LangGraph's
 * ToolNode and through SafeToolNode, for contrast.
 */
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { ToolNode, toolsCondition } from "@langchain/langgraph/prebuilt";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { SafeToolNode, safeToolsCondition } from "../src/index.js";
import { ScriptedChatModel } from "../src/testing.js";
import { openAIRejection } from "./openai-rejection.js";

const getWeather = tool(async ({ city }) => `It is 21°C and sunny in ${city}.`, {
  name: "get_weather",
  description: "Current weather for a city.",
  schema: z.object({ city: z.string() }),
});
const lookupOrder = tool(
  async ({ orderId }): Promise<string> => {
    throw new Error(`orders database unreachable while reading ${orderId}`);
  },
  { name: "lookup_order", description: "Find an order.", schema: z.object({ orderId: z.string() }) },
);
const searchDocs = tool(
  (_args, runtime) =>
    new Promise<string>((resolve) => runtime.signal?.addEventListener("abort", () => resolve("aborted"))),
  {
    name: "search_docs",
    description: "Search the docs (this one hangs).",
    schema: z.object({ query: z.string() }),
  },
);

/** The model's first turn: five calls, four of them broken in a different way. */
export function brokenTurn(): AIMessage {
  return new AIMessage({
    id: "ai-turn-1",
    content: "",
    tool_calls: [
      { type: "tool_call", id: "call_weather", name: "get_weather", args: { city: "Lisbon" } },
      { type: "tool_call", id: "call_typo", name: "get_wether", args: { city: "Porto" } },
      { type: "tool_call", id: "call_order", name: "lookup_order", args: { orderId: "A-17" } },
      { type: "tool_call", id: "call_docs", name: "search_docs", args: { query: "refund policy" } },
    ],
    invalid_tool_calls: [
      {
        type: "invalid_tool_call",
        id: "call_cut",
        name: "get_weather",
        args: '{"city": "Fa',
        error: "Unexpected end of JSON input",
      },
    ],
    additional_kwargs: {
      tool_calls: [
        { id: "call_weather", type: "function", function: { name: "get_weather", arguments: '{"city":"Lisbon"}' } },
        { id: "call_typo", type: "function", function: { name: "get_wether", arguments: '{"city":"Porto"}' } },
        { id: "call_order", type: "function", function: { name: "lookup_order", arguments: '{"orderId":"A-17"}' } },
        {
          id: "call_docs",
          type: "function",
          function: { name: "search_docs", arguments: '{"query":"refund policy"}' },
        },
        { id: "call_cut", type: "function", function: { name: "get_weather", arguments: '{"city": "Fa' } },
      ],
    },
  });
}

function agentGraph(model: ScriptedChatModel, toolsNode: SafeToolNode | ToolNode, safe: boolean) {
  return new StateGraph(MessagesAnnotation)
    .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addNode("tools", toolsNode)
    .addEdge(START, "agent")
    .addConditionalEdges("agent", safe ? safeToolsCondition : toolsCondition, ["tools", END])
    .addEdge("tools", "agent")
    .compile();
}

function show(messages: readonly BaseMessage[], print: (line: string) => void): void {
  for (const m of messages) {
    const type = m.getType();
    if (AIMessage.isInstance(m) && m.tool_calls?.length) {
      print(`  ai     calls: ${m.tool_calls.map((c) => `${c.name}#${c.id}`).join(", ")}`);
    } else if (type === "tool") {
      const t = m as BaseMessage & { tool_call_id: string; status?: string };
      print(`  tool   ${t.tool_call_id} [${t.status}] ${String(m.content).replace(/\n/g, " ")}`);
    } else {
      print(`  ${type.padEnd(6)} ${String(m.content)}`);
    }
  }
}

/** Runs the demo; returns the SafeToolNode history and what ToolNode's run ended with. */
export async function main(print: (line: string) => void = console.log) {
  // @langchain/core prints an upgrade notice whenever it copies an AIMessage
  // whose only calls are invalid (the case shown below); it is noise here.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith("New LangChain packages are available")) warn(...args);
  };
  try {
    return await run(print);
  } finally {
    console.warn = warn;
  }
}

async function run(print: (line: string) => void) {
  const tools = [getWeather, lookupOrder, searchDocs];
  const final = new AIMessage({
    id: "ai-turn-2",
    content: "Lisbon is sunny; I could not reach orders or docs right now.",
  });

  print("SafeToolNode (timeoutMs: 300):");
  const safeModel = new ScriptedChatModel({ responses: [brokenTurn(), final], rejectRequest: openAIRejection });
  const safe = await agentGraph(safeModel, new SafeToolNode(tools, { timeoutMs: 300 }), true).invoke({
    messages: [new HumanMessage("Weather in Lisbon, and where is order A-17?")],
  });
  show(safe.messages, print);
  const accepted = openAIRejection(safe.messages) === undefined;
  print(`  -> ${safeModel.requests.length} model requests, every one accepted: ${accepted}\n`);

  // A turn cut off by the token limit: its only call is invalid. toolsCondition
  // sees no tool_calls and ends the run; the thread keeps a dangling call, and
  // the user's next message fails. safeToolsCondition routes it to the node.
  // Built as ChatOpenAI builds it: core parses the raw calls, and the broken
  // one lands in invalid_tool_calls.
  const cutOff = () =>
    new AIMessage({
      id: "ai-cut",
      content: "",
      additional_kwargs: { tool_calls: brokenTurn().additional_kwargs.tool_calls!.slice(-1) },
    });
  const outcomes: Record<string, string> = {};
  for (const [label, node, safeRouting] of [
    ["ToolNode + toolsCondition", new ToolNode(tools), false],
    ["SafeToolNode + safeToolsCondition", new SafeToolNode(tools, { timeoutMs: 300 }), true],
  ] as const) {
    const model = new ScriptedChatModel({
      responses: [cutOff(), new AIMessage({ id: "ai-x", content: "Sorry, let me retry." })],
      rejectRequest: openAIRejection,
    });
    const graph = agentGraph(model, node, safeRouting);
    const first = await graph.invoke({ messages: [new HumanMessage({ id: "h1", content: "Weather in Faro?" })] });
    try {
      await graph.invoke({ messages: [...first.messages, new HumanMessage({ id: "h2", content: "Hello?" })] });
      outcomes[label] = "accepted";
    } catch (e) {
      outcomes[label] = (e as Error).message;
    }
    print(`${label}, a turn cut off by the token limit, then the user's next message:`);
    print(`  -> ${outcomes[label]}`);
  }
  const toolNodeOutcome = outcomes["ToolNode + toolsCondition"]!;
  return { safeHistory: safe.messages as BaseMessage[], accepted, toolNodeOutcome };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
