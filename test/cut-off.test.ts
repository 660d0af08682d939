import { AIMessage, AIMessageChunk, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { END, MemorySaver, MessagesAnnotation, START, Send, StateGraph } from "@langchain/langgraph";
import { createAgent } from "langchain";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ScriptedChatModel } from "../src/testing.js";
import { CutOffCallError, SafeToolNode, safeToolsFanOut, type ToolCallError } from "../src/index.js";
import { safeToolMiddleware } from "../src/middleware.js";
import { aiWith, call, historyWith, invalidCall, openAIStyleAI } from "./helpers/fixtures.js";
import { expectValidAfter, expectValidHistory } from "./helpers/invariant.js";
import { replyFrom, scriptReply } from "./helpers/provider-replies.js";
import { localProviders, PROVIDERS } from "./helpers/wire.js";
import { convertResponsesMessageToAIMessage } from "@langchain/openai";
import { applyOutput, invariantProblems } from "./helpers/invariant.js";

/** Tools that record each run, so a test can tell which calls ran. */
function recordingTools() {
  const ran: string[] = [];
  const writeFile = tool(async ({ path }) => (ran.push(`write_file:${path}`), `wrote ${path}`), {
    name: "write_file",
    description: "Write a file.",
    schema: z.object({ path: z.string(), text: z.string() }),
  });
  const lookup = tool(async ({ q }) => (ran.push(`lookup:${q}`), `found ${q}`), {
    name: "lookup",
    description: "Look up.",
    schema: z.object({ q: z.string() }),
  });
  return { ran, tools: [lookup, writeFile] };
}

const results = (messages: readonly BaseMessage[]) =>
  messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
const CUT_OFF_TEXT =
  /cut off by the output token limit, so this call to "write_file" may be incomplete; it was not run\. Send the call again with shorter arguments/;

