/**
 * The checks each fuzz case must pass, exported so that a failing case can
 * be replayed as an ordinary test.
 */
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import {
  Command,
  MemorySaver,
  MessagesAnnotation,
  START,
  StateGraph,
  isCommand,
  messagesStateReducer,
  type Send,
} from "@langchain/langgraph";
import { expect } from "vitest";
import { SafeToolNode, repairToolResults, validateToolResults } from "../../src/index.js";
import { applyOutput, invariantProblems } from "../helpers/invariant.js";
import { sendThroughProviders } from "../helpers/wire.js";
import { buildHistory, fuzzTools, type TurnCase } from "./cases.js";

const node = new SafeToolNode(fuzzTools(), { timeoutMs: 25 });

/**
 * Durable cases run as a parent graph's "team" subgraph, as agents hand off
 * in LangGraph's multi-agent docs: the parent holds the history up to the
 * answered turn; the team writes the turn (the AIMessage and the results
 * already after it) into its own state, then runs the node with a
 * checkpointer. The parent's "elsewhere" node takes hand-offs and writes
 * back what a Send brought it.
 */
const team = new StateGraph(MessagesAnnotation)
  .addNode("turn", (_state, config) => ({ messages: (config.configurable as { turn: BaseMessage[] }).turn }))
  .addNode("tools", node)
  .addEdge(START, "turn")
  .addEdge("turn", "tools")
  .compile();
const parentGraph = new StateGraph(MessagesAnnotation)
  .addNode("team", team, { ends: ["elsewhere"] })
  .addNode("elsewhere", (state) => ({ messages: state.messages }))
  .addEdge(START, "team")
  .compile({ checkpointer: new MemorySaver() });
let threads = 0;

/** The parent's history when a node run hands off: what it held before the turn, with the hand-off's messages applied. */
function parentView(before: readonly BaseMessage[], output: unknown): BaseMessage[] | undefined {
  const parent = (Array.isArray(output) ? output : [output]).find(
    (item) => isCommand(item) && (item as Command).graph === Command.PARENT,
  ) as Command | undefined;
  if (!parent) return undefined;
  let history = [...before];
  for (const [key, value] of parent.update === undefined ? [] : parent._updateAsTuples()) {
    if (key === "messages") history = messagesStateReducer(history, value as BaseMessage[]) as BaseMessage[];
  }
  for (const send of (parent.goto ?? []) as Send[]) {
    const sent = (send as { args?: { messages?: BaseMessage[] } }).args?.messages;
    if (sent) history = messagesStateReducer(history, sent) as BaseMessage[];
  }
  return history;
}

/**
 * The history the agent goes on with after one node run: the node's update
 * applied by LangGraph's reducer, or, on hand-off, the parent's history;
 * durable cases run in the parent graph with a checkpointer.
 */
async function runNode(history: BaseMessage[], aiIndex: number, durable: boolean): Promise<BaseMessage[]> {
  const before = history.slice(0, aiIndex);
  if (durable) {
    const config = { configurable: { thread_id: `fuzz-${++threads}`, turn: history.slice(aiIndex) } };
    return (await parentGraph.invoke({ messages: before }, config)).messages;
  }
  const output = await node.invoke({ messages: history });
  return parentView(before, output) ?? applyOutput(history, output);
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
  const aiIndex = history.map((m) => AIMessage.isInstance(m)).lastIndexOf(true);
  const after = await runNode(history, aiIndex, c.durable);
  expect(invariantProblems(after)).toEqual([]);
  if (c.cutOff) expectLastCallHeldBack(c, after);
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
  { type: "human" } | { type: "ai"; calls: (string | null)[]; invalid: number } | { type: "tool"; id: string };

export function buildMessages(items: readonly HistoryItem[]): BaseMessage[] {
  return items.map((item, k) => {
    if (item.type === "human") return new HumanMessage({ content: `human ${k}`, id: `h${k}` });
    if (item.type === "tool")
      return new ToolMessage({
        content: `result ${k}`,
        tool_call_id: item.id,
        name: "strict",
        status: "success",
        id: `t${k}`,
      });
    const calls = item.calls.map((id, j) => ({
      type: "tool_call" as const,
      id: id ?? undefined,
      name: "strict",
      args: { n: j },
    }));
    const invalid = calls.splice(0, Math.min(item.invalid, calls.length)).map((call) => ({
      type: "invalid_tool_call" as const,
      id: call.id,
      name: call.name,
      args: "{",
      error: "Unexpected end of JSON input",
    }));
    return new AIMessage({
      content: calls.length || invalid.length ? "" : `ai ${k}`,
      id: `a${k}`,
      tool_calls: calls,
      invalid_tool_calls: invalid,
    });
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
  // Bedrock wants a conversation to start with the user's turn, whatever its pairing: generated histories may not.
  await expectAccepted(HumanMessage.isInstance(repaired[0]) ? repaired : [new HumanMessage("start"), ...repaired]);
  const again = repairToolResults(repaired);
  expect(again).toEqual(repaired);
  if (validateToolResults(history).length === 0) history.forEach((m, i) => expect(repaired[i]).toBe(m));
  // what was already valid about each AIMessage is kept: same message ids, in the same order
  const aiIds = (list: readonly BaseMessage[]) => list.filter((m) => AIMessage.isInstance(m)).map((m) => m.id);
  expect(aiIds(repaired)).toEqual(aiIds(history));
}

/**
 * The call of a cut-off turn that must be held back: the last one the model
 * generated, as the message records that order (raw OpenAI calls, stored
 * Responses items, content blocks), else the last of `tool_calls`.
 */
function heldBack(c: TurnCase): TurnCase["calls"][number] | undefined {
  if (c.shape === "plain") return c.calls.filter((s) => !s.invalid).at(-1) ?? c.calls.at(-1);
  if (c.shape === "responses")
    return [...c.calls.filter((s) => !s.invalid), ...c.calls.filter((s) => s.invalid)].at(-1);
  return c.calls.at(-1);
}

/** In a cut-off turn, the held-back call (when no result for it existed before) was answered without running. */
function expectLastCallHeldBack(c: TurnCase, after: readonly BaseMessage[]): void {
  const held = heldBack(c);
  if (!held || (held.id !== null && c.answered.includes(held.id))) return;
  const texts = after.filter((m): m is ToolMessage => ToolMessage.isInstance(m)).map((m) => String(m.content));
  expect(texts.some((text) => /cut off by the output token limit/.test(text))).toBe(true);
}
