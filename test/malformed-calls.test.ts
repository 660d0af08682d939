import { AIMessage, AIMessageChunk, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { createAgent } from "langchain";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { ScriptedChatModel } from "../src/testing.js";
import {
  SafeToolNode,
  repairToolResults,
  safePostModelHook,
  safeToolsCondition,
  validateToolResults,
} from "../src/index.js";
import { safeToolMiddleware } from "../src/middleware.js";
import { runScript, runWithInPlaceEdit, WIRINGS } from "./helpers/agent-graphs.js";
import {
  add,
  aiWith,
  anthropicStyleAI,
  call,
  historyWith,
  openAIStyleAI,
  responsesStyleAI,
  weather,
} from "./helpers/fixtures.js";
import { applyOutput, expectValidAfter, expectValidHistory, invariantProblems } from "./helpers/invariant.js";

const node = new SafeToolNode([weather, add]);
const results = (messages: readonly BaseMessage[]) =>
  messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
const answeredAI = (messages: readonly BaseMessage[]) =>
  messages.find((m) => AIMessage.isInstance(m) && (m.tool_calls?.length ?? 0) > 0) as AIMessage;
const NO_NAME =
  /^Error: the call names no tool\. Available tools: get_weather, add\. Call one of these tools by its name\.$/;

/** What joined stream chunks give when the name never arrived: a parsed call named "". */
function streamedWithoutName(): AIMessage {
  const joined = new AIMessageChunk({
    content: "",
    tool_call_chunks: [{ id: "call_s", args: '{"city":', index: 0, type: "tool_call_chunk" }],
  }).concat(
    new AIMessageChunk({ content: "", tool_call_chunks: [{ args: '"Oslo"}', index: 0, type: "tool_call_chunk" }] }),
  );
  expect(joined.tool_calls?.[0]?.name).toBe("");
  return new AIMessage({ content: "", id: "streamed", tool_calls: joined.tool_calls });
}

describe("calls without a usable name", () => {
  it.each([
    ["plain", aiWith],
    ["OpenAI-shaped", openAIStyleAI],
    ["Responses-shaped", responsesStyleAI],
    ["Anthropic-shaped", anthropicStyleAI],
  ])(
    "answers a %s call whose name is empty as an unknown tool, and names it in the corrected AIMessage",
    async (_label, make) => {
      const ai = make([call("", { city: "Oslo" }, "c1"), call("get_weather", { city: "Rome" }, "c2")]);
      const after = await expectValidAfter(historyWith(ai), await node.invoke({ messages: historyWith(ai) }));
      const fixed = answeredAI(after);
      const names = fixed.tool_calls!.map((c) => c.name);
      expect(names).toEqual(["invalid_tool_call", "get_weather"]);
      // every other place that carries the calls, and which a converter sends, names them the same
      const blocks = Array.isArray(fixed.content) ? (fixed.content as { type: string; name?: string }[]) : [];
      const items = (fixed.response_metadata.output ?? []) as { type: string; name?: string }[];
      const raw = (fixed.additional_kwargs.tool_calls ?? []) as { type: string; function: { name: string } }[];
      expect(raw.every((r) => r.type === "function")).toBe(true);
      for (const carried of [
        blocks.filter((b) => b.type === "tool_use").map((b) => b.name),
        items.filter((i) => i.type === "function_call").map((i) => i.name),
        raw.map((r) => r.function.name),
      ])
        if (carried.length > 0) expect(carried).toEqual(names);
      const [unnamed, named] = results(after);
      expect(unnamed!.status).toBe("error");
      expect(unnamed!.content).toMatch(NO_NAME);
      expect(named!.content).toBe("Sunny in Rome");
    },
  );

  it("answers a call whose name is only blanks as naming no tool, and names it in the corrected AIMessage", async () => {
    const ai = aiWith([call("  ", { city: "Oslo" }, "c1"), call("get_weather", { city: "Rome" }, "c2")]);
    const after = await expectValidAfter(historyWith(ai), await node.invoke({ messages: historyWith(ai) }));
    expect(answeredAI(after).tool_calls!.map((c) => c.name)).toEqual(["invalid_tool_call", "get_weather"]);
    expect(results(after).map((r) => r.content)).toEqual([expect.stringMatching(NO_NAME), "Sunny in Rome"]);
  });

  it("runs a call whose mark field a serializer wrote as null, as a call without a mark", async () => {
    const ai = aiWith([{ ...call("get_weather", { city: "Oslo" }, "c1"), safe_tool_node: null } as never]);
    const after = await expectValidAfter(historyWith(ai), await node.invoke({ messages: historyWith(ai) }));
    expect(results(after).map((r) => [r.status, r.content])).toEqual([["success", "Sunny in Oslo"]]);
  });

  it("answers a streamed call whose name never arrived, and one whose name is missing altogether", async () => {
    const missing = aiWith([
      { type: "tool_call", id: "c9", args: { a: 1 } } as never,
      call("add", { a: 1, b: 2 }, "c10"),
    ]);
    for (const ai of [streamedWithoutName(), missing]) {
      const after = await expectValidAfter(historyWith(ai), await node.invoke({ messages: historyWith(ai) }));
      expect(results(after)[0]!.content).toMatch(NO_NAME);
    }
  });

  it.each(WIRINGS)("answers it in every wiring (%s), a Send without a name included", async (wiring) => {
    const messages = await runScript(
      [aiWith([call("", { city: "x" }, "c1"), call("get_weather", { city: "y" }, "c2")])],
      new SafeToolNode([weather, add]),
      wiring,
    );
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.status)).toEqual(["error", "success"]);
    expect(results(messages)[0]!.content).toMatch(NO_NAME);
  });

  it("is reported by validateToolResults and fixed by repairToolResults", () => {
    const history = historyWith(aiWith([call("", {}, "c1")]));
    history.push(new ToolMessage({ content: "?", tool_call_id: "c1", name: "x", id: "t1" }));
    expect(validateToolResults(history).map((p) => p.kind)).toEqual(["missing_call_name"]);
    const repaired = repairToolResults(history);
    expect(validateToolResults(repaired)).toEqual([]);
    expect(answeredAI(repaired).tool_calls![0]!.name).not.toBe("");
  });

  it("is answered under createAgent with the middleware", async () => {
    const model = new ScriptedChatModel([
      new AIMessage({ id: "m1", content: "", tool_calls: [call("", { city: "x" }, "c1")] }),
      new AIMessage({ id: "m2", content: "ok" }),
    ]);
    const agent = createAgent({ model, tools: [weather, add], middleware: [safeToolMiddleware()] });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(results(messages)[0]!.content).toMatch(NO_NAME);
  });
});

