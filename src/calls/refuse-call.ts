/**
 * The calls that are answered without running: what the model sent cannot
 * or must not be run as it stands. One place, so that the node, the
 * middleware and history repair give such a call the same error.
 */
import type { PlannedCall } from "./call.js";
import { closestMatch } from "../util/closest-match.js";
import { sanitizeReason } from "../util/describe-error.js";
import {
  CallNotRunError,
  CutOffCallError,
  InvalidToolCallError,
  UnknownToolError,
  type ToolCallError,
} from "../errors.js";

export interface RefusalContext {
  /** Whether a call the token limit may have cut short is refused (`"error"`) or run. */
  cutOffCall: "error" | "run";
  /** The tools that exist (a Map or Set of names); undefined when the caller cannot know (history repair): then only a missing name is refused. */
  tools: { has(name: string): boolean; keys(): Iterable<string> } | undefined;
}

/**
 * The error a call is answered with instead of running: cut off, unparsable,
 * only in the provider's raw form, or naming no tool (or one not in
 * `tools`). Undefined for a call that may run.
 */
export function refuseCall(call: PlannedCall, context: RefusalContext): ToolCallError | undefined {
  if (call.cutOff && context.cutOffCall === "error") return new CutOffCallError(call);
  if (call.invalid) {
    const parseError = call.invalid.error === undefined ? undefined : sanitizeReason(call.invalid.error);
    return new InvalidToolCallError(call, parseError, call.invalid.rawArgs);
  }
  if (call.unlisted) return new CallNotRunError(call, "unlisted");
  const { tools } = context;
  if (call.nameless) return new UnknownToolError(call, tools ? [...tools.keys()] : undefined, undefined);
  if (tools && !tools.has(call.name)) {
    const names = [...tools.keys()];
    return new UnknownToolError(call, names, closestMatch(call.name, names));
  }
  return undefined;
}
