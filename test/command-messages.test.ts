/**
 * Which of the messages a tool's Command carries is the call's result, which
 * belong to the history (a re-send of `state.messages`, as LangGraph's docs
 * write hand-offs), which belong to a turn the Command carries itself, and
 * when a turn the tool writes back is the answered one.
 */
import { AIMessage, HumanMessage, RemoveMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool, type ToolRuntime } from "@langchain/core/tools";
import { Command, END, MessagesAnnotation, REMOVE_ALL_MESSAGES, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SafeToolNode, safeToolsFanOut, type SafeTool } from "../src/index.js";
import { aiWith, call, historyWith, weather } from "./helpers/fixtures.js";
import { expectValidAfter, expectValidHistory } from "./helpers/invariant.js";

type State = { messages: BaseMessage[] };
const stateOf = (rt: ToolRuntime) => rt.state as State;

/** A tool whose Command writes what `messages` makes of the state and the runtime. */
function writing(name: string, messages: (rt: ToolRuntime) => unknown[]) {
  return tool(async (_a, rt: ToolRuntime) => new Command({ update: { messages: messages(rt) } }), {
    name,
    description: name,
    schema: z.object({}),
  });
}

/** The docs' pattern: `[...state.messages, ...]`. */
const resending = (name: string, extra: (rt: ToolRuntime) => unknown[] = () => []) =>
  writing(name, (rt) => [...stateOf(rt).messages, ...extra(rt)]);

/** START -> tools -> END, run on `messages`: the history as the graph's reducer leaves it. */
async function runInGraph(tools: SafeTool[], messages: BaseMessage[]): Promise<BaseMessage[]> {
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("tools", new SafeToolNode(tools))
    .addEdge(START, "tools")
    .addEdge("tools", END)
    .compile();
  return (await graph.invoke({ messages })).messages;
}

const contents = (messages: readonly BaseMessage[]) => messages.map((m) => m.content);
const toolContents = (messages: readonly BaseMessage[]) => contents(messages.filter((m) => ToolMessage.isInstance(m)));
const ranText = (name: string) => `Tool "${name}" ran and updated the graph state.`;

/** An earlier, answered turn: Human, AIMessage(old1), its result. */
function earlierTurn(): BaseMessage[] {
  return [
    new HumanMessage({ content: "before", id: "h-before" }),
    aiWith([call("get_weather", { city: "y" }, "old1")]),
    new ToolMessage({ content: "first", tool_call_id: "old1", name: "get_weather", id: "t-old" }),
  ];
}

