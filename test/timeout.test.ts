import { getEventListeners } from "node:events";
import { ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  InvalidOptionsError,
  SafeToolNode,
  ToolCancelledError,
  ToolTimeoutError,
  type ToolCallError,
  type ToolCallFinished,
} from "../src/index.js";
import { aiWith, call, historyWith, weather } from "./helpers/fixtures.js";
import { expectValidAfter } from "./helpers/invariant.js";

function sleeper() {
  const aborted: string[] = [];
  const sleep = tool(
    ({ ms }, runtime) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => resolve(`slept ${ms}`), ms);
        runtime.signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          aborted.push(String(ms));
          reject(new Error("aborted"));
        });
      }),
    { name: "sleep", description: "Sleeps.", schema: z.object({ ms: z.number() }) },
  );
  return { sleep, aborted };
}

/** Ignores its signal entirely and never settles. */
const hang = tool(() => new Promise<string>(() => {}), { name: "hang", description: "Hangs.", schema: z.object({}) });

async function results(
  node: SafeToolNode,
  calls: ReturnType<typeof call>[],
  config?: { signal?: AbortSignal; writer?: (chunk: unknown) => void },
) {
  const history = historyWith(aiWith(calls));
  const after = await expectValidAfter(history, await node.invoke({ messages: history }, config));
  return after.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
}

