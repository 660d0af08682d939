import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { RunnableLambda } from "@langchain/core/runnables";
import { DynamicStructuredTool, DynamicTool, StructuredTool, tool, type ToolRuntime } from "@langchain/core/tools";
import {
  END,
  InMemoryStore,
  MessagesAnnotation,
  MessagesZodState,
  START,
  Send,
  StateGraph,
  type LangGraphRunnableConfig,
} from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { z as z3 } from "zod/v3";
import {
  InvalidNodeInputError,
  SafeToolNode,
  repairToolResults,
  safePostModelHook,
  safeToolsCondition,
  safeToolsFanOut,
  validateToolResults,
} from "../src/index.js";
import { aiWith, call, historyWith, invalidCall, openAIStyleAI, weather } from "./helpers/fixtures.js";
import { applyOutput, expectValidAfter, expectValidHistory } from "./helpers/invariant.js";

/** A scripted model node: returns the next AIMessage of the script on each visit. */
function scriptedAgent(script: AIMessage[]) {
  let turn = 0;
  return async () => ({ messages: [script[turn++] ?? new AIMessage("done")] });
}

describe("as a StateGraph node", () => {
  it("replaces ToolNode in a MessagesAnnotation agent loop, answering broken calls", async () => {
    const script = [
      openAIStyleAI([call("get_weather", { city: "Rome" }, "c1")], [invalidCall("get_weather", '{"city":', "c2")]),
      new AIMessage({ content: "It is sunny in Rome.", id: "final" }),
    ];
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", scriptedAgent(script))
      .addNode("tools", new SafeToolNode([weather]))
      .addEdge(START, "agent")
      .addConditionalEdges("agent", safeToolsCondition, ["tools", END])
      .addEdge("tools", "agent")
      .compile();
    const { messages } = await graph.invoke({ messages: [new HumanMessage("weather?")] });
    await expectValidHistory(messages);
    expect(messages.map((m) => m.getType())).toEqual(["human", "ai", "tool", "tool", "ai"]);
    expect(messages.filter((m) => AIMessage.isInstance(m))).toHaveLength(2);
  });

  it("works with a Zod state schema and hands tools the graph state", async () => {
    // MessagesZodState is a zod v3 schema in @langchain/langgraph 1.x.
    const State = MessagesZodState.extend({ userId: z3.string() });
    const whoami = tool(async (_args, runtime: ToolRuntime) => `user ${(runtime.state as { userId: string }).userId}`, {
      name: "whoami",
      description: "Who is the user?",
      schema: z.object({}),
    });
    const graph = new StateGraph(State)
      .addNode("tools", new SafeToolNode([whoami]))
      .addEdge(START, "tools")
      .compile();
    const out = await graph.invoke({ messages: historyWith(aiWith([call("whoami", {}, "c1")])), userId: "u-42" });
    await expectValidHistory(out.messages);
    expect(out.messages.at(-1)!.content).toBe("user u-42");
  });

  it("gives tools the same runtime as ToolNode: state, toolCallId, config, context, store, writer", async () => {
    const seen: Record<string, unknown> = {};
    const inspect = tool(
      async (_args, runtime: ToolRuntime) => {
        seen.toolCallId = runtime.toolCallId;
        seen.stateMessages = (runtime.state as { messages: BaseMessage[] }).messages.length;
        seen.threadId = runtime.config.configurable?.thread_id;
        seen.context = runtime.context;
        seen.store = await (runtime.store as unknown as InMemoryStore).get(["prefs"], "colour");
        (runtime.writer as (chunk: unknown) => void)({ progress: "half" });
        seen.signal = runtime.signal instanceof AbortSignal;
        return "inspected";
      },
      { name: "inspect", description: "Inspect.", schema: z.object({}) },
    );
    const store = new InMemoryStore();
    await store.put(["prefs"], "colour", { value: "blue" });
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", new SafeToolNode([inspect]))
      .addEdge(START, "tools")
      .compile({ store });
    const custom: unknown[] = [];
    const stream = await graph.stream(
      { messages: historyWith(aiWith([call("inspect", {}, "call_rt")])) },
      { configurable: { thread_id: "th-1" }, context: { tenant: "acme" }, streamMode: ["custom", "values"] },
    );
    for await (const [mode, chunk] of stream) if (mode === "custom") custom.push(chunk);
    expect(seen).toMatchObject({
      toolCallId: "call_rt",
      stateMessages: 2,
      threadId: "th-1",
      context: { tenant: "acme" },
      signal: true,
    });
    expect((seen.store as { value: unknown }).value).toEqual({ value: "blue" });
    // the tool's own chunk, then SafeToolNode's progress event for the call
    expect(custom).toEqual([
      { progress: "half" },
      expect.objectContaining({ type: "safe_tool_node.call_finished", toolCallId: "call_rt" }),
    ]);
  });

  it("answers one call from a Send payload { ...state, lg_tool_call }, without passing lg_tool_call to tools", async () => {
    let stateKeys: string[] = [];
    const look = tool(
      async ({ q }, runtime: ToolRuntime) => {
        stateKeys = Object.keys(runtime.state as object);
        return `looked ${q}`;
      },
      { name: "look", description: "Look.", schema: z.object({ q: z.string() }) },
    );
    const ai = aiWith([call("look", { q: "a" }, "c1"), call("look", { q: "b" }, "c2"), call("nope", {}, "c3")]);
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", () => ({}))
      .addNode("tools", new SafeToolNode([look]))
      .addEdge(START, "agent")
      .addConditionalEdges("agent", (state) =>
        (state.messages.at(-1) as AIMessage).tool_calls!.map((tc) => new Send("tools", { ...state, lg_tool_call: tc })),
      )
      .compile();
    const out = await graph.invoke({ messages: historyWith(ai) });
    await expectValidHistory(out.messages);
    expect(out.messages.slice(-3).map((m) => (m as ToolMessage).status)).toEqual(["success", "success", "error"]);
    expect(stateKeys).toEqual(["messages"]);
  });

  it("answers an invalid call sent on its own through Send", async () => {
    const node = new SafeToolNode([weather]);
    const sent = {
      type: "invalid_tool_call",
      id: "bad1",
      name: "get_weather",
      args: '{"city":',
      error: "Unexpected end of JSON input",
    };
    const out = (await node.invoke({ messages: [], lg_tool_call: sent })) as { messages: ToolMessage[] };
    expect(out.messages.map((m) => [m.tool_call_id, m.status])).toEqual([["bad1", "error"]]);
    expect(out.messages[0]!.content).toMatch(/could not be parsed: Unexpected end of JSON input/);
  });

  it("does not run a Send's call again when its result already follows the AIMessage", async () => {
    let runs = 0;
    const once = tool(async () => `run ${++runs}`, { name: "once", description: "o", schema: z.object({}) });
    const history = [
      ...historyWith(aiWith([call("once", {}, "c1")])),
      new ToolMessage({ content: "run 0", tool_call_id: "c1", name: "once", id: "t-c1" }),
    ];
    const out = await new SafeToolNode([once]).invoke({ messages: history, lg_tool_call: call("once", {}, "c1") });
    expect(out).toEqual({ messages: [] });
    expect(runs).toBe(0);
  });

  it("routes a turn with only invalid calls to the tools node, where toolsCondition would end", async () => {
    const script = [
      openAIStyleAI([], [invalidCall("get_weather", "{", "c1")]),
      new AIMessage({ content: "ok", id: "end" }),
    ];
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", scriptedAgent(script))
      .addNode("run_tools", new SafeToolNode([weather]))
      .addEdge(START, "agent")
      .addConditionalEdges("agent", safeToolsCondition("run_tools"), ["run_tools", END])
      .addEdge("run_tools", "agent")
      .compile();
    const { messages } = await graph.invoke({ messages: [new HumanMessage("go")] });
    await expectValidHistory(messages);
    expect(messages.map((m) => m.getType())).toEqual(["human", "ai", "tool", "ai"]);
  });
});

