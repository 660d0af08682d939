import type { ToolCall } from "@langchain/core/messages/tool";
import type { RunnableConfig } from "@langchain/core/runnables";
import { ToolInputParsingException } from "@langchain/core/tools";
import { isGraphControlFlow } from "./control-flow.js";
import { argumentIssues, checkStandardArguments, uncheckedStandardSchema } from "../util/argument-issues.js";
import { describeThrown, isTransientFailure, readSafely, sanitizeReason } from "../util/describe-error.js";
import { refuseCall } from "../calls/refuse-call.js";
import {
  InvalidToolArgumentsError,
  ToolCancelledError,
  ToolExecutionError,
  ToolRejectedError,
  ToolTimeoutError,
  type ToolCallError,
} from "../errors.js";
import { Command, interrupt, isCommand } from "@langchain/langgraph";
import { toolCallOf, type PlannedCall } from "../calls/call.js";
import type { ApprovalRequest, SafeTool, SafeToolRuntime } from "../types.js";

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
  /** The node's run name (durable tasks are named after it). */
  nodeName: string;
  tools: ReadonlyMap<string, SafeTool>;
  config: NodeConfig;
  state: unknown;
  /** A finite timeout, or undefined for none (the options read Infinity as none). */
  timeoutMs(toolName: string): number | undefined;
  /** The id of the AIMessage being answered, for idempotency keys. */
  aiMessageId: string | undefined;
  /** True when the call must be approved by a human before it runs. */
  needsApproval(call: PlannedCall): boolean;
  /** The run's abort signal, shared by every call of the batch. */
  runAbort: RunAbort;
  /** The node's checkpoint namespace (`"tools:<task id>"`, `"team:<id>|tools:<id>"`; `""` outside a graph). */
  nodeNamespace: string;
  /** What to do with the last call of a response cut off by the token limit. */
  cutOffCall: "error" | "run";
}

/**
 * One listener on the run's `config.signal` for every call that runs under
 * it - the calls of a batch, and the Sends of a fan-out, each its own node
 * run - which tells each running call: a listener per call or per Send
 * would pile up on the shared signal (Node warns past 10) and cost time on
 * every call. Each tool gets a signal of its own, so what the tool itself
 * attaches (core's `tool()` does) lands there, not on the shared one.
 */
export class RunAbort {
  private static readonly bySignal = new WeakMap<AbortSignal, RunAbort>();
  private readonly callbacks = new Set<() => void>();
  private readonly notify = () => {
    for (const callback of [...this.callbacks]) callback();
  };

  private constructor(readonly signal: AbortSignal | undefined) {}

  /** The shared watcher of `signal` (one per signal). */
  static of(signal: AbortSignal | undefined): RunAbort {
    if (!signal) return new RunAbort(undefined);
    let watcher = RunAbort.bySignal.get(signal);
    if (!watcher) RunAbort.bySignal.set(signal, (watcher = new RunAbort(signal)));
    return watcher;
  }

  /** Calls `callback` when the run aborts; returns the unsubscribe. The signal is listened to while anyone subscribes. */
  subscribe(callback: () => void): () => void {
    const signal = this.signal;
    if (signal && this.callbacks.size === 0)
      // Stryker disable next-line ObjectLiteral,BooleanLiteral: the signal aborts once, and the last unsubscribe removes the listener anyway
      signal.addEventListener("abort", this.notify, { once: true });
    this.callbacks.add(callback);
    return () => {
      if (this.callbacks.delete(callback) && this.callbacks.size === 0)
        signal?.removeEventListener("abort", this.notify);
    };
  }
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
  if (type === "reject")
    return new ToolRejectedError(call, typeof message === "string" ? sanitizeReason(message) : undefined);
  return new ToolRejectedError(call, "the answer to the approval request was not understood");
}

function schemaErrorOutcome(tool: SafeTool, call: PlannedCall, thrown: unknown): CallOutcome {
  const fallback = describeThrown(thrown);
  const issues = argumentIssues((tool as { schema?: unknown }).schema, call.args, fallback);
  return { kind: "error", error: new InvalidToolArgumentsError(call, issues, { cause: thrown }) };
}

/**
 * Core raises `ToolInputParsingException` (whose `name` is just "Error") when
 * arguments fail the schema; LangChain's agent tool node wraps it in a
 * `ToolInvocationError` (its `toolError`). Recognised by class, or by shape
 * for errors from another copy of `@langchain/core`.
 */
function isSchemaError(thrown: unknown): boolean {
  if (thrown instanceof ToolInputParsingException) return true;
  const candidate = thrown as { name?: unknown; message?: unknown; toolError?: unknown; "~brand"?: unknown } | null;
  // Stryker disable next-line OptionalChaining: null or undefined then throws, which readSafely (the one caller) reads as false, as the check would
  if (candidate?.["~brand"] === "ToolInvocationError") return isSchemaError(candidate.toolError);
  return (
    // Stryker disable next-line OptionalChaining: null or undefined then throws, which readSafely (the one caller) reads as false, as the check would
    candidate?.name === "ToolInputParsingException" ||
    // Stryker disable next-line OptionalChaining: null or undefined then throws, which readSafely (the one caller) reads as false, as the check would
    (typeof candidate?.message === "string" &&
      candidate.message.startsWith("Received tool input did not match expected schema"))
  );
}

