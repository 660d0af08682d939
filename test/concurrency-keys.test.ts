/**
 * Limits per tool (`concurrency`) and ordering per key (`concurrencyKey`):
 * what ran at once, in which order, and that the history stays valid when a
 * queued call times out, is cancelled, or its key cannot be read.
 */
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, END, MemorySaver, MessagesAnnotation, START, StateGraph, interrupt } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createAgent, createMiddleware } from "langchain";
import { InvalidOptionsError, SafeToolNode, safeToolsFanOut } from "../src/index.js";
import { safeToolMiddleware } from "../src/middleware.js";
import { ScriptedChatModel } from "../src/testing.js";
import { aiWith, call, historyWith, invalidCall } from "./helpers/fixtures.js";
import { expectValidAfter, expectValidHistory } from "./helpers/invariant.js";

/** Tools that sleep `ms` and record each call's start and end, in the order they happen. */
function recordingTools(names: string[], ms = 15) {
  const events: { at: "start" | "end"; tool: string; id: string; path?: string }[] = [];
  const tools = names.map((name) =>
    tool(
      async ({ path }, runtime) => {
        const id = String((runtime as { toolCall?: { id?: string } }).toolCall?.id);
        events.push({ at: "start", tool: name, id, path });
        await new Promise((resolve) => setTimeout(resolve, ms));
        events.push({ at: "end", tool: name, id, path });
        return `${name} ${path ?? ""}`.trim();
      },
      { name, description: name, schema: z.object({ path: z.string().optional() }) },
    ),
  );
  /** The most calls running at once among those `pick` selects. */
  const peak = (pick: (e: (typeof events)[number]) => boolean) => {
    let running = 0;
    let most = 0;
    for (const e of events.filter(pick)) {
      running += e.at === "start" ? 1 : -1;
      most = Math.max(most, running);
    }
    return most;
  };
  /** The calls of one path, in the order they started. */
  const startsOf = (path: string) => events.filter((e) => e.path === path && e.at === "start").map((e) => e.id);
  /** The calls that started before any call ended, sorted. */
  const firstWave = () =>
    events
      .slice(
        0,
        events.findIndex((e) => e.at === "end"),
      )
      .map((e) => e.id)
      .sort();
  return { tools, events, peak, startsOf, firstWave };
}

const results = (messages: BaseMessage[]) => messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));

describe("concurrency: limits per tool", () => {
  it("runs at most the tool's limit at once, and the node-wide cap bounds the total", async () => {
    const { tools, peak } = recordingTools(["write_file", "search", "read"]);
    const calls = [
      ...Array.from({ length: 5 }, (_, i) => call("write_file", { path: `f${i}` }, `w${i}`)),
      ...Array.from({ length: 8 }, (_, i) => call("search", {}, `s${i}`)),
      ...Array.from({ length: 6 }, (_, i) => call("read", {}, `r${i}`)),
    ];
    const node = new SafeToolNode(tools, { concurrency: { write_file: 1, search: 3 }, maxConcurrency: 6 });
    const history = historyWith(aiWith(calls));
    const out = await node.invoke({ messages: history });
    const after = await expectValidAfter(history, out);
    expect(results(after).map((r) => r.tool_call_id)).toEqual(calls.map((c) => c.id));
    expect(peak((e) => e.tool === "write_file")).toBe(1);
    expect(peak((e) => e.tool === "search")).toBe(3);
    expect(peak(() => true)).toBe(6);
  });

  it("refuses limits that are not whole numbers of at least 1, or name no tool", () => {
    const { tools } = recordingTools(["search"]);
    expect(() => new SafeToolNode(tools, { concurrency: { search: 0 } })).toThrow(InvalidOptionsError);
    expect(() => new SafeToolNode(tools, { concurrency: { search: 1.5 } })).toThrow(/concurrency\.search/);
    expect(() => new SafeToolNode(tools, { concurrency: { serch: 1 } })).toThrow(/did you mean "search"/);
    expect(() => new SafeToolNode(tools, { concurrencyKey: "path" as never })).toThrow(/concurrencyKey/);
  });
});