describe("responses cut off by the token limit (the last call may be truncated even when it parses)", () => {
  it.each(PROVIDERS)(
    "does not run the last call of a cut-off %s response, as its real client builds it; the calls before it run",
    async (provider) => {
      const { ran, tools } = recordingTools();
      const ai = await replyFrom(
        provider,
        [
          { id: "call_look", name: "lookup", args: { q: "x" } },
          { id: "call_write", name: "write_file", args: { path: "notes.md", text: "the first half of a long te" } },
        ],
        { cutOff: true },
      );
      const history = [new HumanMessage({ content: "write it", id: "h1" }), ai];
      const after = await expectValidAfter(history, await new SafeToolNode(tools).invoke({ messages: history }));
      expect(ran).toEqual(["lookup:x"]);
      const [looked, written] = results(after);
      expect(looked!.content).toBe("found x");
      expect(written!.status).toBe("error");
      expect(written!.content).toMatch(CUT_OFF_TEXT);
    },
  );

  it.each(PROVIDERS)("runs every call of a %s response that was not cut off", async (provider) => {
    const { ran, tools } = recordingTools();
    const ai = await replyFrom(provider, [{ id: "call_write", name: "write_file", args: { path: "a", text: "b" } }]);
    const history = [new HumanMessage({ content: "write it", id: "h1" }), ai];
    await expectValidAfter(history, await new SafeToolNode(tools).invoke({ messages: history }));
    expect(ran).toEqual(["write_file:a"]);
  });

  it.each([
    ["the v1 standard finish_reason", { response_metadata: { finish_reason: "length", output_version: "v1" } }],
    [
      "Anthropic's stop_reason while streaming (in additional_kwargs)",
      { additional_kwargs: { stop_reason: "max_tokens" } },
    ],
    ["Bedrock Converse's stopReason", { response_metadata: { stopReason: "max_tokens" } }],
    ["Ollama's done_reason", { response_metadata: { done_reason: "length" } }],
    ["a context window that ran out", { response_metadata: { stop_reason: "model_context_window_exceeded" } }],
    [
      "a context window that ran out, as Bedrock Converse says it",
      { response_metadata: { stopReason: "model_context_window_exceeded" } },
    ],
  ])("recognises %s", async (_label, fields) => {
    const { ran, tools } = recordingTools();
    const history = historyWith(
      aiWith(
        [call("lookup", { q: "x" }, "c1"), call("write_file", { path: "p", text: "t" }, "c2")],
        [],
        fields as never,
      ),
    );
    const after = await expectValidAfter(history, await new SafeToolNode(tools).invoke({ messages: history }));
    expect(ran).toEqual(["lookup:x"]);
    expect(results(after)[1]!.content).toMatch(CUT_OFF_TEXT);
  });

  it("explains the cut-off, not the parse error, when the last call the model generated did not even parse", async () => {
    const { ran, tools } = recordingTools();
    const ai = openAIStyleAI(
      [call("lookup", { q: "x" }, "c1")],
      [invalidCall("write_file", '{"path": "p", "te', "c2")],
    );
    ai.response_metadata = { finish_reason: "length" };
    const after = await expectValidAfter(
      historyWith(ai),
      await new SafeToolNode(tools).invoke({ messages: historyWith(ai) }),
    );
    expect(ran).toEqual(["lookup:x"]);
    expect(results(after)[1]!.content).toMatch(CUT_OFF_TEXT);
  });

  it("holds back the last parsed call when the message keeps no order of generation, an unparsable call beside it", async () => {
    const { ran, tools } = recordingTools();
    const ai = aiWith(
      [
        call("write_file", { path: "a", text: "A" }, "A"),
        call("write_file", { path: "c", text: "only the beginn" }, "C"),
      ],
      [invalidCall("write_file", '{"path":"b"}}', "B", "Malformed args.")],
      { response_metadata: { finish_reason: "length" } },
    );
    await expectValidAfter(historyWith(ai), await new SafeToolNode(tools).invoke({ messages: historyWith(ai) }));
    expect(ran).toEqual(["write_file:a"]);
  });

  it("holds back a streamed call whose argument text is cut short, though the joined chunks parsed and no finish reason survived", async () => {
    const { ran, tools } = recordingTools();
    const streamed = new AIMessageChunk({
      content: "",
      id: "streamed",
      tool_call_chunks: [
        { id: "c1", name: "lookup", args: '{"q":"x"}', index: 0, type: "tool_call_chunk" },
        {
          id: "c2",
          name: "write_file",
          args: '{"path":"p","text":"the beginning of a long te',
          index: 1,
          type: "tool_call_chunk",
        },
      ],
    });
    expect(streamed.tool_calls?.map((c) => c.args)).toEqual([
      { q: "x" },
      { path: "p", text: "the beginning of a long te" },
    ]);
    const history = [new HumanMessage({ content: "go", id: "h" }), streamed];
    const after = await expectValidAfter(history, await new SafeToolNode(tools).invoke({ messages: history }));
    expect(ran).toEqual(["lookup:x"]);
    expect(results(after)[1]!.content).toMatch(CUT_OFF_TEXT);
  });

  it("gives handleToolErrors a typed CutOffCallError", async () => {
    const { tools } = recordingTools();
    const seen: ToolCallError[] = [];
    const node = new SafeToolNode(tools, { handleToolErrors: (error) => (seen.push(error), `custom: ${error.kind}`) });
    const history = historyWith(
      aiWith([call("write_file", { path: "p", text: "t" }, "c1")], [], {
        response_metadata: { finish_reason: "length" },
      }),
    );
    const after = await expectValidAfter(history, await node.invoke({ messages: history }));
    expect(CutOffCallError.isInstance(seen[0])).toBe(true);
    expect(results(after)[0]!.content).toBe("custom: cut_off");
  });

  it('runs the last call anyway with cutOffCall: "run"', async () => {
    const { ran, tools } = recordingTools();
    const history = historyWith(
      aiWith([call("lookup", { q: "x" }, "c1"), call("write_file", { path: "p", text: "t" }, "c2")], [], {
        response_metadata: { finish_reason: "length" },
      }),
    );
    await expectValidAfter(history, await new SafeToolNode(tools, { cutOffCall: "run" }).invoke({ messages: history }));
    expect(ran).toEqual(["lookup:x", "write_file:p"]);
  });

  it("holds the last call back in fan-out mode and through a router of one's own", async () => {
    const script = () => [
      aiWith([call("lookup", { q: "x" }, "c1"), call("write_file", { path: "p", text: "t" }, "c2")], [], {
        response_metadata: { finish_reason: "length" },
      }),
      new AIMessage({ content: "done", id: "final" }),
    ];
    const ownRouter = (state: typeof MessagesAnnotation.State) => {
      const last = state.messages.at(-1) as AIMessage;
      return last.tool_calls?.length
        ? last.tool_calls.map((c) => new Send("tools", { ...state, lg_tool_call: c }))
        : END;
    };
    for (const router of [safeToolsFanOut("tools"), ownRouter]) {
      const { ran, tools } = recordingTools();
      const turns = script();
      let turn = 0;
      const graph = new StateGraph(MessagesAnnotation)
        .addNode("agent", () => ({ messages: [turns[turn++]!] }))
        .addNode("tools", new SafeToolNode(tools))
        .addEdge(START, "agent")
        .addConditionalEdges("agent", router, ["tools", END])
        .addEdge("tools", "agent")
        .compile({ checkpointer: new MemorySaver() });
      const { messages } = await graph.invoke(
        { messages: [new HumanMessage({ content: "go", id: "h" })] },
        { configurable: { thread_id: `cut-${turn}-${ran.length}-${Math.random()}` } },
      );
      await expectValidHistory(messages);
      expect(ran).toEqual(["lookup:x"]);
      expect(results(messages)[1]!.content).toMatch(CUT_OFF_TEXT);
    }
  });

  it("holds it back under createAgent with the middleware, in the same words", async () => {
    const { ran, tools } = recordingTools();
    const model = new ScriptedChatModel([
      new AIMessage({
        id: "m1",
        content: "",
        tool_calls: [call("lookup", { q: "x" }, "c1"), call("write_file", { path: "p", text: "t" }, "c2")],
        response_metadata: { finish_reason: "length" },
      }),
      new AIMessage({ id: "m2", content: "ok" }),
    ]);
    const agent = createAgent({ model, tools, middleware: [safeToolMiddleware()] });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(ran).toEqual(["lookup:x"]);
    expect(results(messages)[1]!.content).toMatch(CUT_OFF_TEXT);
  });
});