describe("a Command that re-sends the history ([...state.messages, result])", () => {
  it("answers its call with the state-update result when it re-sends the history without one, not with an earlier turn's result", async () => {
    const history = historyWith(aiWith([call("resend", {}, "c1")]), earlierTurn());
    const after = await runInGraph([resending("resend")], history);
    await expectValidHistory(after);
    expect(toolContents(after)).toEqual(["first", ranText("resend")]);
    expect(after.find((m) => m.id === "t-old")).toMatchObject({ tool_call_id: "old1", content: "first" });
  });

  it("tells the history from new messages by object when the history has no message ids (invoked directly)", async () => {
    const earlierResult = new ToolMessage({ content: "first", tool_call_id: "old1", name: "get_weather" });
    const history: BaseMessage[] = [
      new HumanMessage("before"),
      new AIMessage({ content: "", tool_calls: [{ id: "old1", name: "get_weather", args: { city: "y" } }] }),
      earlierResult,
      new HumanMessage("again"),
      new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "resend", args: {} }] }),
    ];
    const silent = await new SafeToolNode([resending("resend")]).invoke({ messages: history });
    const [update, command] = silent as [State, Command];
    expect(contents(update.messages)).toEqual([ranText("resend")]);
    expect((command.update as State).messages).toEqual(history);
    // a new result under a wrong id is the call's, re-addressed; a new one for the earlier turn's call is dropped
    const writes = resending("resend", () => [
      new ToolMessage({ content: "saved", tool_call_id: "wrong" }),
      new ToolMessage({ content: "corrected", tool_call_id: "old1" }),
    ]);
    const [answered, rest] = (await new SafeToolNode([writes]).invoke({ messages: history })) as [State, Command];
    expect(answered.messages).toMatchObject([{ content: "saved", tool_call_id: "c1" }]);
    expect((rest.update as State).messages).toEqual(history);
    expect(earlierResult.tool_call_id).toBe("old1");
  });

  it("drops a new ToolMessage it writes for an earlier turn's call (an orphan), though the earlier AIMessage is in the re-send", async () => {
    const fixer = resending("fixer", (rt) => [
      new ToolMessage({ content: "corrected", tool_call_id: "old1" }),
      new ToolMessage({ content: "fixed", tool_call_id: rt.toolCallId! }),
    ]);
    const after = await runInGraph([fixer], historyWith(aiWith([call("fixer", {}, "c1")]), earlierTurn()));
    await expectValidHistory(after);
    expect(toolContents(after)).toEqual(["first", "fixed"]);
  });

  it("does not bring back an orphan or a duplicate result the node removes from the turn", async () => {
    const ai = aiWith([call("get_weather", { city: "y" }, "c0"), call("resend", {}, "c1")]);
    const history = [
      ...historyWith(ai),
      new ToolMessage({ content: "a", tool_call_id: "c0", name: "get_weather", id: "ta" }),
      new ToolMessage({ content: "a again", tool_call_id: "c0", name: "get_weather", id: "tb" }),
      new ToolMessage({ content: "orphan", tool_call_id: "zzz", name: "get_weather", id: "tz" }),
    ];
    const mine = resending("resend", (rt) => [new ToolMessage({ content: "mine", tool_call_id: rt.toolCallId! })]);
    const after = await runInGraph([weather, mine], history);
    await expectValidHistory(after);
    expect(toolContents(after)).toEqual(["a", "mine"]);
  });

  it("does not take a sibling's result the history holds for its call when it re-sends the history without a result", async () => {
    const ai = aiWith([call("get_weather", { city: "y" }, "c0"), call("resend", {}, "c1")]);
    const history = [
      ...historyWith(ai),
      new ToolMessage({ content: "a", tool_call_id: "c0", name: "get_weather", id: "ta" }),
    ];
    const after = await runInGraph([weather, resending("resend")], history);
    await expectValidHistory(after);
    expect(toolContents(after)).toEqual(["a", ranText("resend")]);
  });

  it("drops a result it writes for a sibling call beside its own, as when it writes no history (the sibling keeps its own)", async () => {
    const greedy = resending("greedy", (rt) => [
      new ToolMessage({ content: "mine", tool_call_id: rt.toolCallId! }),
      new ToolMessage({ content: "stolen", tool_call_id: "c2" }),
    ]);
    const history = historyWith(aiWith([call("greedy", {}, "c1"), call("get_weather", { city: "k" }, "c2")]));
    const after = await runInGraph([greedy, weather], history);
    await expectValidHistory(after);
    expect(toolContents(after)).toEqual(["mine", "Sunny in k"]);
  });

  it("takes its result under the id the model gave, which the node replaced because an earlier turn used it, and keeps that turn's result", async () => {
    const earlier = [
      new HumanMessage({ content: "hi", id: "h-1" }),
      aiWith([call("get_weather", { city: "y" }, "call_0")]),
      new ToolMessage({ content: "Sunny in y", tool_call_id: "call_0", name: "get_weather", id: "t-1" }),
    ];
    // the tool answers the id it reads in the state's AIMessage: the model's
    const answer = (rt: ToolRuntime) => {
      const ai = stateOf(rt).messages.at(-1) as AIMessage;
      return new ToolMessage({ content: "saved", tool_call_id: ai.tool_calls![0]!.id! });
    };
    const history = historyWith(aiWith([call("save", {}, "call_0")]), earlier);
    const plain = await runInGraph([resending("save", (rt) => [answer(rt)])], history);
    await expectValidHistory(plain);
    expect(toolContents(plain)).toEqual(["Sunny in y", "saved"]);
    // the same in a compaction that writes the whole history again
    const compact = writing("save", (rt) => [
      new RemoveMessage({ id: REMOVE_ALL_MESSAGES }),
      ...stateOf(rt).messages,
      answer(rt),
    ]);
    const compacted = await runInGraph([compact], history);
    await expectValidHistory(compacted);
    expect(toolContents(compacted)).toEqual(["Sunny in y", "saved"]);
  });
});

