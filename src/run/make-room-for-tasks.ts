import { getMaxListeners, setMaxListeners } from "node:events";

/**
 * LangGraph (through core's `raceWithSignal`) puts one abort listener on the
 * run's signal for every task it runs, so a batch of more than 10 calls as
 * tasks (or Sends) would make Node warn of a leak that is none. This signal
 * alone - the one the tasks share, never a global default - is told to
 * expect that many. The listeners go when the tasks end.
 */
export function makeRoomForTasks(signal: AbortSignal | undefined, tasks: number): void {
  if (!signal || tasks <= 1) return;
  const limit = getMaxListeners(signal);
  if (limit !== 0 && limit < tasks + 10) setMaxListeners(tasks + 10, signal);
}