describe("a cut-off response streamed by the real ChatOpenAI", () => {
  it("holds back the call cut short when the graph streams tokens (streamMode: messages), where no finish reason reaches the AIMessage", async () => {
    const { ran, tools } = recordingTools();
    const { clients } = await localProviders();
    await scriptReply(
      "openai-chat",
      [
        { id: "call_a", name: "write_file", args: { path: "a.txt", text: "full" } },
        {
          id: "call_b",
          name: "write_file",
          args: {},
          text: '{"path":"b.txt","text":"this is the beginning of a long te',
        },
      ],
      { cutOff: true },
    );
    const model = clients["openai-chat"];
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
      .addNode("tools", new SafeToolNode(tools))
      .addEdge(START, "agent")
      .addConditionalEdges("agent", (state) => (state.messages.length === 2 ? "tools" : END), ["tools", END])
      .addEdge("tools", END)
      .compile();
    let messages: BaseMessage[] = [];
    for await (const [, update] of await graph.stream(
      { messages: [new HumanMessage({ content: "write two files", id: "h" })] },
      { streamMode: ["messages", "values"] },
    )) {
      if (update && typeof update === "object" && "messages" in update)
        messages = (update as { messages: BaseMessage[] }).messages;
    }
    // the streamed AIMessage keeps the argument texts, but no finish reason
    expect((messages[1] as AIMessage).response_metadata?.finish_reason).toBeUndefined();
    await expectValidHistory(messages);
    expect(ran).toEqual(["write_file:a.txt"]);
    expect(results(messages)[1]!.content).toMatch(/cut off by the output token limit, so this call to "write_file"/);
  });
});

