/**
 * The model response of createAgent that ends the run without its tool
 * node: a structured response (`toolStrategy`). It carries the AIMessage
 * with every call it made but a result for the structured-output call only;
 * the other calls are answered here, as not run. (When the structured output
 * fails to parse, createAgent hands middleware the AIMessage and sends the
 * other calls to its tool node as usual.) A native structured response
 * (`providerStrategy`) is the AIMessage alone: when it holds calls,
 * createAgent runs them and asks the model again, so its turn is only
 * prepared, as a plain model response is.
 */
import { AIMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { copyToolMessage } from "../calls/call.js";
import { CallNotRunError } from "../errors.js";
import { prepareTurn } from "../calls/prepare-turn.js";
import { errorToToolMessage } from "./to-tool-message.js";
import type { ToolErrorHandling } from "../types.js";

export interface EndedTurnContext {
  /** The history before the response, for request-wide ids. */
  history: readonly BaseMessage[];
  /** The tool names the model was given. */
  toolNames: readonly string[];
  handleToolErrors: ToolErrorHandling;
}

/**
 * `list` with its AIMessage prepared (ids, marks) and followed by one result
 * per call in call order: the results the list holds (re-addressed to the
 * prepared ids; the first for a call, others dropped), and for every other
 * call a `CallNotRunError`.
 */
function answerTurnIn(list: readonly unknown[], context: EndedTurnContext): unknown[] {
  const at = list.findIndex(
    (entry) =>
      AIMessage.isInstance(entry) &&
      // Stryker disable next-line OptionalChaining: an AIMessage always holds both lists (its constructor sets [] for none)
      ((entry.tool_calls?.length ?? 0) > 0 || (entry.invalid_tool_calls?.length ?? 0) > 0),
  );
  if (at < 0) return [...list];
  const { ai, calls } = prepareTurn(list[at] as AIMessage, context.history, context.toolNames);
  // A native structured response (providerStrategy) is the AIMessage alone: createAgent sends its calls
  // to the tool node and asks the model again, so the prepared turn goes there like any other.
  if (at === list.length - 1) return [...list.slice(0, at), ai];
  const results = new Map<string, ToolMessage>();
  const rest: unknown[] = [];
  for (const entry of list.slice(at + 1)) {
    // createAgent addresses the structured result to the call's id as the model gave it ("" for none);
    // of calls the model gave one id, the one of the result's name (the structured-output tool) is meant.
    // Only a ToolMessage has a tool_call_id: another entry matches no call.
    const result = entry as ToolMessage;
    const candidates = calls.filter((c) => !results.has(c.id) && (c.originalId ?? "") === result.tool_call_id);
    const call = candidates.find((c) => c.name === result.name) ?? candidates[0];
    if (call) results.set(call.id, copyToolMessage(result, { tool_call_id: call.id, name: result.name || call.name }));
    // a second result for a call, or one for a call the turn does not make, would answer no call where it stands
    else if (!ToolMessage.isInstance(entry)) rest.push(entry);
  }
  const answers = calls.map(
    (call) =>
      results.get(call.id) ?? errorToToolMessage(new CallNotRunError(call, "ended"), call, context.handleToolErrors),
  );
  return [...list.slice(0, at), ai, ...answers, ...rest];
}

/**
 * A response of the model-call chain that is no AIMessage, with the turn it
 * carries answered in full (see the module comment); any other value as it came.
 */
export function answerEndedTurn(response: unknown, context: EndedTurnContext): unknown {
  // createAgent lets only objects through the chain: AIMessages (handled before), Commands and structured
  // responses, of which only a structured response holds a list of messages.
  const messages = (response as { messages?: unknown }).messages;
  if (!Array.isArray(messages)) return response;
  return { ...(response as object), messages: answerTurnIn(messages, context) };
}
