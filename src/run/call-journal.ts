/**
 * Durable mode without a LangGraph task per call. A task costs about 0.6 ms
 * of LangGraph's own CPU (a run tree, scheduling, a checkpoint write), which
 * made a durable batch of 100 quick calls three times ToolNode's cost. So
 * calls run directly, and what they return is journaled in groups - one
 * LangGraph task per group, whose saved result is the group - and read back
 * when the node runs again for the same step (a resume after an interrupt, a
 * restart after a crash).
 *
 * LangGraph tells a node's tasks apart by the order they are called in. So
 * every task of the journal is called through one promise chain, and each
 * entry records its place in that order (`seq`):
 * - a group of finished calls: `{ done: [[call id, result], ...] }`;
 * - a marker `{ retry: call id }`: the call interrupted (`interrupt()`)
 *   outside a task, and the next task is that call's own, which raises the
 *   interrupt again so that it has that task's stable id;
 * - `{ skip }`: a place re-called on a later run, whose entry was not saved.
 *
 * Reading back: the saved entries come from the checkpointer (all of them,
 * in whatever order their writes landed - a crash may lose a later group's
 * write and keep an earlier one's, or the other way round). The node then
 * calls the same places again in order: a saved place returns at once
 * without running; a call's own task (after a marker) runs the call, which
 * gets its resume value; so new entries go after all the old ones. A call
 * that finished but was not yet journaled when the process died runs
 * again, as a call whose task had not saved its result did before.
 */
import { task } from "@langchain/langgraph";
import type { PlannedCall } from "../calls/call.js";
import { isInterrupt, NOT_AN_INTERRUPT, singleInterruptValue } from "./control-flow.js";
import type { SettledCall } from "../update/to-tool-message.js";
import { packSettled, settledFromPacked, type PackedResult } from "./durable.js";
import type { NodeConfig } from "./execute-tool-call.js";

type JournalEntry = { owner: string; seq: number } & (
  { done: [string, PackedResult][] } | { retry: string } | { skip: true }
);

/** Where LangGraph saves the pending writes of this node's step, read from the node's config. */
interface StepLocation {
  checkpointer: { getTuple(config: unknown): Promise<{ pendingWrites?: [string, string, unknown][] } | undefined> };
  config: { configurable: { thread_id: unknown; checkpoint_ns: string; checkpoint_id: string } };
  /** The node's task id: the same on every run of this step, and the owner of its entries. */
  owner: string;
  resuming: boolean;
}

/** The step's location, or undefined when the config does not say it (then the node keeps a task per call). */
export function stepLocation(config: NodeConfig): StepLocation | undefined {
  const c = config.configurable ?? {};
  const checkpointer = c.__pregel_checkpointer as StepLocation["checkpointer"] | undefined;
  const owner = c.__pregel_task_id;
  const namespace = typeof c.checkpoint_ns === "string" ? c.checkpoint_ns : undefined;
  const map = c.checkpoint_map as Record<string, unknown> | undefined;
  if (
    !checkpointer ||
    typeof checkpointer.getTuple !== "function" ||
    typeof owner !== "string" ||
    namespace === undefined ||
    !map
  )
    return undefined;
  const parent = namespace.split("|").slice(0, -1).join("|");
  const checkpointId = map[parent];
  if (typeof checkpointId !== "string") return undefined;
  return {
    checkpointer,
    config: { configurable: { thread_id: c.thread_id, checkpoint_ns: parent, checkpoint_id: checkpointId } },
    owner,
    resuming: c.__pregel_resuming === true,
  };
}

function isEntry(value: unknown, owner: string): value is JournalEntry {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { owner?: unknown }).owner === owner &&
    typeof (value as { seq?: unknown }).seq === "number"
  );
}

/** The journal of one node run's batch. */
export class CallJournal {
  private chain: Promise<unknown> = Promise.resolve();
  private pending: [string, PackedResult][] = [];
  private flushing: Promise<unknown> | undefined;
  /** The journal tasks called so far, to await before the node returns. */
  private readonly called: Promise<unknown>[] = [];
  private seq = 0;
  private retried = false;
  private settledAll = false;
  private readonly name: string;

  /**
   * @param nodeName The node's name. The journal's task is `<node>#journal`:
   * task names made from tool names never hold `#`, so no tool collides.
   * @param runAsTask Runs one call as its own LangGraph task.
   */
  constructor(
    nodeName: string,
    private readonly location: StepLocation,
    private readonly runAsTask: (call: PlannedCall) => Promise<SettledCall>,
  ) {
    this.name = `${nodeName}#journal`;
  }

  private entryTask(entry: JournalEntry): Promise<unknown> {
    return task(this.name, async (): Promise<JournalEntry> => entry)();
  }

