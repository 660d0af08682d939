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
import { isRecord } from "../util/guards.js";
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
 * prepared ids), and for every other call a `CallNotRunError`.
 */
function answerTurnIn(list: readonly unknown[], context: EndedTurnContext): unknown[] {
  const at = list.findIndex(
    (entry) =>
      AIMessage.isInstance(entry) &&
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
    const call = ToolMessage.isInstance(entry)
      ? calls.find((c) => !results.has(c.id) && (c.id === entry.tool_call_id || c.originalId === entry.tool_call_id))
      : undefined;
    if (call)
      results.set(
        call.id,
        copyToolMessage(entry as ToolMessage, {
          tool_call_id: call.id,
          name: (entry as ToolMessage).name || call.name,
        }),
      );
    else rest.push(entry);
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
  if (isRecord(response) && "structuredResponse" in response && Array.isArray(response.messages)) {
    return { ...response, messages: answerTurnIn(response.messages, context) };
  }
  return response;
}
