import { AIMessage, ToolMessage, isBaseMessage, type BaseMessage } from "@langchain/core/messages";
import { NO_MARK, callMarkOf } from "../calls/call.js";
import { InvalidNodeInputError } from "../errors.js";
import { planCalls } from "../calls/plan-tool-calls.js";
import { CallIdAllocator, PROVIDER_ID_PATTERN } from "../calls/tool-call-ids.js";
import { isUsableContent } from "../update/result-content.js";

/**
 * Which pairing rule a {@link ToolResultProblem} breaks.
 *
 * @example
 * ```ts
 * const missing = validateToolResults(messages).filter((p) => p.kind === "missing_result");
 * ```
 */
export type ToolResultProblemKind =
  /** A call has no ToolMessage (a crash or a cancel mid-tool). */
  | "missing_result"
  /** A call's ToolMessage exists, but not in the run of results directly after its AIMessage. */
  | "separated_result"
  /** A second ToolMessage for a call that already has one. */
  | "duplicate_result"
  /** A ToolMessage that answers no call of the AIMessage before it. */
  | "orphan_result"
  /** Results directly after an AIMessage, but not in call order. */
  | "out_of_order"
  /** A call the model's output parser could not read (an `InvalidToolCall`). */
  | "invalid_call"
  /** A call that only a content block, a stored Responses item or a raw OpenAI call carries (no `tool_calls` entry). */
  | "untracked_call"
  /** A call whose tool name is empty or missing (providers reject it). */
  | "missing_call_name"
  /** A call without an id. */
  | "missing_call_id"
  /** A call id that a provider rejects: it must match `^[a-zA-Z0-9_-]{1,40}$` (Anthropic's pattern, OpenAI's length). */
  | "malformed_call_id"
  /** Two calls of one AIMessage with the same id. */
  | "duplicate_call_id"
  /** A call id that an earlier AIMessage already used (Anthropic requires unique ids per request). */
  | "reused_call_id"
  /**
   * A ToolMessage whose content a provider rejects: empty or blank text
   * (Bedrock), an empty list or one holding something that is not a
   * content block (OpenAI). Media in a result are not counted here (see `resultMedia`).
   */
  | "unusable_result_content";

/**
 * One broken pairing rule.
 *
 * @example
 * ```ts
 * // { kind: "missing_result", messageIndex: 3, toolCallId: "call_7",
 * //   message: 'messages[3]: call "call_7" (search) has no result' }
 * ```
 */
export interface ToolResultProblem {
  /** The rule broken. */
  kind: ToolResultProblemKind;
  /** Index in the list of the AIMessage (call problems) or of the ToolMessage (result problems). */
  messageIndex: number;
  /** The call id concerned, as it stands in the history (undefined when the call has none). */
  toolCallId: string | undefined;
  /** A sentence naming the index, the id and the rule. */
  message: string;
}

function checkList(messages: unknown): readonly BaseMessage[] {
  if (!Array.isArray(messages)) throw new InvalidNodeInputError("validateToolResults: expected a list of messages.");
  messages.forEach((m, i) => {
    if (!isBaseMessage(m)) throw new InvalidNodeInputError(`validateToolResults: messages[${i}] is not a message.`);
  });
  return messages as readonly BaseMessage[];
}

/** A call as it stands in the history, with the planner's view of it. */
interface StandingCall {
  aiIndex: number;
  id: string | undefined;
  name: string;
}

/**
 * Every way `messages` breaks the rule that each tool call has exactly one
 * result directly after its AIMessage, in call order, and each result has
 * its call - judged on the calls as the provider converters will send them.
 * Empty when the history is valid. Reads the list once.
 *
 * @example
 * ```ts
 * import { validateToolResults } from "safe-tool-node";
 * const problems = validateToolResults(state.messages);
 * for (const p of problems) console.warn(p.message);
 * ```
 */
