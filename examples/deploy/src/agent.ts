/**
 * An agent on SafeToolNode, as LangGraph's server deploys it (`langgraph.json`
 * points at `graph`). The model is scripted, so the app runs offline: the last
 * human message picks what it does.
 * - "demo": one turn of the classic mistakes - broken JSON, a tool that does
 *   not exist, a tool that throws, a tool that hangs - beside a working call;
 * - "transfer": a call to `transfer_money`, which needs a human's approval;
 * - "ask": `ask_human`, whose tool calls `interrupt()` itself, beside
 *   `record_visit`, a tool with a side effect (a line appended to a log).
 * Anything else gets a plain answer.
 */
import { appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { END, MessagesAnnotation, START, StateGraph, interrupt } from "@langchain/langgraph";
import { SafeToolNode, safeToolsCondition } from "safe-tool-node";
import { ScriptedChatModel } from "safe-tool-node/testing";
import { z } from "zod";

/** Where tools with side effects record each run (the tests count the lines). */
const LOG = process.env.SAFE_TOOL_NODE_DEPLOY_LOG ?? join(tmpdir(), "safe-tool-node-deploy.log");

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
  { name: "search_docs", description: "Search the docs (this one hangs).", schema: z.object({ query: z.string() }) },
);
const transferMoney = tool(
  async ({ to, amount }) => {
    appendFileSync(LOG, `transfer ${to} ${amount}\n`);
    return `Sent ${amount} EUR to ${to}.`;
  },
  {
    name: "transfer_money",
    description: "Send money to someone.",
    schema: z.object({ to: z.string(), amount: z.number() }),
  },
);
const askHuman = tool(async ({ question }) => `The human said: ${String(interrupt({ question }))}`, {
  name: "ask_human",
  description: "Ask the human a question and wait for the answer.",
  schema: z.object({ question: z.string() }),
});
const recordVisit = tool(
  async ({ page }) => {
    appendFileSync(LOG, `visit ${page}\n`);
    return `Recorded a visit to ${page}.`;
  },
  { name: "record_visit", description: "Record a page visit.", schema: z.object({ page: z.string() }) },
);

/** The model's turns for each scenario; `n` keeps ids unique within a thread. */
function script(scenario: string, n: number): (AIMessage | string)[] {
  const call = (name: string, args: Record<string, unknown>, id: string) => ({
    type: "tool_call" as const,
    name,
    args,
    id: `call_${n}_${id}`,
  });
  const turn = (fields: Partial<AIMessage>) => new AIMessage({ id: `ai_${n}`, content: "", ...fields });
  switch (scenario) {
    case "demo":
      return [
        turn({
          tool_calls: [
            call("get_weather", { city: "Lisbon" }, "weather"),
            call("get_wether", { city: "Porto" }, "typo"),
            call("lookup_order", { orderId: "A-17" }, "order"),
            call("search_docs", { query: "refund policy" }, "docs"),
          ],
          invalid_tool_calls: [
            {
              type: "invalid_tool_call",
              id: `call_${n}_cut`,
              name: "get_weather",
              args: '{"city": "Fa',
              error: "Unexpected end of JSON input",
            },
          ],
        }),
        "Lisbon is sunny; the rest failed, and I said so.",
      ];
    case "transfer":
      return [turn({ tool_calls: [call("transfer_money", { to: "Ana", amount: 200 }, "transfer")] }), "Done."];
    case "ask":
      return [
        turn({
          tool_calls: [
            call("record_visit", { page: "pricing" }, "visit"),
            call("ask_human", { question: "Which plan?" }, "ask"),
          ],
        }),
        "Noted.",
      ];
    default:
      return ["Hello."];
  }
}

async function agent(state: typeof MessagesAnnotation.State): Promise<{ messages: BaseMessage[] }> {
  const lastHuman = state.messages.findLastIndex((m) => HumanMessage.isInstance(m));
  const scenario = String(state.messages[lastHuman]?.content ?? "").trim();
  const turnsSoFar = state.messages.slice(lastHuman + 1).filter((m) => AIMessage.isInstance(m)).length;
  const reply = script(scenario, state.messages.length)[turnsSoFar] ?? "Done.";
  // Like a provider, the scripted model refuses a history whose calls and results do not pair up.
  const model = new ScriptedChatModel({ responses: [reply] });
  return { messages: [await model.invoke(state.messages)] };
}

const tools = [getWeather, lookupOrder, searchDocs, transferMoney, askHuman, recordVisit];

/** The agent loop: model, then SafeToolNode for as long as the model calls tools. */
function agentGraph(toolNode: SafeToolNode) {
  return new StateGraph(MessagesAnnotation)
    .addNode("agent", agent)
    .addNode("tools", toolNode)
    .addEdge(START, "agent")
    .addConditionalEdges("agent", safeToolsCondition, ["tools", END])
    .addEdge("tools", "agent")
    .compile();
}

/** The deployed agent: `transfer_money` waits for a human's approval (each call then runs as its own task). */
export const graph = agentGraph(new SafeToolNode(tools, { timeoutMs: 2_000, requireApproval: ["transfer_money"] }));

/** The same agent without approvals: calls run directly and their results are journaled (see the README). */
export const journaled = agentGraph(new SafeToolNode(tools, { timeoutMs: 2_000 }));
