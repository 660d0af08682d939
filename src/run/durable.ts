import type { ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { Command, interrupt, task } from "@langchain/langgraph";
import type { PlannedCall } from "../calls/call.js";
import type { ToolCallError } from "../errors.js";
import { interruptIdOf } from "./control-flow.js";
import { executeToolCall, type CallOutcome, type ExecutionContext, type NodeConfig } from "./execute-tool-call.js";
import type { SettledCall } from "../update/to-tool-message.js";

/** LangGraph's config keys for task calls and the run's checkpointer (stable across 1.x). */
const CONFIG_KEY_CALL = "__pregel_call";
const CONFIG_KEY_CHECKPOINTER = "__pregel_checkpointer";

/** True inside a graph run that can run tasks (`task()` from the functional API). */
export function canRunTasks(config: RunnableConfig): boolean {
  return typeof config.configurable?.[CONFIG_KEY_CALL] === "function";
}

/** True inside a graph run that persists its state, so a task's result outlives the process. */
export function hasCheckpointer(config: RunnableConfig): boolean {
  return config.configurable?.[CONFIG_KEY_CHECKPOINTER] != null;
}

/**
 * The task's name: the node's and the tool's, joined. It must not collide
 * with a node name (an update stream keyed by name would mix them up) nor
 * with an `Object.prototype` key (LangGraph groups task outputs in a plain
 * object: a tool the model calls `toString` broke the run), and holds none
 * of the characters LangGraph reserves in names (`|`, `:`).
 */
function taskName(nodeName: string, toolName: string): string {
  return `${nodeName}.${toolName.replace(/[^A-Za-z0-9_.-]/g, "_")}`;
}

/**
 * Runs one call as a LangGraph task. LangGraph saves a finished task's
 * result as a pending write of the node's step (with the checkpointer); when
 * the node runs again for the same step - on resume after an interrupt, or
 * after a crash - the task returns that saved result instead of running the
 * tool again. An interrupt inside the tool belongs to this task alone, so
 * its resume value reaches this call.
 *
 * The task's result must survive serialization, so the call is settled into
 * its final ToolMessage (or the Command it returned) inside the task.
 *
 * LangGraph tells tasks apart by the order they are called in, so a call
 * resumed after an interrupt must call its task in its old place, which may
 * be before the scheduler lets it start (limits, `maxConcurrency`): then the
 * task waits for `turn` inside.
 */
export async function executeAsTask(
  call: PlannedCall,
  context: ExecutionContext,
  settle: (outcome: CallOutcome) => SettledCall,
  /** Resolves when the call may start: the task takes its place at once, and waits inside for its turn. */
  turn?: Promise<void>,
): Promise<SettledCall> {
  // Known only when the task runs in this process (not when its result is replayed).
  let error: ToolCallError | undefined;
  const run = task(taskName(context.nodeName, call.name), async (): Promise<PackedResult> => {
    // The task's own config (its checkpoint namespace, scratchpad and
    // callbacks) is what interrupt() and tracing inside the tool must see.
    const taskConfig = (AsyncLocalStorageProviderSingleton.getRunnableConfig() ?? {}) as NodeConfig;
    await turn;
    const settled = settle(await executeToolCall(call, { ...context, config: { ...context.config, ...taskConfig } }));
    if (settled.kind === "control") throw settled.thrown;
    if (settled.kind === "message") error = settled.error;
    return packSettled(settled);
  });
  try {
    const saved = settledFromPacked(await run());
    return saved.kind === "message" && error ? { ...saved, error } : saved;
  } catch (thrown) {
    return { kind: "control", thrown };
  }
}

/**
 * The task a call that interrupted outside a task stands in: it raises the
 * same interrupt from inside the task, so the interrupt gets the id of the
 * task that will run the call on resume (see call-journal.ts), without
 * running the tool a second time now.
 */
export async function raiseAsTask(call: PlannedCall, context: ExecutionContext, value: unknown): Promise<SettledCall> {
  const stand = task(taskName(context.nodeName, call.name), async (): Promise<PackedResult> => {
    interrupt(value);
    throw new Error("unreachable: interrupt() returned on the first run of a call's task");
  });
  try {
    return settledFromPacked(await stand());
  } catch (thrown) {
    return { kind: "control", thrown };
  }
}

/**
 * The ids LangGraph gives an `interrupt()` raised right in the node's own
 * context - by a tool that runs directly, not in a task or in a graph it
 * invokes. Read by raising one in a stand-in context (LangGraph derives the
 * id from the namespace and the number of answered interrupts), so that
 * only the public `interrupt()` is relied on.
 */
export function nodeInterruptIds(config: NodeConfig): ReadonlySet<string> {
  const c = config.configurable ?? {};
  const namespace = typeof c.checkpoint_ns === "string" ? c.checkpoint_ns : "";
  const resume = (c.__pregel_scratchpad as { resume?: unknown } | undefined)?.resume;
  const answered = Array.isArray(resume) ? resume.length : 0;
  const ids = new Set<string>();
  for (const count of new Set([0, answered])) {
    const probe = {
      configurable: {
        checkpoint_ns: namespace,
        __pregel_checkpointer: {},
        __pregel_scratchpad: {
          interruptCounter: count - 1,
          resume: new Array(count).fill(null),
          nullResume: undefined,
        },
      },
    };
    try {
      AsyncLocalStorageProviderSingleton.runWithConfig(probe, () => interrupt(null));
    } catch (thrown) {
      const id = interruptIdOf(thrown);
      if (id !== "") ids.add(id);
    }
  }
  return ids;
}

/** A Command as plain data (see {@link PackedResult}). */
interface PackedCommand {
  graph?: string;
  goto?: unknown;
  resume?: unknown;
  update?: unknown;
}

/**
 * What a call's task (or the journal) saves: its ToolMessage, or its Command
 * as plain data (a checkpointer brings a Command instance back as a plain
 * object, its messages and Sends not revived; this form revives - messages
 * by the checkpointer's serializer, Sends by the Command constructor). Two
 * levels deep on purpose: LangGraph's `messages` stream emits the messages a
 * task returns at the top level or one level down, under the task's name;
 * held deeper, the ToolMessage is emitted once, with the node's output,
 * under the node's name - as ToolNode's results are.
 */
export interface PackedResult {
  safe_tool_node: { message?: ToolMessage; command?: PackedCommand };
}

/** A settled call's ToolMessage or Command as a task saves it (control flow is never saved). */
export function packSettled(settled: Exclude<SettledCall, { kind: "control" }>): PackedResult {
  if (settled.kind === "message") return { safe_tool_node: { message: settled.message } };
  const { graph, goto, resume, update } = settled.command;
  return { safe_tool_node: { command: { graph, goto, resume, update } } };
}

/** The call a task saved, settled again: its ToolMessage, or its Command revived. */
export function settledFromPacked(value: PackedResult): SettledCall {
  const { message, command } = value.safe_tool_node;
  return command
    ? { kind: "command", command: new Command(command as ConstructorParameters<typeof Command>[0]) }
    : { kind: "message", message: message! };
}