describe("safeToolsCondition", () => {
  it("routes to tools only when a call needs an answer", () => {
    const ai = aiWith([call("get_weather", { city: "a" }, "c1")]);
    const answered = new ToolMessage({ content: "x", tool_call_id: "c1", name: "get_weather", id: "t1" });
    expect(safeToolsCondition({ messages: historyWith(ai) })).toBe("tools");
    expect(safeToolsCondition(historyWith(ai))).toBe("tools");
    expect(safeToolsCondition({ messages: [...historyWith(ai), answered] })).toBe(END);
    expect(safeToolsCondition({ messages: [new HumanMessage("hi"), new AIMessage("bye")] })).toBe(END);
    expect(safeToolsCondition({ messages: [] })).toBe(END);
    expect(safeToolsCondition({ messages: historyWith(aiWith([], [invalidCall("x", "{", "c9")])) })).toBe("tools");
    expect(safeToolsCondition("my_tools")({ messages: historyWith(ai) })).toBe("my_tools");
  });
});

describe("the tools it accepts", () => {
  class Shout extends StructuredTool {
    name = "shout";
    description = "Shout.";
    schema = z.object({ text: z.string() });
    async _call({ text }: { text: string }) {
      return text.toUpperCase();
    }
  }
  const kinds = [
    new Shout(),
    new DynamicTool({ name: "dyn", description: "String input.", func: async (input: string) => `dyn:${input}` }),
    new DynamicStructuredTool({
      name: "dyns",
      description: "d",
      schema: z.object({ n: z.number() }),
      func: async ({ n }) => `dyns:${n}`,
    }),
    tool(async ({ n }: { n: number }) => `v3:${n}`, {
      name: "zod3",
      description: "zod v3 schema",
      schema: z3.object({ n: z3.number() }),
    }),
    RunnableLambda.from(async ({ n }: { n: number }) => `rt:${n}`).asTool({
      name: "rtl",
      description: "r",
      schema: z.object({ n: z.number() }),
    }),
  ];

  it("runs structured, dynamic, zod v3 and RunnableToolLike tools", async () => {
    const history = historyWith(
      aiWith([
        call("shout", { text: "hi" }, "c1"),
        call("dyn", { input: "x" }, "c2"),
        call("dyns", { n: 1 }, "c3"),
        call("zod3", { n: 2 }, "c4"),
        call("rtl", { n: 3 }, "c5"),
        call("zod3", { n: "bad" }, "c6"),
        call("rtl", { n: "bad" }, "c7"),
      ]),
    );
    const after = await expectValidAfter(history, await new SafeToolNode(kinds).invoke({ messages: history }));
    const results = after.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
    expect(results.map((r) => r.content).slice(0, 5)).toEqual(["HI", "dyn:x", "dyns:1", "v3:2", "rt:3"]);
    expect(results[5]!.content).toMatch(/invalid arguments for tool "zod3":\n- n: /);
    expect(results[6]!.content).toMatch(/invalid arguments for tool "rtl":\n- n: /);
  });

  it("rejects tool lists it cannot use, naming the problem", () => {
    expect(() => new SafeToolNode([weather, weather])).toThrow(/two tools are named "get_weather"/);
    expect(() => new SafeToolNode([{} as never])).toThrow(/tools\[0\] is not a tool/);
    expect(() => new SafeToolNode([weather], { handleToolErrors: false as never })).toThrow(/handleToolErrors: false/);
  });
});