/** Runs the recording tools on `ai` and returns which calls ran and each result's text, by call id. */
async function answer(ai: AIMessage, options: { checkWire?: boolean } = {}) {
  const { ran, tools } = recordingTools();
  const history = [new HumanMessage({ content: "go", id: "h" }), ai];
  const output = await new SafeToolNode(tools).invoke({ messages: history });
  let after: BaseMessage[];
  if (options.checkWire === false) {
    after = applyOutput(history, output);
    expect(invariantProblems(after)).toEqual([]);
  } else after = await expectValidAfter(history, output);
  const texts = Object.fromEntries(results(after).map((r) => [r.tool_call_id, String(r.content)]));
  return { ran, texts };
}

/** A Responses API reply as `ChatOpenAI` in Responses mode turns it into an AIMessage. */
function responsesReply(output: Record<string, unknown>[], status: "completed" | "incomplete"): AIMessage {
  const message = convertResponsesMessageToAIMessage({
    id: `resp_${output.length}_${status}`,
    object: "response",
    created_at: 0,
    model: "gpt-local",
    status,
    incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" } : null,
    output,
  } as never) as AIMessage;
  return message;
}
const functionCall = (id: string, name: string, text: string) => ({
  type: "function_call",
  id: `fc_${id}`,
  call_id: id,
  name,
  arguments: text,
  status: "completed",
});

/**
 * Two calls as ChatAnthropic streams them, joined: each a tool_use block with
 * empty input and the input_json_delta parts at its index; the second is cut short.
 */
function streamedAnthropic(): AIMessageChunk {
  const parts = [
    new AIMessageChunk({
      content: [{ index: 0, type: "tool_use", id: "toolu_1", name: "lookup", input: "" }],
      tool_call_chunks: [{ index: 0, id: "toolu_1", name: "lookup", args: "" }],
    }),
    new AIMessageChunk({
      content: [{ index: 0, type: "input_json_delta", input: '{"q":"x"}' }],
      tool_call_chunks: [{ index: 0, args: '{"q":"x"}' }],
    }),
    new AIMessageChunk({
      content: [{ index: 1, type: "tool_use", id: "toolu_2", name: "write_file", input: "" }],
      tool_call_chunks: [{ index: 1, id: "toolu_2", name: "write_file", args: "" }],
    }),
    new AIMessageChunk({
      content: [{ index: 1, type: "input_json_delta", input: '{"path":"p","text":"the beginning of a long te' }],
      tool_call_chunks: [{ index: 1, args: '{"path":"p","text":"the beginning of a long te' }],
    }),
  ];
  const streamed = parts.reduce((joined, part) => joined.concat(part));
  streamed.id = "streamed-anthropic";
  return streamed;
}

