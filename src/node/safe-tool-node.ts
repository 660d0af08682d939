import { refuseCall } from "../calls/refuse-call.js";
import { AIMessage } from "@langchain/core/messages";
import { ensureConfig, type RunnableConfig } from "@langchain/core/runnables";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { assembleUpdate } from "../update/assemble-update.js";
import { toolCallOf, type PlannedCall } from "../calls/call.js";
import { combineControlFlow } from "../run/control-flow.js";
import { CallJournal, stepLocation, USES_GRAPH } from "../run/call-journal.js";
import { guardedConfig } from "../run/graph-context-guard.js";
import { canRunTasks, executeAsTask, hasCheckpointer, raiseAsTask } from "../run/durable.js";
import { RunAbort, executeToolCall, type ExecutionContext, type NodeConfig } from "../run/execute-tool-call.js";
import { runScheduled, type ScheduledJob } from "../run/run-scheduled.js";
import { concurrencyKeyOf } from "../run/concurrency-key.js";
import { CallGates } from "../run/call-gates.js";
import { CallNotRunError } from "../errors.js";
import { makeRoomForTasks } from "../run/make-room-for-tasks.js";
import { resolveNodeOptions, type NodeSettings } from "./options.js";
import { planBatch } from "./plan-batch.js";
import { findAnsweredAI, type Batch } from "../calls/plan-tool-calls.js";
import { readInput, type NodeInput } from "./read-input.js";
import { withRepairedHistory } from "../history/repair-update.js";
import { reportFinished, reportSummary } from "./report.js";
import { settleOutcome, type SettledCall } from "../update/to-tool-message.js";
import type { SafeTool, SafeToolNodeOptions, SafeToolNodeOutput } from "../types.js";

/** A Send payload (`{ ...state, lg_tool_call }`), told apart without reading the messages. */
function isSendPayload(input: unknown): boolean {
  return typeof input === "object" && input !== null && !Array.isArray(input) && "lg_tool_call" in input;
}

/** How many calls (valid and invalid) the payload's last AIMessage holds: at most that many Sends. */
function callsInLastTurn(payload: unknown): number {
  const messages = (payload as { messages?: unknown }).messages;
  if (!Array.isArray(messages)) return 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] as { tool_calls?: unknown; invalid_tool_calls?: unknown } | undefined;
    if (!AIMessage.isInstance(message)) continue;
    const count = (list: unknown) => (Array.isArray(list) ? list.length : 0);
    return count(message.tool_calls) + count(message.invalid_tool_calls);
  }
  return 0;
}

