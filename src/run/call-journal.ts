/**
 * Durable mode without a LangGraph task per call. A task costs about 0.6 ms
 * of LangGraph's own CPU (a run tree, scheduling, a checkpoint write), which
 * made a durable batch of 100 quick calls three times ToolNode's cost. So
 * calls run directly, and what they return is journaled in groups - one
 * LangGraph task per group, whose saved result is the group - and read back
 * when the node runs again for the same step (a resume after an interrupt, a
 * restart after a crash).
 *
 * LangGraph tells a node's tasks apart by name and by the order they are
 * called in (a counter in the node's scratchpad, which tools that call
 * task() themselves advance too). So every task of the journal is called
 * through one promise chain, and each entry records the place its task
 * really took (`seq`):
 * - a group of finished calls: `{ done: [[call id, result], ...] }`;
 * - a marker `{ retry: call id }`: the next task is that call's own - a
 *   call whose tool uses LangGraph from inside (it runs there), or one that
 *   raised its own `interrupt()` directly (its task raises it again, so that
 *   the interrupt has that task's stable id);
 * - `{ skip }`: a place re-called on a later run that no entry holds (a
 *   write lost in a crash, or a task a tool called).
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
import { interruptIdOf, NOT_AN_INTERRUPT, singleInterruptValue } from "./control-flow.js";
import type { SettledCall } from "../update/to-tool-message.js";
import { nodeInterruptIds, packSettled, settledFromPacked, type PackedResult } from "./durable.js";
import type { NodeConfig } from "./execute-tool-call.js";

type JournalFields = { done: [string, PackedResult][] } | { retry: string } | { skip: true };
type JournalEntry = { owner: string; seq: number } & JournalFields;

/** Where LangGraph saves the pending writes of this node's step, read from the node's config. */
interface StepLocation {
  checkpointer: { getTuple(config: unknown): Promise<{ pendingWrites?: [string, string, unknown][] } | undefined> };
  config: { configurable: { thread_id: unknown; checkpoint_ns: string; checkpoint_id: string } };
  /** The node's task id: the same on every run of this step, and the owner of its entries. */
  owner: string;
  resuming: boolean;
  /**
   * The node's scratchpad: `callCounter` is the place the next task() call
   * of the node takes. A tool may call task() itself, in the node's context,
   * taking places too; so each entry records the place its task really got.
   */
  scratchpad: { callCounter: number };
}

