import { isBaseMessage, ToolMessage } from "@langchain/core/messages";
import { isCommand, type Command } from "@langchain/langgraph";
import { copyToolMessage, toolCallOf, type PlannedCall } from "../calls/call.js";
import { toResultContent } from "./result-content.js";
import { ToolExecutionError, type ToolCallError } from "../errors.js";
import type { CallOutcome } from "../run/execute-tool-call.js";
import type { ToolErrorHandling } from "../types.js";

/**
 * The ToolMessage for a value a tool returned (not a Command). A ToolMessage
 * the tool built itself is passed on as it is (as `ToolNode` does) when it
 * answers this call with usable content and a name (its `status` may be
 * unset, as `ToolNode` leaves it); otherwise a copy keeps its content,
 * artifact and status, re-addressed to this call, named, with usable content.
 */
export function outputToToolMessage(value: unknown, call: PlannedCall): ToolMessage {
  if (ToolMessage.isInstance(value)) {
    const content = toResultContent(value.content);
    if (value.tool_call_id === call.id && value.name && content === value.content) return value;
    return copyToolMessage(value, {
      tool_call_id: call.id,
      name: value.name || call.name,
      content,
      status: value.status ?? "success",
    });
  }
  const content = isBaseMessage(value) ? toResultContent(value.content) : toResultContent(value);
  return new ToolMessage({ content, tool_call_id: call.id, name: call.name, status: "success" });
}

/** The error ToolMessage for a failed call, with the text the options ask for. */
export function errorToToolMessage(
  error: ToolCallError,
  call: PlannedCall,
  handleToolErrors: ToolErrorHandling,
): ToolMessage {
  let text: unknown = error.message;
  if (typeof handleToolErrors === "string") text = handleToolErrors;
  // Stryker disable next-line ConditionalExpression: the only other value is true, and calling it throws into the catch, which keeps the default text
  else if (typeof handleToolErrors === "function") {
    try {
      text = handleToolErrors(error, toolCallOf(call));
    } catch {
      // a broken formatter must not cost the call its answer: the default text stays
    }
  }
  const content = typeof text === "string" && text.trim() !== "" ? text : error.message;
  return new ToolMessage({ content, tool_call_id: call.id, name: call.name, status: "error" });
}

/**
 * A call once it has ended: its ToolMessage (with the typed error when it
 * failed and the node knows why), the Command its tool returned (fitted to
 * the batch later, in assemble-update), or graph control flow to re-throw.
 */
export type SettledCall =
  | { kind: "message"; message: ToolMessage; error?: ToolCallError }
  | { kind: "command"; command: Command }
  | { kind: "control"; thrown: unknown };

/**
 * Turns an outcome into its settled form. Never throws: a returned value
 * that cannot be read (a getter that throws, a revoked Proxy) becomes an
 * error result for this call alone.
 */
export function settleOutcome(
  outcome: CallOutcome,
  call: PlannedCall,
  handleToolErrors: ToolErrorHandling,
): SettledCall {
  if (outcome.kind === "control") return outcome;
  if (outcome.kind === "error")
    return {
      kind: "message",
      message: errorToToolMessage(outcome.error, call, handleToolErrors),
      error: outcome.error,
    };
  try {
    const value = outcome.value;
    if (!ToolMessage.isInstance(value) && isCommand(value)) return { kind: "command", command: value as Command };
    return { kind: "message", message: outputToToolMessage(value, call) };
  } catch (thrown) {
    const error = new ToolExecutionError(call, "it returned a value that could not be read", thrown);
    return { kind: "message", message: errorToToolMessage(error, call, handleToolErrors), error };
  }
}
