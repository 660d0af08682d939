import { execFileSync } from "node:child_process";
import { join } from "node:path";

const DEFAULT_URL = "postgresql://postgres:postgres@127.0.0.1:5432/postgres";

async function reachable(url: string): Promise<string | undefined> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The PostgreSQL server for the crash tests: SAFE_TOOL_NODE_PG_URL, or a
 * local server on 127.0.0.1:5432, started with test/crash/start-postgres.sh
 * when it is installed but not running. `url` is undefined, with the reason,
 * only when no server can be reached or started.
 */
export async function postgresUrl(): Promise<{ url?: string; reason?: string }> {
  const url = process.env.SAFE_TOOL_NODE_PG_URL ?? DEFAULT_URL;
  if ((await reachable(url)) === undefined) return { url };
  if (process.env.SAFE_TOOL_NODE_PG_URL === undefined) {
    try {
      execFileSync("bash", [join(import.meta.dirname, "start-postgres.sh")], { stdio: "pipe", timeout: 60_000 });
    } catch {
      // reported below
    }
  }
  const error = await reachable(url);
  return error === undefined
    ? { url }
    : {
        reason: `no PostgreSQL server at ${url.replace(/:[^:@/]+@/, ":***@")} (${error}); run "bash test/crash/start-postgres.sh --install"`,
      };
}
