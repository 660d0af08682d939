import { AIMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { copyToolMessage, type PlannedCall } from "../calls/call.js";
import { planCalls } from "../calls/plan-tool-calls.js";
import { CallIdAllocator } from "../calls/tool-call-ids.js";
import { refuseCall } from "../calls/refuse-call.js";
import { validateToolResults } from "./validate-tool-results.js";
import { isUsableContent, toResultContent } from "../update/result-content.js";

/**
 * Options of {@link repairToolResults}.
 *
 * @example
 * ```ts
 * repairToolResults(messages, {
 *   missingResult: (call) => `No result was recorded for ${call.name}; check before retrying.`,
 * });
 * ```
 */
export interface RepairOptions {
  /**
   * The content of the error ToolMessage that fills a missing result.
   * Default: says the outcome is unknown and asks to check before retrying.
   */
  missingResult?: string | ((call: { id: string; name: string; args: Record<string, unknown> }) => string);
}

function defaultMissingResult(call: { name: string }): string {
  return (
    `Error: the result of tool "${call.name}" is unknown: the call was interrupted before it returned ` +
    `(for example by a crash or a cancellation). Check whether it took effect before calling it again.`
  );
}

interface Turn {
  ai: AIMessage;
  calls: PlannedCall[];
  corrected: AIMessage | undefined;
  results: (ToolMessage | undefined)[];
}

/**
 * A valid copy of `messages`: every AIMessage is followed directly by
 * exactly one result per call, in call order.
 * - Missing results are filled with error ToolMessages saying the outcome
 *   is unknown (never `status: "success"`); a call that nothing could have
 *   run (unparsable, nameless, only in the raw payload) gets the error the
 *   node gives it.
 * - Results separated from their AIMessage, or out of call order, are
 *   moved into place; the messages between move after them.
 * - Duplicate results are dropped (the first is kept), and so are orphans
 *   (results whose call is in no AIMessage before them).
 * - A result whose content a provider rejects (empty or blank text, an
 *   empty list) gets content it takes, as the node writes it: `(no output)`.
 * - AIMessages whose calls the converters would send unpaired (invalid
 *   calls, missing, malformed, duplicate or reused ids) are replaced by a
 *   corrected copy under the same message id; their results follow the ids.
 *
 * A valid history is returned unchanged (same message objects), and
 * repairing a repaired history changes nothing. Reads the list twice.
 *
 * @example
 * ```ts
 * import { repairToolResults } from "safe-tool-node";
 * const callModel = async (state: typeof MessagesAnnotation.State) => ({
 *   messages: [await model.invoke(repairToolResults(state.messages))],
 * });
 * ```
 */
export function repairToolResults(messages: readonly BaseMessage[], options: RepairOptions = {}): BaseMessage[] {
  // Stryker disable next-line ConditionalExpression: a shortcut; the repair below also returns a valid history's messages as they are
  if (validateToolResults(messages).length === 0) return [...messages];

  // Plan every AIMessage's calls with one shared id set, so ids are unique
  // across the whole request.
  const used = new Set<string>();
  const turns = new Map<number, Turn>();
  messages.forEach((message, index) => {
    if (!AIMessage.isInstance(message)) return;
    // Stryker disable next-line StringLiteral,LogicalOperator: the seed of made ids for an AIMessage without a message id; ids stay valid and unique (used)
    const { calls, corrected } = planCalls(message, new CallIdAllocator(message.id ?? `message-${index}`, used));
    turns.set(index, { ai: message, calls, corrected, results: calls.map(() => undefined) });
  });

  // Give each ToolMessage to the call it answers. When the last AIMessage
  // before it made a call with its id, only that turn may claim it (as
  // validateToolResults counts it: a second result for such a call is a
  // duplicate, even if an earlier turn used the id too). Else the latest
  // earlier call: by the id the call now has, else by the id it had before
  // repair.
  const claim = (turn: Turn, match: (call: PlannedCall) => boolean) =>
    turn.calls.findIndex((call, k) => !turn.results[k] && match(call));
  const earlierTurns: Turn[] = [];
  messages.forEach((message, index) => {
    const turn = turns.get(index);
    if (turn) {
      earlierTurns.push(turn);
      return;
    }
    if (!ToolMessage.isInstance(message)) return;
    const id = message.tool_call_id;
    const latest = earlierTurns.length - 1;
    const stop = earlierTurns[latest]?.calls.some((call) => call.originalId === id) ? latest : 0;
    for (const match of [(call: PlannedCall) => call.id === id, (call: PlannedCall) => call.originalId === id]) {
      for (let t = latest; t >= stop; t--) {
        const candidate = earlierTurns[t]!;
        const k = claim(candidate, match);
        if (k < 0) continue;
        const call = candidate.calls[k]!;
        const content = isUsableContent(message.content) ? message.content : toResultContent(message.content);
        candidate.results[k] =
          id === call.id && content === message.content
            ? message
            : copyToolMessage(message, { tool_call_id: call.id, name: message.name || call.name, content });
        return;
      }
    }
    // no call claims it: an orphan, dropped
  });

  const text = options.missingResult ?? defaultMissingResult;
  const repaired: BaseMessage[] = [];
  messages.forEach((message, index) => {
    const turn = turns.get(index);
    if (!turn) {
      if (!ToolMessage.isInstance(message)) repaired.push(message);
      return;
    }
    repaired.push(turn.corrected ?? turn.ai);
    turn.calls.forEach((call, k) => {
      const result = turn.results[k];
      if (result) {
        repaired.push(result);
        return;
      }
      // A call nothing could have run (unparsable, nameless, raw-only) gets the node's answer for it, not "outcome
      // unknown"; so does a cut-off call that is unparsable too. A cut-off call that parsed may have run (`cutOffCall: "run"`).
      const refusal =
        options.missingResult === undefined && (call.invalid || !call.cutOff)
          ? refuseCall(call, { cutOffCall: "error", tools: undefined })
          : undefined;
      repaired.push(
        new ToolMessage({
          id: `repaired-${call.id}`,
          tool_call_id: call.id,
          name: call.name,
          status: "error",
          content: refusal
            ? refusal.message
            : typeof text === "string"
              ? text
              : text({ id: call.id, name: call.name, args: call.args }),
        }),
      );
    });
  });
  return repaired;
}