/** The step's location, or undefined when the config does not say it (then the node keeps a task per call). */
export function stepLocation(config: NodeConfig): StepLocation | undefined {
  const c = config.configurable ?? {};
  const checkpointer = c.__pregel_checkpointer as StepLocation["checkpointer"] | undefined;
  const owner = c.__pregel_task_id;
  const namespace = typeof c.checkpoint_ns === "string" ? c.checkpoint_ns : undefined;
  const map = c.checkpoint_map as Record<string, unknown> | undefined;
  const scratchpad = c.__pregel_scratchpad as { callCounter?: unknown } | undefined;
  if (
    typeof scratchpad?.callCounter !== "number" ||
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
    scratchpad: scratchpad as StepLocation["scratchpad"],
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

/** What the direct run of a call gives when the tool used LangGraph from inside (see graph-context-guard.ts). */
export const USES_GRAPH: unique symbol = Symbol("uses LangGraph from inside");

/** A call's outcome replayed from the journal, or run in its own task during the replay. */
interface Replayed {
  settled: Promise<SettledCall>;
  /** True when read back: the call did not run in this node run. */
  readBack: boolean;
  /** Lets a resumed call's task, already in its place, start the call (once the scheduler says so). */
  start?: () => void;
}

/** Runs one call as its own LangGraph task, which waits for `turn` before it starts the call. */
export type RunAsTask = (call: PlannedCall, turn?: Promise<void>) => Promise<SettledCall>;

/** How the node runs each call in durable mode, and which results were only read back. */
export interface JournaledRun {
  run: (call: PlannedCall) => Promise<SettledCall>;
  readBack: (call: PlannedCall) => boolean;
  /**
   * True for a call that paused in an earlier run and is resumed now: it ran
   * in its key's order then, so it waits for limits only (never for its key).
   */
  resumed: (call: PlannedCall) => boolean;
}

/** The journal of one node run's batch. */
export class CallJournal {
  private chain: Promise<unknown> = Promise.resolve();
  private pending: [string, PackedResult][] = [];
  private flushing: Promise<unknown> | undefined;
  /** The journal tasks called so far, to await before the node returns. */
  private readonly called: Promise<unknown>[] = [];
  private interrupted = false;
  private tasksCalled = 0;
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
    private readonly runAsTask: RunAsTask,
    private readonly nodeConfig: NodeConfig,
    /** Lets the run's signal take `tasks` more task listeners (each task LangGraph runs adds one). */
    private readonly makeRoom: (tasks: number) => void,
  ) {
    this.name = `${nodeName}#journal`;
  }

  /** Calls a journal task holding `fields`, under the place it takes (read just before: task() takes it at once). */
  private entryTask(fields: JournalFields): Promise<unknown> {
    const entry = { owner: this.location.owner, seq: this.location.scratchpad.callCounter, ...fields } as JournalEntry;
    this.tookPlace();
    return task(this.name, async (): Promise<JournalEntry> => entry)();
  }

  /**
   * What earlier runs of this step journaled, by call id; empty on a first
   * run. Calls that interrupted get their own tasks here, in their places;
   * each task waits until the node starts its call (`start`), as the limits
   * and `maxConcurrency` allow. Their outcome (a result, or the interrupt
   * again) is in the map too, as is whether it was read back rather than run now.
   */
  private async replay(calls: readonly PlannedCall[]): Promise<Map<string, Replayed>> {
    const replayed = new Map<string, Replayed>();
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
      if ("done" in entry)
        for (const [id, packed] of entry.done)
          replayed.set(id, { settled: Promise.resolve(settledFromPacked(packed)), readBack: true });
    }
    // Call every place again, in order, so that the calls' own tasks get theirs
    // and new entries come after; a place an entry does not hold (a task a tool
    // called, or a write lost in a crash) is taken by a `skip`. The calls'
    // own tasks take their places now (task() takes its place when called) and wait to be started.
    const { scratchpad } = this.location;
    const called: Promise<unknown>[] = [];
    // Places before the counter were taken before the node ran (it was invoked inside another node).
    while (scratchpad.callCounter <= last) {
      const seq = scratchpad.callCounter;
      const before = entries.get(seq - 1);
      const call = before && "retry" in before ? byId.get(before.retry) : undefined;
      if (call) {
        let start!: () => void;
        const turn = new Promise<void>((resolve) => (start = resolve));
        this.tookPlace();
        replayed.set(call.id, { settled: this.runAsTask(call, turn), readBack: false, start });
        this.waitingToStart.add(start);
      } else called.push(this.entryTask(entries.get(seq) ?? { skip: true }));
      if (scratchpad.callCounter === seq) throw new Error("BUG: a journal task took no place");
    }
    await Promise.all(called);
    return replayed;
  }

  /**
   * How each call of `calls` runs in durable mode: replayed when an earlier
   * run of the step journaled it; else run directly (`runDirect`) and
   * journaled. A call that uses LangGraph from inside (`runDirect` gives
   * {@link USES_GRAPH}; `startsAsTask` knows its tool does) runs as its own
   * task, after a marker. A call that raises its own `interrupt()` directly
   * has it raised again from its own task (`raise`).
   */
  async runner(
    calls: readonly PlannedCall[],
    runDirect: (call: PlannedCall) => Promise<SettledCall | typeof USES_GRAPH>,
    raise: (call: PlannedCall, value: unknown) => Promise<SettledCall>,
    startsAsTask: (call: PlannedCall) => boolean,
  ): Promise<JournaledRun> {
    const replayed = await this.replay(calls);
    // Calls whose outcome is not known yet, the calls' own tasks of the replay included.
    let unsettled = calls.filter((call) => replayed.get(call.id)?.readBack !== true).length;
    const settle = (settled: SettledCall): SettledCall => {
      // The node will throw, writing no update: whatever is journaled must be, from now on.
      if (settled.kind === "control") this.interrupted = true;
      if (--unsettled === 0) this.closeSettled();
      return settled;
    };
    const runOnce = async (call: PlannedCall): Promise<SettledCall> => {
      if (startsAsTask(call)) return this.inOwnTask(call, this.runAsTask);
      const settled = await runDirect(call);
      if (settled === USES_GRAPH) return this.inOwnTask(call, this.runAsTask);
      if (settled.kind === "control") {
        const value = singleInterruptValue(settled.thrown);
        // Only the tool's own interrupt(), raised in the node's context, needs
        // raising again from a task of its own: there, concurrent calls share
        // one interrupt counter and one id. Other interrupts (from a tool that
        // is no tool() and ran a graph) are not journaled: the call runs
        // again where it ran now, directly. A ParentCommand ends the step.
        if (value === NOT_AN_INTERRUPT || !this.ownInterruptIds().has(interruptIdOf(settled.thrown))) return settled;
        return this.inOwnTask(call, (c) => raise(c, value));
      }
      await this.record(call, settled);
      return settled;
    };
    const run = async (call: PlannedCall): Promise<SettledCall> => {
      const earlier = replayed.get(call.id);
      if (earlier?.readBack) return earlier.settled;
      if (earlier?.start) this.started(earlier.start);
      return settle(await (earlier ? earlier.settled : runOnce(call)));
    };
    return {
      run,
      readBack: (call) => replayed.get(call.id)?.readBack === true,
      resumed: (call) => replayed.get(call.id)?.readBack === false,
    };
  }

  /** The resumed calls' tasks not started yet. */
  private readonly waitingToStart = new Set<() => void>();

  private started(start: () => void): void {
    this.waitingToStart.delete(start);
    start();
  }

  /** Counts the tasks this journal called; each adds a listener to the run's signal. */
  private tookPlace(): void {
    this.makeRoom(++this.tasksCalled);
  }

  private ownIds: ReadonlySet<string> | undefined;
  private ownInterruptIds(): ReadonlySet<string> {
    return (this.ownIds ??= nodeInterruptIds(this.nodeConfig));
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
          written = this.entryTask({ done });
          this.called.push(written);
        });
      this.flushing = flushing;
      // The chain goes on once the write is done; its failure is reported by drained().
      this.chain = flushing.then(() => written).catch(() => undefined);
    }
    return this.flushing;
  }

  /**
   * A call that runs as its own task (it uses LangGraph from inside, or its
   * interrupt is raised again there): after a marker saying so, its task
   * (`inTask`) takes the next place; on resume the replay runs the call in
   * that place again, where its saved result, its interrupts' ids and its
   * resume values are.
   */
  private inOwnTask(call: PlannedCall, inTask: (call: PlannedCall) => Promise<SettledCall>): Promise<SettledCall> {
    const started = this.chain.then(() => {
      // The marker and the call's own task are called together: the task takes the place after the marker's.
      this.called.push(this.entryTask({ retry: call.id }));
      this.tookPlace();
      return { running: inTask(call) };
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
    if (!this.interrupted) this.settledAll = true;
  }

  /** Resolves once every journal task has been called and has finished. */
  async drained(): Promise<void> {
    // Every resumed call is scheduled (a resumed call is never held back for
    // good); should one not have been, its task must still end, or the step
    // would wait for it forever.
    for (const start of [...this.waitingToStart]) this.started(start);
    // Once every call settled, a group still waiting for its turn writes nothing: no need to wait for it.
    if (!this.settledAll) await this.chain;
    await Promise.all(this.called);
  }
}
