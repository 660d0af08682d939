/**
 * `safe-tool-node/middleware`: SafeToolNode's guarantees for agents built
 * with LangChain's `createAgent`. Kept out of the package root so that
 * `langchain` stays an optional peer dependency.
 */
import { AIMessage, RemoveMessage, type BaseMessage } from "@langchain/core/messages";
import { REMOVE_ALL_MESSAGES, isCommand } from "@langchain/langgraph";
import { createMiddleware } from "langchain";
import { isGraphControlFlow } from "./control-flow.js";
import { describeThrown } from "./describe-error.js";
import { isRecord } from "./guards.js";
import { InvalidOptionsError, InvalidToolCallError, ToolExecutionError, ToolTimeoutError, type ToolCallError } from "./errors.js";
import type { PlannedCall } from "./call.js";
import { findAnsweredAI, planCalls } from "./plan-tool-calls.js";
import { repairToolResults } from "./repair-tool-results.js";
import { CallIdAllocator } from "./tool-call-ids.js";
import { errorToToolMessage, outputToToolMessage } from "./to-tool-message.js";
import type { ToolErrorHandler } from "./types.js";
import { validateToolResults } from "./validate-tool-results.js";

/**
 * Options of {@link safeToolMiddleware}; they mean what the
 * {@link SafeToolNodeOptions} of the same names mean.
 *
 * @example
 * ```ts
 * safeToolMiddleware({ timeoutMs: 30_000, handleToolErrors: (error) => error.message });
 * ```
 */
export interface SafeToolMiddlewareOptions {
  /** How a failed call is described to the model. Default: the built-in texts. */
  handleToolErrors?: true | string | ToolErrorHandler;
  /** Per-call timeout in milliseconds. Default: none. */
  timeoutMs?: number;
  /** Repair the history before each model call when a provider would reject it. Default `true`. */
  repairBeforeModel?: boolean;
}

/** Where the corrected AIMessage keeps the parser errors of its invalid calls, by call id. */
const INVALID_CALLS_KEY = "safe_tool_node_invalid_calls";

function asFailedCall(call: { id?: string; name: string; args?: unknown }): PlannedCall {
  const args = isRecord(call.args) ? call.args : {};
  return { id: call.id ?? "", name: call.name, args, originalId: call.id };
}

/**
 * A `createAgent` middleware with SafeToolNode's guarantees:
 * - after each model call, an AIMessage whose calls would not pair up with
 *   their results (invalid calls, missing or duplicate ids) is corrected in
 *   place, so that every call - invalid ones included - reaches the tool
 *   node and is answered;
 * - each tool call is wrapped: errors, unknown tools, invalid calls and
 *   timeouts become one error ToolMessage for that call (no stack traces),
 *   odd return values become valid content, and graph control flow
 *   (`interrupt()`, `ParentCommand`) passes through untouched;
 * - before each model call, a history that a provider would reject (a call
 *   left without a result by another middleware, a crash, trimming) is
 *   repaired with {@link repairToolResults}.
 *
 * @example
 * ```ts
 * import { createAgent } from "langchain";
 * import { safeToolMiddleware } from "safe-tool-node/middleware";
 *
 * const agent = createAgent({ model, tools, middleware: [safeToolMiddleware({ timeoutMs: 30_000 })] });
 * ```
 */
export function safeToolMiddleware(options: SafeToolMiddlewareOptions = {}) {
  const handler = options.handleToolErrors ?? true;
  if ((handler as unknown) === false) throw new InvalidOptionsError("safeToolMiddleware: handleToolErrors: false is not supported.");
  const timeoutMs = options.timeoutMs;
  if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new InvalidOptionsError(`safeToolMiddleware: timeoutMs must be positive, received ${String(timeoutMs)}.`);
  const errorMessage = (error: ToolCallError, call: PlannedCall) => errorToToolMessage(error, call, handler);

  return createMiddleware({
    name: "SafeToolMiddleware",

    afterModel: (state: { messages: BaseMessage[] }) => {
      const index = findAnsweredAI(state.messages);
      if (index < 0) return undefined;
      const ai = state.messages[index] as AIMessage;
      const { calls, corrected } = planCalls(ai, new CallIdAllocator(ai.id ?? ""));
      if (!corrected) return undefined;
      const invalid = Object.fromEntries(calls.filter((c) => c.invalid).map((c) => [c.id, c.invalid!.error ?? "invalid JSON"]));
      const marked = new AIMessage({
        content: corrected.content,
        id: corrected.id,
        name: corrected.name,
        additional_kwargs: { ...corrected.additional_kwargs, [INVALID_CALLS_KEY]: invalid },
        response_metadata: corrected.response_metadata,
        usage_metadata: corrected.usage_metadata,
        tool_calls: corrected.tool_calls,
        invalid_tool_calls: [],
      });
      return { messages: [marked] };
    },

    wrapToolCall: async (request, next) => {
      const call = asFailedCall(request.toolCall);
      // The AIMessage being answered: a tail scan, not a copy of the history per call.
      const ai = request.state.messages[findAnsweredAI(request.state.messages)] as AIMessage | undefined;
      const invalid = (ai?.additional_kwargs?.[INVALID_CALLS_KEY] as Record<string, string> | undefined)?.[call.id];
      if (invalid !== undefined) return errorMessage(new InvalidToolCallError(call, invalid, undefined), call);
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const running = Promise.resolve(next(request));
        const result = timeoutMs === undefined
          ? await running
          : await Promise.race([
              running,
              new Promise<never>((_, reject) => {
                timer = setTimeout(() => reject(new ToolTimeoutError(call, timeoutMs)), timeoutMs);
              }),
            ]);
        if (isCommand(result)) return result;
        return outputToToolMessage(result, call);
      } catch (thrown) {
        if (isGraphControlFlow(thrown)) throw thrown;
        if (ToolTimeoutError.isInstance(thrown)) return errorMessage(thrown, call);
        return errorMessage(new ToolExecutionError(call, describeThrown(thrown), thrown), call);
      } finally {
        if (timer !== undefined) clearTimeout(timer);
      }
    },

    beforeModel: (state: { messages: BaseMessage[] }) => {
      if (options.repairBeforeModel === false) return undefined;
      if (validateToolResults(state.messages).length === 0) return undefined;
      return { messages: [new RemoveMessage({ id: REMOVE_ALL_MESSAGES }), ...repairToolResults(state.messages)] };
    },

    // Some middleware jump straight to the model (human-in-the-loop after a
    // rejection), past beforeModel: the request itself is repaired too.
    wrapModelCall: (request, next) => {
      if (options.repairBeforeModel === false || validateToolResults(request.messages).length === 0) return next(request);
      return next({ ...request, messages: repairToolResults(request.messages) });
    },
  });
}

/**
 * For `toolRetryMiddleware({ retryOn })`: retry every error except graph
 * control flow. With its default, `toolRetryMiddleware` catches the
 * `GraphInterrupt` of `interrupt()` and turns it into a failure.
 *
 * @example
 * ```ts
 * toolRetryMiddleware({ retryOn: isRetryableToolError, onFailure: "raise" });
 * ```
 */
export function isRetryableToolError(error: unknown): boolean {
  return !isGraphControlFlow(error);
}