describe("messages a Command writes beside its result", () => {
  it("keeps an in-place replacement written as a message dict while later siblings are pending (fan-out)", async () => {
    const tidy = writing("tidy", (rt) => [
      new ToolMessage({ content: "tidied", tool_call_id: rt.toolCallId! }),
      { role: "user", content: "please help (edited)", id: "ask" },
    ]);
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", () => ({}))
      .addNode("tools", new SafeToolNode([tidy, weather]))
      .addEdge(START, "agent")
      .addConditionalEdges("agent", safeToolsFanOut("tools"), ["tools", END])
      .addEdge("tools", END)
      .compile();
    const ai = aiWith([call("tidy", {}, "c1"), call("get_weather", { city: "x" }, "c2")]);
    const { messages } = await graph.invoke({
      messages: [new HumanMessage({ content: "please help", id: "ask" }), ai],
    });
    await expectValidHistory(messages);
    expect(contents(messages)).toEqual(["please help (edited)", "", "tidied", "Sunny in x"]);
  });

  it("answers a Send payload that holds no AIMessage with the Command's result, and keeps the Command's note", async () => {
    const noting = writing("noting", (rt) => [
      new ToolMessage({ content: "mine", tool_call_id: rt.toolCallId! }),
      new HumanMessage("note"),
    ]);
    const out = (await new SafeToolNode([noting]).invoke({
      messages: [new HumanMessage({ content: "hi", id: "h" })],
      lg_tool_call: call("noting", {}, "c1"),
    })) as [State, Command];
    expect(out[0].messages).toMatchObject([{ content: "mine", tool_call_id: "c1" }]);
    expect(contents((out[1].update as State).messages)).toEqual(["note"]);
  });

  it("keeps new messages without ids beside the result of a turn without a message id (invoked directly)", async () => {
    const noting = writing("noting", (rt) => [
      new ToolMessage({ content: "mine", tool_call_id: rt.toolCallId! }),
      new HumanMessage("note"),
      { role: "assistant", content: "Done." },
    ]);
    const ai = new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "noting", args: {} }] });
    const out = (await new SafeToolNode([noting]).invoke({ messages: [new HumanMessage("go"), ai] })) as [
      State,
      Command,
    ];
    expect(contents(out[0].messages)).toEqual(["mine"]);
    const written = (out[1].update as State).messages;
    expect(written[0]).toBeInstanceOf(HumanMessage);
    expect(written[1]).toEqual({ role: "assistant", content: "Done." });
  });

  it("keeps an inner agent's turn without message ids, with its result, beside the result of a turn without a message id", async () => {
    const delegate = writing("delegate", (rt) => [
      new ToolMessage({ content: "delegated", tool_call_id: rt.toolCallId! }),
      new AIMessage({ content: "", tool_calls: [{ id: "sub1", name: "search", args: {} }] }),
      new ToolMessage({ content: "found", tool_call_id: "sub1", name: "search" }),
    ]);
    const ai = new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "delegate", args: {} }] });
    const out = (await new SafeToolNode([delegate]).invoke({ messages: [new HumanMessage("go"), ai] })) as [
      State,
      Command,
    ];
    expect(contents(out[0].messages)).toEqual(["delegated"]);
    const [inner, found] = (out[1].update as State).messages as [AIMessage, ToolMessage];
    expect(inner.tool_calls!.map((c) => c.id)).toEqual(["sub1"]);
    expect(found).toMatchObject({ content: "found", tool_call_id: "sub1" });
  });

  it("takes a result without a call id for the call's, beside an inner agent's turn whose call has none either", async () => {
    const delegate = writing("delegate", () => [
      new AIMessage({ id: "sub-a", content: "", tool_calls: [{ id: "", name: "search", args: {} }] }),
      new ToolMessage({ content: "delegated", tool_call_id: "" }),
    ]);
    const history = historyWith(aiWith([call("delegate", {}, "c1")]));
    const out = (await new SafeToolNode([delegate]).invoke({ messages: history })) as [State, Command];
    expect(out[0].messages).toMatchObject([{ content: "delegated", tool_call_id: "c1" }]);
    expect((out[1].update as State).messages.map((m) => m.id)).toEqual(["sub-a"]);
  });
});