/**
 * Settles whatever a tool threw into an outcome: graph control flow to pass
 * on, a schema error by field path, or an execution error. Never throws,
 * whatever the value (a getter that throws, a revoked Proxy).
 */
export function classifyThrown(tool: SafeTool | undefined, call: PlannedCall, thrown: unknown): CallOutcome {
  if (isGraphControlFlow(thrown)) return { kind: "control", thrown };
  if (tool && readSafely(() => isSchemaError(thrown), false)) {
    // LangChain's wrapper quotes the arguments; its toolError does not.
    // Stryker disable next-line BooleanLiteral: isSchemaError has just read this property without throwing
    const wrapped = readSafely(() => (thrown as { "~brand"?: unknown })["~brand"] === "ToolInvocationError", false);
    return schemaErrorOutcome(
      tool,
      call,
      wrapped ? readSafely(() => (thrown as { toolError?: unknown }).toolError, thrown) : thrown,
    );
  }
  const transient = isTransientFailure(thrown);
  return { kind: "error", error: new ToolExecutionError(call, describeThrown(thrown), thrown, { transient }) };
}

/** The namespace of the graph that holds the task or graph at `namespace` (LangGraph joins levels with `|`). */
function parentNamespace(namespace: string): string {
  return namespace.split("|").slice(0, -1).join("|");
}

/**
 * A `ParentCommand` thrown from inside a tool - a graph the tool ran handed
 * off - as the Command the tool would have returned, so the node answers its
 * siblings and carries the hand-off out the way it does a returned one (see
 * assemble-update): to this node's graph when the command targets it (an
 * inner graph run with the tool's config, or run on its own at the top
 * level), to the parent graph when it targets that. A command's graph names
 * a task, and the graph that holds the task carries it out: a node of a
 * subgraph run as the task `team:<id>` hands off to the parent with a command
 * for `team:<id>`; `""` is the top graph. Undefined for any other value, and
 * for a target further up, which is left to LangGraph.
 */
function handOffOf(thrown: unknown, context: ExecutionContext): CallOutcome | undefined {
  const command = readSafely(
    () =>
      // Stryker disable next-line OptionalChaining: null or undefined then throws, and readSafely gives undefined, as the check would
      (thrown as { name?: unknown })?.name === "ParentCommand" ? (thrown as { command?: unknown }).command : undefined,
    undefined,
  );
  if (!isCommand(command)) return undefined;
  const { graph: target, goto, update, resume } = command as Command;
  const node = context.nodeNamespace;
  const graph = parentNamespace(node);
  const fields = { goto, update: update as Record<string, unknown>, resume };
  // "" (the top graph) is this graph from a node of the top graph, the parent from a node of a subgraph of it
  if (target === undefined || target === node || target.startsWith(`${node}|`) || (target === "" && graph === ""))
    // Stryker disable next-line StringLiteral: outcomes are told apart by "error" and "control" only
    return { kind: "output", value: new Command(fields) };
  if (target === Command.PARENT || target === graph || (target === "" && parentNamespace(graph) === ""))
    // Stryker disable next-line StringLiteral: outcomes are told apart by "error" and "control" only
    return { kind: "output", value: new Command({ ...fields, graph: Command.PARENT }) };
  return undefined;
}

/**
 * Runs one call to completion, timeout or cancellation, and settles every
 * failure into an outcome. The tool gets an `AbortSignal` (as
 * `runtime.signal`) that fires on its timeout and when the run's own
 * `config.signal` fires; a tool that ignores it is simply no longer awaited.
 */
export function executeToolCall(call: PlannedCall, context: ExecutionContext): Promise<CallOutcome> {
  const refusal = refuseCall(call, { cutOffCall: context.cutOffCall, tools: context.tools });
  if (refusal) return Promise.resolve({ kind: "error", error: refusal });
  const tool = context.tools.get(call.name)!;

  // A predicate that throws fails closed: the human is asked.
  if (readSafely(() => context.needsApproval(call), true)) {
    let approved: PlannedCall | ToolRejectedError;
    try {
      approved = approve(call, context);
    } catch (thrown) {
      return Promise.resolve(classifyThrown(tool, call, thrown));
    }
    if (approved instanceof ToolRejectedError) return Promise.resolve({ kind: "error", error: approved });
    call = approved;
  }

  const runSignal = context.runAbort.signal;
  if (runSignal?.aborted)
    return Promise.resolve({ kind: "error", error: new ToolCancelledError(call, { cause: runSignal.reason }) });

  const timeoutMs = context.timeoutMs(call.name);
  // Nothing can stop this call (no timeout, no run signal): no signal, no
  // race, one promise - the path every plain call takes outside a graph.
  const unlimited = timeoutMs === undefined;
  if (unlimited && !runSignal) return runTool(tool, call, context, undefined);
  return runStoppable(tool, call, context, timeoutMs);
}

