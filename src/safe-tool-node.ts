import type { ToolMessage } from "@langchain/core/messages";
import { ensureConfig, type RunnableConfig } from "@langchain/core/runnables";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { assembleUpdate } from "./assemble-update.js";
import { canRunTasks, combineControlFlow, executeAsTask, hasCheckpointer } from "./durable.js";
import { settleOutcome } from "./to-tool-message.js";
import { InvalidOptionsError } from "./errors.js";
import { RunAbort, executeToolCall, type CallOutcome, type ExecutionContext, type NodeConfig } from "./execute-tool-call.js";
import { runLimited } from "./limit.js";
import { findAnsweredAI, isAnsweredAfterLastAI, planNeedsWork, planToolCalls, toolCallOf, type CallPlan, type PlannedCall } from "./plan-tool-calls.js";
import { readInput, type NodeInput } from "./read-input.js";
import { withRepairedHistory } from "./repair-update.js";
import { reportFinished, reportSummary } from "./report.js";
import { safeStringify } from "./describe-error.js";
import { isRecord } from "./guards.js";
import { CallIdAllocator } from "./tool-call-ids.js";
import type { SafeTool, SafeToolNodeOptions, SafeToolNodeOutput, ToolErrorHandler } from "./types.js";

function checkDuration(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || Number.isNaN(value) || value <= 0) {
    throw new InvalidOptionsError(`SafeToolNode: ${what} must be a positive number of milliseconds, received ${String(value)}.`);
  }
  return value;
}

function indexTools(tools: readonly SafeTool[]): Map<string, SafeTool> {
  if (!Array.isArray(tools)) throw new InvalidOptionsError("SafeToolNode: the first argument must be a list of tools.");
  const byName = new Map<string, SafeTool>();
  tools.forEach((tool, index) => {
    const name = (tool as { name?: unknown } | null)?.name;
    if (typeof name !== "string" || name === "" || typeof (tool as { invoke?: unknown }).invoke !== "function") {
      throw new InvalidOptionsError(`SafeToolNode: tools[${index}] is not a tool (it needs a name and an invoke method).`);
    }
    if (byName.has(name)) throw new InvalidOptionsError(`SafeToolNode: two tools are named "${name}"; tool names must be unique.`);
    byName.set(name, tool);
  });
  return byName;
}

/** The task for a call that already has its result. */
const noOutcome = (): Promise<CallOutcome | undefined> => Promise.resolve(undefined);

/** The call a Send payload carries, with its id made safe like the AIMessage's. */
function plannedSendCall(call: NodeInput["sendCall"] & object): PlannedCall {
  const ids = new CallIdAllocator("send");
  const id = ids.keep(call.id) ? call.id! : ids.make(0, call.name, call.id);
  const raw: unknown = call.args;
  const isObject = isRecord(raw);
  const parseError = (call as { error?: unknown }).error;
  // An InvalidToolCall sent on its own (fan-out routers send those too), or arguments that are no object.
  if ((call as { type?: unknown }).type === "invalid_tool_call" || !isObject) {
    return {
      id,
      name: call.name,
      args: {},
      originalId: call.id,
      invalid: {
        error: typeof parseError === "string" ? parseError : "the arguments are not a JSON object",
        rawArgs: typeof raw === "string" ? raw : safeStringify(raw),
      },
    };
  }
  return { id, name: call.name, args: raw as Record<string, unknown>, originalId: call.id };
}

/**
 * A LangGraph node that runs the tool calls of the last AIMessage and always
 * answers each call exactly once, even when tools throw, hang, return odd
 * values, or the model's calls are malformed. A drop-in replacement for
 * `ToolNode` from `@langchain/langgraph/prebuilt`.
 *
 * What it guarantees: after its update is applied (through the messages
 * reducer, as a `StateGraph` does), every call of the AIMessage it answered,
 * as the provider converters will send it, has exactly one ToolMessage with
 * its id, directly after it, in call order; and no ToolMessage answers a call
 * that is not there.
 *
 * @example
 * ```ts
 * import { StateGraph, MessagesAnnotation, START } from "@langchain/langgraph";
 * import { tool } from "@langchain/core/tools";
 * import { z } from "zod";
 * import { SafeToolNode, safeToolsCondition } from "safe-tool-node";
 *
 * const search = tool(async ({ query }) => `results for ${query}`, {
 *   name: "search",
 *   description: "Search the web.",
 *   schema: z.object({ query: z.string() }),
 * });
 *
 * const graph = new StateGraph(MessagesAnnotation)
 *   .addNode("agent", callModel)
 *   .addNode("tools", new SafeToolNode([search], { timeoutMs: 30_000 }))
 *   .addEdge(START, "agent")
 *   .addConditionalEdges("agent", safeToolsCondition, ["tools", "__end__"])
 *   .addEdge("tools", "agent")
 *   .compile();
 * ```
 */