describe("timeouts and cancellation (behaviour 7)", () => {
  it("aborts a slow tool through its signal and answers it with a timeout error; the others finish", async () => {
    const { sleep, aborted } = sleeper();
    const out = await results(new SafeToolNode([sleep, weather], { timeoutMs: 50 }), [
      call("sleep", { ms: 5_000 }, "slow"),
      call("sleep", { ms: 1 }, "fast"),
      call("get_weather", { city: "x" }, "w"),
    ]);
    expect(out.map((r) => [r.status, r.content])).toEqual([
      [
        "error",
        'Error: tool "sleep" timed out after 50 ms and was cancelled. Try again with a smaller request, or use another tool.',
      ],
      ["success", "slept 1"],
      ["success", "Sunny in x"],
    ]);
    expect(aborted).toEqual(["5000"]);
  });

  it("answers a tool that ignores its signal, on time", async () => {
    const started = Date.now();
    const out = await results(new SafeToolNode([hang, weather], { timeoutMs: 40 }), [
      call("hang", {}, "h"),
      call("get_weather", { city: "y" }, "w"),
    ]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(out.map((r) => r.status)).toEqual(["error", "success"]);
    expect(out[0]!.content).toMatch(/timed out after 40 ms/);
  });

  it("applies per-tool timeouts over the default", async () => {
    const { sleep } = sleeper();
    const seen: string[] = [];
    const out = await results(
      new SafeToolNode([sleep, hang], {
        timeoutMs: 10_000,
        toolTimeoutMs: { hang: 30 },
        handleToolErrors: (e) => {
          if (ToolTimeoutError.isInstance(e)) seen.push(`${e.toolName}:${e.timeoutMs}`);
          return e.message;
        },
      }),
      [call("hang", {}, "h"), call("sleep", { ms: 60 }, "s")],
    );
    expect(seen).toEqual(["hang:30"]);
    expect(out.map((r) => r.status)).toEqual(["error", "success"]);
  });

  it("cancels running tools when the run's signal aborts, and still answers every call", async () => {
    const { sleep, aborted } = sleeper();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user pressed stop")), 30);
    const out = await results(
      new SafeToolNode([sleep, hang]),
      [call("sleep", { ms: 5_000 }, "s"), call("hang", {}, "h")],
      {
        signal: controller.signal,
      },
    );
    expect(out.map((r) => r.status)).toEqual(["error", "error"]);
    expect(out.every((r) => /was cancelled before it finished/.test(r.content as string))).toBe(true);
    expect(aborted).toEqual(["5000"]);
  });

  it("does not start tools when the run is already aborted", async () => {
    let ran = false;
    const spy = tool(async () => ((ran = true), "ran"), { name: "spy", description: "Spy.", schema: z.object({}) });
    const controller = new AbortController();
    controller.abort();
    const out = await results(new SafeToolNode([spy]), [call("spy", {}, "c1")], { signal: controller.signal });
    expect(ran).toBe(false);
    expect(out[0]!.status).toBe("error");
  });

  it("rejects unusable timeouts", () => {
    expect(() => new SafeToolNode([], { timeoutMs: 0 })).toThrow(InvalidOptionsError);
    expect(() => new SafeToolNode([weather], { toolTimeoutMs: { get_weather: -5 } })).toThrow(
      /toolTimeoutMs\.get_weather/,
    );
  });
});

describe("the run's signal, shared by every call of the batch", () => {
  it("tells the handler why the run was cancelled, whether it was aborted before the calls or while they ran", async () => {
    const before = new AbortController();
    const stop = new Error("user pressed stop");
    before.abort(stop);
    const seen: ToolCallError[] = [];
    const handleToolErrors = (error: ToolCallError) => (seen.push(error), error.message);
    await results(new SafeToolNode([weather], { handleToolErrors }), [call("get_weather", { city: "x" }, "w")], {
      signal: before.signal,
    });
    const during = new AbortController();
    const shutdown = new Error("server shutting down");
    // the hanging tool aborts the run itself, so the moment is fixed, not a matter of time
    const stopper = tool(
      () => {
        queueMicrotask(() => during.abort(shutdown));
        return new Promise<string>(() => {});
      },
      { name: "stopper", description: "Stops the run.", schema: z.object({}) },
    );
    await results(new SafeToolNode([stopper], { handleToolErrors }), [call("stopper", {}, "s")], {
      signal: during.signal,
    });
    expect(seen.map((e) => [ToolCancelledError.isInstance(e), e.toolCallId, e.cause])).toEqual([
      [true, "w", stop],
      [true, "s", shutdown],
    ]);
  });

  it("still cancels a running call when the run aborts after a sibling has finished", async () => {
    const controller = new AbortController();
    // the run aborts the moment the quick call is reported finished
    const writer = (chunk: unknown) => {
      if ((chunk as ToolCallFinished).toolCallId === "quick") controller.abort(new Error("stop"));
    };
    const out = await results(
      // the timeout only ends the test if the cancellation never comes
      new SafeToolNode([weather, hang], { toolTimeoutMs: { hang: 1_000 } }),
      [call("get_weather", { city: "x" }, "quick"), call("hang", {}, "slow")],
      { signal: controller.signal, writer },
    );
    expect(out.map((r) => [r.tool_call_id, r.status, r.content])).toEqual([
      ["quick", "success", "Sunny in x"],
      ["slow", "error", 'Error: tool "hang" was cancelled before it finished. Its outcome is unknown.'],
    ]);
  });

  it("gives the tool a signal only when a timeout or the run's signal can stop its call (ToolNode gives none either)", async () => {
    const seen: boolean[] = [];
    const probe = tool(async (_args, runtime) => (seen.push(runtime.signal instanceof AbortSignal), "ok"), {
      name: "probe",
      description: "Says whether it got a signal.",
      schema: z.object({}),
    });
    await results(new SafeToolNode([probe]), [call("probe", {}, "c1")]);
    await results(new SafeToolNode([probe], { timeoutMs: 60_000 }), [call("probe", {}, "c2")]);
    await results(new SafeToolNode([probe]), [call("probe", {}, "c3")], { signal: new AbortController().signal });
    expect(seen).toEqual([false, true, true]);
  });

  it("leaves no listener on the caller's signal once the batch is answered", async () => {
    const controller = new AbortController();
    await results(
      new SafeToolNode([weather, hang], { toolTimeoutMs: { hang: 20 } }),
      [call("get_weather", { city: "x" }, "w1"), call("get_weather", { city: "y" }, "w2"), call("hang", {}, "h")],
      { signal: controller.signal },
    );
    expect(getEventListeners(controller.signal, "abort")).toEqual([]);
  });
});