describe("concurrency: ordering per key", () => {
  const byPath = (c: { name: string; args: Record<string, unknown> }) =>
    c.name === "write_file" ? String(c.args.path) : undefined;

  it("runs calls sharing a key one at a time, in call order; other keys and unkeyed calls do not wait", async () => {
    const { tools, events, peak } = recordingTools(["write_file", "read"]);
    const calls = [
      call("write_file", { path: "a" }, "a1"),
      call("write_file", { path: "b" }, "b1"),
      call("write_file", { path: "a" }, "a2"),
      call("read", {}, "r1"),
      call("write_file", { path: "a" }, "a3"),
      call("write_file", { path: "b" }, "b2"),
    ];
    const history = historyWith(aiWith(calls));
    const out = await new SafeToolNode(tools, { concurrencyKey: byPath }).invoke({ messages: history });
    const after = await expectValidAfter(history, out);
    expect(results(after).map((r) => r.content)).toEqual([
      "write_file a",
      "write_file b",
      "write_file a",
      "read",
      "write_file a",
      "write_file b",
    ]);
    expect(peak((e) => e.path === "a")).toBe(1);
    expect(peak((e) => e.path === "b")).toBe(1);
    // Within a key, in call order: each starts after the one before it ended.
    const starts = (path: string) => events.filter((e) => e.path === path && e.at === "start").map((e) => e.id);
    expect(starts("a")).toEqual(["a1", "a2", "a3"]);
    expect(starts("b")).toEqual(["b1", "b2"]);
    // Nobody waits behind another key: the first call of each key, and the unkeyed read, start before any call ends.
    const firstEnd = events.findIndex((e) => e.at === "end");
    const startedBeforeAnyEnd = events.slice(0, firstEnd).map((e) => e.id);
    expect(startedBeforeAnyEnd.sort()).toEqual(["a1", "b1", "r1"]);
  });

  it.each([
    [
      "throws",
      () => () => {
        throw new Error("no path");
      },
    ],
    ["returns a number", () => () => 42 as never],
    ["returns a Promise", () => async () => "a"],
    [
      "returns a revoked Proxy (which throws when looked at)",
      () => {
        const revocable = Proxy.revocable({}, {});
        revocable.revoke();
        return () => revocable.proxy as never;
      },
    ],
  ] as const)("answers a call whose key function %s as not run, and holds no other call back", async (_label, make) => {
    const { tools, events } = recordingTools(["write_file", "read"]);
    const bad = make();
    const keyOf = (c: { id?: string; name: string; args: Record<string, unknown> }) =>
      c.id === "w2" ? (bad as unknown as (c: unknown) => string)(c) : byPath(c);
    const calls = [
      call("write_file", { path: "a" }, "w1"),
      call("write_file", { path: "a" }, "w2"),
      call("read", {}, "r1"),
    ];
    const history = historyWith(aiWith(calls));
    const out = await new SafeToolNode(tools, { concurrencyKey: keyOf }).invoke({ messages: history });
    const after = await expectValidAfter(history, out);
    const [w1, w2, r1] = results(after);
    expect(w1!.content).toBe("write_file a");
    expect(w2!.status).toBe("error");
    expect(String(w2!.content)).toBe(
      'Error: the call to "write_file" was not run: the node could not tell which calls it must wait for. Call the tool again if it is still needed.',
    );
    expect(r1!.content).toBe("read");
    expect(events.filter((e) => e.at === "start").map((e) => e.id)).not.toContain("w2");
  });

  it("counts a call's timeout from when it starts running, not from when it was queued", async () => {
    const { tools } = recordingTools(["write_file"], 30);
    const calls = Array.from({ length: 10 }, (_, i) => call("write_file", { path: "same" }, `w${i}`));
    const history = historyWith(aiWith(calls));
    // The last call starts after about 270 ms in the queue; its own 30 ms fit well in the 200 ms timeout.
    const out = await new SafeToolNode(tools, { concurrencyKey: byPath, timeoutMs: 200 }).invoke({
      messages: history,
    });
    const after = await expectValidAfter(history, out);
    expect(results(after).map((r) => r.status)).toEqual(calls.map(() => "success"));
  });

  it("answers a queued call that times out once it runs, and the calls behind it in its key still run", async () => {
    const starts: string[] = [];
    const writeFile = tool(
      ({ path }, runtime) =>
        new Promise<string>((resolve) => {
          const id = String((runtime as { toolCall?: { id?: string } }).toolCall?.id);
          starts.push(id);
          if (id === "w2") runtime.signal?.addEventListener("abort", () => resolve("stopped"));
          else setTimeout(() => resolve(`wrote ${path}`), 5);
        }),
      { name: "write_file", description: "w", schema: z.object({ path: z.string() }) },
    );
    const calls = [1, 2, 3].map((i) => call("write_file", { path: "same" }, `w${i}`));
    const history = historyWith(aiWith(calls));
    const out = await new SafeToolNode([writeFile], { concurrencyKey: byPath, timeoutMs: 100 }).invoke({
      messages: history,
    });
    const after = await expectValidAfter(history, out);
    const answers = results(after);
    expect(answers.map((r) => r.status)).toEqual(["success", "error", "success"]);
    expect(String(answers[1]!.content)).toMatch(/timed out after 100 ms/);
    expect(starts).toEqual(["w1", "w2", "w3"]);
  });

  it("answers every queued call as cancelled when the run is cancelled, and the history stays valid", async () => {
    let started = 0;
    const hang = tool(
      (_args, runtime) =>
        new Promise<string>((resolve) => {
          started++;
          runtime.signal?.addEventListener("abort", () => resolve("stopped"));
        }),
      { name: "write_file", description: "w", schema: z.object({ path: z.string() }) },
    );
    const calls = [1, 2, 3].map((i) => call("write_file", { path: "same" }, `w${i}`));
    const history = historyWith(aiWith(calls));
    const controller = new AbortController();
    const pending = new SafeToolNode([hang], { concurrencyKey: byPath }).invoke(
      { messages: history },
      { signal: controller.signal },
    );
    while (started === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const after = await expectValidAfter(history, await pending);
    const answers = results(after);
    expect(answers.map((r) => r.tool_call_id)).toEqual(["w1", "w2", "w3"]);
    for (const r of answers) expect(String(r.content)).toMatch(/cancelled/);
    expect(started).toBe(1);
  });

  it("keeps the order per key in durable mode, with a checkpointer", async () => {
    const { tools, peak, startsOf } = recordingTools(["write_file"]);
    const calls = ["a", "b", "a", "a", "b"].map((path, i) => call("write_file", { path }, `w${i}`));
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", new SafeToolNode(tools, { concurrencyKey: byPath }))
      .addEdge(START, "tools")
      .compile({ checkpointer: new MemorySaver() });
    const { messages } = await graph.invoke(
      { messages: historyWith(aiWith(calls)) },
      { configurable: { thread_id: "keys-durable" } },
    );
    await expectValidHistory(messages);
    expect(peak((e) => e.path === "a")).toBe(1);
    expect(startsOf("a")).toEqual(["w0", "w2", "w3"]);
    expect(peak(() => true)).toBe(2);
  });
});

describe("concurrency keys and calls that never run", () => {
  it("answers an invalid or cut-off call with its own reason, without asking a key function that cannot read it", async () => {
    const { tools } = recordingTools(["write_file"]);
    const asked: string[] = [];
    // a key function written for well-formed calls: it throws on missing arguments
    const keyOf = (c: { id?: string; args: Record<string, unknown> }) => {
      asked.push(String(c.id));
      return (c.args.path as string).toUpperCase();
    };
    const node = new SafeToolNode(tools, { concurrencyKey: keyOf });
    const ai = new AIMessage({
      id: "ai-invalid-keys",
      content: "",
      tool_calls: [call("write_file", { path: "a" }, "w1")],
      invalid_tool_calls: [invalidCall("write_file", '{"path":', "w2")],
    });
    const history = [new HumanMessage({ content: "go", id: "h" }), ai];
    const after = await expectValidAfter(history, await node.invoke({ messages: history }));
    const answers = results(after);
    expect(answers.map((m) => m.tool_call_id)).toEqual(["w1", "w2"]);
    expect(answers[0]!.content).toBe("write_file a");
    expect(String(answers[1]!.content)).toMatch(/Unexpected end of JSON input/);
    expect(String(answers[1]!.content)).not.toMatch(/not run/);
    expect(asked).toEqual(["w1"]);
  });
});

describe("concurrency in the createAgent middleware (each call its own task)", () => {
  const byPath = (c: { name: string; args: Record<string, unknown> }) =>
    c.name === "write_file" ? String(c.args.path) : undefined;

  it("runs one call at a time per key in call order, and the tool's limit, within the turn; the rest side by side", async () => {
    const { tools, peak, startsOf, firstWave } = recordingTools(["write_file", "search"]);
    const calls = [
      call("write_file", { path: "a" }, "a1"),
      call("write_file", { path: "b" }, "b1"),
      call("search", {}, "s1"),
      call("write_file", { path: "a" }, "a2"),
      call("search", {}, "s2"),
      call("write_file", { path: "a" }, "a3"),
      call("search", {}, "s3"),
    ];
    const agent = createAgent({
      model: new ScriptedChatModel({ responses: [aiWith(calls), "done"] }),
      tools,
      middleware: [safeToolMiddleware({ concurrencyKey: byPath, concurrency: { search: 2 } })],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.tool_call_id)).toEqual(calls.map((c) => c.id));
    expect(peak((e) => e.path === "a")).toBe(1);
    expect(startsOf("a")).toEqual(["a1", "a2", "a3"]);
    expect(peak((e) => e.tool === "search")).toBe(2);
    // b1 and the first searches do not wait behind key a.
    expect(firstWave()).toEqual(["a1", "b1", "s1", "s2"]);
  });

  it("answers a call whose key cannot be read as not run, and runs the others", async () => {
    const { tools, events } = recordingTools(["write_file"]);
    const calls = [call("write_file", { path: "a" }, "w1"), call("write_file", { path: "a" }, "w2")];
    const agent = createAgent({
      model: new ScriptedChatModel({ responses: [aiWith(calls), "done"] }),
      tools,
      middleware: [
        safeToolMiddleware({
          concurrencyKey: (c) => {
            if (c.id === "w1") throw new Error("no key");
            return byPath(c);
          },
        }),
      ],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.status)).toEqual(["error", "success"]);
    expect(events.filter((e) => e.at === "start").map((e) => e.id)).toEqual(["w2"]);
  });

  it("asks the key function only about calls that run (not an invalid or cut-off call), so their answers keep the reason", async () => {
    const { tools } = recordingTools(["write_file"]);
    const asked: string[] = [];
    // throws for a call without a path, as an invalid call's empty arguments have none
    const keyOf = (c: { id?: string; args: Record<string, unknown> }) => (
      asked.push(String(c.id)),
      (c.args.path as string).toUpperCase()
    );
    const turn = () =>
      new AIMessage({
        id: "m1",
        content: "",
        tool_calls: [call("write_file", { path: "a" }, "w1"), call("write_file", { path: "b" }, "w3")],
        invalid_tool_calls: [invalidCall("write_file", '{"path":', "w2")],
        response_metadata: { finish_reason: "length" },
      });
    const agent = createAgent({
      model: new ScriptedChatModel({ responses: [turn(), "done"] }),
      tools,
      middleware: [safeToolMiddleware({ concurrencyKey: keyOf })],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(results(messages).map((r) => [r.tool_call_id, r.status])).toEqual([
      ["w1", "success"],
      ["w3", "error"],
      ["w2", "error"],
    ]);
    expect(results(messages)[1]!.content).toMatch(/cut off by the output token limit/);
    expect(results(messages)[2]!.content).toMatch(/could not be parsed/);
    expect(asked).toEqual(["w1"]);
  });

  it("does not make the calls of two agents that share the middleware wait for each other, even when the run's signal is not handed on", async () => {
    const noSignal = createMiddleware({
      name: "NoSignal",
      wrapToolCall: (request, handler) => handler({ ...request, runtime: { ...request.runtime, signal: undefined } }),
    });
    const shared = safeToolMiddleware({ concurrencyKey: byPath });
    /** Runs two agents at once, each with one call of key "a"; each call waits (at most a second) for the other to start. */
    const runTwo = async (turns: [aiId: string, callId: string][]) => {
      let started = 0;
      let release!: () => void;
      const bothStarted = new Promise<void>((resolve) => (release = resolve));
      const writeFile = tool(
        async () => {
          if (++started === 2) release();
          await Promise.race([bothStarted, new Promise((resolve) => setTimeout(resolve, 1000))]);
          return `${started} started`;
        },
        { name: "write_file", description: "w", schema: z.object({ path: z.string() }) },
      );
      const answered = await Promise.all(
        turns.map(([aiId, callId]) =>
          createAgent({
            model: new ScriptedChatModel({
              responses: [aiWith([call("write_file", { path: "a" }, callId)], [], { id: aiId }), "done"],
            }),
            tools: [writeFile],
            middleware: [noSignal, shared],
          }).invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] }),
        ),
      );
      for (const { messages } of answered) await expectValidHistory(messages);
      return answered.map(({ messages }) => results(messages)[0]!.content);
    };
    // other AIMessage ids with the same call ids, and the same AIMessage id with other call ids
    expect(
      await runTwo([
        ["r1", "w1"],
        ["r2", "w1"],
      ]),
    ).toEqual(["2 started", "2 started"]);
    expect(
      await runTwo([
        ["same", "w1"],
        ["same", "w2"],
      ]),
    ).toEqual(["2 started", "2 started"]);
  });

  it("applies a key function given alone, and a tool's limit given alone", async () => {
    const keyed = recordingTools(["write_file"]);
    const keyedCalls = [
      call("write_file", { path: "a" }, "a1"),
      call("write_file", { path: "b" }, "b1"),
      call("write_file", { path: "a" }, "a2"),
    ];
    const keyedAgent = createAgent({
      model: new ScriptedChatModel({ responses: [aiWith(keyedCalls), "done"] }),
      tools: keyed.tools,
      middleware: [safeToolMiddleware({ concurrencyKey: byPath })],
    });
    await expectValidHistory(
      (await keyedAgent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] })).messages,
    );
    expect(keyed.peak((e) => e.path === "a")).toBe(1);
    expect(keyed.startsOf("a")).toEqual(["a1", "a2"]);
    expect(keyed.firstWave()).toEqual(["a1", "b1"]);

    const limited = recordingTools(["search"]);
    const limitedCalls = [call("search", {}, "s1"), call("search", {}, "s2"), call("search", {}, "s3")];
    const limitedAgent = createAgent({
      model: new ScriptedChatModel({ responses: [aiWith(limitedCalls), "done"] }),
      tools: limited.tools,
      middleware: [safeToolMiddleware({ concurrency: { search: 2 } })],
    });
    const { messages } = await limitedAgent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.content)).toEqual(["search", "search", "search"]);
    expect(limited.peak((e) => e.tool === "search")).toBe(2);
  });

  it("answers a call whose key's earlier call paused as not run, and runs the paused call on resume", async () => {
    const writes: number[] = [];
    const writeFile = tool(
      async ({ n }) => {
        if (n === 1) interrupt(`approve write ${n}?`);
        writes.push(n);
        return `wrote ${n}`;
      },
      { name: "write_file", description: "w", schema: z.object({ path: z.string(), n: z.number() }) },
    );
    const calls = [call("write_file", { path: "a", n: 1 }, "w1"), call("write_file", { path: "a", n: 2 }, "w2")];
    const agent = createAgent({
      model: new ScriptedChatModel({ responses: [aiWith(calls), "done"] }),
      tools: [writeFile],
      middleware: [safeToolMiddleware({ concurrencyKey: byPath })],
      checkpointer: new MemorySaver(),
    });
    const config = { configurable: { thread_id: "middleware-key-paused" } };
    const first = (await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] }, config)) as {
      __interrupt__?: unknown[];
    };
    expect(first.__interrupt__).toHaveLength(1);
    expect(writes).toEqual([]);
    const done = await agent.invoke(new Command({ resume: "yes" }), config);
    await expectValidHistory(done.messages);
    expect(writes).toEqual([1]);
    expect(results(done.messages).map((r) => [r.tool_call_id, r.status])).toEqual([
      ["w1", "success"],
      ["w2", "error"],
    ]);
    expect(String(results(done.messages)[1]!.content)).toMatch(
      /^Error: the call to "write_file" was not run: it must run after an earlier call that is paused/,
    );
  });
});

