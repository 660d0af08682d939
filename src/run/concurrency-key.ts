import type { ToolCall } from "@langchain/core/messages/tool";
import { toolCallOf, type PlannedCall } from "../calls/call.js";
import { CallNotRunError, describeValue } from "../errors.js";

/**
 * The call's key under the user's `concurrencyKey` (calls sharing one run one
 * at a time): a string, undefined for none, or - when the function throws
 * or returns anything else (a Promise included) - the error the call is
 * answered with instead of running. The cause names what went wrong for the
 * developer; the model reads only that the call did not run.
 */
export function concurrencyKeyOf(
  call: PlannedCall,
  keyOf: (call: ToolCall) => unknown,
): string | undefined | CallNotRunError {
  let key: unknown;
  try {
    key = keyOf(toolCallOf(call));
  } catch (thrown) {
    return new CallNotRunError(call, "concurrency_key", { cause: thrown });
  }
  if (key === undefined || typeof key === "string") return key;
  const cause = new TypeError(`concurrencyKey returned ${describeValue(key)}, not a string or undefined`);
  return new CallNotRunError(call, "concurrency_key", { cause });
}
