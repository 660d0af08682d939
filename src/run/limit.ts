/**
 * Runs the given task factories with at most `concurrency` in flight, and
 * returns their results in input order. `Infinity` starts them all at once.
 * Tasks must not reject (execute-tool-call settles every failure into an
 * outcome), so there is no error plumbing here.
 */
export async function runLimited<T>(tasks: readonly (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  if (concurrency >= tasks.length) return Promise.all(tasks.map((task) => task()));
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}