/** The task for a call that already has its result. */
const answeredBefore = (): Promise<SettledCall | undefined> => Promise.resolve(undefined);

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

  private readonly settings: NodeSettings;
  /** Tools seen using LangGraph from inside (a task(), a graph): in durable mode they run as their own tasks. */
  private readonly toolsUsingGraph = new Set<string>();
  /** Limits and keys across the Sends of one turn (fan-out mode), where each call is a node run of its own. */
  private readonly sendGates: CallGates;

  /**
   * @param tools Structured tools, `tool()` tools, dynamic tools or `RunnableToolLike`s, with unique names.
   * @param options See {@link SafeToolNodeOptions}.
   * @throws InvalidOptionsError when a tool or an option is unusable: a misspelt option, a tool name in
   * `toolTimeoutMs` or `requireApproval` that is no tool, a timeout Node cannot honour, approvals without durable mode.
   *
   * @example
   * ```ts
   * const node = new SafeToolNode([search, calculator], { timeoutMs: 10_000, maxConcurrency: 4 });
   * const update = await node.invoke({ messages });
   * ```
   */
  constructor(tools: readonly SafeTool[], options: SafeToolNodeOptions = {}) {
    const settings = resolveNodeOptions(tools, options);
    // A ToolNode by type and by instanceof, so that code typed for ToolNode
    // (createReactAgent's tools, a user's own signatures) takes it as is.
    // Only its tools list is used: invoke below replaces its execution.
    super([...tools], { name: settings.name });
    this.settings = settings;
    this.sendGates = new CallGates(settings.toolConcurrency ?? (() => undefined));
  }

  /**
   * Answers the calls of the last AIMessage in `input` (`{ messages }`, a
   * message list, or a Send payload `{ ...state, lg_tool_call }`).
   *
   * @returns `{ messages }` (a list for list input), or, when tools returned
   * Commands, that update (left out when it writes nothing) followed by the Commands.
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
    // The step's Send tasks each put a listener on the step's signal; the first
    // of them to get here, before most have started, lets the signal expect them all.
    const send = isSendPayload(input);
    if (send) makeRoomForTasks(options?.signal, callsInLastTurn(input));
    const base = ensureConfig(options);
    const tags = this.settings.tags;
    const config = (tags ? { ...base, tags: [...(base.tags ?? []), ...tags] } : base) as NodeConfig;
    // task() finds the graph run through async-local storage; nothing else
    // needs it here (tools get their config passed), and setting it costs a
    // run tree per invocation, so only durable runs pay for it.
    // A Send runs its one call in its own graph task already: without approvals
    // (whose interrupt() reads this config from the storage) nothing needs it.
    const plainSend = send && this.settings.needsApproval === undefined;
    if (plainSend || !this.runsAsTasks(config)) return this.respond(input, config);
    return AsyncLocalStorageProviderSingleton.runWithConfig(config, () => this.respond(input, config));
  }

  /** Whether calls run as LangGraph tasks (durable mode, or approvals) in a run with this config. */
  private runsAsTasks(config: NodeConfig): boolean {
    const { durable, needsApproval } = this.settings;
    const wanted = durable === "auto" ? hasCheckpointer(config) || needsApproval !== undefined : durable;
    return wanted && canRunTasks(config);
  }

  private async respond(input: unknown, config: NodeConfig): Promise<SafeToolNodeOutput> {
    const read = readInput(input);
    const batch = planBatch(read, config);
    const output = batch ? await this.answer(read, batch, config) : read.listInput ? [] : { messages: [] };
    // A Send answers one call among siblings; repairing the whole history there would race them.
    return this.settings.repairHistory && !read.send
      ? withRepairedHistory(read.messages, output, read.listInput)
      : output;
  }

  /** Runs the calls of `batch` that need it, at most `maxConcurrency` at once, and assembles the update. */
  private async answer(read: NodeInput, batch: Batch, config: NodeConfig): Promise<SafeToolNodeOutput> {
    const { handleToolErrors, needsApproval } = this.settings;
    const context: ExecutionContext = {
      nodeName: this.settings.name,
      tools: this.settings.tools,
      config,
      state: read.state,
      timeoutMs: this.settings.timeoutMs,
      aiMessageId: batch.aiMessageId,
      runAbort: RunAbort.of(config.signal),
      needsApproval: (call) => needsApproval?.(toolCallOf(call)) ?? false,
      cutOffCall: this.settings.cutOffCall,
      nodeNamespace: String(config.configurable?.checkpoint_ns ?? ""),
    };
    const settle = (call: PlannedCall) => (outcome: Parameters<typeof settleOutcome>[0]) =>
      settleOutcome(outcome, call, handleToolErrors);
    // A Send already runs its one call as its own graph task. In durable
    // mode calls run directly and their results are journaled (see
    // call-journal.ts); with approvals every call is its own task instead,
    // since approvals interrupt per call, in call order.
    const durable = !read.send && this.runsAsTasks(config);
    const runAsTask = (call: PlannedCall, turn?: Promise<void>) => executeAsTask(call, context, settle(call), turn);
    const runDirect = (call: PlannedCall) => executeToolCall(call, context).then(settle(call));
    // Keys are read once, before anything runs; a call whose key cannot be read is answered at once.
    // A call that will be refused (invalid, cut off, unknown) is not asked about: it keeps its own reason.
    const keys = new Map<string, string | undefined | CallNotRunError>();
    const keyOf = this.settings.concurrencyKey;
    if (keyOf)
      for (const slot of batch.slots)
        if (slot.answer === "run" && !refuseCall(slot.call, context))
          keys.set(slot.call.id, concurrencyKeyOf(slot.call, keyOf));
    const refusedByKey = (call: PlannedCall) => keys.get(call.id) instanceof CallNotRunError;
    let run = runDirect;
    let readBack = (_call: PlannedCall) => false;
    let resumed = (_call: PlannedCall) => false;
    let journal: CallJournal | undefined;
    const location = durable ? stepLocation(config) : undefined;
    if (durable && (needsApproval !== undefined || !location)) {
      makeRoomForTasks(config.signal, batch.slots.length);
      run = runAsTask;
    } else if (durable && location) {
      journal = new CallJournal(this.settings.name, location, runAsTask, config, (tasks) =>
        makeRoomForTasks(config.signal, tasks),
      );
      const toRun = batch.slots
        .filter((slot) => slot.answer === "run" && !refusedByKey(slot.call))
        .map((slot) => slot.call);
      // A tool seen using LangGraph from inside (task(), a graph) runs as its own task from then on.
      const usesGraph = this.toolsUsingGraph;
      const runGuarded = (call: PlannedCall) => {
        let used = false;
        const guarded = guardedConfig(config, () => ((used = true), usesGraph.add(call.name)));
        return executeToolCall(call, { ...context, config: guarded }).then((outcome) =>
          used ? USES_GRAPH : settle(call)(outcome),
        );
      };
      ({ run, readBack, resumed } = await journal.runner(
        toRun,
        runGuarded,
        (call, value) => raiseAsTask(call, context, value),
        (call) => usesGraph.has(call.name),
      ));
    }
    const streaming = typeof (config.writer ?? config.configurable?.writer) === "function";
    // A result read back from the journal finished in an earlier run, which reported it.
    const execute = streaming
      ? (call: PlannedCall) => {
          if (readBack(call)) return run(call);
          const startedAt = Date.now();
          return run(call).then((settled) => (reportFinished(config, call, settled, startedAt), settled));
        }
      : run;
    const { toolConcurrency } = this.settings;
    const jobs = batch.slots.map((slot): ScheduledJob<SettledCall | undefined> => {
      if (slot.answer !== "run") return { run: answeredBefore };
      const { call } = slot;
      const key = keys.get(call.id);
      if (key instanceof CallNotRunError)
        return { run: () => Promise.resolve(settle(call)({ kind: "error", error: key })) };
      if (read.send && (key !== undefined || toolConcurrency?.(call.name) !== undefined)) {
        // Each Send is a node run of its own: the Sends of one turn meet at the node's gates (in this process).
        const turn = `${String(config.configurable?.thread_id ?? "")}|${batch.aiMessageId ?? ""}`;
        return {
          run: () =>
            this.sendGates.run({
              scope: config.signal,
              turn,
              tool: call.name,
              key,
              body: () => execute(call),
              paused: (settled) => settled.kind === "control",
              whenPaused: () => settle(call)({ kind: "error", error: new CallNotRunError(call, "key_paused") }),
            }),
        };
      }
      const toolLimit = toolConcurrency?.(call.name);
      return { run: () => execute(call), tool: call.name, toolLimit, key, resumed: resumed(call) };
    });
    // A call that pauses (an interrupt) holds its key: the later calls of the key wait for the resume.
    const settled = await runScheduled(jobs, this.settings.maxConcurrency, (s) => s?.kind === "control", undefined);
    await journal?.drained();

    const control = settled.flatMap((call) => (call?.kind === "control" ? [call.thrown] : []));
    if (control.length > 0) throw combineControlFlow(control);
    await reportSummary(config, settled);

    const corrected = batch.prefix.find((message) => AIMessage.isInstance(message) && message.id === batch.aiMessageId);
    return assembleUpdate({
      prefix: batch.prefix,
      ai: (corrected ?? read.messages[findAnsweredAI(read.messages)]) as AIMessage | undefined,
      history: read.messages,
      slots: batch.slots,
      settled,
      // With later siblings in other tasks, nothing can be placed after the whole turn.
      resultMedia:
        batch.siblings.after && this.settings.resultMedia === "user_message" ? "note" : this.settings.resultMedia,
      siblings: batch.siblings,
      listInput: read.listInput,
    });
  }
}