describe("which call of a cut-off response is held back", () => {
  it.each([
    [
      "incomplete for another reason (content filter)",
      { status: "incomplete", incomplete_details: { reason: "content_filter" } },
    ],
    ["incomplete without saying why", { status: "incomplete" }],
    [
      "completed, with stale incomplete_details",
      { status: "completed", incomplete_details: { reason: "max_output_tokens" } },
    ],
  ])("runs every call of a Responses reply %s", async (_label, metadata) => {
    const { ran, texts } = await answer(
      aiWith([call("lookup", { q: "x" }, "c1"), call("write_file", { path: "p", text: "t" }, "c2")], [], {
        response_metadata: metadata,
      }),
    );
    expect(ran).toEqual(["lookup:x", "write_file:p"]);
    expect(texts).toEqual({ c1: "found x", c2: "wrote p" });
  });

  it("holds back only the last of three calls, by the order of the raw calls", async () => {
    const ai = openAIStyleAI([
      call("lookup", { q: "x" }, "c1"),
      call("write_file", { path: "a", text: "A" }, "c2"),
      call("write_file", { path: "b", text: "B" }, "c3"),
    ]);
    ai.response_metadata = { finish_reason: "length" };
    const { ran, texts } = await answer(ai);
    expect(ran).toEqual(["lookup:x", "write_file:a"]);
    expect(texts.c3).toMatch(CUT_OFF_TEXT);
  });

  it("says the last of three unparsable calls was cut off, and the others could not be parsed", async () => {
    const { ran, texts } = await answer(
      aiWith(
        [],
        [
          invalidCall("write_file", '{"path": "a"', "c1"),
          invalidCall("write_file", '{"path": "b"', "c2"),
          invalidCall("write_file", '{"path": "c", "te', "c3"),
        ],
        { response_metadata: { finish_reason: "length" } },
      ),
    );
    expect(ran).toEqual([]);
    expect(texts.c1).toMatch(/could not be parsed/);
    expect(texts.c2).toMatch(/could not be parsed/);
    expect(texts.c3).toMatch(CUT_OFF_TEXT);
  });

  it("answers nothing, without failing, for a cut-off response that holds no call", async () => {
    const { ran, texts } = await answer(
      new AIMessage({
        id: "text-only",
        content: "the beginning of a long answ",
        response_metadata: { finish_reason: "length" },
      }),
    );
    expect(ran).toEqual([]);
    expect(texts).toEqual({});
  });

  it("holds back the last call generated when the provider gave its calls null ids", async () => {
    const ai = aiWith([call("lookup", { q: "x" })], [invalidCall("write_file", '{"path": "p", "te', undefined)], {
      response_metadata: { finish_reason: "length" },
      additional_kwargs: {
        tool_calls: [
          { id: null, type: "function", function: { name: "lookup", arguments: '{"q": "x"}' } },
          { id: null, type: "function", function: { name: "write_file", arguments: '{"path": "p", "te' } },
        ] as never,
      },
    });
    const { ran, texts } = await answer(ai);
    expect(ran).toEqual(["lookup:x"]);
    const [, second] = Object.values(texts);
    expect(second).toMatch(CUT_OFF_TEXT);
  });

  it.each([
    ["ends with the broken call", [] as Record<string, unknown>[]],
    [
      "has a text item after the broken call",
      [
        {
          type: "message",
          id: "msg_1",
          role: "assistant",
          status: "incomplete",
          content: [{ type: "output_text", text: "And no", annotations: [] }],
        },
      ],
    ],
  ])(
    "holds back the last function_call of an incomplete Responses reply that %s, and runs the call before it",
    async (_label, after) => {
      const ai = responsesReply(
        [
          functionCall("call_look", "lookup", '{"q":"x"}'),
          functionCall("call_write", "write_file", '{"path":"p","text":"the first half of a long te'),
          ...after,
        ],
        "incomplete",
      );
      expect(ai.invalid_tool_calls).toHaveLength(1);
      const { ran, texts } = await answer(ai);
      expect(ran).toEqual(["lookup:x"]);
      expect(texts.call_write).toMatch(CUT_OFF_TEXT);
    },
  );

  it("takes the order of generation from a v1 message's tool_call blocks, not from tool_calls", async () => {
    const look = call("lookup", { q: "x" }, "c1");
    const write = call("write_file", { path: "p", text: "t" }, "c2");
    const ai = new AIMessage({
      id: "v1-reordered",
      content: [
        { type: "tool_call", id: "c1", name: "lookup", args: { q: "x" } },
        { type: "tool_call", id: "c2", name: "write_file", args: { path: "p", text: "t" } },
      ],
      tool_calls: [write, look],
      response_metadata: { output_version: "v1", finish_reason: "length" },
    });
    const { ran, texts } = await answer(ai);
    expect(ran).toEqual(["lookup:x"]);
    expect(texts.c2).toMatch(CUT_OFF_TEXT);
  });
});

