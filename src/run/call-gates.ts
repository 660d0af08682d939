/**
 * Limits per tool and ordering per key where each call runs on its own (the
 * createAgent middleware: one task per call, started in call order). Scoped
 * per turn - the calls of one AIMessage - in this process, like the node's
 * scheduler is per batch. A call waits only for calls of its turn that
 * started waiting before it (arrival is call order), so a call that never
 * arrives - answered elsewhere, or removed by another middleware - holds
 * nobody back.
 */
import { isGraphControlFlow } from "./control-flow.js";

class TurnGate {
  active = 0;
  /** Keys whose call paused the turn (an interrupt): the calls after it must not run before it resumes. */
  readonly pausedKeys = new Set<string>();
  /** Per key: the promise that the last arrived call of that key has finished. */
  readonly lastOfKey = new Map<string, Promise<void>>();
  private readonly running = new Map<string, number>();
  private readonly queued = new Map<string, (() => void)[]>();

  async acquire(tool: string, limit: number | undefined): Promise<void> {
    if (limit === undefined) return;
    const running = this.running.get(tool) ?? 0;
    if (running < limit) {
      this.running.set(tool, running + 1);
      return;
    }
    // Woken by release(), which hands its place over (the count stays the same).
    await new Promise<void>((wake) => this.queued.set(tool, [...(this.queued.get(tool) ?? []), wake]));
  }

  release(tool: string, limit: number | undefined): void {
    if (limit === undefined) return;
    const next = this.queued.get(tool)?.shift();
    if (next) next();
    else this.running.set(tool, (this.running.get(tool) ?? 1) - 1);
  }
}

/** One call at the gates of its turn. */
export interface GatedCall<T> {
  /** The run step's shared object (the signal its tasks share); undefined when there is none. */
  scope: object | undefined;
  /** The turn: the calls of one AIMessage. */
  turn: string;
  tool: string;
  key: string | undefined;
  /** Runs the call. */
  body: () => Promise<T>;
  /** Whether a result paused the turn (an interrupt). */
  paused: (result: T) => boolean;
  /**
   * The answer for a call whose key's earlier call paused: it must not run
   * before that call resumes, and its own task cannot wait that long, so it
   * is answered as not run and the model can call it again.
   */
  whenPaused: () => T;
}

export class CallGates {
  /** Per run step (the signal its tasks share) when known, so that unrelated runs never meet. */
  private readonly scoped = new WeakMap<object, Map<string, TurnGate>>();
  private readonly unscoped = new Map<string, TurnGate>();

  constructor(private readonly limitOf: (tool: string) => number | undefined) {}

  /**
   * Runs the call's `body` once its turn lets it: after the earlier calls of
   * its key, within its tool's limit; or answers it `whenPaused`, without
   * running it, when an earlier call of its key paused.
   */
  async run<T>({ scope, turn, tool, key, body, paused, whenPaused }: GatedCall<T>): Promise<T> {
    let turns = scope ? this.scoped.get(scope) : this.unscoped;
    if (!turns) this.scoped.set(scope!, (turns = new Map()));
    let gate = turns.get(turn);
    if (!gate) turns.set(turn, (gate = new TurnGate()));
    gate.active++;
    let finished!: () => void;
    const mine = new Promise<void>((resolve) => (finished = resolve));
    const before = key === undefined ? undefined : gate.lastOfKey.get(key);
    if (key !== undefined) gate.lastOfKey.set(key, mine);
    const limit = this.limitOf(tool);
    try {
      await before;
      if (key !== undefined && gate.pausedKeys.has(key)) return whenPaused();
      await gate.acquire(tool, limit);
      try {
        const result = await body();
        if (key !== undefined && paused(result)) gate.pausedKeys.add(key);
        return result;
      } catch (thrown) {
        if (key !== undefined && isGraphControlFlow(thrown)) gate.pausedKeys.add(key);
        throw thrown;
      } finally {
        gate.release(tool, limit);
      }
    } finally {
      finished();
      if (--gate.active === 0) turns.delete(turn);
    }
  }
}