export class SafeToolNode extends ToolNode<SafeToolNodeOutput> {
  /** LangChain's serialization namespace for this class. */
  override lc_namespace = ["safe_tool_node"];

  private readonly toolsByName: Map<string, SafeTool>;
  private readonly errorText: true | string | ToolErrorHandler;
  private readonly defaultTimeoutMs: number | undefined;
  private readonly toolTimeoutMs: ReadonlyMap<string, number>;
  private readonly maxConcurrency: number;
  private readonly extraTags: string[] | undefined;
  private readonly repairHistory: boolean;
  private readonly durable: boolean | "auto";
  private readonly requireApproval: SafeToolNodeOptions["requireApproval"];

  /**
   * @param tools Structured tools, `tool()` tools, dynamic tools or `RunnableToolLike`s, with unique names.
   * @param options See {@link SafeToolNodeOptions}.
   * @throws InvalidOptionsError when a tool or an option is unusable.
   *
   * @example
   * ```ts
   * const node = new SafeToolNode([search, calculator], { timeoutMs: 10_000, maxConcurrency: 4 });
   * const update = await node.invoke({ messages });
   * ```
   */
  constructor(tools: readonly SafeTool[], options: SafeToolNodeOptions = {}) {
    // A ToolNode by type and by instanceof, so that code typed for ToolNode
    // (createReactAgent's tools, a user's own signatures) takes it as is.
    // Only its tools list is used: invoke below replaces its execution.
    super(Array.isArray(tools) ? [...tools] : [], { name: options.name ?? "tools" });
    this.toolsByName = indexTools(tools);
    this.extraTags = options.tags;

    const handle = options.handleToolErrors ?? true;
    if ((handle as unknown) === false) {
      throw new InvalidOptionsError(
        "SafeToolNode: handleToolErrors: false is not supported: re-throwing a tool's error would leave every call of the batch without a result. Pass a function to control the error text instead.",
      );
    }
    if (handle !== true && typeof handle !== "string" && typeof handle !== "function") {
      throw new InvalidOptionsError("SafeToolNode: handleToolErrors must be true, a string, or a function.");
    }
    this.errorText = handle;

    this.defaultTimeoutMs = checkDuration(options.timeoutMs, "timeoutMs");
    const perTool = new Map<string, number>();
    for (const [toolName, ms] of Object.entries(options.toolTimeoutMs ?? {})) {
      perTool.set(toolName, checkDuration(ms, `toolTimeoutMs.${toolName}`)!);
    }
    this.toolTimeoutMs = perTool;

    const limit = options.maxConcurrency ?? Infinity;
    if (typeof limit !== "number" || !(limit >= 1) || (Number.isFinite(limit) && !Number.isInteger(limit))) {
      throw new InvalidOptionsError(`SafeToolNode: maxConcurrency must be a whole number of at least 1, received ${String(limit)}.`);
    }
    this.maxConcurrency = limit;
    this.repairHistory = options.repairHistory ?? false;
    this.durable = options.durable ?? "auto";
    this.requireApproval = options.requireApproval;
    if (this.requireApproval !== undefined && typeof this.requireApproval !== "function" && !Array.isArray(this.requireApproval)) {
      throw new InvalidOptionsError("SafeToolNode: requireApproval must be a list of tool names or a function of the call.");
    }
    if (this.durable !== "auto" && typeof this.durable !== "boolean") {
      throw new InvalidOptionsError(`SafeToolNode: durable must be "auto", true or false, received ${String(this.durable)}.`);
    }
  }

