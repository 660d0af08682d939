import { ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SafeToolNode } from "../src/index.js";
import { aiWith, call, historyWith } from "./helpers/fixtures.js";
import { expectValidAfter } from "./helpers/invariant.js";

/** A tool whose calls finish when the test releases them, recording what ran at once. */
function gatedTool() {
  const started: string[] = [];
  const release = new Map<string, (value: string) => void>();
  let running = 0;
  let peak = 0;
  const gated = tool(
    ({ v }) =>
      new Promise<string>((resolve) => {
        started.push(v);
        running += 1;
        peak = Math.max(peak, running);
        release.set(v, (value) => {
          running -= 1;
          resolve(value);
        });
      }),
    { name: "gated", description: "Waits.", schema: z.object({ v: z.string() }) },
  );
  return { gated, started, release, peak: () => peak };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("concurrency and order (behaviour 2)", () => {
  it("starts every call before any finishes, and returns results in call order whatever the finish order", async () => {
    const { gated, started, release } = gatedTool();
    const calls = ["a", "b", "c", "d"].map((v) => call("gated", { v }, `id_${v}`));
    const history = historyWith(aiWith(calls));
    const pending = new SafeToolNode([gated]).invoke({ messages: history });
    for (let i = 0; i < 10 && started.length < 4; i++) await tick();
    expect(started).toEqual(["a", "b", "c", "d"]);
    for (const v of ["d", "b", "a", "c"]) {
      release.get(v)!(`done ${v}`);
      await tick();
    }
    const after = await expectValidAfter(history, await pending);
    expect(after.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual([
      "done a",
      "done b",
      "done c",
      "done d",
    ]);
  });

  it("caps how many calls run at once with maxConcurrency", async () => {
    const { gated, started, release, peak } = gatedTool();
    const values = Array.from({ length: 7 }, (_, i) => String(i));
    const history = historyWith(aiWith(values.map((v) => call("gated", { v }, `id_${v}`))));
    const pending = new SafeToolNode([gated], { maxConcurrency: 2 }).invoke({ messages: history });
    const done = new Set<string>();
    while (done.size < values.length) {
      await tick();
      expect(started.length - done.size).toBeLessThanOrEqual(2);
      const next = started.find((v) => !done.has(v));
      if (next !== undefined) {
        done.add(next);
        release.get(next)!(`done ${next}`);
      }
    }
    const after = await expectValidAfter(history, await pending);
    expect(peak()).toBe(2);
    expect(after.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual(
      values.map((v) => `done ${v}`),
    );
  });

  it("one failure never costs another call its result", async () => {
    const flaky = tool(
      async ({ n }) => {
        await new Promise((r) => setTimeout(r, (n % 3) * 2));
        if (n % 2 === 0) throw new Error(`even ${n}`);
        return `odd ${n}`;
      },
      { name: "flaky", description: "Fails on even numbers.", schema: z.object({ n: z.number() }) },
    );
    const calls = Array.from({ length: 10 }, (_, n) => call("flaky", { n }, `c${n}`));
    const history = historyWith(aiWith(calls));
    const after = await expectValidAfter(
      history,
      await new SafeToolNode([flaky], { maxConcurrency: 3 }).invoke({ messages: history }),
    );
    const results = after.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
    expect(results.map((r) => r.status)).toEqual(calls.map((_, n) => (n % 2 === 0 ? "error" : "success")));
    expect(results[1]!.content).toBe("odd 1");
  });

  it("rejects unusable concurrency limits", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => new SafeToolNode([], { maxConcurrency: bad })).toThrow(/maxConcurrency/);
    }
  });
});