/** A call that a timeout or the run's abort can stop. */
async function runStoppable(
  tool: SafeTool,
  call: PlannedCall,
  context: ExecutionContext,
  timeoutMs: number | undefined,
): Promise<CallOutcome> {
  const runSignal = context.runAbort.signal;
  const limited = timeoutMs !== undefined;

  // The call's own signal fires on its timeout or on the run's abort; the
  // race answers the call at that moment even if the tool ignores it.
  const controller = new AbortController();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stopped = new Promise<CallOutcome>((resolve) => {
    controller.signal.addEventListener(
      "abort",
      () =>
        resolve({
          kind: "error",
          error: timedOut
            ? new ToolTimeoutError(call, timeoutMs!)
            : // Stryker disable next-line OptionalChaining: only the run's signal aborts the call without a timeout, so it is there
              new ToolCancelledError(call, { cause: runSignal?.reason }),
        }),
      // Stryker disable next-line ObjectLiteral,BooleanLiteral: an AbortSignal aborts once
      { once: true },
    );
  });
  // Stryker disable next-line OptionalChaining: the callback runs only when the run's signal aborts, so it is there
  const unsubscribe = context.runAbort.subscribe(() => controller.abort(runSignal?.reason));
  if (limited) {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new ToolTimeoutError(call, timeoutMs!));
    }, timeoutMs);
  }
  try {
    return await Promise.race([runTool(tool, call, context, controller.signal), stopped]);
  } finally {
    clearTimeout(timer); // a no-op without a timer
    unsubscribe();
  }
}

/** The schema the node checks itself, per tool (see `uncheckedStandardSchema`); null for the others. */
const checkedSchemas = new WeakMap<SafeTool, ReturnType<typeof uncheckedStandardSchema> | null>();

function schemaToCheck(tool: SafeTool) {
  let schema = checkedSchemas.get(tool);
  if (schema === undefined)
    checkedSchemas.set(tool, (schema = uncheckedStandardSchema((tool as { schema?: unknown }).schema) ?? null));
  return schema;
}

/** Checks the arguments where core would not (Valibot, ArkType), then runs the tool. */
function runTool(
  tool: SafeTool,
  call: PlannedCall,
  context: ExecutionContext,
  signal: AbortSignal | undefined,
): Promise<CallOutcome> {
  const schema = schemaToCheck(tool);
  if (!schema) return invokeTool(tool, call, call.args, context, signal);
  return checkStandardArguments(schema, call.args).then(
    (checked): CallOutcome | Promise<CallOutcome> =>
      "issues" in checked
        ? { kind: "error", error: new InvalidToolArgumentsError(call, checked.issues) }
        : invokeTool(tool, call, checked.args, context, signal),
    (thrown: unknown) => classifyThrown(tool, call, thrown),
  );
}

/** Invokes the tool with the runtime `ToolNode` gives, and settles what it throws. */
function invokeTool(
  tool: SafeTool,
  call: PlannedCall,
  args: Record<string, unknown>,
  context: ExecutionContext,
  signal: AbortSignal | undefined,
): Promise<CallOutcome> {
  const { config } = context;
  // Object.assign, not spread: on Node 20 every key written after a spread
  // costs about half a microsecond, and this runs once per call.
  const toolConfig: NodeConfig = signal ? Object.assign({}, config, { signal }) : config;
  const toolCall = toolCallOf(call);
  const runtime: SafeToolRuntime = Object.assign({}, toolConfig, {
    // tool_call_id in the run's metadata: on_tool_start / on_tool_end / on_tool_error carry it
    metadata: Object.assign({}, config.metadata, { tool_call_id: call.id }),
    idempotencyKey: idempotencyKey(context, call),
    state: context.state,
    toolCallId: call.id,
    toolCall,
    config: toolConfig,
    context: config.context,
    store: (config.store ?? null) as SafeToolRuntime["store"],
    writer: (config.writer ?? config.configurable?.writer ?? null) as SafeToolRuntime["writer"],
  });
  let pending: Promise<unknown>;
  try {
    const input = args === call.args ? toolCall : Object.assign({}, toolCall, { args });
    pending = (tool.invoke as (input: ToolCall, config: SafeToolRuntime) => Promise<unknown>)(input, runtime);
  } catch (thrown) {
    return Promise.resolve(handOffOf(thrown, context) ?? classifyThrown(tool, call, thrown)); // a tool whose invoke throws synchronously
  }
  return Promise.resolve(pending).then(
    // Stryker disable next-line StringLiteral: outcomes are told apart by "error" and "control" only
    (value): CallOutcome => ({ kind: "output", value }),
    (thrown: unknown) => handOffOf(thrown, context) ?? classifyThrown(tool, call, thrown),
  );
}