describe("a turn a compacting Command writes back", () => {
  /** A compaction: remove all, a summary, the turn as `rebuild` makes it, then the call's result. */
  function compaction(
    rebuild: (ai: AIMessage) => unknown,
    find = (ms: BaseMessage[]) => ms.at(-1),
    extra: unknown[] = [],
  ) {
    return writing("compact", (rt) => [
      new RemoveMessage({ id: REMOVE_ALL_MESSAGES }),
      new HumanMessage({ content: "Summary", id: "sum" }),
      rebuild(find(stateOf(rt).messages) as AIMessage),
      new ToolMessage({ content: "compacted", tool_call_id: rt.toolCallId! }),
      ...extra,
    ]);
  }

  it("takes the turn rebuilt under a new message id for the turn, not a second one, and drops a result it writes for a sibling", async () => {
    const compact = compaction(
      (ai) => new AIMessage({ id: "rebuilt", content: ai.content, tool_calls: ai.tool_calls }),
      undefined,
      [new ToolMessage({ content: "stolen", tool_call_id: "t1" })],
    );
    const history = historyWith(aiWith([call("compact", {}, "t0"), call("get_weather", { city: "x" }, "t1")]));
    const after = await runInGraph([compact, weather], history);
    await expectValidHistory(after);
    expect(after.filter((m) => AIMessage.isInstance(m))).toHaveLength(1);
    expect(contents(after)).toEqual(["Summary", "", "compacted", "Sunny in x"]);
  });

  it("takes the turn written back as a dict under its message id for the turn", async () => {
    const compact = compaction((ai) => ({
      role: "assistant",
      id: ai.id,
      content: ai.content,
      tool_calls: ai.tool_calls,
    }));
    const history = historyWith(aiWith([call("compact", {}, "t0"), call("get_weather", { city: "x" }, "t1")]));
    const after = await runInGraph([compact, weather], history);
    await expectValidHistory(after);
    expect(contents(after)).toEqual(["Summary", "", "compacted", "Sunny in x"]);
  });

  it("takes the turn rebuilt as a dict for the turn when the AIMessage has no message id (invoked directly)", async () => {
    const compact = compaction((ai) => ({ role: "assistant", content: ai.content, tool_calls: ai.tool_calls }));
    const ai = new AIMessage({ content: "", tool_calls: [{ id: "t0", name: "compact", args: {} }] });
    const out = (await new SafeToolNode([compact]).invoke({ messages: [new HumanMessage("go"), ai] })) as State;
    expect(out.messages.slice(1)).toMatchObject([{ id: "sum" }, ai, { content: "compacted", tool_call_id: "t0" }]);
    expect(out.messages[2]).toBe(ai);
  });

  it("takes the turn rebuilt with the ids the model gave for the turn when its results stand after it (a repeated id renamed)", async () => {
    // the model repeats c0; the first call is answered already, the second is renamed and runs
    const ai = aiWith([call("get_weather", { city: "x" }, "c0"), call("compact", {}, "c0")], [], { id: "m1" });
    const history = [ai, new ToolMessage({ content: "Sunny in x", tool_call_id: "c0", name: "get_weather", id: "r0" })];
    const compact = compaction(
      (turn) => ({ role: "assistant", content: turn.content, tool_calls: turn.tool_calls }),
      (ms) => ms.find((m) => AIMessage.isInstance(m)),
    );
    const after = await expectValidAfter(
      history,
      await new SafeToolNode([weather, compact]).invoke({ messages: history }),
    );
    expect(after.filter((m) => AIMessage.isInstance(m))).toHaveLength(1);
    expect(contents(after)).toEqual(["Summary", "", "Sunny in x", "compacted"]);
  });

  it("keeps the turn whole when the compaction keeps the turn's earlier result but not its AIMessage", async () => {
    const ai = aiWith([call("get_weather", { city: "x" }, "c0"), call("compact", {}, "c1")]);
    const history = [
      ...historyWith(ai),
      new ToolMessage({ content: "Sunny in x", tool_call_id: "c0", name: "get_weather", id: "r0" }),
    ];
    const keepLast = writing("compact", (rt) => [
      new RemoveMessage({ id: REMOVE_ALL_MESSAGES }),
      new HumanMessage({ content: "Summary", id: "sum" }),
      stateOf(rt).messages.at(-1)!,
      new ToolMessage({ content: "compacted", tool_call_id: rt.toolCallId! }),
    ]);
    const after = await runInGraph([weather, keepLast], history);
    await expectValidHistory(after);
    expect(contents(after)).toEqual(["Summary", "", "Sunny in x", "compacted"]);
  });
});
