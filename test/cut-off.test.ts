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
