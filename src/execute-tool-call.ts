import type { ToolCall } from "@langchain/core/messages/tool";
import type { RunnableConfig } from "@langchain/core/runnables";
import { ToolInputParsingException } from "@langchain/core/tools";
import { isGraphControlFlow } from "./control-flow.js";
import { argumentIssues, describeThrown, sanitizeReason } from "./describe-error.js";
import {
  InvalidToolArgumentsError,
  InvalidToolCallError,
  ToolCancelledError,
  ToolExecutionError,
  ToolRejectedError,
  ToolTimeoutError,
  UnknownToolError,
  type ToolCallError,
} from "./errors.js";
import { interrupt } from "@langchain/langgraph";
import { closestMatch } from "./closest-match.js";
import type { PlannedCall } from "./plan-tool-calls.js";
import type { ApprovalRequest, SafeTool, SafeToolRuntime } from "./types.js";

/** How one call ended. Never a rejected promise. */
export type CallOutcome =
  | { kind: "output"; value: unknown }
  | { kind: "error"; error: ToolCallError }
  /** Graph control flow (an interrupt, a parent command): re-thrown once the batch settles. */
  | { kind: "control"; thrown: unknown };

/** The config LangGraph hands a node, with the fields tools read from it. */
export type NodeConfig = RunnableConfig & {
  context?: unknown;
  store?: unknown;
  writer?: unknown;
};

/** What every call of one node run shares. */
export interface ExecutionContext {
  tools: ReadonlyMap<string, SafeTool>;
  config: NodeConfig;
  state: unknown;
  timeoutMs(toolName: string): number | undefined;
  /** The id of the AIMessage being answered, for idempotency keys. */
  aiMessageId: string | undefined;
  /** True when the call must be approved by a human before it runs. */
  needsApproval(call: PlannedCall): boolean;
}

/** `<thread_id>:<AIMessage id>:<tool_call_id>`: the same for every attempt at one call. */
export function idempotencyKey(context: ExecutionContext, call: PlannedCall): string {
  const thread = context.config.configurable?.thread_id;
  return `${thread === undefined ? "no-thread" : String(thread)}:${context.aiMessageId ?? "no-message"}:${call.id}`;
}

/**
 * Asks for approval with `interrupt()` and reads the answer: the call to run
 * (its arguments possibly edited), or the rejection that answers it.
 * On the first run the interrupt is thrown (graph control flow).
 */
function approve(call: PlannedCall, context: ExecutionContext): PlannedCall | ToolRejectedError {
  const request: ApprovalRequest = {
    type: "tool_approval",
    toolCall: { id: call.id, name: call.name, args: call.args },
    idempotencyKey: idempotencyKey(context, call),
  };
  const decision: unknown = interrupt(request);
  const type = typeof decision === "string" ? decision : (decision as { type?: unknown } | null)?.type;
  if (type === "approve") return call;
  const edited = (decision as { args?: unknown } | null)?.args;
  if (type === "edit" && typeof edited === "object" && edited !== null && !Array.isArray(edited)) {
    return { ...call, args: edited as Record<string, unknown> };
  }
  const message = (decision as { message?: unknown } | null)?.message;
  if (type === "reject") return new ToolRejectedError(call, typeof message === "string" ? sanitizeReason(message) : undefined);
  return new ToolRejectedError(call, "the answer to the approval request was not understood");
}

export function toolCallOf(call: PlannedCall): ToolCall {
  return { type: "tool_call", id: call.id, name: call.name, args: call.args };
}

function schemaErrorOutcome(tool: SafeTool, call: PlannedCall, thrown: unknown): CallOutcome {
  const fallback = describeThrown(thrown);
  const issues = argumentIssues((tool as { schema?: unknown }).schema, call.args, fallback);
  return { kind: "error", error: new InvalidToolArgumentsError(call, issues, { cause: thrown }) };
}

