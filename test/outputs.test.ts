import { AIMessage, HumanMessage, RemoveMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { RunnableLambda } from "@langchain/core/runnables";
import { tool, type ToolRuntime } from "@langchain/core/tools";
import {
  Annotation,
  Command,
  END,
  MessageGraph,
  MessagesAnnotation,
  REMOVE_ALL_MESSAGES,
  START,
  Send,
  StateGraph,
  isCommand,
  messagesStateReducer,
} from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createAgent } from "langchain";
import { ScriptedChatModel } from "../src/testing.js";
import { SafeToolNode, safeToolsFanOut, type SafeTool } from "../src/index.js";
import { safeToolMiddleware } from "../src/middleware.js";
import { WIRINGS, runScript } from "./helpers/agent-graphs.js";
import { aiWith, call, historyWith, weather } from "./helpers/fixtures.js";
import { applyOutput, expectValidAfter, expectValidHistory, invariantProblems } from "./helpers/invariant.js";
import { PROVIDERS } from "./helpers/wire.js";

/** A tool that returns whatever the test gives it, as a raw function result. */
function returning(name: string, value: () => unknown) {
  return tool(async () => value() as string, { name, description: name, schema: z.object({}) });
}

/** The same, as a `RunnableToolLike`, which hands back raw values (no ToolMessage). */
function returningRunnable(name: string, value: () => unknown) {
  return RunnableLambda.from(async () => value()).asTool({ name, description: name, schema: z.object({}) });
}

const circular: Record<string, unknown> = { a: 1 };
circular.me = circular;

/** The whole history after the node answered a turn of a call of `t` (c1) and a weather call (c2), checked valid. */
async function historyBesideWeather(t: SafeTool, city = "z") {
  const history = historyWith(aiWith([call(t.name, {}, "c1"), call("get_weather", { city }, "c2")]));
  return expectValidAfter(history, await new SafeToolNode([t, weather]).invoke({ messages: history }));
}

async function resultOf(t: SafeTool) {
  const after = await historyBesideWeather(t);
  const results = after.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
  expect(results[1]!.content).toBe("Sunny in z");
  return results[0]!;
}