describe("concurrency in fan-out mode (each call a Send, its own node run)", () => {
  const byPath = (c: { name: string; args: Record<string, unknown> }) =>
    c.name === "write_file" ? String(c.args.path) : undefined;

  it.each([false, true])(
    "orders calls per key and keeps the tool's limit across the Sends of a turn (checkpointer: %s)",
    async (checkpointer) => {
      const { tools, peak, startsOf, firstWave } = recordingTools(["write_file", "search"]);
      const calls = [
        call("write_file", { path: "a" }, "a1"),
        call("search", {}, "s1"),
        call("write_file", { path: "a" }, "a2"),
        call("write_file", { path: "b" }, "b1"),
        call("search", {}, "s2"),
        call("write_file", { path: "a" }, "a3"),
        call("search", {}, "s3"),
      ];
      const graph = new StateGraph(MessagesAnnotation)
        .addNode("tools", new SafeToolNode(tools, { concurrencyKey: byPath, concurrency: { search: 1 } }))
        .addConditionalEdges(START, safeToolsFanOut("tools"), ["tools", END])
        .compile(checkpointer ? { checkpointer: new MemorySaver() } : {});
      const { messages } = await graph.invoke(
        { messages: historyWith(aiWith(calls)) },
        { configurable: { thread_id: `keys-fan-out-${checkpointer}` } },
      );
      await expectValidHistory(messages);
      expect(peak((e) => e.path === "a")).toBe(1);
      expect(startsOf("a")).toEqual(["a1", "a2", "a3"]);
      expect(peak((e) => e.tool === "search")).toBe(1);
      expect(firstWave()).toEqual(["a1", "b1", "s1"]);
    },
  );
});

