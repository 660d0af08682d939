import {
  AIMessage,
  HumanMessage,
  RemoveMessage,
  SystemMessage,
  ToolMessage,
  type BaseMessage,
} from "@langchain/core/messages";
import { tool, type ToolRuntime } from "@langchain/core/tools";
import {
  Annotation,
  Command,
  MessagesAnnotation,
  REMOVE_ALL_MESSAGES,
  START,
  StateGraph,
  isCommand,
} from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SafeToolNode, validateToolResults } from "../src/index.js";
import { aiWith, call, invalidCall, weather } from "./helpers/fixtures.js";
import { applyOutput, expectValidHistory, messageWrites } from "./helpers/invariant.js";

const human = (text: string) => new HumanMessage({ content: text, id: `h-${text}` });
const crashedTurn = () => aiWith([call("get_weather", { city: "lost" }, "lost_1")]);
const kinds = (history: readonly BaseMessage[]) =>
  history.map((m) => (ToolMessage.isInstance(m) ? `tool:${m.status ?? "unset"}` : m.getType()));

function graphOf(node: SafeToolNode) {
  return new StateGraph(MessagesAnnotation).addNode("tools", node).addEdge(START, "tools").compile();
}

describe("repairHistory, as a graph applies its update", () => {
  it("repairs an earlier crashed turn and still follows a tool's Command whose update is a bare message list", async () => {
    const mover = tool(
      async (_args, runtime: ToolRuntime) =>
        new Command({
          update: [new ToolMessage({ content: "moved", tool_call_id: runtime.toolCall!.id! })] as never,
          goto: "after",
        }),
      { name: "mover", description: "Moves on.", schema: z.object({}) },
    );
    const visited: string[] = [];
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", new SafeToolNode([mover], { repairHistory: true }), { ends: ["after"] })
      .addNode("after", () => (visited.push("after"), {}))
      .addEdge(START, "tools")
      .compile();
    const history = [human("q"), crashedTurn(), human("hello?"), aiWith([call("mover", {}, "m_1")])];
    const { messages } = await graph.invoke({ messages: history });
    await expectValidHistory(messages);
    expect(visited).toEqual(["after"]);
    expect(kinds(messages)).toEqual(["human", "ai", "tool:error", "human", "ai", "tool:success"]);
    expect(messages.at(-1)!.content).toBe("moved");
  });

  it("repairs an earlier crashed turn when a tool's Command also writes something that is not a message, which it leaves out", async () => {
    const writer = tool(
      async (_args, runtime: ToolRuntime) =>
        new Command({
          update: {
            messages: [
              new ToolMessage({ content: "written", tool_call_id: runtime.toolCall!.id! }),
              { not: "a message" } as never,
            ],
          },
        }),
      { name: "writer", description: "Writes.", schema: z.object({}) },
    );
    const turn = aiWith([call("writer", {}, "w_1")]);
    const history = [human("q"), crashedTurn(), human("hello?"), turn];
    const { messages } = await graphOf(new SafeToolNode([writer], { repairHistory: true })).invoke({
      messages: history,
    });
    await expectValidHistory(messages);
    expect(kinds(messages)).toEqual(["human", "ai", "tool:error", "human", "ai", "tool:success"]);
    expect(messages.at(-1)!.content).toBe("written");
  });

  it("repairs an earlier crashed turn and keeps the corrected AIMessage of this turn in its place, once", async () => {
    const turn = aiWith([call("get_weather", { city: "Oslo" }, "ok_1")], [invalidCall("get_weather", "{", "bad_1")]);
    const history = [human("q"), crashedTurn(), human("hello?"), turn];
    const { messages } = await graphOf(new SafeToolNode([weather], { repairHistory: true })).invoke({
      messages: history,
    });
    expect(kinds(messages)).toEqual(["human", "ai", "tool:error", "human", "ai", "tool:success", "tool:error"]);
    expect(messages.filter((m) => m.id === turn.id)).toHaveLength(1);
    expect((messages[4] as AIMessage).invalid_tool_calls).toEqual([]);
    expect(messages[5]!.content).toBe("Sunny in Oslo");
    await expectValidHistory(messages);
  });

  it("keeps every message a compaction writes, in its order, and repairs the crashed turn it keeps", async () => {
    const compact = tool(
      async (_args, rt: ToolRuntime) => {
        const { messages } = rt.state as { messages: BaseMessage[] };
        return new Command({
          update: {
            messages: [
              new RemoveMessage({ id: REMOVE_ALL_MESSAGES }),
              new SystemMessage({ content: "You answer briefly.", id: "sys" }),
              new HumanMessage({
                content: "Summary: the user asked about the weather.",
                id: "summary",
              }),
              ...messages.slice(-3),
              new ToolMessage({
                content: "compacted",
                tool_call_id: rt.toolCallId,
                name: "compact",
              }),
            ],
          },
        });
      },
      {
        name: "compact",
        description: "Compact the history.",
        schema: z.object({}),
      },
    );
    // The turn also holds a call with broken JSON: the node writes the corrected AIMessage over the one kept.
    const turn = aiWith([call("compact", {}, "c1")], [invalidCall("get_weather", "{", "bad_1")]);
    const history = [human("q"), crashedTurn(), human("hello?"), turn];
    const { messages } = await graphOf(new SafeToolNode([compact, weather], { repairHistory: true })).invoke({
      messages: history,
    });
    expect(messages.map((m) => m.id ?? m.getType())).toEqual([
      "sys",
      "summary",
      history[1]!.id,
      "repaired-lost_1",
      "h-hello?",
      turn.id,
      expect.anything(),
      expect.anything(),
    ]);
    expect((messages[5] as AIMessage).invalid_tool_calls).toEqual([]);
    expect(messages.slice(-2).map((m) => m.content)).toEqual([
      "compacted",
      expect.stringMatching(/could not be parsed/),
    ]);
    expect(validateToolResults(messages)).toEqual([]);
  });

  it("keeps what tools' Commands write besides messages, and their messages once, a single one or dicts", async () => {
    const State = Annotation.Root({
      ...MessagesAnnotation.spec,
      lastVisit: Annotation<string>({
        reducer: (_a, b) => b,
        default: () => "",
      }),
    });
    const visit = tool(
      async ({ place }, rt: ToolRuntime) =>
        new Command({
          update: {
            lastVisit: place,
            messages: new ToolMessage({
              content: `visited ${place}`,
              tool_call_id: rt.toolCallId,
              name: "visit",
            }),
          },
        }),
      {
        name: "visit",
        description: "Visit.",
        schema: z.object({ place: z.string() }),
      },
    );
    const note = tool(
      async (_args, rt: ToolRuntime) =>
        new Command({
          update: {
            messages: [
              {
                role: "tool",
                content: "noted",
                tool_call_id: rt.toolCallId,
                name: "note",
              },
            ],
          },
        }),
      { name: "note", description: "Note.", schema: z.object({}) },
    );
    const graph = new StateGraph(State)
      .addNode("tools", new SafeToolNode([visit, note], { repairHistory: true }))
      .addEdge(START, "tools")
      .compile();
    const history = [
      human("q"),
      crashedTurn(),
      human("hello?"),
      aiWith([call("visit", { place: "Oslo" }, "v1"), call("note", {}, "n1")]),
    ];
    const state = await graph.invoke({ messages: history });
    expect(state.lastVisit).toBe("Oslo");
    expect(kinds(state.messages)).toEqual(["human", "ai", "tool:error", "human", "ai", "tool:unset", "tool:unset"]);
    expect(state.messages.slice(-2).map((m) => m.content)).toEqual(["visited Oslo", "noted"]);
  });

  it("repairs a history whose messages carry no message ids, invoked directly", async () => {
    const history = [
      new HumanMessage("q"),
      crashedTurn(),
      new HumanMessage("hello?"),
      aiWith([call("get_weather", { city: "a" }, "n1"), call("get_weather", { city: "b" }, "n2")]),
    ];
    const out = await new SafeToolNode([weather], {
      repairHistory: true,
    }).invoke(history);
    const after = applyOutput(history, out);
    expect(kinds(after)).toEqual(["human", "ai", "tool:error", "human", "ai", "tool:success", "tool:success"]);
    expect(after.slice(-2).map((m) => m.content)).toEqual(["Sunny in a", "Sunny in b"]);
  });

  it("answers list input with a list and state input with a state update", async () => {
    const history = [human("q"), crashedTurn(), human("hello?"), aiWith([call("get_weather", { city: "x" }, "n1")])];
    const node = new SafeToolNode([weather], { repairHistory: true });
    const fromList = await node.invoke(history);
    expect(Array.isArray(fromList)).toBe(true);
    const fromState = (await node.invoke({ messages: history })) as {
      messages: BaseMessage[];
    };
    expect(Array.isArray(fromState)).toBe(false);
    expect(fromState.messages).toEqual(fromList);
    expect(RemoveMessage.isInstance(fromState.messages[0]!)).toBe(true);
  });
});

