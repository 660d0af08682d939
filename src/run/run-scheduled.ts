import { runLimited } from "./limit.js";

/** One call to run, with what may hold it back. */
export interface ScheduledJob<T> {
  run: () => Promise<T>;
  /** The tool it calls, and how many calls of that tool may run at once (undefined: no limit of its own). */
  tool?: string;
  toolLimit?: number;
  /** Calls with the same key run one at a time, in the order given. */
  key?: string;
  /**
   * A call resumed after it paused: it is never held, since its task waits
   * for it to be started (holding it would leave that task waiting). It
   * waits for its limits, and while another call of its key runs.
   */
  resumed?: boolean;
}

/**
 * Runs the jobs and returns their results in input order: at most
 * `maxConcurrency` at once in all, at most `toolLimit` of one tool, and one
 * at a time per key, in input order. A job starts as soon as nothing holds it
 * back - a job never waits behind another key, or behind a full tool it
 * does not call. A result that `halts` (a call that paused) holds its key:
 * the key's later jobs do not run, and get `held`. Jobs must not reject
 * (calls settle every failure into an outcome).
 */
export function runScheduled<T>(
  jobs: readonly ScheduledJob<T>[],
  maxConcurrency: number,
  halts: (result: T) => boolean = () => false,
  held?: T,
): Promise<T[]> {
  if (jobs.every((job) => job.key === undefined && job.toolLimit === undefined))
    return runLimited(
      jobs.map((job) => job.run),
      maxConcurrency,
    );
  return new Promise((resolve) => {
    const results = new Array<T>(jobs.length);
    const waiting = jobs.map((_, index) => index);
    const runningByTool = new Map<string, number>();
    // Keys with a job running (one at most each), and keys whose job paused.
    const runningKeys = new Set<string>();
    const haltedKeys = new Set<string>();
    const add = (counts: Map<string, number>, name: string, by: number) =>
      counts.set(name, (counts.get(name) ?? 0) + by);
    let running = 0;
    let left = jobs.length;
    if (left === 0) resolve(results);

    const start = (index: number) => {
      const job = jobs[index]!;
      running++;
      if (job.tool !== undefined) add(runningByTool, job.tool, 1);
      if (job.key !== undefined) runningKeys.add(job.key);
      void job.run().then((result) => {
        results[index] = result;
        running--;
        if (job.tool !== undefined) add(runningByTool, job.tool, -1);
        if (job.key !== undefined) runningKeys.delete(job.key);
        if (job.key !== undefined && halts(result)) haltedKeys.add(job.key);
        if (--left === 0) resolve(results);
        else pump();
      });
    };

    // Starts, in input order, every waiting job that nothing holds back.
    const pump = () => {
      // The jobs of a halted key get `held`, without running.
      for (let at = 0; at < waiting.length;) {
        const job = jobs[waiting[at]!]!;
        if (job.key === undefined || job.resumed || !haltedKeys.has(job.key)) {
          at++;
          continue;
        }
        results[waiting.splice(at, 1)[0]!] = held as T;
        left--;
      }
      if (left === 0) return resolve(results);
      // A key whose earlier job still waits: its later jobs must not overtake it.
      const heldKeys = new Set<string>();
      for (let at = 0; at < waiting.length && running < maxConcurrency;) {
        const job = jobs[waiting[at]!]!;
        const toolFull = job.toolLimit !== undefined && (runningByTool.get(job.tool!) ?? 0) >= job.toolLimit;
        // A halted key holds back its later jobs for good; a resumed job waits only while its key runs.
        const keyBusy =
          job.key !== undefined &&
          (runningKeys.has(job.key) || heldKeys.has(job.key) || (!job.resumed && haltedKeys.has(job.key)));
        if (toolFull || keyBusy) {
          if (job.key !== undefined) heldKeys.add(job.key);
          at++;
          continue;
        }
        start(waiting.splice(at, 1)[0]!);
      }
    };
    pump();
  });
}