describe("bad input (behaviour 10)", () => {
  const node = new SafeToolNode([weather]);
  it.each([
    ["null", null, /expected a state object/],
    ["a string", "hello", /received a string/],
    ["a state without messages", { msgs: [] }, /no "messages" key \(keys: msgs\)/],
    ["messages that are not a list", { messages: "hi" }, /state.messages must be a list/],
    [
      "a list holding a non-message",
      { messages: [new HumanMessage("a"), { role: "user", content: "b" }] },
      /state.messages\[1\] is an object, not a message/,
    ],
    ["a bare list holding a non-message", [42], /input\[0\] is a number/],
    ["a Send payload with a broken call", { messages: [], lg_tool_call: "x" }, /lg_tool_call/],
  ])("throws InvalidNodeInputError for %s", async (_label, input, pattern) => {
    const error = await node.invoke(input).catch((e: unknown) => e);
    expect(InvalidNodeInputError.isInstance(error)).toBe(true);
    expect((error as Error).name).toBe("InvalidNodeInputError");
    expect((error as Error).message).toMatch(pattern);
  });

  it("throws InvalidNodeInputError naming the entry for an AIMessage whose call lists are not lists of calls, everywhere it is read", async () => {
    const broken = [
      ["tool_calls[0] that is null, not a call", { tool_calls: [null, { id: "c1", name: "get_weather", args: {} }] }],
      [
        "invalid_tool_calls[1] that is a string, not a call",
        { invalid_tool_calls: [invalidCall("x", "{", "c2"), "x"] },
      ],
      ["tool_calls that is an object, not a list of calls", { tool_calls: { id: "c1" } }],
    ] as const;
    for (const [problem, fields] of broken) {
      const ai = new AIMessage({ id: "a1", content: "", tool_calls: [] });
      Object.assign(ai, fields); // core's constructor takes such lists, and code may set them afterwards
      const messages = [new HumanMessage({ id: "h", content: "q" }), ai];
      const message = `the AIMessage "a1" has ${problem}.`;
      const readers: [string, () => unknown][] = [
        ["the node", () => node.invoke({ messages })],
        ["safeToolsCondition", () => safeToolsCondition({ messages })],
        ["safeToolsFanOut", () => safeToolsFanOut()({ messages })],
        ["safePostModelHook", () => safePostModelHook()({ messages })],
        ["validateToolResults", () => validateToolResults(messages)],
        ["repairToolResults", () => repairToolResults(messages)],
      ];
      for (const [reader, read] of readers) {
        const error = (await Promise.resolve()
          .then(read)
          .then(
            () => undefined,
            (e: unknown) => e,
          )) as Error | undefined;
        expect(InvalidNodeInputError.isInstance(error), `${reader}: ${problem}`).toBe(true);
        expect(error!.message, reader).toBe(message);
      }
    }
  });

  it("leaves a history ending in a non-message to the node's error: the routers route it to END without throwing", () => {
    const messages = [...historyWith(aiWith([call("get_weather", { city: "l" }, "c1")])), { role: "tool" }] as never;
    expect(safeToolsCondition({ messages })).toBe(END);
    expect(safeToolsFanOut()({ messages })).toBe(END);
  });

  it("returns a list for list input", async () => {
    const history = historyWith(aiWith([call("get_weather", { city: "l" }, "c1")]));
    const out = await node.invoke(history);
    expect(Array.isArray(out)).toBe(true);
    await expectValidHistory(applyOutput(history, out));
  });
});

