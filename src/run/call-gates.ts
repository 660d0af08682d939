/**
 * Limits per tool and ordering per key where each call runs on its own (the
 * createAgent middleware: one task per call, started in call order). Scoped
 * per turn - the calls of one AIMessage - in this process, like the node's
 * scheduler is per batch. A call waits only for calls of its turn that
 * started waiting before it (arrival is call order), so a call that never
 * arrives - answered elsewhere, or removed by another middleware - holds
 * nobody back.
 */
class TurnGate {
  active = 0;
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

export class CallGates {
  private readonly turns = new Map<string, TurnGate>();

  constructor(private readonly limitOf: (tool: string) => number | undefined) {}

  /** Runs `body` once the call's turn lets it: after the earlier calls of its key, within its tool's limit. */
  async run<T>(turn: string, tool: string, key: string | undefined, body: () => Promise<T>): Promise<T> {
    let gate = this.turns.get(turn);
    if (!gate) this.turns.set(turn, (gate = new TurnGate()));
    gate.active++;
    let finished!: () => void;
    const mine = new Promise<void>((resolve) => (finished = resolve));
    const before = key === undefined ? undefined : gate.lastOfKey.get(key);
    if (key !== undefined) gate.lastOfKey.set(key, mine);
    const limit = this.limitOf(tool);
    try {
      await before;
      await gate.acquire(tool, limit);
      try {
        return await body();
      } finally {
        gate.release(tool, limit);
      }
    } finally {
      finished();
      if (--gate.active === 0) this.turns.delete(turn);
    }
  }
}
