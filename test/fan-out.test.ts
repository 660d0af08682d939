import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import {
  Command,
  END,
  MemorySaver,
  MessagesAnnotation,
  START,
  Send,
  StateGraph,
  interrupt,
} from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SafeToolNode, safeToolsFanOut, type ApprovalRequest } from "../src/index.js";
import {
  aiWith,
  anthropicStyleAI,
  call,
  historyWith,
  invalidCall,
  openAIStyleAI,
  responsesStyleAI,
} from "./helpers/fixtures.js";
import { expectValidHistory, messageWrites } from "./helpers/invariant.js";

type Interrupts = { __interrupt__?: { id: string; value: unknown }[] };

function counting() {
  const runs: Record<string, number> = {};
  const bump = (key: string) => (runs[key] = (runs[key] ?? 0) + 1);
  const lookup = tool(async ({ q }) => (bump(`lookup:${q}`), `found ${q}`), {
    name: "lookup",
    description: "l",
    schema: z.object({ q: z.string() }),
  });
  const ask = tool(
    async ({ question }) => {
      bump(`ask:${question}`);
      return `answer: ${String(interrupt({ question }))}`;
    },
    { name: "ask", description: "a", schema: z.object({ question: z.string() }) },
  );
  return { runs, tools: [lookup, ask] };
}

/** agent -> (one Send per call) -> tools -> agent, on a scripted model. */
function fanOutGraph(script: AIMessage[], node: SafeToolNode) {
  let turn = 0;
  return new StateGraph(MessagesAnnotation)
    .addNode("agent", () => ({ messages: [script[turn++] ?? new AIMessage({ content: "done", id: `final-${turn}` })] }))
    .addNode("tools", node)
    .addEdge(START, "agent")
    .addConditionalEdges("agent", safeToolsFanOut("tools"), ["tools", END])
    .addEdge("tools", "agent")
    .compile({ checkpointer: new MemorySaver() });
}

const results = (messages: BaseMessage[]) => messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));