describe("whatever a tool returns becomes valid content (behaviour 6)", () => {
  const values: [string, () => unknown, (content: unknown) => void][] = [
    ["a string", () => "hello", (c) => expect(c).toBe("hello")],
    ["an empty string", () => "", (c) => expect(c).toBe("(no output)")],
    ["undefined", () => undefined, (c) => expect(c).toBe("(no output)")],
    ["null", () => null, (c) => expect(typeof c).toBe("string")],
    ["a number", () => 42, (c) => expect(c).toBe("42")],
    ["a boolean", () => false, (c) => expect(c).toBe("false")],
    ["an object", () => ({ a: 1, b: [2] }), (c) => expect(c).toBe('{"a":1,"b":[2]}')],
    ["an empty array", () => [], (c) => expect(c).toBe("(no output)")],
    ["an array of plain objects", () => [{ id: 1 }, { id: 2 }], (c) => expect(c).toBe('[{"id":1},{"id":2}]')],
    ["an array of numbers", () => [1, 2], (c) => expect(c).toBe("[1,2]")],
    ["an array holding null", () => [null], (c) => expect(c).toBe("[null]")],
    // A function is no block, even with a block's fields: it has no JSON.
    [
      "an array holding a function with a text block's fields",
      () => [Object.assign(() => 0, { type: "text", text: "hi" })],
      (c) => expect(c).toBe("[null]"),
    ],
    [
      "text blocks whose text is not a string",
      () => [{ type: "text", text: 42 }, { type: "text" }],
      (c) => expect(c).toBe('[{"type":"text","text":42},{"type":"text"}]'),
    ],
    [
      "text beside a block of a type no converter sends in a tool result (an MCP resource)",
      () => [
        { type: "text", text: "see" },
        { type: "resource", uri: "file:///a.txt" },
      ],
      (c) => expect(c).toBe('[{"type":"text","text":"see"},{"type":"resource","uri":"file:///a.txt"}]'),
    ],
    // Joined: Ollama's converter takes only a string in a tool message, and nothing is lost.
    [
      "text content blocks",
      () => [
        { type: "text", text: "block" },
        { type: "text", text: "two" },
      ],
      (c) => expect(c).toBe("block\ntwo"),
    ],
    ["a blank string (Bedrock rejects blank text)", () => "  \n", (c) => expect(c).toBe("(no output)")],
    ["blank text blocks", () => [{ type: "text", text: " " }], (c) => expect(c).toBe("(no output)")],
    [
      "a blank text block with a cache marker, beside text (found by an outside check: Bedrock rejected it)",
      () => [
        { type: "text", text: "hi" },
        { type: "text", text: "", cache_control: { type: "ephemeral" } },
      ],
      (c) => expect(c).toBe("hi"),
    ],
    [
      "text and an image, with a blank text block between (the image becomes a note)",
      () => [
        { type: "text", text: "see" },
        { type: "text", text: "" },
        { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
      ],
      (c) => expect(c).toBe("see\n[The tool returned an image (image/png); it cannot be passed on in a tool result.]"),
    ],
    ["a BigInt", () => 10n, (c) => expect(typeof c).toBe("string")],
    ["an object holding a BigInt", () => ({ big: 10n }), (c) => expect(typeof c).toBe("string")],
    ["a circular object", () => circular, (c) => expect(typeof c).toBe("string")],
  ];

  it.each(values)("%s from a structured tool", async (_label, value, check) => {
    const result = await resultOf(returning("t", value));
    expect(result.status).toBe("success");
    check(result.content);
  });

  it.each(values)("%s from a RunnableToolLike", async (_label, value, check) => {
    const result = await resultOf(returningRunnable("r", value));
    expect(result.status).toBe("success");
    check(result.content);
    expect(result.name).toBe("r");
  });

  it("keeps text blocks with provider fields (a cache marker) as blocks, which every client but Ollama's takes", async () => {
    const marked = [{ type: "text", text: "t", cache_control: { type: "ephemeral" } }];
    const history = historyWith(aiWith([call("t", {}, "c1")]));
    const after = applyOutput(
      history,
      await new SafeToolNode([returning("t", () => marked)]).invoke({ messages: history }),
    );
    const result = after.find((m): m is ToolMessage => ToolMessage.isInstance(m))!;
    expect(result.content).toEqual(marked);
    // "Non string tool message content is not supported": the README names this limit of @langchain/ollama.
    await expectValidHistory(
      after,
      PROVIDERS.filter((p) => p !== "ollama"),
    );
  });

  it("answers a raw null (from a RunnableToolLike) with the empty-result text; core already turns a structured tool's into the text null", async () => {
    expect((await resultOf(returningRunnable("r", () => null))).content).toBe("(no output)");
    expect((await resultOf(returning("t", () => null))).content).toBe("null");
  });

  it("joins text blocks whose only other field is source_type text, and keeps any other field as blocks", async () => {
    const joined = [
      { type: "text", text: "a", source_type: "text" },
      { type: "text", text: "b" },
    ];
    expect((await resultOf(returningRunnable("r", () => joined))).content).toBe("a\nb");
    // Joining would lose the field: a source_type that is not text, or any other key, even with the value "text".
    for (const block of [
      { type: "text", text: "a", source_type: "base64" },
      { type: "text", text: "a", id: "text" },
    ]) {
      const history = historyWith(aiWith([call("r", {}, "c1")]));
      const after = applyOutput(
        history,
        await new SafeToolNode([returningRunnable("r", () => [block])]).invoke({ messages: history }),
      );
      expect(invariantProblems(after)).toEqual([]);
      expect(after.find((m): m is ToolMessage => ToolMessage.isInstance(m))!.content).toEqual([block]);
    }
  });

  it("turns a returned non-tool message into text", async () => {
    expect((await resultOf(returning("m", () => new AIMessage("from a message")))).content).toMatch(/from a message/);
    expect((await resultOf(returningRunnable("r", () => new AIMessage("from a message")))).content).toBe(
      "from a message",
    );
  });
});

describe("ToolMessages returned by tools", () => {
  it("keeps a ToolMessage for its own call, artifact and status included", async () => {
    const own = tool(
      async (_args, runtime: ToolRuntime) =>
        new ToolMessage({ content: "mine", tool_call_id: runtime.toolCallId, artifact: { rows: 3 }, status: "error" }),
      { name: "own", description: "own", schema: z.object({}) },
    );
    const result = await resultOf(own);
    expect(result.content).toBe("mine");
    expect(result.artifact).toEqual({ rows: 3 });
    expect(result.status).toBe("error");
    expect(result.name).toBe("own");
  });

  it("passes on the tool's own ToolMessage as the same object when it answers its call, names its tool and has usable content", async () => {
    const built = new ToolMessage({ content: "mine", tool_call_id: "c1", name: "own" });
    const own = returningRunnable("own", () => built);
    const history = historyWith(aiWith([call("own", {}, "c1")]));
    const out = (await new SafeToolNode([own]).invoke({ messages: history })) as { messages: BaseMessage[] };
    expect(out.messages).toHaveLength(1);
    expect(out.messages[0]).toBe(built);
  });

  it("re-addresses a ToolMessage that names another call's id, so both calls keep one result", async () => {
    for (const name of [undefined, "wrong"]) {
      const wrong = tool(async () => new ToolMessage({ content: "misaddressed", tool_call_id: "c2", name }), {
        name: "wrong",
        description: "wrong",
        schema: z.object({}),
      });
      const result = await resultOf(wrong);
      expect(result.tool_call_id).toBe("c1");
      expect(result.content).toBe("misaddressed");
      expect(result.name).toBe("wrong");
    }
  });

  it("keeps the metadata of a tool's own ToolMessage where it copies it: re-addressed by the node, or beside other calls under the middleware", async () => {
    const misaddressed = tool(
      async () => new ToolMessage({ content: "mine", tool_call_id: "c2", id: "own", metadata: { source: "db" } }),
      { name: "own", description: "own", schema: z.object({}) },
    );
    const readdressed = await resultOf(misaddressed);
    expect([readdressed.tool_call_id, readdressed.metadata]).toEqual(["c1", { source: "db" }]);

    const own = tool(
      async ({ q }, runtime: ToolRuntime) =>
        new ToolMessage({ content: q, tool_call_id: runtime.toolCallId, id: `own-${q}`, metadata: { source: q } }),
      { name: "own", description: "own", schema: z.object({ q: z.string() }) },
    );
    const agent = createAgent({
      model: new ScriptedChatModel([aiWith([call("own", { q: "a" }, "c1"), call("own", { q: "b" }, "c2")]), "done"]),
      tools: [own],
      middleware: [safeToolMiddleware()],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    const results = messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
    expect(results.map((r) => r.metadata)).toEqual([{ source: "a" }, { source: "b" }]);
  });

  it("takes a ToolMessage for the tool's result even when it carries a Command's marker (lg_name)", async () => {
    const marked = Object.assign(new ToolMessage({ content: "marked", tool_call_id: "c1", name: "marked" }), {
      lg_name: "Command",
    });
    const result = await resultOf(returningRunnable("marked", () => marked));
    expect(result.content).toBe("marked");
  });

  it("fills in empty content of a returned ToolMessage", async () => {
    const empty = tool(async (_a, rt: ToolRuntime) => new ToolMessage({ content: "", tool_call_id: rt.toolCallId }), {
      name: "empty",
      description: "empty",
      schema: z.object({}),
    });
    expect((await resultOf(empty)).content).toBe("(no output)");
  });
});

describe("Commands returned by tools", () => {
  async function runCommands(tools: SafeTool[], calls: ReturnType<typeof call>[]) {
    const history = historyWith(aiWith(calls));
    const out = await new SafeToolNode(tools).invoke({ messages: history });
    return { history, out: out as unknown[] };
  }

  it("keeps a Command's own result and the rest of its update, results first and in call order", async () => {
    const stateful = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({
          update: {
            messages: [
              new ToolMessage({ content: "saved", tool_call_id: rt.toolCallId }),
              new HumanMessage({ content: "note", id: "note-1" }),
            ],
            counter: 1,
          },
          goto: "summarise",
        }),
      { name: "stateful", description: "s", schema: z.object({}) },
    );
    const { history, out } = await runCommands(
      [stateful, weather],
      [call("stateful", {}, "c1"), call("get_weather", { city: "q" }, "c2")],
    );
    expect(Array.isArray(out)).toBe(true);
    const [update, command] = out as [{ messages: BaseMessage[] }, Command];
    expect(update.messages.map((m) => (m as ToolMessage).tool_call_id)).toEqual(["c1", "c2"]);
    expect(isCommand(command)).toBe(true);
    expect(command.goto).toEqual(["summarise"]);
    expect((command.update as Record<string, unknown>).counter).toBe(1);
    const after = applyOutput(history, out);
    expect(invariantProblems(after.slice(0, -1))).toEqual([]);
    expect(after.at(-1)!.content).toBe("note");
  });

  it("adds a result for a Command that carries none", async () => {
    const silent = tool(async () => new Command({ update: { flag: true } }), {
      name: "silent",
      description: "s",
      schema: z.object({}),
    });
    const { history, out } = await runCommands([silent], [call("silent", {}, "c1")]);
    const after = await expectValidAfter(history, out);
    expect(after.at(-1)!.content).toBe('Tool "silent" ran and updated the graph state.');
    expect((out[1] as Command).update).toEqual({ flag: true });
  });

  it("keeps one result when a Command carries several for its call, and drops those for sibling calls", async () => {
    const greedy = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({
          update: {
            messages: [
              new ToolMessage({ content: "first", tool_call_id: rt.toolCallId }),
              new ToolMessage({ content: "second", tool_call_id: rt.toolCallId }),
              new ToolMessage({ content: "stolen", tool_call_id: "c2" }),
            ],
          },
        }),
      { name: "greedy", description: "g", schema: z.object({}) },
    );
    const { history, out } = await runCommands(
      [greedy, weather],
      [call("greedy", {}, "c1"), call("get_weather", { city: "k" }, "c2")],
    );
    const after = await expectValidAfter(history, out);
    expect(after.slice(-2).map((m) => m.content)).toEqual(["first", "Sunny in k"]);
  });

  it("recognises results written as plain message objects in a Command", async () => {
    const plain = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({
          update: {
            messages: [
              { role: "tool", content: "as a dict", tool_call_id: rt.toolCallId },
              { role: "tool", content: "second dict", tool_call_id: rt.toolCallId },
            ],
          },
        }),
      { name: "plain", description: "p", schema: z.object({}) },
    );
    const { history, out } = await runCommands([plain], [call("plain", {}, "c1")]);
    const after = await expectValidAfter(history, out);
    expect(after.at(-1)!.content).toBe("as a dict");
  });

  it("re-addresses a Command's only result when it names the wrong id", async () => {
    const lost = tool(
      async () => new Command({ update: { messages: [new ToolMessage({ content: "hi", tool_call_id: "nope" })] } }),
      {
        name: "lost",
        description: "l",
        schema: z.object({}),
      },
    );
    const { history, out } = await runCommands([lost], [call("lost", {}, "c1")]);
    const after = await expectValidAfter(history, out);
    expect(after.at(-1)!.content).toBe("hi");
  });

  it("merges several Command.PARENT results, keeping every update and every goto", async () => {
    const handoff = (name: string, target: string) =>
      tool(
        async (_a, rt: ToolRuntime) =>
          new Command({
            graph: Command.PARENT,
            goto: [new Send(target, { from: name })],
            update: {
              messages: [new ToolMessage({ content: `to ${target}`, tool_call_id: rt.toolCallId })],
              [`${name}_seen`]: true,
            },
          }),
        { name, description: name, schema: z.object({}) },
      );
    const { out } = await runCommands(
      [handoff("h1", "alpha"), handoff("h2", "beta"), weather],
      [call("h1", {}, "c1"), call("h2", {}, "c2"), call("get_weather", { city: "w" }, "c3")],
    );
    const parents = out.filter((o) => isCommand(o) && (o as Command).graph === Command.PARENT) as Command[];
    expect(parents).toHaveLength(1);
    const merged = parents[0]!;
    expect((merged.goto as Send[]).map((s) => s.node)).toEqual(["alpha", "beta"]);
    const tuples = merged._updateAsTuples();
    // the parent gets the turn: the AIMessage and every result of the batch, the sibling's included, in call order
    const carried = tuples.filter(([k]) => k === "messages").flatMap(([, v]) => v as BaseMessage[]);
    expect(carried.map((m) => m.getType())).toEqual(["ai", "tool", "tool", "tool"]);
    expect(carried.slice(1).map((m) => m.content)).toEqual(["to alpha", "to beta", "Sunny in w"]);
    expect(invariantProblems(carried)).toEqual([]);
    expect(tuples.map(([k]) => k)).toEqual(expect.arrayContaining(["h1_seen", "h2_seen"]));
    const local = out[0] as { messages: ToolMessage[] };
    expect(local.messages.map((m) => m.tool_call_id)).toEqual(["c3"]);
  });

  it("keeps the resume a Command.PARENT gives when it merges several, whichever gives it", async () => {
    const handoff = (name: string, resume?: string) =>
      tool(
        async (_a, rt: ToolRuntime) =>
          new Command({
            graph: Command.PARENT,
            goto: name,
            ...(resume === undefined ? {} : { resume }),
            update: { messages: [new ToolMessage({ content: `to ${name}`, tool_call_id: rt.toolCallId })] },
          }),
        { name, description: name, schema: z.object({}) },
      );
    for (const resumeOn of ["first", "second", "none"] as const) {
      const { out } = await runCommands(
        [
          handoff("h1", resumeOn === "first" ? "yes" : undefined),
          handoff("h2", resumeOn === "second" ? "yes" : undefined),
        ],
        [call("h1", {}, "c1"), call("h2", {}, "c2")],
      );
      const parents = out.filter((o) => isCommand(o) && (o as Command).graph === Command.PARENT) as Command[];
      expect(parents).toHaveLength(1);
      expect(parents[0]!.resume).toBe(resumeOn === "none" ? undefined : "yes");
      expect(parents[0]!.goto).toEqual(["h1", "h2"]);
    }
  });

  it("hands several Command.PARENT results of a subgraph to the parent graph, losing no update", async () => {
    const handoff = (name: string, target: string) =>
      tool(
        async (_a, rt: ToolRuntime) =>
          new Command({
            graph: Command.PARENT,
            goto: target,
            update: {
              visits: [name],
              messages: [new ToolMessage({ content: `to ${target}`, tool_call_id: rt.toolCallId })],
            },
          }),
        { name, description: name, schema: z.object({}) },
      );
    const ai = aiWith([call("h1", {}, "c1"), call("h2", {}, "c2")]);
    const team = new StateGraph(MessagesAnnotation)
      .addNode("agent", () => ({ messages: [ai] }))
      .addNode("tools", new SafeToolNode([handoff("h1", "alpha"), handoff("h2", "beta")]))
      .addEdge(START, "agent")
      .addEdge("agent", "tools")
      .compile();
    const Parent = Annotation.Root({
      ...MessagesAnnotation.spec,
      visits: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
      reached: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    });
    const parent = new StateGraph(Parent)
      .addNode("team", team, { ends: ["alpha", "beta"] })
      .addNode("alpha", () => ({ reached: ["alpha"] }))
      .addNode("beta", () => ({ reached: ["beta"] }))
      .addEdge(START, "team")
      .addEdge("alpha", END)
      .addEdge("beta", END)
      .compile();
    const out = await parent.invoke({ messages: [new HumanMessage({ content: "go", id: "h0" })] });
    expect(out.visits.sort()).toEqual(["h1", "h2"]);
    expect(out.reached.sort()).toEqual(["alpha", "beta"]);
    expect(out.messages.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual([
      "to alpha",
      "to beta",
    ]);
    expect(invariantProblems(out.messages)).toEqual([]);
  });
});

describe("what tools write beyond their result", () => {
  it("keeps the turn when a tool rewrites the history (RemoveMessage of all, then the history again), as a compacting tool does", async () => {
    for (const keepTurn of [true, false]) {
      const compact = tool(
        async (_a, rt: ToolRuntime) => {
          const state = rt.state as { messages: BaseMessage[] };
          const kept = keepTurn
            ? state.messages
            : [new HumanMessage({ content: "summary of everything so far", id: "summary" })];
          return new Command({
            update: {
              messages: [
                new RemoveMessage({ id: REMOVE_ALL_MESSAGES }),
                ...kept,
                new ToolMessage({ content: "compacted", tool_call_id: rt.toolCallId }),
              ],
            },
          });
        },
        { name: "compact", description: "c", schema: z.object({}) },
      );
      const after = await historyBesideWeather(compact, "x");
      expect(after.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual(["compacted", "Sunny in x"]);
      if (!keepTurn) expect(after[0]!.content).toBe("summary of everything so far");
    }
  });

  it("keeps an earlier turn's results when a tool rewrites the history with that turn in it, this turn kept or left out", async () => {
    const earlier = [
      new HumanMessage({ content: "hi", id: "h-early" }),
      aiWith([call("get_weather", { city: "Rome" }, "c0")], [], { id: "ai-early" }),
      new ToolMessage({ content: "Sunny in Rome", tool_call_id: "c0", name: "get_weather", id: "t-early" }),
    ];
    for (const keepTurn of [true, false]) {
      const compact = tool(
        async (_a, rt: ToolRuntime) => {
          const messages = (rt.state as { messages: BaseMessage[] }).messages;
          return new Command({
            update: {
              messages: [
                new RemoveMessage({ id: REMOVE_ALL_MESSAGES }),
                ...(keepTurn ? messages : messages.slice(0, earlier.length)),
                new ToolMessage({ content: "compacted", tool_call_id: rt.toolCallId }),
                new HumanMessage({ content: "summary of this request", id: "summary" }),
              ],
            },
          });
        },
        { name: "compact", description: "c", schema: z.object({}) },
      );
      const history = historyWith(
        aiWith([call("compact", {}, "c1"), call("get_weather", { city: "x" }, "c2")]),
        earlier,
      );
      const after = await expectValidAfter(
        history,
        await new SafeToolNode([compact, weather]).invoke({ messages: history }),
      );
      expect(after.map((m) => m.content)).toEqual([
        "hi",
        "",
        "Sunny in Rome",
        ...(keepTurn ? ["please help", "", "compacted", "Sunny in x"] : []),
        "summary of this request",
      ]);
    }
  });

  it("writes the turn with the media moved out of its results (resultMedia: user_message) into a history a tool rewrote", async () => {
    const compact = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({
          update: {
            messages: [
              new RemoveMessage({ id: REMOVE_ALL_MESSAGES }),
              new HumanMessage({ content: "summary", id: "summary" }),
              (rt.state as { messages: BaseMessage[] }).messages.at(-1)!,
              new ToolMessage({ content: "compacted", tool_call_id: rt.toolCallId }),
            ],
          },
        }),
      { name: "compact", description: "c", schema: z.object({}) },
    );
    const image = { type: "image", source_type: "base64", mime_type: "image/png", data: "iVBORw0KGgo=" };
    const screenshot = tool(async () => [{ type: "text", text: "The screen:" }, image] as never, {
      name: "screenshot",
      description: "s",
      schema: z.object({}),
    });
    const history = historyWith(aiWith([call("compact", {}, "c1"), call("screenshot", {}, "c2")]));
    const node = new SafeToolNode([compact, screenshot], { resultMedia: "user_message" });
    const after = applyOutput(history, await node.invoke({ messages: history }));
    expect(invariantProblems(after)).toEqual([]);
    expect(after.map((m) => m.getType())).toEqual(["human", "ai", "tool", "tool", "human"]);
    expect(after[0]!.content).toBe("summary");
    expect(after[2]!.content).toBe("compacted");
    expect((after[4]!.content as unknown[])[1]).toEqual(image);
  });

  it("keeps both results when sibling tools return ToolMessages under one message id, or under the id of an earlier message", async () => {
    const sameId = (name: string, id: string) =>
      tool(
        async (_a, rt: ToolRuntime) =>
          new ToolMessage({ id, content: `from ${name}`, tool_call_id: rt.toolCallId, name }),
        { name, description: name, schema: z.object({}) },
      );
    const earlier = [
      new HumanMessage({ content: "before", id: "h-before" }),
      aiWith([call("t1", {}, "old")]),
      new ToolMessage({ content: "old result", tool_call_id: "old", name: "t1", id: "cached" }),
    ];
    const history = historyWith(aiWith([call("t1", {}, "c1"), call("t2", {}, "c2"), call("t3", {}, "c3")]), earlier);
    const node = new SafeToolNode([sameId("t1", "result"), sameId("t2", "result"), sameId("t3", "cached")]);
    const after = await expectValidAfter(history, await node.invoke({ messages: history }));
    expect(after.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual([
      "old result",
      "from t1",
      "from t2",
      "from t3",
    ]);
  });

  it("drops a new ToolMessage a Command writes for an earlier turn's call (it would answer nothing), and keeps the Command's own", async () => {
    const fixer = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({
          update: {
            messages: [
              new ToolMessage({ content: "corrected", tool_call_id: "old1" }),
              new ToolMessage({ content: "fixed", tool_call_id: rt.toolCallId }),
            ],
          },
        }),
      { name: "fixer", description: "f", schema: z.object({}) },
    );
    const earlier = [
      new HumanMessage({ content: "before", id: "h-before" }),
      aiWith([call("fixer", {}, "old1")]),
      new ToolMessage({ content: "first", tool_call_id: "old1", name: "fixer", id: "t-old" }),
    ];
    const history = historyWith(aiWith([call("fixer", {}, "c1")]), earlier);
    const after = await expectValidAfter(history, await new SafeToolNode([fixer]).invoke({ messages: history }));
    expect(after.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual(["first", "fixed"]);
  });

  it("repairs the history with repairHistory: true when a turn's only result goes to the parent graph", async () => {
    const handoff = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({
          graph: Command.PARENT,
          goto: "billing",
          update: { messages: [new ToolMessage({ content: "moved", tool_call_id: rt.toolCallId })] },
        }),
      { name: "handoff", description: "h", schema: z.object({}) },
    );
    const broken = [
      new HumanMessage({ content: "a", id: "h1" }),
      aiWith([call("handoff", {}, "lost")]),
      new HumanMessage({ content: "b", id: "h2" }),
    ];
    const history = historyWith(aiWith([call("handoff", {}, "c1")]), broken);
    const out = (await new SafeToolNode([handoff], { repairHistory: true }).invoke({ messages: history })) as unknown[];
    const after = applyOutput(history, out);
    expect(invariantProblems(after)).toEqual([]);
    expect(out.some((o) => isCommand(o) && (o as Command).graph === Command.PARENT)).toBe(true);
  });
});

describe("round two of what tools write", () => {
  const compactNow = tool(
    async (_a, rt: ToolRuntime) => {
      const state = rt.state as { messages: BaseMessage[] };
      return new Command({
        update: {
          messages: [
            new RemoveMessage({ id: REMOVE_ALL_MESSAGES }),
            new HumanMessage({ content: "summary", id: "sum" }),
            state.messages.at(-1)!,
            new ToolMessage({ content: "compacted", tool_call_id: rt.toolCallId }),
          ],
        },
      });
    },
    { name: "compact", description: "c", schema: z.object({}) },
  );
  const slow = tool(async () => (await new Promise((r) => setTimeout(r, 20)), "slow done"), {
    name: "slow",
    description: "s",
    schema: z.object({}),
  });

  it("leaves a history rewrite out where other tasks answer the turn's siblings (fan-out), so it cannot wipe their results", async () => {
    for (const order of [
      ["slow", "compact"],
      ["compact", "slow"],
    ]) {
      const messages = await runScript(
        [aiWith(order.map((name, k) => call(name, {}, `c${k}`)))],
        new SafeToolNode([slow, compactNow]),
        "fan-out",
      );
      await expectValidHistory(messages);
      expect(
        messages
          .filter((m) => ToolMessage.isInstance(m))
          .map((m) => m.content)
          .sort(),
      ).toEqual(["compacted", "slow done"]);
    }
  });

  it("keeps a history rewrite in fan-out when the call is the turn's only one", async () => {
    const messages = await runScript([aiWith([call("compact", {}, "c0")])], new SafeToolNode([compactNow]), "fan-out");
    await expectValidHistory(messages);
    expect(messages[0]!.id).toBe("sum");
  });

  it("keeps the turn in a rewrite that leaves it out when calls after it run in other tasks (fan-out, a router of one's own, createAgent)", async () => {
    // keeps the first message, drops the rest (this turn included) for a summary
    const dropTurn = tool(
      async (_a, rt: ToolRuntime) => {
        const first = (rt.state as { messages: BaseMessage[] }).messages[0]!;
        return new Command({
          update: {
            messages: [
              new RemoveMessage({ id: REMOVE_ALL_MESSAGES }),
              first,
              new HumanMessage({ content: "summary", id: "sum" }),
            ],
          },
        });
      },
      { name: "compact", description: "c", schema: z.object({}) },
    );
    const turn = () => aiWith([call("compact", {}, "c0"), call("slow", {}, "c1")]);
    for (const wiring of ["fan-out", "own router"] as const) {
      const messages = await runScript([turn()], new SafeToolNode([dropTurn, slow]), wiring);
      await expectValidHistory(messages);
      expect(messages.map((m) => m.id).slice(0, 2)).toEqual(["h0", "sum"]);
      expect(messages.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual([
        'Tool "compact" ran and updated the graph state.',
        "slow done",
      ]);
    }
    const agent = createAgent({
      model: new ScriptedChatModel([turn()]),
      tools: [dropTurn, slow],
      middleware: [safeToolMiddleware()],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ content: "go", id: "h0" })] });
    await expectValidHistory(messages);
    expect(messages[1]!.id).toBe("sum");
  });

  it("keeps an AIMessage a Command carries together with its own results (an agent's turn inlined), not as strays", async () => {
    const delegate = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({
          update: {
            messages: [
              new ToolMessage({ content: "delegated", tool_call_id: rt.toolCallId }),
              new AIMessage({ id: "sub-a", content: "", tool_calls: [{ id: "sub1", name: "search", args: {} }] }),
              new ToolMessage({ id: "sub-t", content: "found", tool_call_id: "sub1", name: "search" }),
            ],
          },
        }),
      { name: "delegate", description: "d", schema: z.object({}) },
    );
    const after = await historyBesideWeather(delegate, "x");
    expect(after.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual([
      "delegated",
      "Sunny in x",
      "found",
    ]);
  });

  it("answers an agent run as a tool whose own SafeToolNode hands off: the inner turn stays whole", async () => {
    const innerHandOff = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({
          graph: Command.PARENT,
          goto: "agent",
          update: { messages: [new ToolMessage({ content: "transferred", tool_call_id: rt.toolCallId })] },
        }),
      { name: "transfer", description: "t", schema: z.object({}) },
    );
    const inner = new StateGraph(MessagesAnnotation)
      .addNode("iagent", () => ({
        messages: [new AIMessage({ id: "ia", content: "", tool_calls: [{ id: "ic1", name: "transfer", args: {} }] })],
      }))
      .addNode("itools", new SafeToolNode([innerHandOff]))
      .addEdge(START, "iagent")
      .addEdge("iagent", "itools")
      .addEdge("itools", END)
      .compile();
    const research = tool(
      async (_a, rt: ToolRuntime) => (await inner.invoke({ messages: [new HumanMessage("sub")] }, rt.config), "done"),
      { name: "research", description: "r", schema: z.object({}) },
    );
    for (const wiring of ["batch", "fan-out"] as const) {
      const messages = await runScript(
        [aiWith([call("get_weather", { city: "x" }, "c1"), call("research", {}, "c2")])],
        new SafeToolNode([weather, research]),
        wiring,
        { checkpointer: wiring === "fan-out" },
      );
      await expectValidHistory(messages);
    }
  });
});