  /**
   * Answers the calls of the last AIMessage in `input` (`{ messages }`, a
   * message list, or a Send payload `{ ...state, lg_tool_call }`).
   *
   * @returns `{ messages }` (a list for list input), or a list of that update
   * and the Commands tools returned.
   * @throws InvalidNodeInputError when `input` holds no readable messages list.
   * Graph control flow (`interrupt()`, `Command.PARENT` errors) thrown by a
   * tool propagates unchanged once every other call of the batch settled.
   *
   * @example
   * ```ts
   * const { messages } = (await node.invoke({ messages: [new AIMessage({ content: "", tool_calls }) ] })) as { messages: BaseMessage[] };
   * ```
   */
  override async invoke(input: unknown, options?: Partial<RunnableConfig>): Promise<SafeToolNodeOutput> {
    // ensureConfig picks up the enclosing run's config (callbacks, checkpoint
    // context for interrupt()) when the node is invoked from inside another
    // node without passing it, as ToolNode does.
    const base = ensureConfig(options);
    const config = (this.extraTags ? { ...base, tags: [...(base.tags ?? []), ...this.extraTags] } : base) as NodeConfig;
    // task() finds the graph run through async-local storage; nothing else
    // needs it here (tools get their config passed), and setting it costs a
    // run tree per invocation, so only durable runs pay for it.
    if (!this.runsAsTasks(config)) return this.respond(input, config);
    return AsyncLocalStorageProviderSingleton.runWithConfig(config, () => this.respond(input, config));
  }

  /** Whether calls run as LangGraph tasks (durable mode, or approvals) in a run with this config. */
  private runsAsTasks(config: NodeConfig): boolean {
    const wanted = this.durable === "auto" ? hasCheckpointer(config) || this.requireApproval !== undefined : this.durable;
    return wanted && canRunTasks(config);
  }

  private async respond(input: unknown, config: NodeConfig): Promise<SafeToolNodeOutput> {
    const read = readInput(input);
    const output = await this.answer(read, config);
    // A Send answers one call among siblings; repairing the whole history there would race them.
    return this.repairHistory && !read.sendCall ? withRepairedHistory(read.messages, output, read.listInput) : output;
  }

  private async answer(read: NodeInput, config: NodeConfig): Promise<SafeToolNodeOutput> {
    let plan: CallPlan | undefined;
    let calls: PlannedCall[];
    let toRun: boolean[];
    let reemitted: (ToolMessage | undefined)[];

    if (read.sendCall) {
      const call = plannedSendCall(read.sendCall);
      // A Send re-delivered after a resume must not run a call twice.
      if (isAnsweredAfterLastAI(read.messages, call.id)) return { messages: [] };
      calls = [call];
      toRun = [true];
      reemitted = [undefined];
    } else {
      plan = planToolCalls(read.messages, read.source);
      if (!planNeedsWork(plan)) return read.listInput ? [] : { messages: [] };
      calls = plan!.calls;
      toRun = plan!.slots.map((slot) => !slot.existing);
      reemitted = plan!.slots.map((slot) => (slot.existing && slot.reemit ? slot.existing : undefined));
    }

    const approval = this.requireApproval;
    const aiIndex = plan ? -1 : findAnsweredAI(read.messages);
    const context: ExecutionContext = {
      tools: this.toolsByName,
      config,
      state: read.state,
      timeoutMs: (toolName) => this.toolTimeoutMs.get(toolName) ?? this.defaultTimeoutMs,
      aiMessageId: plan ? plan.ai.id : read.messages[aiIndex]?.id,
      runAbort: new RunAbort(config.signal),
      needsApproval: (call) =>
        approval === undefined ? false : typeof approval === "function" ? approval(toolCallOf(call)) : approval.includes(call.name),
    };
    // Approvals interrupt per call, which needs each call in its own task.
    // A Send already runs its one call as its own graph task.
    const durable = !read.sendCall && this.runsAsTasks(config);
    const run = durable
      ? (call: PlannedCall) => executeAsTask(call, context, (outcome) => settleOutcome(outcome, call, this.errorText))
      : (call: PlannedCall) => executeToolCall(call, context);
    const streaming = typeof (config.writer ?? config.configurable?.writer) === "function";
    const execute = streaming
      ? (call: PlannedCall) => {
          const startedAt = Date.now();
          return run(call).then((outcome) => (reportFinished(config, call, outcome, startedAt), outcome));
        }
      : run;
    const tasks = calls.map((call, index) => (toRun[index] ? () => execute(call) : noOutcome));
    let outcomes: (CallOutcome | undefined)[];
    try {
      outcomes = await runLimited<CallOutcome | undefined>(tasks, this.maxConcurrency);
    } finally {
      context.runAbort.dispose();
    }

    const control = outcomes.flatMap((outcome) => (outcome?.kind === "control" ? [outcome.thrown] : []));
    if (control.length > 0) throw combineControlFlow(control);
    await reportSummary(config, outcomes);

    return assembleUpdate({
      prefix: plan?.prefix ?? read.sendPrefix ?? [],
      history: read.messages,
      calls,
      outcomes,
      reemitted,
      handleToolErrors: this.errorText,
      listInput: read.listInput,
    });
  }
}