  /**
   * What earlier runs of this step journaled, by call id; empty on a first
   * run. Calls that interrupted are run here, in their place, as their own
   * tasks; their outcome (a result, or the interrupt again) is in the map too.
   */
  private async replay(calls: readonly PlannedCall[]): Promise<Map<string, SettledCall>> {
    const replayed = new Map<string, SettledCall>();
    if (!this.location.resuming) return replayed;
    const { owner } = this.location;
    const tuple = await this.location.checkpointer.getTuple(this.location.config);
    const entries = new Map<number, JournalEntry>();
    for (const [, channel, value] of tuple?.pendingWrites ?? []) {
      if (channel === "__return__" && isEntry(value, owner)) entries.set(value.seq, value);
    }
    if (entries.size === 0) return replayed;
    const byId = new Map(calls.map((call) => [call.id, call]));
    // A marker in the last place means the call's own task took the place after it.
    const top = Math.max(...entries.keys());
    const last = top + ("retry" in entries.get(top)! ? 1 : 0);
    for (const entry of entries.values()) {
      if ("done" in entry) for (const [id, packed] of entry.done) replayed.set(id, settledFromPacked(packed));
    }
    // Call every place again, in order, so that the calls' own tasks get theirs and new entries come after.
    for (let seq = 0; seq <= last; seq++) {
      const before = entries.get(seq - 1);
      const call = before && "retry" in before ? byId.get(before.retry) : undefined;
      if (call) replayed.set(call.id, await this.runAsTask(call));
      else await this.entryTask(entries.get(seq) ?? { owner, seq, skip: true });
    }
    this.seq = last + 1;
    return replayed;
  }

  /**
   * How each call of `calls` runs in durable mode: replayed when an earlier
   * run of the step journaled it; else run directly (`runDirect`) and
   * journaled. A call that interrupts outside a task is raised again from
   * its own task (`raise`, for a single interrupt), or, for several
   * interrupts at once (a graph the tool ran), run again there, so that its
   * interrupts have stable ids. A ParentCommand is returned as it is.
   */
  async runner(
    calls: readonly PlannedCall[],
    runDirect: (call: PlannedCall) => Promise<SettledCall>,
    raise: (call: PlannedCall, value: unknown) => Promise<SettledCall>,
  ): Promise<(call: PlannedCall) => Promise<SettledCall>> {
    const replayed = await this.replay(calls);
    let unsettled = calls.filter((call) => !replayed.has(call.id)).length;
    return async (call) => {
      const earlier = replayed.get(call.id);
      if (earlier) return earlier;
      const settled = await runDirect(call);
      if (--unsettled === 0 && settled.kind !== "control") this.closeSettled();
      if (settled.kind === "control") {
        // A ParentCommand ends the step for good (the parent carries it out),
        // so nothing will resume it: it goes up as it is.
        if (!isInterrupt(settled.thrown)) return settled;
        const value = singleInterruptValue(settled.thrown);
        return this.retryAsTask(call, value === NOT_AN_INTERRUPT ? this.runAsTask : (c) => raise(c, value));
      }
      await this.record(call, settled);
      return settled;
    };
  }

  /** Journals a finished call; resolves once its group's task has been called. */
  private record(call: PlannedCall, settled: Exclude<SettledCall, { kind: "control" }>): Promise<unknown> {
    this.pending.push([call.id, packSettled(settled)]);
    // Group commit: while one group's write is in flight, the calls that
    // finish join the next group, which is written once that write is done
    // (and the event loop has had a turn, so calls finishing together share
    // it). A batch then costs a few writes, however many calls it has, and a
    // result waits for at most one write before it is saved.
    if (!this.flushing) {
      let written: Promise<unknown> = Promise.resolve();
      const flushing = this.chain
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(() => {
          this.flushing = undefined;
          const done = this.pending;
          this.pending = [];
          if (done.length === 0 || this.settledAll) return;
          written = this.entryTask({ owner: this.location.owner, seq: this.seq++, done });
          this.called.push(written);
        });
      this.flushing = flushing;
      // The chain goes on once the write is done; its failure is reported by drained().
      this.chain = flushing.then(() => written).catch(() => undefined);
    }
    return this.flushing;
  }

  /**
   * A call that interrupted outside a task: after a marker saying so, its
   * own task raises the interrupt again (`raise`), so that the interrupt's id
   * is that task's; on resume the replay runs the call in that task.
   */
  private retryAsTask(call: PlannedCall, raise: (call: PlannedCall) => Promise<SettledCall>): Promise<SettledCall> {
    this.retried = true;
    const started = this.chain.then(() => {
      this.called.push(this.entryTask({ owner: this.location.owner, seq: this.seq++, retry: call.id }));
      this.seq++; // the call's own task takes the next place
      return { running: raise(call) };
    });
    this.chain = started;
    return started.then(({ running }) => running);
  }

  /**
   * Every call of the batch has its result, and none interrupted: the
   * node's own update, written as it returns, holds them all, so results
   * not journaled yet need no task of their own. (A batch of quick calls
   * then costs no journal task at all.)
   */
  private closeSettled(): void {
    if (!this.retried) this.settledAll = true;
  }

  /** Resolves once every journal task has been called and has finished. */
  async drained(): Promise<void> {
    // Once every call settled, a group still waiting for its turn writes nothing: no need to wait for it.
    if (!this.settledAll) await this.chain;
    await Promise.all(this.called);
  }
}