describe("round five of what tools write", () => {
  // A compaction that writes the turn back rebuilt, without its message id: as a dict, or as a new AIMessage.
  const rebuilt = {
    dict: (ai: AIMessage) => ({ role: "assistant", content: ai.content, tool_calls: ai.tool_calls }),
    "new AIMessage": (ai: AIMessage) => new AIMessage({ content: ai.content, tool_calls: ai.tool_calls }),
  };
  for (const [shape, rebuild] of Object.entries(rebuilt)) {
    for (const wiring of WIRINGS) {
      it(`takes a turn the compaction rebuilt without its message id (${shape}, ${wiring}) for the turn, not a second one`, async () => {
        const compact = tool(
          async (_a, rt: ToolRuntime) => {
            const ai = [...(rt.state as { messages: BaseMessage[] }).messages]
              .reverse()
              .find((m) => AIMessage.isInstance(m)) as AIMessage;
            return new Command({
              update: {
                messages: [
                  new RemoveMessage({ id: REMOVE_ALL_MESSAGES }),
                  { role: "user", content: "Summary of earlier conversation" },
                  rebuild(ai),
                  { role: "tool", tool_call_id: rt.toolCallId, content: "compacted" },
                ],
              },
            });
          },
          { name: "compact", description: "c", schema: z.object({}) },
        );
        const turn = aiWith([call("compact", {}, "t0"), call("get_weather", { city: "x" }, "t1")], [], { id: "m1" });
        const messages = await runScript([turn], new SafeToolNode([compact, weather]), wiring);
        await expectValidHistory(messages);
        expect(messages.filter((m) => AIMessage.isInstance(m) && (m.tool_calls?.length ?? 0) > 0)).toHaveLength(1);
        expect(messages.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual([
          "compacted",
          "Sunny in x",
        ]);
      });
    }
  }

  it("takes a turn the compaction rebuilt with the calls' ids as the model gave them, before the node renamed them, for the turn", async () => {
    const compact = tool(
      async (_a, rt: ToolRuntime) => {
        const ai = (rt.state as { messages: BaseMessage[] }).messages.at(-1) as AIMessage;
        return new Command({
          update: {
            messages: [
              new RemoveMessage({ id: REMOVE_ALL_MESSAGES }),
              { role: "user", content: "Summary of earlier conversation" },
              { role: "assistant", content: ai.content, tool_calls: ai.tool_calls },
              { role: "tool", tool_call_id: rt.toolCallId, content: "compacted" },
            ],
          },
        });
      },
      { name: "compact", description: "c", schema: z.object({}) },
    );
    // the model says call_0 again: the node renames this turn's call
    const earlier = [
      new HumanMessage({ content: "hi", id: "h-1" }),
      aiWith([call("get_weather", { city: "y" }, "call_0")]),
      new ToolMessage({ content: "Sunny in y", tool_call_id: "call_0", name: "get_weather", id: "t-1" }),
    ];
    const history = historyWith(aiWith([call("compact", {}, "call_0")]), earlier);
    const after = await expectValidAfter(
      history,
      await new SafeToolNode([compact, weather]).invoke({ messages: history }),
    );
    expect(after.map((m) => m.content)).toEqual(["Summary of earlier conversation", "", "compacted"]);
    expect((after[1] as AIMessage).tool_calls![0]!.id).not.toBe("call_0");
  });

  it("repairs the history (repairHistory: true) when a compaction writes its summary as a message dict", async () => {
    const compact = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({
          update: {
            messages: [
              new RemoveMessage({ id: REMOVE_ALL_MESSAGES }),
              { role: "user", content: "Summary" },
              (rt.state as { messages: BaseMessage[] }).messages.at(-1)!,
            ],
          },
        }),
      { name: "compact", description: "c", schema: z.object({}) },
    );
    const turn = aiWith([call("compact", {}, "t0"), call("get_weather", { city: "x" }, "t1")], [], { id: "m1" });
    const messages = await runScript([turn], new SafeToolNode([compact, weather], { repairHistory: true }), "batch");
    await expectValidHistory(messages);
    expect(messages[0]!.content).toBe("Summary");
    expect(messages.filter((m) => ToolMessage.isInstance(m)).map((m) => m.status)).toEqual(["success", "success"]);
  });
});

