/**
 * The calls an AIMessage carries besides `tool_calls`: Anthropic `tool_use`
 * and standard (v1) content blocks, the Responses items ChatOpenAI stores in
 * `response_metadata.output`, and OpenAI's raw `additional_kwargs.tool_calls`.
 * What the node reads from each, how it pairs them with the parsed calls, in
 * which order it answers them, and what the corrected AIMessage holds.
 */
import { AIMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { convertResponsesMessageToAIMessage } from "@langchain/openai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { InvalidToolCallError, SafeToolNode } from "../src/index.js";
import { runWithInPlaceEdit } from "./helpers/agent-graphs.js";
import {
  aiWith,
  anthropicStyleAI,
  call,
  historyWith,
  invalidCall,
  openAIStyleAI,
  weather,
} from "./helpers/fixtures.js";
import {
  applyOutput,
  expectValidAfter,
  expectValidHistory,
  invariantProblems,
  messageWrites,
} from "./helpers/invariant.js";

const deleteFile = tool(async ({ path }) => `deleted ${path}`, {
  name: "delete_file",
  description: "Delete a file.",
  schema: z.object({ path: z.string() }),
});
const node = new SafeToolNode([weather, deleteFile]);
const ID = /^[a-zA-Z0-9_-]{1,40}$/;
const NOT_RUN = (name: string) =>
  `Error: the call to "${name}" was not run: it is missing from the message's parsed tool calls. Call the tool again if it is still needed.`;

type Block = { type: string; id?: unknown; name?: string; input?: unknown; args?: unknown };
type OutputItem = { type: string; call_id?: string; name?: string; arguments?: string; status?: string };

const results = (messages: readonly BaseMessage[]) =>
  messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
const answeredAI = (messages: readonly BaseMessage[]) =>
  messages.find((m) => AIMessage.isInstance(m) && (m.tool_calls?.length ?? 0) > 0) as AIMessage;

/** Runs the node on a history ending with `ai`, checks the invariant on every provider, and reads the outcome. */
async function answer(ai: AIMessage, on: SafeToolNode = node) {
  const history = historyWith(ai);
  const out = await on.invoke({ messages: history });
  const after = await expectValidAfter(history, out);
  return { writes: messageWrites(out), fixed: answeredAI(after), results: results(after) };
}

/** A reply of OpenAI's Responses API as ChatOpenAI stores it: `output` keeps every item, and is what gets re-sent. */
function responsesReply(id: string, output: object[]): AIMessage {
  return convertResponsesMessageToAIMessage({
    id,
    object: "response",
    created_at: 0,
    model: "gpt-local",
    status: "completed",
    output,
  } as never) as AIMessage;
}

const functionCall = (callId: string, name: string, args: object, k: number) => ({
  type: "function_call",
  id: `fc_${k}`,
  call_id: callId,
  name,
  arguments: JSON.stringify(args),
  status: "completed",
});

const textItem = {
  type: "message",
  id: "msg_1",
  role: "assistant",
  status: "completed",
  content: [{ type: "output_text", text: "Checking.", annotations: [] }],
};

const parseError = (text: string) => {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${text} parses`);
};

describe("calls that only a content block, a stored Responses item or a raw OpenAI call carries", () => {
  it("answers a Responses item that a guard took out of tool_calls under its own name and arguments, where the items place it", async () => {
    const turn = responsesReply("resp_guard", [
      textItem,
      functionCall("call_a", "get_weather", { city: "a" }, 0),
      functionCall("call_del", "delete_file", { path: "/etc" }, 1),
      functionCall("call_c", "get_weather", { city: "c" }, 2),
    ]);
    const messages = await runWithInPlaceEdit(turn, node, (ai) => {
      ai.tool_calls = ai.tool_calls!.filter((c) => c.name !== "delete_file");
    });
    await expectValidHistory(messages);
    const fixed = answeredAI(messages);
    expect(fixed.tool_calls!.map((c) => [c.id, c.name, c.args])).toEqual([
      ["call_a", "get_weather", { city: "a" }],
      ["call_del", "delete_file", { path: "/etc" }],
      ["call_c", "get_weather", { city: "c" }],
    ]);
    expect(results(messages).map((r) => [r.tool_call_id, r.name, r.content])).toEqual([
      ["call_a", "get_weather", "Sunny in a"],
      ["call_del", "delete_file", NOT_RUN("delete_file")],
      ["call_c", "get_weather", "Sunny in c"],
    ]);
  });

  it("orders a call that tool_calls lacks by the stored Responses items (what ChatOpenAI re-sends) when content blocks list the calls otherwise", async () => {
    const ai = responsesReply("resp_blocks", [
      functionCall("call_a", "get_weather", { city: "a" }, 0),
      functionCall("call_b", "get_weather", { city: "b" }, 1),
      functionCall("call_c", "get_weather", { city: "c" }, 2),
    ]);
    ai.content = [
      { type: "text", text: "Checking." },
      { type: "tool_use", id: "call_c", name: "get_weather", input: { city: "c" } },
      { type: "tool_use", id: "call_b", name: "get_weather", input: { city: "b" } },
      { type: "tool_use", id: "call_a", name: "get_weather", input: { city: "a" } },
    ];
    ai.tool_calls = ai.tool_calls!.filter((c) => c.id !== "call_b");
    const { fixed, results } = await answer(ai);
    expect(fixed.tool_calls!.map((c) => c.id)).toEqual(["call_a", "call_b", "call_c"]);
    expect(results.map((r) => [r.tool_call_id, r.content])).toEqual([
      ["call_a", "Sunny in a"],
      ["call_b", NOT_RUN("get_weather")],
      ["call_c", "Sunny in c"],
    ]);
  });

  it("orders raw OpenAI calls as their list gives them when the content blocks hold no call", async () => {
    const ai = new AIMessage({
      id: "raw-and-text-blocks",
      content: [{ type: "text", text: "Checking." }],
      tool_calls: [],
      invalid_tool_calls: [invalidCall("get_weather", '{"city":', "call_b")],
      additional_kwargs: {
        tool_calls: [
          { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"a"}' } },
          { id: "call_b", type: "function", function: { name: "get_weather", arguments: '{"city":' } },
        ],
      },
    });
    const { fixed, results } = await answer(ai);
    expect(fixed.tool_calls!.map((c) => c.id)).toEqual(["call_a", "call_b"]);
    expect(results.map((r) => [r.tool_call_id, r.status])).toEqual([
      ["call_a", "error"],
      ["call_b", "error"],
    ]);
    expect(results[0]!.content).toBe(NOT_RUN("get_weather"));
  });

  it("answers a raw OpenAI call that has no function object (its name never arrived) under a name of its own, and nothing that is no call", async () => {
    const ai = new AIMessage({
      id: "raw-partial",
      content: "",
      tool_calls: [],
      additional_kwargs: {
        tool_calls: [
          null,
          { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"a"}' } },
          { id: "call_b", type: "function" },
          { index: 2, note: "no call" },
        ] as never,
      },
    });
    const { fixed, results } = await answer(ai);
    expect(fixed.tool_calls!.map((c) => [c.id, c.name])).toEqual([
      ["call_a", "get_weather"],
      ["call_b", "invalid_tool_call"],
    ]);
    expect(fixed.additional_kwargs.tool_calls!.map((c) => c.id)).toEqual(["call_a", "call_b"]);
    expect(results.map((r) => r.tool_call_id)).toEqual(["call_a", "call_b"]);
    expect(results[1]!.content).toBe(NOT_RUN("invalid_tool_call"));
  });

  it("gives a carried call whose id is not a string a made id, in its block and its result", async () => {
    const ai = new AIMessage({
      id: "numeric-ids",
      content: [
        { type: "text", text: "Checking." },
        { type: "tool_use", id: 7, name: "get_weather", input: { city: "a" } },
      ] as never,
      tool_calls: [],
    });
    const { fixed, results } = await answer(ai);
    const id = fixed.tool_calls![0]!.id!;
    expect(typeof id).toBe("string");
    expect(id).toMatch(ID);
    expect((fixed.content as Block[])[1]!.id).toBe(id);
    expect(results.map((r) => r.tool_call_id)).toEqual([id]);
  });
});

describe("the arguments of a carried call", () => {
  /** A turn whose calls only content blocks and raw OpenAI calls hold (tool_calls is empty, as after a parser that gave up). */
  function carriedOnly(): AIMessage {
    const raw = (id: string, args: unknown) => ({
      id,
      type: "function",
      function: { name: "get_weather", arguments: args },
    });
    return new AIMessage({
      id: "carried-args",
      content: [
        { type: "text", text: "Checking." },
        { type: "tool_use", id: "use_none", name: "get_weather" },
        { type: "tool_use", id: "use_list", name: "get_weather", input: ["Oslo"] },
      ] as never,
      tool_calls: [],
      additional_kwargs: {
        tool_calls: [
          raw("raw_empty", ""),
          raw("raw_null", null),
          raw("raw_list", "[1, 2]"),
          raw("raw_broken", '{"city": "Os'),
          raw("raw_number", 5),
        ] as never,
      },
    });
  }

  it("reads no arguments as none, a value that is no object as such, and broken JSON with the parser's error", async () => {
    const { fixed, results } = await answer(carriedOnly());
    expect(fixed.tool_calls!.map((c) => [c.id, c.args])).toEqual([
      ["use_none", {}],
      ["use_list", {}],
      ["raw_empty", {}],
      ["raw_null", {}],
      ["raw_list", {}],
      ["raw_broken", {}],
      ["raw_number", {}],
    ]);
    const notAnObject =
      'Error: the call to "get_weather" could not be parsed: the arguments are not a JSON object. Resend the call with valid JSON arguments.';
    expect(results.map((r) => [r.tool_call_id, r.content])).toEqual([
      ["use_none", NOT_RUN("get_weather")],
      ["use_list", notAnObject],
      ["raw_empty", NOT_RUN("get_weather")],
      ["raw_null", NOT_RUN("get_weather")],
      ["raw_list", notAnObject],
      [
        "raw_broken",
        `Error: the call to "get_weather" could not be parsed: ${parseError('{"city": "Os')}. Resend the call with valid JSON arguments.`,
      ],
      ["raw_number", notAnObject],
    ]);
  });

  it("hands handleToolErrors the raw argument text of an unparsable carried call, as JSON for a value that is no object", async () => {
    const seen: [string, string | undefined][] = [];
    const recording = new SafeToolNode([weather], {
      handleToolErrors: (error, toolCall) => {
        if (InvalidToolCallError.isInstance(error)) seen.push([toolCall.id!, error.rawArgs]);
        return error.message;
      },
    });
    await answer(carriedOnly(), recording);
    expect(seen).toEqual([
      ["use_list", '["Oslo"]'],
      ["raw_list", "[1, 2]"],
      ["raw_broken", '{"city": "Os'],
      ["raw_number", "5"],
    ]);
  });

  it("hands handleToolErrors what a v1 invalid_tool_call block that tool_calls lacks says: its parse error and argument text, when they are strings", async () => {
    const seen: [string, string | undefined, string | undefined][] = [];
    const recording = new SafeToolNode([weather], {
      handleToolErrors: (error, toolCall) => {
        if (InvalidToolCallError.isInstance(error)) seen.push([toolCall.id!, error.parseError, error.rawArgs]);
        return error.message;
      },
    });
    const ai = new AIMessage({
      id: "v1-invalid-blocks",
      content: [
        { type: "text", text: "checking" },
        { type: "invalid_tool_call", id: "v1_text", name: "get_weather", args: '{"city": "Os', error: "bad json" },
        { type: "invalid_tool_call", id: "v1_odd", name: "get_weather", args: { city: "Oslo" }, error: { code: 1 } },
      ] as never,
      response_metadata: { output_version: "v1", model_provider: "anthropic" },
    });
    ai.tool_calls = [];
    ai.invalid_tool_calls = [];
    const { results } = await answer(ai, recording);
    expect(seen).toEqual([
      ["v1_text", "bad json", '{"city": "Os'],
      ["v1_odd", undefined, undefined],
    ]);
    expect(results[1]!.content).toBe(
      'Error: the call to "get_weather" could not be parsed (the arguments were not valid JSON). Resend the call with valid JSON arguments.',
    );
  });
});

describe("pairing carried calls with the parsed calls", () => {
  it("answers a tool_use block whose id no parsed call has as a call of its own, though its arguments equal a parsed call's", async () => {
    const ai = aiWith([call("get_weather", { city: "a" }, "toolu_1")], [], {
      content: [
        { type: "tool_use", id: "toolu_2", name: "get_weather", input: { city: "a" } },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "a" } },
      ] as never,
    });
    const { fixed, results } = await answer(ai);
    expect(fixed.tool_calls!.map((c) => c.id)).toEqual(["toolu_2", "toolu_1"]);
    expect(results.map((r) => [r.tool_call_id, r.content])).toEqual([
      ["toolu_2", NOT_RUN("get_weather")],
      ["toolu_1", "Sunny in a"],
    ]);
  });

  it("takes a tool_use block for the parsed call of its id when a guard changed the call's arguments, and runs it once", async () => {
    const ai = anthropicStyleAI([call("get_weather", { city: "a" }, "toolu_1")]);
    ai.tool_calls = [call("get_weather", { city: "b" }, "toolu_1")];
    const { writes, results } = await answer(ai);
    expect(writes.map((m) => m.getType())).toEqual(["tool"]);
    expect(results.map((r) => [r.tool_call_id, r.content])).toEqual([["toolu_1", "Sunny in b"]]);
  });

  it("pairs only one of two tool_use blocks sharing an id with the one parsed call of that id; the other is answered apart", async () => {
    const ai = aiWith([call("get_weather", { city: "z" }, "toolu_1")], [], {
      content: [
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "x" } },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "y" } },
      ] as never,
    });
    const { fixed, results } = await answer(ai);
    const ids = fixed.tool_calls!.map((c) => c.id!);
    expect(ids[0]).toBe("toolu_1");
    expect(ids[1]).toMatch(ID);
    expect(ids[1]).not.toBe("toolu_1");
    expect((fixed.content as Block[]).map((b) => b.id)).toEqual(ids);
    expect(results.map((r) => r.content)).toEqual(["Sunny in z", NOT_RUN("get_weather")]);
  });

  it("tells twins of one id apart by their arguments and keeps them in the order of their blocks", async () => {
    const ai = aiWith([call("get_weather", { city: "y" }, "call_0")], [], {
      content: [
        { type: "tool_use", id: "call_0", name: "get_weather", input: { city: "x" } },
        { type: "tool_use", id: "call_0", name: "get_weather", input: { city: "y" } },
      ] as never,
    });
    const { fixed, results } = await answer(ai);
    expect(fixed.tool_calls!.map((c) => c.args.city)).toEqual(["x", "y"]);
    expect(fixed.tool_calls![1]!.id).toBe("call_0");
    expect((fixed.content as Block[]).map((b) => [b.id, b.input])).toEqual(
      fixed.tool_calls!.map((c) => [c.id, c.args]),
    );
    expect(results.map((r) => r.content)).toEqual([NOT_RUN("get_weather"), "Sunny in y"]);
  });
});

describe("the lists of the corrected AIMessage", () => {
  it("adds a completed function_call item for a call the stored Responses output lacks, after its reasoning item", async () => {
    const reasoning = { type: "reasoning", id: "rs_1", summary: [] };
    const ai = responsesReply("resp_reasoning", [reasoning, functionCall("call_a", "get_weather", { city: "a" }, 0)]);
    ai.tool_calls = [...ai.tool_calls!, call("get_weather", { city: "b" }, "call.b")];
    const { fixed, results } = await answer(ai);
    const made = fixed.tool_calls![1]!.id!;
    expect(made).toMatch(ID);
    expect(fixed.response_metadata.output).toEqual([
      reasoning,
      functionCall("call_a", "get_weather", { city: "a" }, 0),
      { type: "function_call", call_id: made, name: "get_weather", arguments: '{"city":"b"}', status: "completed" },
    ]);
    expect(results.map((r) => [r.tool_call_id, r.content])).toEqual([
      ["call_a", "Sunny in a"],
      [made, "Sunny in b"],
    ]);
  });

  it("keeps a response_metadata.output that the Responses converter does not re-send as it is", async () => {
    for (const output of [[], [{ kind: "log", text: "no type" }, { type: "note" }], { type: "function_call" }]) {
      const ai = aiWith([call("get_weather", { city: "a" }, "call.a")], [], { response_metadata: { output } });
      const { fixed, results } = await answer(ai);
      expect(fixed.response_metadata.output).toEqual(output);
      expect(results.map((r) => r.content)).toEqual(["Sunny in a"]);
    }
  });

  it("answers the content blocks when additional_kwargs.tool_calls is not a list", async () => {
    const ai = new AIMessage({
      id: "raw-not-a-list",
      content: [
        { type: "text", text: "Checking." },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "a" } },
      ],
      tool_calls: [],
      additional_kwargs: { tool_calls: { id: "toolu_1" } as never },
    });
    const { fixed, results } = await answer(ai);
    expect(fixed.additional_kwargs.tool_calls).toEqual({ id: "toolu_1" });
    expect(results.map((r) => [r.tool_call_id, r.content])).toEqual([["toolu_1", NOT_RUN("get_weather")]]);
  });

  it("adds no raw OpenAI calls to a message that had none", async () => {
    const ai = anthropicStyleAI([call("get_weather", { city: "a" }, "call:1")]);
    const { fixed } = await answer(ai);
    expect(fixed.tool_calls![0]!.id).toMatch(ID);
    expect(fixed.additional_kwargs).toEqual(ai.additional_kwargs);
    expect("tool_calls" in fixed.additional_kwargs).toBe(false);
  });

  it("leaves the raw OpenAI calls unanswered while tool_calls holds calls (the converters then send tool_calls), and corrects nothing", async () => {
    const messages = await runWithInPlaceEdit(
      openAIStyleAI([call("get_weather", { city: "a" }, "call_a"), call("delete_file", { path: "/etc" }, "call_d")]),
      node,
      (ai) => {
        ai.tool_calls = ai.tool_calls!.filter((c) => c.name !== "delete_file");
      },
    );
    await expectValidHistory(messages);
    expect(results(messages).map((r) => [r.tool_call_id, r.content])).toEqual([["call_a", "Sunny in a"]]);
    expect(answeredAI(messages).additional_kwargs.tool_calls).toHaveLength(2);
  });
});

describe("an AIMessage whose optional fields were deleted, when it needs a correction", () => {
  it("answers a call that has no content block when response_metadata is absent", async () => {
    const ai = new AIMessage({
      id: "no-metadata",
      content: [
        { type: "text", text: "Checking." },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "a" } },
      ],
      tool_calls: [call("get_weather", { city: "a" }, "toolu_1"), call("get_weather", { city: "b" }, "call:b")],
    });
    delete (ai as unknown as Record<string, unknown>).response_metadata;
    const history = historyWith(ai);
    const after = applyOutput(history, await node.invoke({ messages: history }));
    expect(invariantProblems(after)).toEqual([]);
    expect(results(after).map((r) => r.content)).toEqual(["Sunny in a", "Sunny in b"]);
  });

  it("answers the raw OpenAI calls when tool_calls is absent", async () => {
    const ai = openAIStyleAI([call("get_weather", { city: "a" }, "call_a")]);
    delete (ai as unknown as Record<string, unknown>).tool_calls;
    const history = historyWith(ai);
    const after = applyOutput(history, await node.invoke({ messages: history }));
    expect(invariantProblems(after)).toEqual([]);
    expect(results(after).map((r) => [r.tool_call_id, r.content])).toEqual([["call_a", NOT_RUN("get_weather")]]);
  });
});

describe("content entries that are no block", () => {
  // (LangChain's Anthropic and Responses converters themselves fail on such an entry.)
  it("keeps them where they stand in the corrected AIMessage", async () => {
    const ai = aiWith([call("get_weather", { city: "a" }, "call:a")], [], {
      content: ["Checking.", { type: "tool_use", id: "call:a", name: "get_weather", input: { city: "a" } }] as never,
    });
    const history = historyWith(ai);
    const after = applyOutput(history, await node.invoke({ messages: history }));
    expect(invariantProblems(after)).toEqual([]);
    const fixed = answeredAI(after);
    expect(fixed.content).toEqual([
      "Checking.",
      { type: "tool_use", id: fixed.tool_calls![0]!.id, name: "get_weather", input: { city: "a" } },
    ]);
  });
});
