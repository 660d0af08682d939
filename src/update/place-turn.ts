/**
 * Where the turn (the answered AIMessage and one result per call) goes in a
 * message list that a Command writes elsewhere: a parent graph's update, a
 * Send payload, a history rewrite.
 */
import { HumanMessage, ToolMessage, type AIMessage, type BaseMessage } from "@langchain/core/messages";
import { asMessage, type BatchView } from "./batch-view.js";
import { copyToolMessage, type PlannedCall } from "../calls/call.js";
import { rewriteAIMessage } from "../calls/call-carriers.js";
import { shortHash } from "../calls/tool-call-ids.js";

/**
 * One message list of a hand-off that goes to the parent graph: a
 * `messages` entry of a `Command.PARENT` update, or the `messages` of a Send
 * payload in its goto (the Send's target writes them to the parent).
 */
export interface ParentList {
  messages: unknown[];
  /** Where a batch call's result stood in the list before it was taken out. */
  resultAt?: number;
}

/** How {@link placeTurn} places a turn. */
export interface TurnPlacement {
  /** The AIMessage to write; the answered one as the update leaves it by default. */
  ai?: AIMessage;
  /**
   * A list that holds messages of the history but not the AIMessage left
   * the turn out on purpose: `"drop"` it (the default). `"append"` it
   * instead when other tasks write results of the turn after this list
   * (Sends), which need the AIMessage before them.
   */
  leftOut?: "drop" | "append";
}

/**
 * The turn as the parent graph must see it in one list: after the answered
 * AIMessage when the list holds it (`[...state.messages, result]`, as
 * LangGraph's multi-agent docs show); nowhere when the list holds messages
 * of the history but not the AIMessage (the tool left this turn out of the
 * parent's history on purpose; see `leftOut`); else the AIMessage (when it
 * has an id, so the parent's reducer cannot duplicate it) and the results
 * where the result stood.
 */
export function placeTurn(
  list: ParentList,
  results: readonly BaseMessage[],
  view: BatchView,
  placement: TurnPlacement = {},
): void {
  const ai = placement.ai ?? view.ai;
  const aiAt = list.messages.findIndex((entry) => view.isAnsweredAI(entry));
  if (aiAt >= 0) {
    list.messages.splice(aiAt, 1, ai, ...results);
    return;
  }
  if (list.messages.some((entry) => view.inHistory(entry))) {
    // only a share with later siblings in other tasks appends, and those are known from the AIMessage alone
    if (placement.leftOut === "append") list.messages.push(ai!, ...results);
    return;
  }
  const turn = ai?.id !== undefined ? [ai, ...results] : results;
  list.messages.splice(list.resultAt ?? list.messages.length, 0, ...turn);
}

/** True when a list brings the turn to a parent whose history the node cannot see (it holds neither the AIMessage nor any message of the history). */
export function holdsNoHistory(list: ParentList, view: BatchView): boolean {
  return !list.messages.some((entry) => view.isAnsweredAI(entry) || view.inHistory(entry));
}

/**
 * The turn with ids no parent history can already hold. Its ids are unique
 * across the history the node read; a parent that gave this graph a fresh
 * history (a sub-agent run on one task) holds turns of its own, which may
 * use the same ids (`call_0`). So a turn carried to such a parent gets ids
 * made from the AIMessage's message id (64 bits of hash: deterministic, and
 * practically unique), under the same message id, its results re-addressed.
 */
export function withParentIds(
  ai: AIMessage,
  results: readonly BaseMessage[],
): { ai: AIMessage; results: BaseMessage[] } {
  const renamed = new Map<string, string>();
  // Stryker disable next-line ArrayDeclaration: an AIMessage's constructor always makes tool_calls a list
  const calls = (ai.tool_calls ?? []).map((call, index): PlannedCall => {
    // Stryker disable next-line StringLiteral,LogicalOperator: the seed only feeds a hash; ids stay apart by message id and index whatever it holds between them or for the call id
    const seed = [ai.id, index, call.id ?? ""].join("\u0000");
    // Stryker disable next-line StringLiteral: the second hash only adds bits against a collision; ids stay apart by message id and index without its salt
    const salted = shortHash(`\u0001${seed}`);
    const id = `call_${shortHash(seed)}${salted}_${index}`;
    // Stryker disable next-line StringLiteral: no result is addressed to an empty call id (results carry the planned ids), so a call without one is renamed for none
    renamed.set(call.id ?? "", id);
    return { id, name: call.name, args: call.args, originalId: call.id };
  });
  const moved = results.map((message) => {
    const id = ToolMessage.isInstance(message) ? renamed.get(message.tool_call_id) : undefined;
    return id === undefined ? message : copyToolMessage(message as ToolMessage, { tool_call_id: id });
  });
  return { ai: rewriteAIMessage(ai, calls), results: moved };
}

/**
 * In a list that re-sends the history (`[...state.messages, result]`), the
 * ToolMessages that stood after the answered AIMessage are reconciled
 * already: the kept ones are among the batch's results, the strays must not
 * reach the parent.
 */
export function dropReconciled(list: ParentList, view: BatchView): void {
  const aiAt = list.messages.findIndex((entry) => view.isAnsweredAI(entry));
  if (aiAt < 0) return;
  const stale = (entry: unknown) => ToolMessage.isInstance(asMessage(entry)) && view.inHistory(entry);
  // Stryker disable next-line EqualityOperator: the entry at aiAt is the AIMessage itself (takeResult swapped every copy for it), never stale
  const kept = list.messages.filter((entry, index) => index <= aiAt || !stale(entry));
  list.messages.splice(0, list.messages.length, ...kept);
}

/** A message with an id, so that copies of it in several lists are one message in the parent. */
export function withId(message: BaseMessage, id: string): BaseMessage {
  if (message.id !== undefined) return message;
  if (ToolMessage.isInstance(message)) return copyToolMessage(message, { id });
  return new HumanMessage({ content: message.content, id });
}