describe("argument texts that show a call was cut short", () => {
  it("holds back a streamed Anthropic call whose tool_use input text is cut short, though the joined chunks parsed", async () => {
    const streamed = streamedAnthropic();
    expect(streamed.tool_calls?.map((c) => c.args)).toEqual([
      { q: "x" },
      { path: "p", text: "the beginning of a long te" },
    ]);
    const { ran, texts } = await answer(streamed);
    expect(ran).toEqual(["lookup:x"]);
    expect(texts.toolu_2).toMatch(CUT_OFF_TEXT);
  });

  it("answers a call a guard took out of tool_calls as not run, not as cut off, though its streamed text was cut short", async () => {
    const streamed = streamedAnthropic();
    const guarded = new AIMessage({
      id: streamed.id,
      content: streamed.content,
      tool_calls: streamed.tool_calls!.filter((c) => c.name !== "write_file"),
    });
    const { ran, texts } = await answer(guarded);
    expect(ran).toEqual(["lookup:x"]);
    expect(texts.toolu_2).toMatch(
      /^Error: the call to "write_file" was not run: it is missing from the message's parsed tool calls\./,
    );
  });

  it.each([
    [
      "invalid_tool_call block",
      { type: "invalid_tool_call", id: "c2", name: "write_file", args: '{"path":"p","text":"the beginn', error: null },
    ],
    ["tool_use block", { type: "tool_use", id: "c2", name: "write_file", input: '{"path":"p","text":"the beginn' }],
  ])("holds back a parsed call whose %s shows its argument text cut short", async (_label, block) => {
    const { ran, texts } = await answer(
      aiWith([call("lookup", { q: "x" }, "c1"), call("write_file", { path: "p", text: "the beginn" }, "c2")], [], {
        content: [{ type: "tool_use", id: "c1", name: "lookup", input: { q: "x" } }, block] as never,
      }),
    );
    expect(ran).toEqual(["lookup:x"]);
    expect(texts.c2).toMatch(CUT_OFF_TEXT);
  });

  it("runs a streamed call whose argument text is blank (a tool without parameters)", async () => {
    const none = tool(async () => "listed", { name: "list_files", description: "List.", schema: z.object({}) });
    const streamed = new AIMessageChunk({
      content: "",
      id: "streamed-blank",
      tool_call_chunks: [{ id: "c1", name: "list_files", args: "  ", index: 0, type: "tool_call_chunk" }],
    });
    expect(streamed.tool_calls?.map((c) => c.args)).toEqual([{}]);
    const history = [new HumanMessage({ content: "go", id: "h" }), streamed];
    const after = await expectValidAfter(history, await new SafeToolNode([none]).invoke({ messages: history }));
    expect(results(after).map((r) => r.content)).toEqual(["listed"]);
  });

  it("runs a streamed call whose chunks were never joined by concat, as core joins them into whole arguments", async () => {
    // A hand-rolled stream that collects pieces into one list: core groups them by index, then by id.
    const streamed = new AIMessageChunk({
      content: "",
      id: "unjoined",
      tool_call_chunks: [
        { id: "c1", name: "lookup", args: '{"q":', index: 0, type: "tool_call_chunk" },
        { id: "c2", name: "write_file", args: '{"path":"p",', index: 1, type: "tool_call_chunk" },
        { args: '"x"}', index: 0, type: "tool_call_chunk" },
        { args: '"text":"t"}', index: 1, type: "tool_call_chunk" },
      ],
    });
    expect(streamed.tool_calls?.map((c) => [c.id, c.args])).toEqual([
      ["c1", { q: "x" }],
      ["c2", { path: "p", text: "t" }],
    ]);
    const { ran, texts } = await answer(streamed);
    expect(ran).toEqual(["lookup:x", "write_file:p"]);
    expect(texts).toEqual({ c1: "found x", c2: "wrote p" });
  });

  it("holds back only the unjoined streamed call whose joined text is cut short", async () => {
    const streamed = new AIMessageChunk({
      content: "",
      id: "unjoined-cut",
      tool_call_chunks: [
        { id: "c1", name: "lookup", args: '{"q":', index: 0, type: "tool_call_chunk" },
        { id: "c2", name: "write_file", args: '{"path":"p",', index: 1, type: "tool_call_chunk" },
        { args: '"x"}', index: 0, type: "tool_call_chunk" },
        { args: '"text":"the beginning of a long te', index: 1, type: "tool_call_chunk" },
      ],
    });
    const { ran, texts } = await answer(streamed);
    expect(ran).toEqual(["lookup:x"]);
    expect(texts.c1).toBe("found x");
    expect(texts.c2).toMatch(CUT_OFF_TEXT);
  });

  it("joins unjoined pieces that carry only the call's id, and keeps calls at one index with different ids apart", async () => {
    const streamed = new AIMessageChunk({
      content: "",
      id: "by-id",
      tool_call_chunks: [
        { id: "c1", name: "lookup", args: '{"q":', type: "tool_call_chunk" },
        { id: "c2", name: "lookup", args: '{"q":"y"}', index: 0, type: "tool_call_chunk" },
        { id: "c1", args: '"x"}', type: "tool_call_chunk" },
      ],
    });
    expect(streamed.tool_calls?.map((c) => [c.id, c.args])).toEqual([
      ["c1", { q: "x" }],
      ["c2", { q: "y" }],
    ]);
    const { ran, texts } = await answer(streamed);
    expect(ran).toEqual(["lookup:x", "lookup:y"]);
    expect(texts).toEqual({ c1: "found x", c2: "found y" });
  });

  it("runs a streamed custom tool call, whose input is raw text and never JSON", async () => {
    const shell = tool(async ({ input }: { input: string }) => `ran ${input}`, {
      name: "shell",
      description: "Run a command.",
      schema: z.object({ input: z.string() }),
    });
    const streamed = new AIMessageChunk({
      content: "",
      id: "custom",
      tool_call_chunks: [
        { id: "c1", name: "shell", args: "ls -la", index: 0, type: "tool_call_chunk", isCustomTool: true } as never,
      ],
    });
    expect(streamed.tool_calls?.map((c) => c.args)).toEqual([{ input: "ls -la" }]);
    const history = [new HumanMessage({ content: "go", id: "h" }), streamed];
    const after = applyOutput(history, await new SafeToolNode([shell]).invoke({ messages: history }));
    expect(invariantProblems(after)).toEqual([]);
    expect(results(after).map((r) => r.content)).toEqual(["ran ls -la"]);
  });

  it.each([
    [
      "a raw OpenAI call that is null",
      () =>
        aiWith([call("lookup", { q: "x" }, "c1")], [], {
          additional_kwargs: {
            tool_calls: [
              null,
              { id: "c1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } },
            ] as never,
          },
        }),
    ],
    [
      "a raw OpenAI call without its function",
      () =>
        aiWith([call("lookup", { q: "x" }, "c1")], [], {
          additional_kwargs: { tool_calls: [{ id: "c1", type: "function" }] as never },
        }),
    ],
    [
      "a stored Responses item that is null",
      () =>
        aiWith([call("lookup", { q: "x" }, "c1")], [], {
          response_metadata: { output: [null, functionCall("c1", "lookup", '{"q":"x"}')] },
        }),
    ],
    [
      "a content block that is null",
      () =>
        aiWith([call("lookup", { q: "x" }, "c1")], [], {
          content: [null, { type: "tool_use", id: "c1", name: "lookup", input: { q: "x" } }] as never,
        }),
    ],
    [
      "a content block that is null beside a streamed tool_use block",
      () =>
        aiWith([call("lookup", { q: "x" }, "c1")], [], {
          content: [
            null,
            { index: 0, type: "tool_use", id: "c1", name: "lookup", input: "" },
            { index: 0, type: "input_json_delta", input: '{"q":"x"}' },
          ] as never,
        }),
    ],
    [
      "a tool_use block that already holds its whole input text",
      () =>
        aiWith([call("lookup", { q: "x" }, "c1")], [], {
          content: [{ index: 0, type: "tool_use", id: "c1", name: "lookup", input: '{"q":"x"}' }] as never,
        }),
    ],
    [
      "a streamed chunk that is null",
      () => {
        const chunk = new AIMessageChunk({
          id: "null-chunk",
          content: "",
          tool_call_chunks: [{ id: "c1", name: "lookup", args: '{"q":"x"}', index: 0, type: "tool_call_chunk" }],
        });
        // a chunk list edited after the message was built
        (chunk.tool_call_chunks as unknown[]).push(null);
        return chunk;
      },
    ],
  ])("runs the call and answers it when the message holds %s", async (_label, make) => {
    const { ran, texts } = await answer(make(), { checkWire: false });
    expect(ran).toEqual(["lookup:x"]);
    expect(texts).toEqual({ c1: "found x" });
  });
});