describe("concurrency keys across an interrupt, and between unrelated runs (found by an outside check)", () => {
  const byPath = (c: { name: string; args: Record<string, unknown> }) =>
    c.name === "write_file" ? String(c.args.path) : undefined;

  /** write_file asks before its first write (n = 1), and records every write in order. */
  function askingWriter() {
    const writes: number[] = [];
    const writeFile = tool(
      async ({ n }) => {
        if (n === 1) interrupt(`approve write ${n}?`);
        writes.push(n);
        return `wrote ${n}`;
      },
      { name: "write_file", description: "w", schema: z.object({ path: z.string(), n: z.number() }) },
    );
    return { writes, writeFile };
  }
  const turn = () =>
    aiWith([call("write_file", { path: "a", n: 1 }, "w1"), call("write_file", { path: "a", n: 2 }, "w2")]);

  it.each(["batch", "fan-out"] as const)(
    "does not let a later call of a key run before an earlier one that paused (%s)",
    async (mode) => {
      const { writes, writeFile } = askingWriter();
      const options = { concurrencyKey: byPath };
      const builder = new StateGraph(MessagesAnnotation).addNode("tools", new SafeToolNode([writeFile], options));
      const graph = (
        mode === "fan-out"
          ? builder.addConditionalEdges(START, safeToolsFanOut("tools"), ["tools", END])
          : builder.addEdge(START, "tools")
      ).compile({ checkpointer: new MemorySaver() });
      const config = { configurable: { thread_id: `keys-pause-${mode}` } };
      const first = (await graph.invoke({ messages: historyWith(turn()) }, config)) as {
        __interrupt__?: { id: string }[];
      };
      expect(writes).toEqual([]);
      const done = await graph.invoke(new Command({ resume: { [first.__interrupt__![0]!.id]: "yes" } }), config);
      await expectValidHistory(done.messages);
      const answers = results(done.messages);
      expect(answers.map((r) => r.tool_call_id)).toEqual(["w1", "w2"]);
      if (mode === "fan-out") {
        // Its own Send could not wait for the resume: it is answered as not run, and the model can call it again.
        expect(writes).toEqual([1]);
        expect(String(answers[1]!.content)).toMatch(/must run after an earlier call that is paused/);
      } else expect(writes).toEqual([1, 2]);
    },
  );

  it("does not make two unrelated runs with the same AIMessage ids wait for each other (fan-out, no checkpointer)", async () => {
    let running = 0;
    let peak = 0;
    const slow = tool(
      async () => {
        peak = Math.max(peak, ++running);
        await new Promise((resolve) => setTimeout(resolve, 30));
        running--;
        return "ok";
      },
      { name: "write_file", description: "w", schema: z.object({ path: z.string() }) },
    );
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", new SafeToolNode([slow], { concurrencyKey: byPath }))
      .addConditionalEdges(START, safeToolsFanOut("tools"), ["tools", END])
      .compile();
    // The same AIMessage id in both (a forked or replayed thread, a scripted model).
    const history = () => historyWith(aiWith([call("write_file", { path: "a" }, "w1")], [], { id: "same-ai" }));
    await Promise.all([graph.invoke({ messages: history() }), graph.invoke({ messages: history() })]);
    expect(peak).toBe(2);
  });
});

