import type { BaseMessage } from "@langchain/core/messages";
import type { ToolRuntime } from "@langchain/core/tools";
import type { ToolCall } from "@langchain/core/messages/tool";
import type { RunnableToolLike } from "@langchain/core/runnables";
import type { DynamicTool, StructuredToolInterface } from "@langchain/core/tools";
import type { Command } from "@langchain/langgraph";
import type { ToolCallError } from "./errors.js";
import type { ResultMedia } from "./update/result-media.js";

export type { ResultMedia } from "./update/result-media.js";

/**
 * The tools `SafeToolNode` accepts: the same as `ToolNode`.
 *
 * @example
 * ```ts
 * const tools: SafeTool[] = [
 *   tool(async ({ q }) => q, { name: "echo", description: "Echo", schema: z.object({ q: z.string() }) }),
 *   RunnableLambda.from(async (x: { n: number }) => x.n * 2).asTool({ name: "double", schema: z.object({ n: z.number() }) }),
 * ];
 * ```
 */
export type SafeTool = StructuredToolInterface | DynamicTool | RunnableToolLike;

/**
 * Turns one failed call into the text the model reads. Receives the typed
 * error (see {@link ToolCallError} and its subclasses) and the call as the
 * node answered it. Return the content of the error ToolMessage.
 *
 * @example
 * ```ts
 * const handler: ToolErrorHandler = (error, call) =>
 *   `${call.name} failed (${error.kind}). ${error.message}`;
 * ```
 */
export type ToolErrorHandler = (error: ToolCallError, call: ToolCall) => string;

/**
 * How failed calls are described to the model: `true` for the built-in
 * texts, one string for every failure, or a {@link ToolErrorHandler}.
 *
 * @example
 * ```ts
 * const handling: ToolErrorHandling = (error) => (error.kind === "timeout" ? "Too slow, try again." : error.message);
 * ```
 */
export type ToolErrorHandling = true | string | ToolErrorHandler;

/**
 * Options of {@link SafeToolNode}. Every option is optional; the defaults
 * match `ToolNode` wherever that keeps the one-result-per-call guarantee.
 *
 * @example
 * ```ts
 * const node = new SafeToolNode(tools, {
 *   timeoutMs: 30_000,
 *   toolTimeoutMs: { slow_report: 120_000 },
 *   maxConcurrency: 8,
 *   handleToolErrors: (error) => error.message,
 * });
 * ```
 */
export interface SafeToolNodeOptions {
  /** Run name of the node. Default `"tools"`. */
  name?: string;
  /** Tags added to the node's config (and so to every tool run). */
  tags?: string[];
  /**
   * How a failed call is described to the model. `true` (default): the
   * built-in message of the error class; a string: that text for every
   * failure; a function: its return value. `false` is rejected, because
   * re-throwing would leave every call of the batch unanswered.
   */
  handleToolErrors?: ToolErrorHandling;
  /**
   * Per-call timeout in milliseconds, at most 2^31-1 (Node fires longer
   * timers at once); `Infinity` means none. Default: none (as `ToolNode`).
   */
  timeoutMs?: number;
  /** Per-tool timeouts in milliseconds, by tool name (each a tool of the node); they override `timeoutMs`. */
  toolTimeoutMs?: Readonly<Record<string, number>>;
  /** How many calls run at once. Default `Infinity` (all at once, as `ToolNode`). */
  maxConcurrency?: number;
  /**
   * Per-tool limits on how many calls of that tool run at once, by tool name
   * (each a tool of the node): `{ write_file: 1, search: 8 }`. `maxConcurrency`
   * still bounds the total.
   */
  concurrency?: Readonly<Record<string, number>>;
  /**
   * Calls with the same key run one at a time, in `tool_calls` order; calls
   * with different keys, or none (undefined), run side by side. For example
   * `(call) => (call.name === "write_file" ? String(call.args.path) : undefined)`.
   * A function that throws, or returns anything but a string or undefined,
   * answers that call with a `CallNotRunError` (`reason: "concurrency_key"`)
   * and holds no other call back.
   */
  concurrencyKey?: (call: ToolCall) => string | undefined;
  /**
   * Also repair earlier turns (see `repairToolResults`) when the history
   * would still be rejected after this update: the messages update then
   * removes all messages and writes the repaired history. Default `false`:
   * it reads the whole history, so its cost grows with history length.
   */
  repairHistory?: boolean;
  /**
   * Make a finished call final: its result is journaled in the step's
   * pending writes (a few LangGraph tasks per batch; a task per call with
   * `requireApproval`), and after an interrupt or a crash the node's re-run
   * reads it back instead of running the tool again.
   * `"auto"` (default): when the graph has a checkpointer. `true`: whenever
   * the node runs inside a graph. `false`: never (as `ToolNode`).
   */
  durable?: boolean | "auto";
  /**
   * Calls that need a human's approval before they run: tool names, or a
   * predicate. Each such call raises an `interrupt()` with an
   * {@link ApprovalRequest}; the resume value is an {@link ApprovalDecision}.
   * A rejection becomes the call's (error) result; approved calls run once.
   * Needs a graph with a checkpointer (as every interrupt does), so it cannot
   * be combined with `durable: false`. Names must be tools of the node; a
   * predicate that throws asks for approval.
   */
  requireApproval?: readonly string[] | ((call: ToolCall) => boolean);
  /**
   * The last call of a response that the output token limit cut off (its
   * arguments may be cut short even when they parse): `"error"` (default)
   * answers it with a {@link CutOffCallError} asking the model to send it
   * again, shorter, without running it; `"run"` runs it like any other call.
   */
  cutOffCall?: "error" | "run";
  /**
   * Where images, audio, video and files returned by tools go: `"note"`
   * (default, valid for every provider), `"user_message"` or `"keep"`. See
   * {@link ResultMedia}.
   */
  resultMedia?: ResultMedia;
}