describe("fan-out mode: one Send per call", () => {
  it("routes one Send per call needing an answer, invalid calls included, and END otherwise", () => {
    const ai = aiWith(
      [call("lookup", { q: "a" }, "c1"), call("lookup", { q: "b" }, "c2")],
      [invalidCall("lookup", "{", "c3")],
    );
    const sends = safeToolsFanOut("run")({ messages: historyWith(ai) }) as Send[];
    expect(
      sends.map((s) => [s.node, (s.args as { lg_tool_call: { id: string; type: string } }).lg_tool_call.id]),
    ).toEqual([
      ["run", "c1"],
      ["run", "c2"],
      ["run", "c3"],
    ]);
    expect((sends[2]!.args as { lg_tool_call: { type: string } }).lg_tool_call.type).toBe("invalid_tool_call");
    // only the first Send carries the corrected AIMessage
    const marker = (s: Send) => (s.args as { safe_tool_node_send?: { prefix?: unknown[] } }).safe_tool_node_send;
    expect(sends.map((s) => marker(s)?.prefix !== undefined)).toEqual([true, false, false]);
    const clean = aiWith([call("lookup", { q: "a" }, "c1"), call("lookup", { q: "b" }, "c2")]);
    const answered = [
      ...historyWith(clean),
      ...["c1", "c2"].map((id) => new ToolMessage({ content: "x", tool_call_id: id, name: "lookup", id: `t-${id}` })),
    ];
    expect(safeToolsFanOut()({ messages: answered })).toBe(END);
    // answered, but the AIMessage still needs its correction: one Send for the whole turn
    const uncorrected = [
      ...historyWith(ai),
      ...["c1", "c2", "c3"].map(
        (id) => new ToolMessage({ content: "x", tool_call_id: id, name: "lookup", id: `u-${id}` }),
      ),
    ];
    const whole = safeToolsFanOut()({ messages: uncorrected }) as Send[];
    expect(whole).toHaveLength(1);
    expect("lg_tool_call" in (whole[0]!.args as object)).toBe(false);
  });

  it.each([
    ["plain", aiWith],
    ["OpenAI", openAIStyleAI],
    ["Responses", responsesStyleAI],
    ["Anthropic", anthropicStyleAI],
  ])("answers a broken %s turn with one result per call, correcting the AIMessage once", async (_label, make) => {
    const { tools } = counting();
    const broken = make(
      [call("lookup", { q: "a" }, "dup"), call("lookup", { q: "b" }, "dup"), call("nope", {}, "c3")],
      [invalidCall("lookup", '{"q":', "c4")],
    );
    const graph = fanOutGraph([broken], new SafeToolNode(tools));
    const { messages } = await graph.invoke(
      { messages: [new HumanMessage({ content: "go", id: "h" })] },
      { configurable: { thread_id: `fan-${_label}` } },
    );
    await expectValidHistory(messages);
    expect(messages.filter((m) => AIMessage.isInstance(m) && m.tool_calls?.length)).toHaveLength(1);
    expect(results(messages).map((r) => r.status)).toEqual(
      expect.arrayContaining(["success", "success", "error", "error"]),
    );
    expect(results(messages)).toHaveLength(4);
  });

  it("after an interrupt, runs only the interrupted call again; every interrupt surfaces", async () => {
    const { runs, tools } = counting();
    const ai = aiWith([
      call("ask", { question: "x?" }, "c1"),
      call("lookup", { q: "a" }, "c2"),
      call("ask", { question: "y?" }, "c3"),
    ]);
    const graph = fanOutGraph([ai], new SafeToolNode(tools));
    const config = { configurable: { thread_id: "fan-interrupt" } };
    const first = (await graph.invoke(
      { messages: [new HumanMessage({ content: "go", id: "h" })] },
      config,
    )) as Interrupts;
    expect(first.__interrupt__!.map((i) => i.value)).toEqual([{ question: "x?" }, { question: "y?" }]);
    const resume = Object.fromEntries(
      first.__interrupt__!.map((i) => [i.id, (i.value as { question: string }).question.toUpperCase()]),
    );
    const done = await graph.invoke(new Command({ resume }), config);
    await expectValidHistory(done.messages);
    expect(results(done.messages).map((r) => r.content)).toEqual(["answer: X?", "found a", "answer: Y?"]);
    expect(runs).toEqual({ "ask:x?": 2, "lookup:a": 1, "ask:y?": 2 });
  });

  it("answers a rejection beside approved calls, each approved call running once", async () => {
    const { runs, tools } = counting();
    const ai = aiWith([call("lookup", { q: "safe" }, "c1"), call("lookup", { q: "risky" }, "c2")]);
    const graph = fanOutGraph([ai], new SafeToolNode(tools, { requireApproval: (c) => c.args.q === "risky" }));
    const config = { configurable: { thread_id: "fan-approve" } };
    const first = (await graph.invoke(
      { messages: [new HumanMessage({ content: "go", id: "h" })] },
      config,
    )) as Interrupts;
    expect((first.__interrupt__![0]!.value as ApprovalRequest).toolCall.id).toBe("c2");
    const done = await graph.invoke(
      new Command({ resume: { [first.__interrupt__![0]!.id]: { type: "reject", message: "no" } } }),
      config,
    );
    await expectValidHistory(done.messages);
    expect(results(done.messages).map((r) => r.status)).toEqual(["success", "error"]);
    expect(runs).toEqual({ "lookup:safe": 1 });
  });

  it("answers nothing for a Send delivered again once its call's result stands after the AIMessage, and still answers its sibling", async () => {
    const { runs, tools } = counting();
    const node = new SafeToolNode(tools);
    const history = historyWith(aiWith([call("lookup", { q: "a" }, "c1"), call("lookup", { q: "b" }, "c2")]));
    const [first, second] = safeToolsFanOut()({ messages: history }) as Send[];
    const done = new ToolMessage({ content: "found a", tool_call_id: "c1", name: "lookup", id: "t-c1" });
    const now = [...history, done];
    const again = await node.invoke({ ...(first!.args as object), messages: now });
    expect(messageWrites(again)).toEqual([]);
    const sibling = messageWrites(await node.invoke({ ...(second!.args as object), messages: now }));
    expect(sibling.map((m) => (m as ToolMessage).tool_call_id)).toEqual(["c2"]);
    // both results written: the first Send delivered again still finds its own behind its sibling's
    const both = [...now, new ToolMessage({ content: "found b", tool_call_id: "c2", name: "lookup", id: "t-c2" })];
    expect(messageWrites(await node.invoke({ ...(first!.args as object), messages: both }))).toEqual([]);
    // a payload whose messages are only the result (a router that trims the state it sends)
    expect(messageWrites(await node.invoke({ ...(first!.args as object), messages: [done] }))).toEqual([]);
    expect(runs).toEqual({ "lookup:b": 1 });
  });

  it("runs a Send's call though a result with its id stands earlier in the history (a trimmed history that begins with a stray result)", async () => {
    const { runs, tools } = counting();
    const stray = new ToolMessage({ content: "found old", tool_call_id: "c1", name: "lookup", id: "t-stray" });
    const history = historyWith(aiWith([call("lookup", { q: "a" }, "c1")]), [stray]);
    const [send] = safeToolsFanOut()({ messages: history }) as Send[];
    const written = messageWrites(await new SafeToolNode(tools).invoke(send!.args));
    expect(written.map((m) => [(m as ToolMessage).tool_call_id, m.content])).toEqual([["c1", "found a"]]);
    expect(runs).toEqual({ "lookup:a": 1 });
  });
});