describe("repairHistory's update", () => {
  it("holds a message two tools write under one message id once, as the reducer would leave it: the last write", async () => {
    const step = tool(
      async ({ n }, rt: ToolRuntime) =>
        new Command({
          update: {
            messages: [
              new ToolMessage({
                content: `step ${n}`,
                tool_call_id: rt.toolCallId,
                name: "step",
              }),
              new HumanMessage({
                content: `progress: step ${n} done`,
                id: "progress",
              }),
            ],
          },
        }),
      {
        name: "step",
        description: "Step.",
        schema: z.object({ n: z.number() }),
      },
    );
    const history = [
      human("q"),
      crashedTurn(),
      human("hello?"),
      aiWith([call("step", { n: 1 }, "s1"), call("step", { n: 2 }, "s2")]),
    ];
    const out = (await new SafeToolNode([step], { repairHistory: true }).invoke({ messages: history })) as unknown;
    const written = messageWrites(out);
    expect(written.filter((m) => m.id === "progress").map((m) => m.content)).toEqual(["progress: step 2 done"]);
    expect(validateToolResults(applyOutput(history, out))).toEqual([]);
  });

  it("leaves a hand-off's Command.PARENT with the whole turn for the parent graph", async () => {
    const handoff = tool(
      async (_a, rt: ToolRuntime) =>
        new Command({
          graph: Command.PARENT,
          goto: "billing",
          update: {
            messages: [
              new ToolMessage({
                content: "moved",
                tool_call_id: rt.toolCallId,
              }),
            ],
          },
        }),
      { name: "handoff", description: "Hand off.", schema: z.object({}) },
    );
    const turn = aiWith([call("handoff", {}, "c1")]);
    const history = [human("q"), crashedTurn(), human("hello?"), turn];
    const out = (await new SafeToolNode([handoff], {
      repairHistory: true,
    }).invoke({ messages: history })) as unknown[];
    const parent = out.filter((o): o is Command => isCommand(o) && o.graph === Command.PARENT);
    expect(parent).toHaveLength(1);
    const carried = (parent[0]!.update as { messages: BaseMessage[] }).messages;
    expect(carried.map((m) => [m.getType(), m.id ?? null, m.content])).toEqual([
      ["ai", turn.id, ""],
      ["tool", null, "moved"],
    ]);
    expect((carried[1] as ToolMessage).tool_call_id).toBe((carried[0] as AIMessage).tool_calls![0]!.id);
  });
});