/**
 * A state update as a `StateGraph` node returns it.
 *
 * @example
 * ```ts
 * const update = (await node.invoke({ messages })) as MessagesUpdate;
 * update.messages; // [corrected AIMessage?, ...one ToolMessage per call]
 * ```
 */
export interface MessagesUpdate {
  /** The messages to apply with the messages reducer, in order. */
  messages: BaseMessage[];
}

/**
 * What the node returns. Without `Command` results: `{ messages }` (or a bare
 * message list when invoked with one). With `Command` results: a list of the
 * messages update followed by the commands, which LangGraph applies in order.
 *
 * @example
 * ```ts
 * const out: SafeToolNodeOutput = await node.invoke({ messages });
 * if (Array.isArray(out) && out.some(isCommand)) {
 *   // a tool returned a Command; LangGraph applies the list in order
 * }
 * ```
 */
export type SafeToolNodeOutput = MessagesUpdate | BaseMessage[] | Array<MessagesUpdate | BaseMessage[] | Command>;

/**
 * The value of the interrupt raised for a call that needs approval.
 *
 * @example
 * ```ts
 * const out = await graph.invoke(input, config);
 * for (const { id, value } of out.__interrupt__ ?? []) {
 *   const request = value as ApprovalRequest; // { type: "tool_approval", toolCall: { id, name, args }, idempotencyKey }
 * }
 * ```
 */
export interface ApprovalRequest {
  /** Always `"tool_approval"`, to tell it from other interrupts. */
  type: "tool_approval";
  /** The call waiting for the decision. */
  toolCall: {
    /** The call's id, as its result will carry it. */
    id: string;
    /** The tool's name. */
    name: string;
    /** The arguments the model sent. */
    args: Record<string, unknown>;
  };
  /** The call's idempotency key (`<thread_id>:<AIMessage id>:<tool_call_id>`). */
  idempotencyKey: string;
}

/**
 * A human's answer to an {@link ApprovalRequest}, given as the resume value
 * (`new Command({ resume: { [interruptId]: decision } })`). Anything else is
 * treated as a rejection.
 *
 * @example
 * ```ts
 * const decision: ApprovalDecision = { type: "reject", message: "wrong recipient" };
 * await graph.invoke(new Command({ resume: { [interruptId]: decision } }), config);
 * ```
 */
export type ApprovalDecision =
  | "approve"
  | "reject"
  | {
      /** Run the call as the model sent it. */
      type: "approve";
    }
  | {
      /** Do not run the call: it is answered with a rejection. */
      type: "reject";
      /** Why, for the model (it becomes part of the call's error result). */
      message?: string;
    }
  | {
      /** Run the call with other arguments. */
      type: "edit";
      /** The arguments to run it with, checked against the tool's schema. */
      args: Record<string, unknown>;
    };

/**
 * What tools receive as their second argument: `ToolNode`'s `ToolRuntime`
 * (whose `signal`, set whenever a timeout applies or the run has a signal -
 * always inside a graph - fires on the call's timeout or the run's abort),
 * plus a stable `idempotencyKey` (`<thread_id>:<AIMessage id>:<tool_call_id>`) to
 * pass to external systems, so that a call retried after a crash is
 * recognised there.
 *
 * @example
 * ```ts
 * const charge = tool(async ({ cents }, runtime) => {
 *   const { idempotencyKey } = runtime as SafeToolRuntime;
 *   return payments.charge({ cents, idempotencyKey });
 * }, { name: "charge", description: "Charge the card.", schema: z.object({ cents: z.number() }) });
 * ```
 */
export type SafeToolRuntime = ToolRuntime & {
  /** `<thread_id>:<AIMessage id>:<tool_call_id>`: the same for every attempt at one call. */
  idempotencyKey: string;
};