describe("concurrency on resume: calls that paused wait for their limits again (found by an outside check)", () => {
  /** write_file asks first, then writes (sleeping), recording when each write starts and ends. */
  function askingThenWriting() {
    const events: { at: "start" | "end"; n: number }[] = [];
    const writeFile = tool(
      async ({ n }) => {
        interrupt(`write ${n}?`);
        events.push({ at: "start", n });
        await new Promise((resolve) => setTimeout(resolve, 15));
        events.push({ at: "end", n });
        return `wrote ${n}`;
      },
      { name: "write_file", description: "w", schema: z.object({ path: z.string(), n: z.number() }) },
    );
    // Reads record as n = 0.
    const reads = tool(
      async () => {
        events.push({ at: "start", n: 0 });
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push({ at: "end", n: 0 });
        return "read";
      },
      { name: "read_file", description: "r", schema: z.object({}) },
    );
    /** The most writes (or, with `reads`, calls) running at once. */
    const peak = (count: "writes" | "calls" = "writes") => {
      let running = 0;
      let most = 0;
      for (const e of events.filter((e) => count === "calls" || e.n > 0))
        most = Math.max(most, (running += e.at === "start" ? 1 : -1));
      return most;
    };
    return { events, tools: [writeFile, reads], peak };
  }
  const turn = () =>
    aiWith([
      call("write_file", { path: "a", n: 1 }, "w1"),
      call("read_file", {}, "r1"),
      call("write_file", { path: "b", n: 2 }, "w2"),
      call("write_file", { path: "c", n: 3 }, "w3"),
    ]);

  it.each([
    ["a per-tool limit", { concurrency: { write_file: 1 } }],
    ["maxConcurrency", { maxConcurrency: 1 }],
    ["a per-tool limit with keys", { concurrency: { write_file: 1 }, concurrencyKey: () => undefined }],
  ] as const)("keeps %s among the resumed calls, in call order", async (_, options) => {
    const { events, tools, peak } = askingThenWriting();
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", new SafeToolNode(tools, options))
      .addEdge(START, "tools")
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: `resume-limits-${JSON.stringify(options)}` } };
    const first = (await graph.invoke({ messages: historyWith(turn()) }, config)) as {
      __interrupt__?: { id: string }[];
    };
    expect(first.__interrupt__).toHaveLength(3);
    const resume = Object.fromEntries(first.__interrupt__!.map((i) => [i.id, "yes"]));
    const done = await graph.invoke(new Command({ resume }), config);
    await expectValidHistory(done.messages);
    expect(results(done.messages).map((r) => r.content)).toEqual(["wrote 1", "read", "wrote 2", "wrote 3"]);
    expect(peak()).toBe(1);
    expect(events.filter((e) => e.at === "start" && e.n > 0).map((e) => e.n)).toEqual([1, 2, 3]);
  });

  it("keeps one call at a time per key on resume, beside a call of the key read back from the journal", async () => {
    // Key B: w1 finishes in the first pass, ask pauses, w3 waits for it. On
    // resume w1 is read back; it must not free the key while ask runs.
    const { tools, events, peak } = askingThenWriting();
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", new SafeToolNode(tools, { concurrencyKey: () => "B" }))
      .addEdge(START, "tools")
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "resume-key-beside-read-back" } };
    const turn = aiWith([
      call("read_file", {}, "r1"),
      call("write_file", { path: "a", n: 2 }, "w2"),
      call("read_file", {}, "r3"),
    ]);
    const first = (await graph.invoke({ messages: historyWith(turn) }, config)) as {
      __interrupt__?: { id: string }[];
    };
    expect(first.__interrupt__).toHaveLength(1);
    const done = await graph.invoke(new Command({ resume: { [first.__interrupt__![0]!.id]: "yes" } }), config);
    await expectValidHistory(done.messages);
    expect(results(done.messages).map((r) => r.content)).toEqual(["read", "wrote 2", "read"]);
    expect(peak("calls")).toBe(1);
    // The first pass ran r1; the resume runs w2, then r3 after it.
    expect(events.map((e) => `${e.at} ${e.n}`)).toEqual(["start 0", "end 0", "start 2", "end 2", "start 0", "end 0"]);
  });

  it("resumes a call whose answer comes in a later round, behind a limit, without running it twice", async () => {
    const { events, tools } = askingThenWriting();
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", new SafeToolNode(tools, { concurrency: { write_file: 1 } }))
      .addEdge(START, "tools")
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "resume-limits-rounds" } };
    const first = (await graph.invoke({ messages: historyWith(turn()) }, config)) as {
      __interrupt__?: { id: string; value: string }[];
    };
    // Answer the second write only: the other two ask again, the second writes.
    const second = first.__interrupt__!.find((i) => i.value === "write 2?")!;
    const again = (await graph.invoke(new Command({ resume: { [second.id]: "yes" } }), config)) as {
      __interrupt__?: { id: string }[];
    };
    expect(again.__interrupt__).toHaveLength(2);
    const done = await graph.invoke(
      new Command({ resume: Object.fromEntries(again.__interrupt__!.map((i) => [i.id, "yes"])) }),
      config,
    );
    await expectValidHistory(done.messages);
    expect(results(done.messages).map((r) => r.content)).toEqual(["wrote 1", "read", "wrote 2", "wrote 3"]);
    expect(events.filter((e) => e.at === "start" && e.n > 0).map((e) => e.n)).toEqual([2, 1, 3]);
  });
});

describe("concurrency options beside approvals", () => {
  it("refuses requireApproval with concurrency or concurrencyKey, saying why (an outside check sent an approval to another call)", () => {
    const { tools } = recordingTools(["write_file"]);
    for (const extra of [{ concurrency: { write_file: 1 } }, { concurrencyKey: () => "k" }]) {
      expect(() => new SafeToolNode(tools, { requireApproval: ["write_file"], ...extra })).toThrow(InvalidOptionsError);
      expect(() => new SafeToolNode(tools, { requireApproval: ["write_file"], ...extra })).toThrow(
        /the order the tasks start in/,
      );
    }
    expect(() => new SafeToolNode(tools, { requireApproval: ["write_file"], maxConcurrency: 1 })).not.toThrow();
  });
});
