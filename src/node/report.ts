import { dispatchCustomEvent } from "@langchain/core/callbacks/dispatch/web";
import type { PlannedCall } from "../calls/call.js";
import type { ToolCallErrorKind } from "../errors.js";
import type { NodeConfig } from "../run/execute-tool-call.js";
import type { SettledCall } from "../update/to-tool-message.js";

/**
 * Written to LangGraph's custom stream (`streamMode: "custom"`) when a call
 * finishes, so a UI can show a long batch's progress.
 *
 * @example
 * ```ts
 * for await (const event of await graph.stream(input, { streamMode: "custom" })) {
 *   if ((event as ToolCallFinished).type === "safe_tool_node.call_finished") render(event);
 * }
 * ```
 */
export interface ToolCallFinished {
  /** Always `"safe_tool_node.call_finished"`, to tell it from other custom chunks. */
  type: "safe_tool_node.call_finished";
  /** The id the call's result carries. */
  toolCallId: string;
  /** The tool's name. */
  name: string;
  /** The status of the call's result. */
  status: "success" | "error";
  /** Why it failed, when the node knows (not after a replay from the checkpointer). */
  errorKind?: ToolCallErrorKind;
  /** From the call's start to its result, in milliseconds. */
  durationMs: number;
}

/**
 * The counts of one node run, dispatched as the custom event
 * `safe_tool_node_summary` (`on_custom_event` in `streamEvents`,
 * `handleCustomEvent` for callback handlers, an event on the run in LangSmith).
 *
 * @example
 * ```ts
 * // { calls: 5, succeeded: 3, failed: 2, timedOut: 1, cancelled: 0, rejected: 0, alreadyAnswered: 0 }
 * ```
 */
export interface ToolBatchSummary {
  /** Calls of the AIMessage the run answered. */
  calls: number;
  /** Calls answered with a success result. */
  succeeded: number;
  /** Every call answered with an error result, whatever the cause (timeouts included). */
  failed: number;
  /** Of the failed: timed out. */
  timedOut: number;
  /** Of the failed: cancelled by the run's abort. */
  cancelled: number;
  /** Of the failed: rejected by a human. */
  rejected: number;
  /** Calls that had a result before this run and were not run again. */
  alreadyAnswered: number;
}

/** The custom event name of {@link ToolBatchSummary}. */
export const SUMMARY_EVENT = "safe_tool_node_summary";

function describe(settled: SettledCall): { status: "success" | "error"; errorKind?: ToolCallErrorKind } | undefined {
  if (settled.kind === "control") return undefined; // paused or handed off: not finished
  if (settled.kind === "command") return { status: "success" };
  if (settled.error) return { status: "error", errorKind: settled.error.kind };
  return { status: settled.message.status === "error" ? "error" : "success" };
}

/** Reports each finished call to the custom stream, when the run has one. */
export function reportFinished(config: NodeConfig, call: PlannedCall, settled: SettledCall, startedAt: number): void {
  const writer = config.writer ?? config.configurable?.writer;
  if (typeof writer !== "function") return;
  const finished = describe(settled);
  if (!finished) return;
  const event: ToolCallFinished = {
    type: "safe_tool_node.call_finished",
    toolCallId: call.id,
    name: call.name,
    ...finished,
    durationMs: Date.now() - startedAt,
  };
  try {
    (writer as (chunk: unknown) => void)(event);
  } catch {
    // a failing stream consumer must not cost the call its result
  }
}

/**
 * True when a callback handler of the run takes custom events. Dispatching
 * costs a callback-manager setup, so a run nobody listens to skips it.
 */
function hasCustomEventListener(callbacks: NodeConfig["callbacks"]): boolean {
  if (!callbacks) return false;
  const handlers: unknown[] = Array.isArray(callbacks)
    ? callbacks
    : ((callbacks as { handlers?: unknown[] }).handlers ?? []);
  return handlers.some((handler) => !(handler as { ignoreCustomEvent?: boolean }).ignoreCustomEvent);
}

/** Dispatches the run's {@link ToolBatchSummary} to the callbacks, when the run has any (undefined: answered before). */
export async function reportSummary(config: NodeConfig, settled: readonly (SettledCall | undefined)[]): Promise<void> {
  if (!hasCustomEventListener(config.callbacks)) return;
  const summary: ToolBatchSummary = {
    calls: settled.length,
    succeeded: 0,
    failed: 0,
    timedOut: 0,
    cancelled: 0,
    rejected: 0,
    alreadyAnswered: 0,
  };
  for (const call of settled) {
    if (!call) {
      summary.alreadyAnswered += 1;
      continue;
    }
    const finished = describe(call);
    if (!finished) continue;
    if (finished.status === "success") summary.succeeded += 1;
    else summary.failed += 1;
    if (finished.errorKind === "timeout") summary.timedOut += 1;
    if (finished.errorKind === "cancelled") summary.cancelled += 1;
    if (finished.errorKind === "rejected") summary.rejected += 1;
  }
  try {
    await dispatchCustomEvent(SUMMARY_EVENT, summary, config);
  } catch {
    // no parent run to attach it to (a bare invoke): nothing to report to
  }
}