describe("what tools write, in fan-out mode", () => {
  it("leaves out a new message a Command writes beside its result while later siblings are pending, so they stay next to the AIMessage", async () => {
    const remember = tool(
      async ({ fact }, rt: ToolRuntime) =>
        new Command({
          update: {
            messages: [
              new ToolMessage({ content: "saved", tool_call_id: rt.toolCallId }),
              new HumanMessage(`[memory] ${fact}`),
            ],
          },
        }),
      { name: "remember", description: "r", schema: z.object({ fact: z.string() }) },
    );
    const echo = tool(async ({ q }) => (await new Promise((r) => setTimeout(r, 20)), `echo ${q}`), {
      name: "echo",
      description: "e",
      schema: z.object({ q: z.string() }),
    });
    for (const order of [
      ["remember", "echo"],
      ["echo", "remember"],
    ]) {
      const calls = order.map((name, k) =>
        call(name, name === "remember" ? { fact: "likes tea" } : { q: "x" }, `c${k}`),
      );
      const messages = await runScript([aiWith(calls)], new SafeToolNode([remember, echo]), "fan-out");
      await expectValidHistory(messages);
      // last in call order, nothing of the turn comes after it: the message stays
      expect(messages.some((m) => m.content === "[memory] likes tea")).toBe(order[1] === "remember");
    }
  });

  it("keeps a Command's removals, in-place replacements and other state writes while later siblings are pending", async () => {
    const State = Annotation.Root({
      ...MessagesAnnotation.spec,
      visits: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    });
    const tidy = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({
          update: {
            messages: [
              new ToolMessage({ content: "tidied", tool_call_id: rt.toolCallId }),
              new RemoveMessage({ id: "secret" }),
              new HumanMessage({ content: "please help (edited)", id: "ask" }),
              new HumanMessage({ content: "a new message", id: "new-note" }),
            ],
            visits: ["tidy"],
          },
        }),
      { name: "tidy", description: "t", schema: z.object({}) },
    );
    const ai = aiWith([call("tidy", {}, "c1"), call("get_weather", { city: "x" }, "c2")]);
    const graph = new StateGraph(State)
      .addNode("agent", () => ({}))
      .addNode("tools", new SafeToolNode([tidy, weather]))
      .addEdge(START, "agent")
      .addConditionalEdges("agent", safeToolsFanOut("tools"), ["tools", END])
      .addEdge("tools", END)
      .compile();
    const out = await graph.invoke({
      messages: [
        new HumanMessage({ content: "my password is hunter2", id: "secret" }),
        new HumanMessage({ content: "please help", id: "ask" }),
        ai,
      ],
    });
    await expectValidHistory(out.messages);
    expect(out.messages.map((m) => m.content)).toEqual(["please help (edited)", "", "tidied", "Sunny in x"]);
    expect(out.visits).toEqual(["tidy"]);
  });

  it("passes on a tool's own ToolMessage without a message id as it is, when other tasks answer its siblings", async () => {
    const returned = new ToolMessage({ content: "mine", tool_call_id: "c2", name: "own" });
    const own = tool(async () => returned, { name: "own", description: "o", schema: z.object({}) });
    const history = historyWith(aiWith([call("get_weather", { city: "x" }, "c1"), call("own", {}, "c2")]));
    const out = (await new SafeToolNode([own, weather]).invoke({
      messages: history,
      lg_tool_call: call("own", {}, "c2"),
    })) as { messages: BaseMessage[] };
    expect(out.messages).toEqual([returned]);
    expect(out.messages[0]).toBe(returned);
  });

  it("keeps both results when sibling tasks' tools return ToolMessages under one message id", async () => {
    const weatherIn = tool(
      async ({ city }, rt: ToolRuntime) =>
        new ToolMessage({
          id: `weather-${city}`,
          content: `snow in ${city}`,
          tool_call_id: rt.toolCallId,
          name: "weather",
        }),
      { name: "weather", description: "w", schema: z.object({ city: z.string() }) },
    );
    const messages = await runScript(
      [aiWith([call("weather", { city: "Oslo" }, "c1"), call("weather", { city: "Oslo" }, "c2")])],
      new SafeToolNode([weatherIn]),
      "fan-out",
    );
    await expectValidHistory(messages);
    expect(messages.filter((m) => ToolMessage.isInstance(m))).toHaveLength(2);
  });
});