/**
 * Core raises `ToolInputParsingException` (whose `name` is just "Error") when
 * arguments fail the schema. Recognised by class, or by shape for errors from
 * another copy of `@langchain/core`.
 */
function isSchemaError(thrown: unknown): boolean {
  if (thrown instanceof ToolInputParsingException) return true;
  const candidate = thrown as { name?: unknown; message?: unknown } | null;
  return (
    candidate?.name === "ToolInputParsingException" ||
    (typeof candidate?.message === "string" && candidate.message.startsWith("Received tool input did not match expected schema"))
  );
}

function classifyThrown(tool: SafeTool, call: PlannedCall, thrown: unknown): CallOutcome {
  if (isGraphControlFlow(thrown)) return { kind: "control", thrown };
  if (isSchemaError(thrown)) return schemaErrorOutcome(tool, call, thrown);
  return { kind: "error", error: new ToolExecutionError(call, describeThrown(thrown), thrown) };
}

/**
 * Runs one call to completion, timeout or cancellation, and settles every
 * failure into an outcome. The tool gets an `AbortSignal` (as
 * `runtime.signal`) that fires on its timeout and when the run's own
 * `config.signal` fires; a tool that ignores it is simply no longer awaited.
 */
export async function executeToolCall(call: PlannedCall, context: ExecutionContext): Promise<CallOutcome> {
  if (call.invalid) {
    const parseError = call.invalid.error === undefined ? undefined : sanitizeReason(call.invalid.error);
    return { kind: "error", error: new InvalidToolCallError(call, parseError, call.invalid.rawArgs) };
  }
  const tool = context.tools.get(call.name);
  if (!tool) {
    const names = [...context.tools.keys()];
    return { kind: "error", error: new UnknownToolError(call, names, closestMatch(call.name, names)) };
  }

  if (context.needsApproval(call)) {
    let approved: PlannedCall | ToolRejectedError;
    try {
      approved = approve(call, context);
    } catch (thrown) {
      return classifyThrown(tool, call, thrown);
    }
    if (approved instanceof ToolRejectedError) return { kind: "error", error: approved };
    call = approved;
  }

  const runSignal = context.config.signal;
  if (runSignal?.aborted) return { kind: "error", error: new ToolCancelledError(call, { cause: runSignal.reason }) };

  const controller = new AbortController();
  const timeoutMs = context.timeoutMs(call.name);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const stopped = new Promise<CallOutcome>((resolve) => {
    controller.signal.addEventListener(
      "abort",
      () =>
        resolve({
          kind: "error",
          error: timedOut ? new ToolTimeoutError(call, timeoutMs!) : new ToolCancelledError(call, { cause: runSignal?.reason }),
        }),
      { once: true },
    );
  });
  const onRunAbort = (): void => controller.abort(runSignal?.reason);
  runSignal?.addEventListener("abort", onRunAbort, { once: true });
  if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new ToolTimeoutError(call, timeoutMs));
    }, timeoutMs);
  }

  const { config } = context;
  const toolConfig = { ...config, signal: controller.signal };
  const runtime: SafeToolRuntime = {
    ...toolConfig,
    idempotencyKey: idempotencyKey(context, call),
    state: context.state,
    toolCallId: call.id,
    toolCall: toolCallOf(call),
    config: toolConfig,
    context: config.context,
    store: (config.store ?? null) as SafeToolRuntime["store"],
    writer: (config.writer ?? config.configurable?.writer ?? null) as SafeToolRuntime["writer"],
  };

  const run = (async (): Promise<CallOutcome> => {
    try {
      const value: unknown = await (tool.invoke as (input: ToolCall, config: SafeToolRuntime) => Promise<unknown>)(
        toolCallOf(call),
        runtime,
      );
      return { kind: "output", value };
    } catch (thrown) {
      return classifyThrown(tool, call, thrown);
    }
  })();

  try {
    return await Promise.race([run, stopped]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    runSignal?.removeEventListener("abort", onRunAbort);
  }
}