export function validateToolResults(messages: readonly BaseMessage[]): ToolResultProblem[] {
  const list = checkList(messages);
  const problems: ToolResultProblem[] = [];
  const report = (kind: ToolResultProblemKind, messageIndex: number, toolCallId: string | undefined, text: string) =>
    problems.push({ kind, messageIndex, toolCallId, message: `messages[${messageIndex}]: ${text}` });
  const usedEarlier = new Set<string>();
  // Calls of the AIMessage currently being answered, by id, and which are answered.
  let open:
    | { aiIndex: number; calls: StandingCall[]; answered: Set<number>; runOpen: boolean; lastPosition: number }
    | undefined;
  // Calls of every AIMessage so far whose result is still missing, by id (to tell separated from orphan).
  // A call without an id is waited for under undefined, as a result without one answers it (an empty id does not).
  const unanswered = new Map<string | undefined, StandingCall[]>();

  const closeTurn = () => {
    if (!open) return;
    for (const [position, call] of open.calls.entries()) {
      if (open.answered.has(position)) continue;
      const waiting = unanswered.get(call.id) ?? [];
      waiting.push(call);
      unanswered.set(call.id, waiting);
    }
    open = undefined;
  };

  list.forEach((message, index) => {
    if (AIMessage.isInstance(message)) {
      closeTurn();
      // Stryker disable next-line LogicalOperator: only the seed of made ids, and this check reads the ids the model gave
      const { calls } = planCalls(message, new CallIdAllocator(message.id ?? String(index)));
      const seenHere = new Set<string>();
      for (const call of calls) {
        const id = call.originalId;
        const tool = call.nameless ? "no tool name" : call.name;
        const label = id === undefined ? `a call to "${tool}"` : `call "${id}" (${tool})`;
        // A prepared turn's marked call is a proper tool_calls entry: the node answers it without running it.
        const marked =
          call.toolCallsIndex !== undefined && callMarkOf(message.tool_calls![call.toolCallsIndex]!) !== NO_MARK;
        if (call.invalid && !marked)
          report("invalid_call", index, id, `${label} could not be parsed and is not answerable as it stands`);
        else if (call.toolCallsIndex === undefined)
          report("untracked_call", index, id, `${label} is sent by the converters but is not in tool_calls`);
        if (call.nameless && !marked) report("missing_call_name", index, id, `${label} has no tool name`);
        if (id === undefined) report("missing_call_id", index, id, `${label} has no id`);
        else if (!PROVIDER_ID_PATTERN.test(id))
          report("malformed_call_id", index, id, `${label} has an id that does not match ^[a-zA-Z0-9_-]{1,40}$`);
        else if (seenHere.has(id)) report("duplicate_call_id", index, id, `${label} repeats an id of the same message`);
        else if (usedEarlier.has(id))
          report("reused_call_id", index, id, `${label} reuses an id of an earlier message`);
        // Stryker disable next-line ConditionalExpression: an undefined entry is never looked up (has() is asked only for ids)
        if (id !== undefined) seenHere.add(id);
      }
      for (const id of seenHere) usedEarlier.add(id);
      const standing = calls.map((call) => ({
        aiIndex: index,
        id: call.originalId,
        name: call.nameless ? "no tool name" : call.name,
      }));
      // Stryker disable next-line ConditionalExpression: an open turn without calls answers no result, as no open turn does
      open = standing.length
        ? { aiIndex: index, calls: standing, answered: new Set(), runOpen: true, lastPosition: -1 }
        : undefined;
      return;
    }
    if (!ToolMessage.isInstance(message)) {
      if (open) open.runOpen = false;
      return;
    }
    const id = message.tool_call_id;
    if (!isUsableContent(message.content))
      report("unusable_result_content", index, id, `the result for call "${id}" has content a provider rejects`);
    const turn = open;
    if (turn && turn.calls.some((call) => call.id === id)) {
      // the first call with this id that has no result yet (ids may repeat)
      const position = turn.calls.findIndex((call, k) => call.id === id && !turn.answered.has(k));
      if (position < 0) {
        report("duplicate_result", index, id, `a second result for call "${id}"`);
        return;
      }
      turn.answered.add(position);
      if (!turn.runOpen) {
        report(
          "separated_result",
          index,
          id,
          `the result for call "${id}" is separated from its AIMessage (messages[${turn.aiIndex}]) by other messages`,
        );
      }
      // Stryker disable next-line EqualityOperator: position is a call without a result, lastPosition one with: never equal
      else if (position < turn.lastPosition)
        report("out_of_order", index, id, `the result for call "${id}" comes after the result of a later call`);
      turn.lastPosition = Math.max(turn.lastPosition, position);
      return;
    }
    const waiting = unanswered.get(id);
    const owner = waiting?.shift();
    if (owner) {
      report(
        "separated_result",
        index,
        id,
        `the result for call "${id}" is separated from its AIMessage (messages[${owner.aiIndex}]) by other messages`,
      );
      return;
    }
    report("orphan_result", index, id, `a result for call "${id}", which no AIMessage before it made`);
  });
  closeTurn();
  for (const calls of unanswered.values()) {
    for (const call of calls) {
      const label = call.id === undefined ? `a call to "${call.name}"` : `call "${call.id}" (${call.name})`;
      report("missing_result", call.aiIndex, call.id, `${label} has no result`);
    }
  }
  return problems.sort((a, b) => a.messageIndex - b.messageIndex);
}