describe("how a tool's Command is read", () => {
  it("takes a Command's result written as a single message, not in a list", async () => {
    const single = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({ update: { messages: new ToolMessage({ content: "saved alone", tool_call_id: rt.toolCallId }) } }),
      { name: "single", description: "s", schema: z.object({}) },
    );
    const after = await historyBesideWeather(single, "x");
    expect(after.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual(["saved alone", "Sunny in x"]);
  });

  it("applies a Command's removal of one earlier message beside its result (it rewrites nothing else)", async () => {
    const forget = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({
          update: {
            messages: [
              new RemoveMessage({ id: "secret" }),
              new ToolMessage({ content: "forgotten", tool_call_id: rt.toolCallId }),
            ],
          },
        }),
      { name: "forget", description: "f", schema: z.object({}) },
    );
    const earlier = [new HumanMessage({ content: "my password is hunter2", id: "secret" })];
    const history = historyWith(aiWith([call("forget", {}, "c1"), call("get_weather", { city: "x" }, "c2")]), earlier);
    const after = await expectValidAfter(
      history,
      await new SafeToolNode([forget, weather]).invoke({ messages: history }),
    );
    expect(after.map((m) => m.id)).not.toContain("secret");
    expect(after.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual(["forgotten", "Sunny in x"]);
  });

  it("leaves a rewrite of another messages channel of the state to that channel (only the history's rewrite moves ahead of the turn)", async () => {
    const State = Annotation.Root({
      ...MessagesAnnotation.spec,
      notes: Annotation<BaseMessage[]>({ reducer: messagesStateReducer, default: () => [] }),
    });
    const resetNotes = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({
          update: {
            messages: [new ToolMessage({ content: "notes reset", tool_call_id: rt.toolCallId })],
            notes: [
              new RemoveMessage({ id: REMOVE_ALL_MESSAGES }),
              new HumanMessage({ content: "fresh note", id: "n2" }),
            ],
          },
        }),
      { name: "reset_notes", description: "r", schema: z.object({}) },
    );
    const ai = aiWith([call("reset_notes", {}, "c1"), call("get_weather", { city: "x" }, "c2")]);
    const graph = new StateGraph(State)
      .addNode("tools", new SafeToolNode([resetNotes, weather]))
      .addEdge(START, "tools")
      .addEdge("tools", END)
      .compile();
    const out = await graph.invoke({
      messages: historyWith(ai),
      notes: [new HumanMessage({ content: "old note", id: "n1" })],
    });
    await expectValidHistory(out.messages);
    expect(out.messages.map((m) => m.getType())).toEqual(["human", "ai", "tool", "tool"]);
    expect(out.notes.map((m) => m.content)).toEqual(["fresh note"]);
  });

  it("passes on a tool's own ToolMessage as it is, its message id included, when that id is free", async () => {
    const returned = new ToolMessage({ id: "result-own", content: "mine", tool_call_id: "c1", name: "own" });
    const own = tool(async () => returned, { name: "own", description: "o", schema: z.object({}) });
    const history = historyWith(aiWith([call("own", {}, "c1"), call("get_weather", { city: "x" }, "c2")]));
    const out = (await new SafeToolNode([own, weather]).invoke({ messages: history })) as { messages: BaseMessage[] };
    expect(out.messages[0]).toBe(returned);
    const after = await expectValidAfter(history, out);
    expect(after.find((m) => m.id === "result-own")?.content).toBe("mine");
  });

  it("keeps the shape of a Command's update written as [key, value] pairs, its result first", async () => {
    const State = Annotation.Root({
      ...MessagesAnnotation.spec,
      counter: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
    });
    const paired = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({
          update: [
            ["counter", 1],
            ["messages", [new HumanMessage({ content: "note", id: "note" })]],
            ["messages", [new ToolMessage({ content: "paired", tool_call_id: rt.toolCallId })]],
            ["counter", 2],
          ] as unknown as Record<string, unknown>,
        }),
      { name: "paired", description: "p", schema: z.object({}) },
    );
    const ai = aiWith([call("paired", {}, "c1"), call("get_weather", { city: "x" }, "c2")]);
    const graph = new StateGraph(State)
      .addNode("tools", new SafeToolNode([paired, weather]))
      .addEdge(START, "tools")
      .addEdge("tools", END)
      .compile();
    const out = await graph.invoke({ messages: historyWith(ai) });
    expect(invariantProblems(out.messages.slice(0, -1))).toEqual([]);
    expect(out.messages.slice(2).map((m) => m.content)).toEqual(["paired", "Sunny in x", "note"]);
    expect(out.counter).toBe(3);
  });

  it("answers a list state (MessageGraph) whose tool returns a Command with a bare message list, its result first", async () => {
    const bare = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({
          update: [
            new HumanMessage({ content: "note", id: "note" }),
            new ToolMessage({ content: "bare", tool_call_id: rt.toolCallId }),
          ] as unknown as Record<string, unknown>,
        }),
      { name: "bare", description: "b", schema: z.object({}) },
    );
    const history = historyWith(aiWith([call("bare", {}, "c1"), call("get_weather", { city: "x" }, "c2")]));
    // MessageGraph's types take no runnable of a list state: the node reads one all the same
    const graph = new MessageGraph()
      .addNode("tools", new SafeToolNode([bare, weather]) as never)
      .addEdge(START, "tools")
      .addEdge("tools", END)
      .compile();
    const after = (await graph.invoke(history as never)) as unknown as BaseMessage[];
    expect(invariantProblems(after.slice(0, -1))).toEqual([]);
    expect(after.slice(2).map((m) => m.content)).toEqual(["bare", "Sunny in x", "note"]);
  });

  it("keeps the texts and [role, content] pairs a list state's (MessageGraph) tool writes, in a bare list or alone, as messages after the turn", async () => {
    const texts = tool(async () => new Command({ update: ["ok"] as unknown as Record<string, unknown> }), {
      name: "texts",
      description: "t",
      schema: z.object({}),
    });
    // left with the pair alone once its result is taken out, the list must not read as [key, value] pairs
    const pairs = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({
          update: [
            ["user", "noted"],
            new ToolMessage({ content: "paired", tool_call_id: rt.toolCallId }),
          ] as unknown as Record<string, unknown>,
        }),
      { name: "pairs", description: "p", schema: z.object({}) },
    );
    // one text, not in a list: written as if the node had returned it
    const text = tool(async () => new Command({ update: "done" as unknown as Record<string, unknown> }), {
      name: "text",
      description: "t",
      schema: z.object({}),
    });
    const history = historyWith(aiWith([call("texts", {}, "c1"), call("pairs", {}, "c2"), call("text", {}, "c3")]));
    const graph = new MessageGraph()
      .addNode("tools", new SafeToolNode([texts, pairs, text]) as never)
      .addEdge(START, "tools")
      .addEdge("tools", END)
      .compile();
    const after = (await graph.invoke(history as never)) as unknown as BaseMessage[];
    expect(invariantProblems(after)).toEqual([]);
    expect(after.slice(2).map((m) => [m.getType(), m.content])).toEqual([
      ["tool", 'Tool "texts" ran and updated the graph state.'],
      ["tool", "paired"],
      ["tool", 'Tool "text" ran and updated the graph state.'],
      ["human", "ok"],
      ["human", "noted"],
      ["human", "done"],
    ]);
  });

  it("keeps the goto of a Command that carries nothing else in a list state (MessageGraph)", async () => {
    const goes = tool(async () => new Command({ goto: "review" }), {
      name: "go",
      description: "g",
      schema: z.object({}),
    });
    const graph = new MessageGraph()
      .addNode("tools", new SafeToolNode([goes]) as never, { ends: ["review"] })
      .addNode("review", () => new AIMessage({ content: "reviewed", id: "review" }))
      .addEdge(START, "tools")
      .addEdge("review", END)
      .compile();
    const after = (await graph.invoke(
      historyWith(aiWith([call("go", {}, "c1")])) as never,
    )) as unknown as BaseMessage[];
    await expectValidHistory(after);
    expect(after.slice(2).map((m) => m.content)).toEqual(['Tool "go" ran and updated the graph state.', "reviewed"]);
  });

  it("answers a call whose Command's update is null (nothing to write), as LangGraph takes it", async () => {
    const empty = tool(async () => new Command({ update: null as unknown as Record<string, unknown> }), {
      name: "empty",
      description: "e",
      schema: z.object({}),
    });
    const after = await historyBesideWeather(empty, "x");
    expect(after.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual([
      'Tool "empty" ran and updated the graph state.',
      "Sunny in x",
    ]);
  });

  it("passes on a Command that only clears a text of the state (writes an empty string)", async () => {
    const State = Annotation.Root({ ...MessagesAnnotation.spec, draft: Annotation<string>() });
    const clear = tool(async () => new Command({ update: { draft: "" } }), {
      name: "clear",
      description: "c",
      schema: z.object({}),
    });
    const graph = new StateGraph(State)
      .addNode("tools", new SafeToolNode([clear]))
      .addEdge(START, "tools")
      .addEdge("tools", END)
      .compile();
    const out = await graph.invoke({ messages: historyWith(aiWith([call("clear", {}, "c1")])), draft: "old draft" });
    await expectValidHistory(out.messages);
    expect(out.draft).toBe("");
  });

  it("passes on a Command that carries only a resume", async () => {
    const resumes = tool(async () => new Command({ resume: "approved" }), {
      name: "resumes",
      description: "r",
      schema: z.object({}),
    });
    const history = historyWith(aiWith([call("resumes", {}, "c1")]));
    const out = await new SafeToolNode([resumes]).invoke({ messages: history });
    const commands = (Array.isArray(out) ? out : [out]).filter((o): o is Command => isCommand(o));
    expect(commands.map((c) => c.resume)).toEqual(["approved"]);
    await expectValidAfter(history, out);
  });

  it("writes a plain update, with no Command, when a tool's Command carries nothing but its result", async () => {
    const only = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({ update: { messages: [new ToolMessage({ content: "only", tool_call_id: rt.toolCallId })] } }),
      { name: "only", description: "o", schema: z.object({}) },
    );
    const history = historyWith(aiWith([call("only", {}, "c1")]));
    const out = await new SafeToolNode([only]).invoke({ messages: history });
    expect(isCommand(out) || Array.isArray(out)).toBe(false);
    expect((await expectValidAfter(history, out)).at(-1)!.content).toBe("only");
  });

  it("keeps the goto of a Command that carries nothing else, or only its result", async () => {
    const goes = (name: string, withResult: boolean) =>
      tool(
        async (_a, rt: ToolRuntime) =>
          new Command({
            goto: "review",
            ...(withResult
              ? { update: { messages: [new ToolMessage({ content: `${name} done`, tool_call_id: rt.toolCallId })] } }
              : {}),
          }),
        { name, description: name, schema: z.object({}) },
      );
    for (const withResult of [false, true]) {
      const ai = aiWith([call("go", {}, "c1")]);
      const graph = new StateGraph(MessagesAnnotation)
        .addNode("tools", new SafeToolNode([goes("go", withResult)]), { ends: ["review"] })
        .addNode("review", () => ({ messages: [new AIMessage({ content: "reviewed", id: "review" })] }))
        .addEdge(START, "tools")
        .addEdge("review", END)
        .compile();
      const out = await graph.invoke({ messages: historyWith(ai) });
      await expectValidHistory(out.messages);
      expect(out.messages.slice(2).map((m) => m.content)).toEqual([
        withResult ? "go done" : 'Tool "go" ran and updated the graph state.',
        "reviewed",
      ]);
    }
  });
});
