import { AIMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { convertResponsesMessageToAIMessage } from "@langchain/openai";
import { SafeToolNode } from "../src/index.js";
import {
  add,
  aiWith,
  anthropicStyleAI,
  call,
  historyWith,
  invalidCall,
  openAIStyleAI,
  responsesStyleAI,
  weather,
} from "./helpers/fixtures.js";
import { expectValidAfter, messageWrites } from "./helpers/invariant.js";

const node = new SafeToolNode([weather, add]);
const ID = /^[a-zA-Z0-9_-]+$/;

async function run(history: BaseMessage[]) {
  const out = await node.invoke({ messages: history });
  const after = await expectValidAfter(history, out);
  const ai = after.find((m) => AIMessage.isInstance(m) && m.tool_calls?.length) as AIMessage;
  const results = after.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
  return { out, after, ai, results };
}

describe("invalid tool calls (behaviour 4)", () => {
  it.each([
    ["plain", aiWith],
    ["OpenAI-shaped", openAIStyleAI],
    ["Responses-shaped", responsesStyleAI],
    ["Anthropic-shaped", anthropicStyleAI],
  ])("answers every invalid call of a %s message, quoting the parser error", async (_label, make) => {
    const ai = make(
      [call("get_weather", { city: "Oslo" }, "call_ok")],
      [invalidCall("add", '{"a": 1, "b":', "call_bad", "Unexpected end of JSON input")],
    );
    const { after, ai: fixed, results } = await run(historyWith(ai));
    expect(fixed.id).toBe(ai.id);
    expect(after.filter((m) => AIMessage.isInstance(m))).toHaveLength(1);
    expect(fixed.tool_calls?.map((c) => c.id)).toEqual(["call_ok", "call_bad"]);
    expect(fixed.invalid_tool_calls).toEqual([]);
    expect(results.map((r) => [r.tool_call_id, r.status])).toEqual([
      ["call_ok", "success"],
      ["call_bad", "error"],
    ]);
    expect(results[1]!.content).toContain("Unexpected end of JSON input");
    expect(results[1]!.content).toMatch(/Resend the call with valid JSON arguments/);
    expect(results[1]!.name).toBe("add");
  });

  it.each([
    ["OpenAI-shaped", openAIStyleAI],
    ["Responses-shaped", responsesStyleAI],
    ["Anthropic-shaped", anthropicStyleAI],
  ])("answers a %s turn whose only calls are invalid", async (_label, make) => {
    const ai = make([], [invalidCall("get_weather", '{"city": "Os', "call_x"), invalidCall(undefined, "{", undefined)]);
    const { ai: fixed, results } = await run(historyWith(ai));
    expect(fixed.tool_calls).toHaveLength(2);
    expect(results).toHaveLength(2);
    expect(results.every((r) => r.status === "error")).toBe(true);
    expect(results[1]!.name).toBe("invalid_tool_call");
    expect(results[1]!.tool_call_id).toMatch(ID);
  });

  it("never runs an invalid call whose argument text is empty, blank or missing (cut off before its arguments came), though its tool needs none", async () => {
    const ran: string[] = [];
    const reset = tool(async () => (ran.push("reset"), "reset done"), {
      name: "reset",
      description: "Reset everything.",
      schema: z.object({}),
    });
    const ai = aiWith(
      [],
      [
        invalidCall("reset", "", "c1", "Malformed args."),
        invalidCall("reset", "  ", "c2", "Malformed args."),
        { type: "invalid_tool_call", name: "reset", id: "c3", error: "Malformed args." },
      ],
    );
    const history = historyWith(ai);
    const after = await expectValidAfter(history, await new SafeToolNode([reset]).invoke({ messages: history }));
    expect(ran).toEqual([]);
    const results = after.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
    expect(results.map((r) => [r.tool_call_id, r.status])).toEqual([
      ["c1", "error"],
      ["c2", "error"],
      ["c3", "error"],
    ]);
    for (const r of results) expect(r.content).toMatch(/could not be parsed: Malformed args\./);
  });
});

describe("calls whose arguments are not an object", () => {
  it("answers them like unparsable calls instead of running the tool with nothing", async () => {
    const ai = aiWith([call("get_weather", "Oslo" as never, "c1"), call("get_weather", { city: "x" }, "c2")]);
    const { results, ai: fixed } = await run(historyWith(ai));
    expect(fixed.tool_calls![0]!.args).toEqual({}); // Anthropic requires an object input
    expect(results.map((r) => r.status)).toEqual(["error", "success"]);
    expect(results[0]!.content).toMatch(/could not be parsed: the arguments are not a JSON object/);
  });
});

describe("AIMessage corrections (behaviour 5)", () => {
  it("gives calls without an id a deterministic, provider-safe id", async () => {
    const make = () =>
      aiWith([call("get_weather", { city: "a" }), call("get_weather", { city: "b" }, "")], [], { id: "ai-fixed" });
    const first = await run(historyWith(make()));
    const second = await run(historyWith(make()));
    const ids = first.ai.tool_calls!.map((c) => c.id!);
    expect(ids.every((id) => ID.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(2);
    expect(second.ai.tool_calls!.map((c) => c.id)).toEqual(ids);
    expect(first.results.map((r) => r.tool_call_id)).toEqual(ids);
    expect(first.results.map((r) => r.content)).toEqual(["Sunny in a", "Sunny in b"]);
  });

  it.each([
    ["plain", aiWith],
    ["OpenAI-shaped", openAIStyleAI],
    ["Responses-shaped", responsesStyleAI],
    ["Anthropic-shaped", anthropicStyleAI],
  ])("runs both calls of a duplicated id in a %s message, each with its own result", async (_label, make) => {
    const ai = make([call("get_weather", { city: "a" }, "dup"), call("get_weather", { city: "b" }, "dup")]);
    const { ai: fixed, results } = await run(historyWith(ai));
    const ids = fixed.tool_calls!.map((c) => c.id);
    expect(ids[0]).toBe("dup");
    expect(ids[1]).not.toBe("dup");
    expect(ids[1]).toMatch(ID);
    expect(results.map((r) => r.content)).toEqual(["Sunny in a", "Sunny in b"]);
  });

  it("replaces ids that Anthropic would reject", async () => {
    const ai = anthropicStyleAI([call("get_weather", { city: "a" }, "call:1.2")]);
    const { ai: fixed, results } = await run(historyWith(ai));
    expect(fixed.tool_calls![0]!.id).toMatch(ID);
    expect(results[0]!.tool_call_id).toBe(fixed.tool_calls![0]!.id);
  });

  it("answers a tool_use block that has no parsed call, without running it", async () => {
    const ai = aiWith([call("get_weather", { city: "a" }, "t1")], [], {
      content: [
        { type: "tool_use", id: "t1", name: "get_weather", input: { city: "a" } },
        { type: "tool_use", id: "t2", name: "get_weather", input: { city: "b" } },
      ] as never,
    });
    const { ai: fixed, results } = await run(historyWith(ai));
    expect(fixed.tool_calls!.map((c) => [c.id, c.args])).toEqual([
      ["t1", { city: "a" }],
      ["t2", { city: "b" }],
    ]);
    expect(results.map((r) => [r.tool_call_id, r.content])).toEqual([
      ["t1", "Sunny in a"],
      [
        "t2",
        'Error: the call to "get_weather" was not run: it is missing from the message\'s parsed tool calls. Call the tool again if it is still needed.',
      ],
    ]);
  });

  it("repairs a standard-content (v1) message, whose content blocks are what gets sent", async () => {
    const ai = aiWith(
      [call("get_weather", { city: "a" }, "v1a"), call("get_weather", { city: "b" })],
      [invalidCall("add", "{", "v1bad")],
      {
        content: [
          { type: "text", text: "checking" },
          { type: "tool_call", id: "v1a", name: "get_weather", args: { city: "a" } },
          { type: "invalid_tool_call", id: "v1bad", name: "add", args: "{", error: "bad json" },
        ] as never,
        response_metadata: { output_version: "v1", model_provider: "anthropic" },
      },
    );
    const { ai: fixed, results } = await run(historyWith(ai));
    const blocks = fixed.content as { type: string; id?: string }[];
    const ids = fixed.tool_calls!.map((c) => c.id);
    expect(blocks.filter((b) => b.type === "tool_call").map((b) => b.id)).toEqual(ids);
    expect(blocks.some((b) => b.type === "invalid_tool_call")).toBe(false);
    expect(results.map((r) => r.tool_call_id)).toEqual(ids);
    // content order (what is sent), then the call that had no block
    expect(results.map((r) => r.status)).toEqual(["success", "error", "success"]);
  });

  it.each([
    ["OpenAI-shaped", openAIStyleAI],
    ["Responses-shaped", responsesStyleAI],
    ["Anthropic-shaped", anthropicStyleAI],
  ])(
    "runs a call of a %s message whose id is empty in every place that carries it once, under one made id",
    async (_label, make) => {
      const ai = make([call("get_weather", { city: "a" }, ""), call("get_weather", { city: "b" }, "call_b")]);
      const { ai: fixed, results } = await run(historyWith(ai));
      const ids = fixed.tool_calls!.map((c) => c.id!);
      expect(ids[0]).toMatch(ID);
      expect(ids[1]).toBe("call_b");
      expect(results.map((r) => [r.tool_call_id, r.status, r.content])).toEqual([
        [ids[0], "success", "Sunny in a"],
        ["call_b", "success", "Sunny in b"],
      ]);
    },
  );

  it("drops streaming leftovers from the content of a message it corrects: v1 tool_call_chunk and Anthropic input_json_delta blocks", async () => {
    const v1 = new AIMessage({
      id: "streamed-v1",
      content: [
        { type: "text", text: "Checking." },
        { type: "tool_call_chunk", id: "call_a", name: "get_weather", args: '{"city":"a"}', index: 0 },
        { type: "tool_call_chunk", name: "get_weather", args: '{"city":"b"}', index: 1 },
      ] as never,
      tool_calls: [call("get_weather", { city: "a" }, "call_a"), call("get_weather", { city: "b" })],
      response_metadata: { output_version: "v1", model_provider: "anthropic" },
    });
    const anthropic = aiWith([call("get_weather", { city: "a" }, "toolu_a"), call("get_weather", { city: "b" })], [], {
      content: [
        { type: "text", text: "Checking." },
        { type: "tool_use", id: "toolu_a", name: "get_weather", input: '{"city":"a"}', index: 1 },
        { type: "input_json_delta", input: '{"city":"a"}', index: 1 },
      ] as never,
    });
    for (const [ai, kept] of [
      [v1, ["text", "tool_call", "tool_call"]],
      [anthropic, ["text", "tool_use"]], // the converter adds the call that has no block
    ] as const) {
      // run() sends the history through every client: the Anthropic converter sends v1 chunks as calls
      const { ai: fixed, results } = await run(historyWith(ai));
      const blocks = fixed.content as { type: string; id?: string }[];
      expect(blocks.map((b) => b.type)).toEqual(kept);
      expect(blocks.slice(1).map((b) => b.id)).toEqual(fixed.tool_calls!.map((c) => c.id).slice(0, kept.length - 1));
      expect(results.map((r) => r.content)).toEqual(["Sunny in a", "Sunny in b"]);
    }
  });

  it("answers the v1 blocks that tool_calls lacks with their own arguments and parse error, without running them", async () => {
    const ai = new AIMessage({
      id: "v1-blocks",
      content: [
        { type: "text", text: "checking" },
        { type: "tool_call", id: "v1a", name: "get_weather", args: { city: "a" } },
        { type: "tool_call", id: "v1b", name: "get_weather", args: { city: "b" } },
        { type: "invalid_tool_call", id: "v1c", name: "add", args: '{"a": 1,', error: "bad json" },
      ] as never,
      response_metadata: { output_version: "v1", model_provider: "anthropic" },
    });
    // a guard took the last two out of the parsed lists (the v1 blocks are still what gets sent), and added one
    ai.tool_calls = [call("get_weather", { city: "a" }, "v1a"), call("get_weather", { city: "d" }, "v1d")];
    ai.invalid_tool_calls = [];
    const { ai: fixed, results } = await run(historyWith(ai));
    expect(fixed.tool_calls!.map((c) => [c.id, c.args])).toEqual([
      ["v1a", { city: "a" }],
      ["v1b", { city: "b" }],
      ["v1c", {}],
      ["v1d", { city: "d" }],
    ]);
    // the added call gets a block of its own: a v1 message is sent from its blocks alone
    const blocks = fixed.content as { type: string; id?: string }[];
    expect(blocks.map((b) => [b.type, b.id])).toEqual([
      ["text", undefined],
      ["tool_call", "v1a"],
      ["tool_call", "v1b"],
      ["tool_call", "v1c"],
      ["tool_call", "v1d"],
    ]);
    expect(results.map((r) => [r.tool_call_id, r.status])).toEqual([
      ["v1a", "success"],
      ["v1b", "error"],
      ["v1c", "error"],
      ["v1d", "success"],
    ]);
    expect(results[1]!.content).toMatch(/was not run/);
    expect(results[2]!.content).toMatch(/could not be parsed: bad json/);
  });

  it("rewrites only the function_call items of a Responses reply, keeps its reasoning and message items, and adds an item for a call the output lacks", async () => {
    const reasoning = { type: "reasoning", id: "rs_1", summary: [] };
    const message = {
      type: "message",
      id: "msg_1",
      role: "assistant",
      status: "completed",
      content: [{ type: "output_text", text: "Checking both.", annotations: [] }],
    };
    const item = (id: string, city: string, k: number) => ({
      type: "function_call",
      id: `fc_${k}`,
      call_id: id,
      name: "get_weather",
      arguments: JSON.stringify({ city }),
      status: "completed",
    });
    const ai = convertResponsesMessageToAIMessage({
      id: "resp_mixed",
      object: "response",
      created_at: 0,
      model: "gpt-local",
      status: "completed",
      output: [reasoning, message, item("dup", "a", 0), item("dup", "b", 1)],
    } as never) as AIMessage;
    // a guard added a call of its own, which no stored item carries
    ai.tool_calls = [...ai.tool_calls!, call("get_weather", { city: "c" }, "call_added")];
    const { ai: fixed, results } = await run(historyWith(ai));
    const ids = fixed.tool_calls!.map((c) => c.id);
    expect(ids[0]).toBe("dup");
    expect(ids[1]).not.toBe("dup");
    expect(ids[2]).toBe("call_added");
    const output = fixed.response_metadata.output as { type: string; call_id?: string; arguments?: string }[];
    expect(output.slice(0, 2)).toEqual([reasoning, message]);
    expect(output.slice(2).map((i) => [i.type, i.call_id, i.arguments])).toEqual([
      ["function_call", ids[0], '{"city":"a"}'],
      ["function_call", ids[1], '{"city":"b"}'],
      ["function_call", ids[2], '{"city":"c"}'],
    ]);
    expect(results.map((r) => r.content)).toEqual(["Sunny in a", "Sunny in b", "Sunny in c"]);
  });

  it("keeps everything else about the AIMessage", async () => {
    const ai = anthropicStyleAI([], [invalidCall("add", "{", "t9")]);
    ai.response_metadata = { model: "claude-test", stop_reason: "max_tokens" };
    ai.usage_metadata = { input_tokens: 3, output_tokens: 4, total_tokens: 7 };
    const { ai: fixed } = await run(historyWith(ai));
    expect(fixed.response_metadata).toEqual(ai.response_metadata);
    expect(fixed.usage_metadata).toEqual(ai.usage_metadata);
    expect((fixed.content as { type: string }[])[0]).toEqual({ type: "text", text: "Let me check." });
  });

  it("sends no correction when the AIMessage is already consistent", async () => {
    const ai = openAIStyleAI([call("get_weather", { city: "a" }, "c1")]);
    const out = await node.invoke({ messages: historyWith(ai) });
    expect(messageWrites(out).map((m) => m.getType())).toEqual(["tool"]);
  });
});
