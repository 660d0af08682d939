/**
 * The checks each fuzz case must pass, exported so that a failing case can
 * be replayed as an ordinary test.
 */
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { MemorySaver, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { expect } from "vitest";
import { SafeToolNode, repairToolResults, validateToolResults } from "../../src/index.js";
import { applyOutput, invariantProblems } from "../helpers/invariant.js";
import { sendThroughProviders } from "../helpers/wire.js";
import { buildHistory, fuzzTools, type TurnCase } from "./cases.js";

const node = new SafeToolNode(fuzzTools(), { timeoutMs: 25 });
const durableGraph = new StateGraph(MessagesAnnotation)
  .addNode("tools", node)
  .addEdge(START, "tools")
  .compile({ checkpointer: new MemorySaver() });
let threads = 0;

/** The history after one node run: applied by LangGraph's reducer directly, or by a checkpointed graph. */
async function runNode(history: BaseMessage[], durable: boolean): Promise<BaseMessage[]> {
  if (!durable) return applyOutput(history, await node.invoke({ messages: history }));
  const state = await durableGraph.invoke({ messages: history }, { configurable: { thread_id: `fuzz-${++threads}` } });
  return state.messages;
}

async function expectAccepted(history: readonly BaseMessage[]): Promise<void> {
  const rejected = (await sendThroughProviders(history)).filter((r) => r.error);
  expect(rejected).toEqual([]);
}

/**
 * One generated turn: the node's update, applied through LangGraph's
 * messages reducer, leaves a history that keeps the invariant and that all
 * four real clients get accepted; running the node again changes nothing;
 * and repairToolResults then leaves it valid everywhere, idempotently.
 */
export async function checkTurn(c: TurnCase): Promise<void> {
  const history = buildHistory(c);
  const after = await runNode(history, c.durable);
  expect(invariantProblems(after)).toEqual([]);
  // Ids reused from earlier turns get new ones: every provider accepts the history, Anthropic's request-wide rule included.
  await expectAccepted(after);
  expect(validateToolResults(after)).toEqual([]);

  const again = applyOutput(after, await node.invoke({ messages: after }));
  expect(again.map((m) => m.id)).toEqual(after.map((m) => m.id));

  const repaired = repairToolResults(after);
  expect(validateToolResults(repaired)).toEqual([]);
  await expectAccepted(repaired);
  expect(repairToolResults(repaired)).toEqual(repaired);
}

/** A message of a generated (possibly broken) history. */
export type HistoryItem =
  | { type: "human" }
  | { type: "ai"; calls: (string | null)[]; invalid: number }
  | { type: "tool"; id: string };

export function buildMessages(items: readonly HistoryItem[]): BaseMessage[] {
  return items.map((item, k) => {
    if (item.type === "human") return new HumanMessage({ content: `human ${k}`, id: `h${k}` });
    if (item.type === "tool") return new ToolMessage({ content: `result ${k}`, tool_call_id: item.id, name: "strict", status: "success", id: `t${k}` });
    const calls = item.calls.map((id, j) => ({ type: "tool_call" as const, id: id ?? undefined, name: "strict", args: { n: j } }));
    const invalid = calls.splice(0, Math.min(item.invalid, calls.length)).map((call) => ({
      type: "invalid_tool_call" as const,
      id: call.id,
      name: call.name,
      args: "{",
      error: "Unexpected end of JSON input",
    }));
    return new AIMessage({ content: calls.length || invalid.length ? "" : `ai ${k}`, id: `a${k}`, tool_calls: calls, invalid_tool_calls: invalid });
  });
}

/**
 * One generated history, broken in any way: repairToolResults makes it
 * valid on the wire, changes nothing more on a second pass, and leaves a
 * valid history exactly as it was.
 */
export async function checkRepair(items: readonly HistoryItem[]): Promise<void> {
  const history = buildMessages(items);
  const repaired = repairToolResults(history);
  expect(invariantProblems(repaired)).toEqual([]);
  expect(validateToolResults(repaired)).toEqual([]);
  await expectAccepted(repaired);
  const again = repairToolResults(repaired);
  expect(again).toEqual(repaired);
  if (validateToolResults(history).length === 0) history.forEach((m, i) => expect(repaired[i]).toBe(m));
  // what was already valid about each AIMessage is kept: same message ids, in the same order
  const aiIds = (list: readonly BaseMessage[]) => list.filter((m) => AIMessage.isInstance(m)).map((m) => m.id);
  expect(aiIds(repaired)).toEqual(aiIds(history));
}