describe("callbacks (behaviour 9)", () => {
  it("shows each tool run in streamEvents, errors included", async () => {
    const broken = tool(
      async (): Promise<string> => {
        throw new Error("nope");
      },
      { name: "broken", description: "b", schema: z.object({}) },
    );
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", new SafeToolNode([weather, broken]))
      .addEdge(START, "tools")
      .compile();
    const events: [string, string][] = [];
    const input = {
      messages: historyWith(aiWith([call("get_weather", { city: "e" }, "c1"), call("broken", {}, "c2")])),
    };
    for await (const event of graph.streamEvents(input, { version: "v2" })) {
      if (event.event.startsWith("on_tool_")) events.push([event.event, event.name]);
    }
    expect(events).toEqual(
      expect.arrayContaining([
        ["on_tool_start", "get_weather"],
        ["on_tool_end", "get_weather"],
        ["on_tool_start", "broken"],
        ["on_tool_error", "broken"],
      ]),
    );
  });

  it("passes the node's tags to every tool run", async () => {
    const tags: string[][] = [];
    const node = new SafeToolNode([weather], { tags: ["safe"] });
    await node.invoke({ messages: historyWith(aiWith([call("get_weather", { city: "t" }, "c1")])) }, {
      callbacks: [
        {
          handleToolStart: (_t: unknown, _i: unknown, _r: unknown, _p: unknown, runTags?: string[]) => {
            tags.push(runTags ?? []);
          },
        },
      ],
    } as LangGraphRunnableConfig);
    expect(tags).toEqual([["safe"]]);
  });
});