describe("calls that exist only in the provider's raw form", () => {
  /** `tool_calls` empty, as after a parser that gave up, while the raw calls the OpenAI converters send are still there. */
  function rawOnly(): AIMessage {
    return new AIMessage({
      content: "",
      id: "raw-only",
      tool_calls: [],
      additional_kwargs: {
        tool_calls: [
          { id: "call_r1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
          { id: "call_r2", type: "function", function: { name: "add", arguments: '{"a": 1, "b":' } },
        ],
      },
    });
  }
  /** Anthropic: `tool_use` blocks that never became `tool_calls`. */
  function blocksOnly(): AIMessage {
    return new AIMessage({
      content: [
        { type: "text", text: "Checking." },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Rome" } },
      ],
      id: "blocks-only",
      tool_calls: [],
    });
  }

  it.each([
    ["raw OpenAI calls", rawOnly],
    ["Anthropic tool_use blocks", blocksOnly],
  ])("routes a turn whose calls are only %s to the node, which answers them", async (_label, make) => {
    const history = historyWith(make());
    expect(safeToolsCondition({ messages: history })).toBe("tools");
    expect(validateToolResults(history).map((p) => p.kind)).toContain("untracked_call");
    const after = await expectValidAfter(history, await node.invoke({ messages: history }));
    expect(answeredAI(after).tool_calls!.length).toBeGreaterThan(0);
    expect(validateToolResults(after)).toEqual([]);
  });

  it("answers each raw call without running it: the parsable one as not run, the broken one with its parse error", async () => {
    const after = await expectValidAfter(
      historyWith(rawOnly()),
      await node.invoke({ messages: historyWith(rawOnly()) }),
    );
    expect(results(after).map((r) => [r.tool_call_id, r.status])).toEqual([
      ["call_r1", "error"],
      ["call_r2", "error"],
    ]);
    expect(results(after)[0]!.content).toBe(
      'Error: the call to "get_weather" was not run: it is missing from the message\'s parsed tool calls. Call the tool again if it is still needed.',
    );
    expect(results(after)[1]!.content).toMatch(/could not be parsed/);
  });

  it.each(["Anthropic blocks", "raw OpenAI calls", "Responses items"] as const)(
    "never runs a call a guard took out of tool_calls, though %s still hold it (the provider is answered)",
    async (shape) => {
      const deleted: string[] = [];
      const del = tool(async ({ path }) => (deleted.push(path), "deleted"), {
        name: "delete_file",
        description: "d",
        schema: z.object({ path: z.string() }),
      });
      const calls = [call("get_weather", { city: "x" }, "t1"), call("delete_file", { path: "/etc" }, "t2")];
      const make = {
        "Anthropic blocks": anthropicStyleAI,
        "raw OpenAI calls": openAIStyleAI,
        "Responses items": responsesStyleAI,
      }[shape];
      const messages = await runWithInPlaceEdit(make(calls), new SafeToolNode([weather, del]), (ai) => {
        ai.tool_calls = ai.tool_calls!.filter((c) => c.name !== "delete_file");
      });
      await expectValidHistory(messages);
      expect(deleted).toEqual([]);
    },
  );

  it.each([
    ["raw OpenAI calls", rawOnly],
    ["Anthropic tool_use blocks", blocksOnly],
  ])(
    "is answered under createAgent with the middleware, without running it, when its calls are only %s",
    async (_label, make) => {
      const ran: string[] = [];
      const recordingWeather = tool(async ({ city }) => (ran.push(city), `Sunny in ${city}`), {
        name: "get_weather",
        description: "Weather for a city.",
        schema: z.object({ city: z.string() }),
      });
      const agent = createAgent({
        model: new ScriptedChatModel([make(), new AIMessage({ id: "m2", content: "ok" })]),
        tools: [recordingWeather, add],
        middleware: [safeToolMiddleware()],
      });
      const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
      await expectValidHistory(messages);
      expect(ran).toEqual([]);
      expect(results(messages)[0]!.content).toBe(
        'Error: the call to "get_weather" was not run: it is missing from the message\'s parsed tool calls. Call the tool again if it is still needed.',
      );
    },
  );

  // A router of one's own that reads only tool_calls never sends such a turn anywhere (as toolsCondition ends it).
  it.each(["batch", "fan-out"] as const)("answers them when routed by %s", async (wiring) => {
    const messages = await runScript([rawOnly()], new SafeToolNode([weather, add]), wiring);
    await expectValidHistory(messages);
    expect(results(messages)).toHaveLength(2);
  });
});

describe("tool names that are keys of every object", () => {
  it.each(WIRINGS)(
    "answers calls named toString, constructor, __proto__ and hasOwnProperty with a checkpointer (%s)",
    async (wiring) => {
      const names = ["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf"];
      const script = [
        aiWith([call("get_weather", { city: "x" }, "c0"), ...names.map((name, k) => call(name, {}, `c${k + 1}`))]),
      ];
      const messages = await runScript(script, new SafeToolNode([weather, add]), wiring, { checkpointer: true });
      await expectValidHistory(messages);
      expect(results(messages).map((r) => r.status)).toEqual(["success", ...names.map(() => "error")]);
      expect(results(messages)[1]!.content).toMatch(/^Error: tool "toString" does not exist\./);
    },
  );
});

describe("calls told apart by their arguments when ids repeat", () => {
  it("keeps each twin's own arguments when tool_calls lost one of them (a human-in-the-loop rejection)", () => {
    const ai = new AIMessage({
      id: "a1",
      content: [
        { type: "text", text: "ok" },
        { type: "tool_use", id: "call_0", name: "send", input: { to: "x" } },
        { type: "tool_use", id: "call_0", name: "send", input: { to: "y" } },
      ] as never,
      tool_calls: [{ id: "call_0", name: "send", args: { to: "y" } }],
    });
    const repaired = repairToolResults([
      new HumanMessage({ content: "go", id: "h" }),
      ai,
      new ToolMessage({ id: "t", content: "rejected", tool_call_id: "call_0", name: "send" }),
    ]);
    expect(validateToolResults(repaired)).toEqual([]);
    const fixed = answeredAI(repaired);
    expect(fixed.tool_calls!.map((c) => c.args.to).sort()).toEqual(["x", "y"]);
    const rejected = repaired.find((m) => ToolMessage.isInstance(m) && m.content === "rejected") as ToolMessage;
    expect(fixed.tool_calls!.find((c) => c.id === rejected.tool_call_id)!.args.to).toBe("y");
  });
});

describe("an AIMessage whose optional fields were deleted", () => {
  it.each(["tool_calls", "invalid_tool_calls", "additional_kwargs", "response_metadata"] as const)(
    "answers its calls when %s is absent (the type allows it; a message rebuilt by hand may lack it)",
    async (field) => {
      const ai = new AIMessage({
        id: `no-${field}`,
        content: [
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Rome" } },
        ],
        tool_calls: [{ id: "toolu_1", name: "get_weather", args: { city: "Rome" } }],
      });
      delete (ai as unknown as Record<string, unknown>)[field];
      const history = historyWith(ai);
      expect(safeToolsCondition({ messages: history })).toBe("tools");
      const after = applyOutput(history, await node.invoke({ messages: history }));
      // (LangChain's OpenAI converters themselves fail on a message without additional_kwargs or response_metadata)
      if (field === "tool_calls" || field === "invalid_tool_calls") await expectValidHistory(after);
      else expect(invariantProblems(after)).toEqual([]);
      // without tool_calls the block is a call the parser did not give: answered, not run
      expect(results(after).map((r) => [r.tool_call_id, r.status])).toEqual([
        ["toolu_1", field === "tool_calls" ? "error" : "success"],
      ]);
    },
  );
});

describe("a streamed call without an id", () => {
  it("runs when its JSON is whole (core marks such calls invalid), under a made id", async () => {
    const ran: string[] = [];
    const write = tool(async ({ path }) => (ran.push(path), "ok"), {
      name: "write",
      description: "w",
      schema: z.object({ path: z.string() }),
    });
    const streamed = new AIMessageChunk({
      id: "s1",
      content: "",
      tool_call_chunks: [{ name: "write", args: '{"path":"a"}', index: 0, type: "tool_call_chunk" }],
    });
    expect(streamed.invalid_tool_calls).toHaveLength(1);
    const history = [new HumanMessage({ content: "go", id: "h" }), streamed];
    const after = await expectValidAfter(history, await new SafeToolNode([write]).invoke({ messages: history }));
    expect(ran).toEqual(["a"]);
    expect(results(after)[0]!.content).toBe("ok");
  });
});

describe("an unparsable call whose parser gave no error", () => {
  it("is answered, by the node and by history repair, saying its arguments were not valid JSON", async () => {
    const NOT_JSON =
      'Error: the call to "get_weather" could not be parsed (the arguments were not valid JSON). Resend the call with valid JSON arguments.';
    const ai = aiWith([], [{ type: "invalid_tool_call", name: "get_weather", args: '{"city":', id: "c1" }]);
    const after = await expectValidAfter(historyWith(ai), await node.invoke({ messages: historyWith(ai) }));
    expect(results(after).map((r) => [r.status, r.content])).toEqual([["error", NOT_JSON]]);
    expect(results(repairToolResults(historyWith(ai))).map((r) => r.content)).toEqual([NOT_JSON]);
  });

  it("is answered the same way by the createAgent middleware, and after safePostModelHook prepared the turn", async () => {
    const NOT_JSON =
      'Error: the call to "get_weather" could not be parsed (the arguments were not valid JSON). Resend the call with valid JSON arguments.';
    const turn = () => aiWith([], [{ type: "invalid_tool_call", name: "get_weather", args: '{"city":', id: "c1" }]);
    const agent = createAgent({
      model: new ScriptedChatModel([turn(), new AIMessage({ id: "done", content: "ok" })]),
      tools: [weather, add],
      middleware: [safeToolMiddleware()],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.content)).toEqual([NOT_JSON]);

    const history = historyWith(turn());
    const {
      messages: [prepared],
    } = safePostModelHook()({ messages: history });
    const hooked = [history[0]!, prepared!];
    const after = await expectValidAfter(hooked, await node.invoke({ messages: hooked }));
    expect(results(after).map((r) => r.content)).toEqual([NOT_JSON]);
  });
});
