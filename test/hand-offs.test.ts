import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool, type ToolRuntime } from "@langchain/core/tools";
import {
  Annotation,
  Command,
  END,
  MemorySaver,
  MessagesAnnotation,
  START,
  Send,
  StateGraph,
} from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  SafeToolNode,
  safeToolsCondition,
  validateToolResults,
  type SafeTool,
  type SafeToolNodeOptions,
} from "../src/index.js";
import { aiWith, call } from "./helpers/fixtures.js";
import { expectValidHistory, invariantProblems } from "./helpers/invariant.js";

type State = typeof MessagesAnnotation.State;
type Pattern = (runtime: ToolRuntime, result: ToolMessage, target: string) => Command;

/** The ways hand-off tools hand the parent their result. */
const patterns: Record<string, Pattern> = {
  // LangGraph's multi-agent docs: the agent's history plus the hand-off's result
  "the docs' [...state.messages, result]": (runtime, result, target) =>
    new Command({
      graph: Command.PARENT,
      goto: target,
      update: { messages: (runtime.state as State).messages.concat(result) },
    }),
  // the turn as the model wrote it, then its result
  "the AIMessage and the result ([state.messages.at(-1), result])": (runtime, result, target) =>
    new Command({
      graph: Command.PARENT,
      goto: target,
      update: { messages: [(runtime.state as State).messages.at(-1)!, result] },
    }),
  // a tool that rebuilds the turn (as after a round trip through JSON) drops its message id
  "a copy of the AIMessage without its message id, and the result": (runtime, result, target) => {
    const ai = (runtime.state as State).messages.at(-1) as AIMessage;
    return new Command({
      graph: Command.PARENT,
      goto: target,
      update: { messages: [new AIMessage({ content: ai.content, tool_calls: ai.tool_calls }), result] },
    });
  },
  "only the result": (_runtime, result, target) =>
    new Command({ graph: Command.PARENT, goto: target, update: { messages: [result] } }),
  "the result alone, not in a list": (_runtime, result, target) =>
    new Command({ graph: Command.PARENT, goto: target, update: { messages: result } }),
  "no message at all": (_runtime, _result, target) => new Command({ graph: Command.PARENT, goto: target }),
  // LangGraph reads an empty list as no [key, value] pairs: nothing to write
  "an empty update list": (_runtime, _result, target) =>
    new Command({ graph: Command.PARENT, goto: target, update: [] as unknown as Record<string, unknown> }),
  "a Send carrying [...state.messages, result]": (runtime, result, target) =>
    new Command({
      graph: Command.PARENT,
      goto: [new Send(target, { messages: (runtime.state as State).messages.concat(result) })],
    }),
  "a Send carrying only the result": (_runtime, result, target) =>
    new Command({ graph: Command.PARENT, goto: [new Send(target, { messages: [result] })] }),
  "a Send carrying the result alone, not in a list": (_runtime, result, target) =>
    new Command({ graph: Command.PARENT, goto: [new Send(target, { messages: result })] }),
};

/** A hand-off that leaves the turn out on purpose (the supervisor's addHandoffMessages: false): the history before it. */
const leavesTurnOut: Pattern = (runtime, _result, target) =>
  new Command({
    graph: Command.PARENT,
    goto: target,
    update: { messages: (runtime.state as State).messages.slice(0, -1) },
  });

function handOff(target: string, pattern: Pattern): SafeTool {
  return tool(
    async (_args, runtime: ToolRuntime) =>
      pattern(
        runtime,
        new ToolMessage({
          content: `Transferred to ${target}`,
          name: `transfer_to_${target}`,
          tool_call_id: runtime.toolCallId,
        }),
        target,
      ),
    { name: `transfer_to_${target}`, description: `Hand off to ${target}.`, schema: z.object({}) },
  );
}

const lookup = tool(async ({ q }) => `found ${q}`, {
  name: "lookup",
  description: "Look up.",
  schema: z.object({ q: z.string() }),
});

/**
 * A parent graph whose "team" node is an agent subgraph (scripted model +
 * SafeToolNode); the team's model calls `calls` at once. "bob" and "alice"
 * reply; reached by Send, they write back the messages they were sent, as an
 * agent subgraph does with its state.
 */
async function runParent(
  calls: ReturnType<typeof call>[],
  tools: SafeTool[],
  options: { checkpointer?: boolean } = {},
) {
  const turn = aiWith(calls, [], { id: "team-turn" });
  const team = new StateGraph(MessagesAnnotation)
    .addNode("model", () => ({ messages: [turn] }))
    .addNode("tools", new SafeToolNode(tools))
    .addEdge(START, "model")
    .addConditionalEdges("model", safeToolsCondition, ["tools", END])
    .addEdge("tools", END)
    .compile();
  const reply = (name: string) => (state: State) => ({
    messages: [...state.messages, new AIMessage({ content: `${name} here`, id: `${name}-reply` })],
  });
  const parent = new StateGraph(MessagesAnnotation)
    .addNode("team", team, { ends: ["bob", "alice"] })
    .addNode("bob", reply("bob"))
    .addNode("alice", reply("alice"))
    .addEdge(START, "team")
    .addEdge("bob", END)
    .addEdge("alice", END)
    .compile(options.checkpointer ? { checkpointer: new MemorySaver() } : {});
  const { messages } = await parent.invoke(
    { messages: [new HumanMessage({ content: "book me a trip", id: "h0" })] },
    { configurable: { thread_id: `hand-off-${Math.random()}` } },
  );
  return messages as BaseMessage[];
}

/** The patterns whose hand-off carries no result (the node writes one that says the tool ran). */
const NO_RESULT = new Set(["no message at all", "an empty update list"]);

const results = (messages: readonly BaseMessage[]) =>
  messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));

describe("a hand-off beside siblings: the parent gets every result of the batch", () => {
  for (const [label, pattern] of Object.entries(patterns)) {
    it.each([false, true])(`when the hand-off returns ${label} (checkpointer: %s)`, async (checkpointer) => {
      const messages = await runParent(
        [call("transfer_to_bob", {}, "c_hand"), call("lookup", { q: "flights" }, "c_look")],
        [handOff("bob", pattern), lookup],
        { checkpointer },
      );
      await expectValidHistory(messages);
      expect(validateToolResults(messages)).toEqual([]);
      expect(results(messages).map((r) => r.content)).toEqual([
        NO_RESULT.has(label) ? 'Tool "transfer_to_bob" ran and updated the graph state.' : "Transferred to bob",
        "found flights",
      ]);
      // a turn carried to a parent whose history the node cannot see gets ids no earlier turn there can hold
      const keepsIds = label.includes("state.messages") || label.includes("a copy of the AIMessage");
      expect(results(messages).map((r) => r.tool_call_id === "c_hand" || r.tool_call_id === "c_look")).toEqual([
        keepsIds,
        keepsIds,
      ]);
      expect(messages.at(-1)!.content).toBe("bob here");
    });
  }

  it.each(Object.keys(patterns))("when two hand-offs of one batch return %s, beside a sibling", async (label) => {
    const pattern = patterns[label]!;
    const messages = await runParent(
      [
        call("transfer_to_bob", {}, "c_bob"),
        call("lookup", { q: "hotels" }, "c_look"),
        call("transfer_to_alice", {}, "c_alice"),
      ],
      [handOff("bob", pattern), handOff("alice", pattern), lookup],
    );
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.content)).toEqual([
      NO_RESULT.has(label) ? 'Tool "transfer_to_bob" ran and updated the graph state.' : "Transferred to bob",
      "found hotels",
      NO_RESULT.has(label) ? 'Tool "transfer_to_alice" ran and updated the graph state.' : "Transferred to alice",
    ]);
    expect(messages.filter((m) => AIMessage.isInstance(m)).map((m) => m.content)).toEqual(
      expect.arrayContaining(["bob here", "alice here"]),
    );
  });

  it("leaves the turn out when the hand-off leaves it out on purpose (the supervisor's addHandoffMessages: false)", async () => {
    const omit = handOff("bob", leavesTurnOut);
    const messages = await runParent(
      [call("transfer_to_bob", {}, "c_hand"), call("lookup", { q: "x" }, "c_look")],
      [omit, lookup],
    );
    await expectValidHistory(messages);
    expect(results(messages)).toEqual([]);
    expect(messages.map((m) => m.content)).toEqual(["book me a trip", "bob here"]);
  });

  it("answers each call once when the result travels in a Send payload (no second 'ran and updated' result)", async () => {
    const messages = await runParent(
      [call("transfer_to_bob", {}, "c_hand")],
      [handOff("bob", patterns["a Send carrying only the result"]!)],
    );
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.content)).toEqual(["Transferred to bob"]);
  });
});

describe("a sub-agent run on a fresh history, handing off to the parent", () => {
  it("brings its turn to the parent under ids the parent's earlier turns do not hold (a model that says call_0 every time)", async () => {
    const back = handOff("finish", patterns["only the result"]!);
    const team = new StateGraph(MessagesAnnotation)
      .addNode("model", () => ({
        messages: [aiWith([call("transfer_to_finish", {}, "call_0")], [], { id: "team-turn-2" })],
      }))
      .addNode("tools", new SafeToolNode([back]))
      .addEdge(START, "model")
      .addEdge("model", "tools")
      .addEdge("tools", END)
      .compile();
    const parent = new StateGraph(MessagesAnnotation)
      .addNode(
        "delegate",
        async (_state, config) => {
          // the sub-agent sees only its task, not the parent's history
          await team.invoke({ messages: [new HumanMessage({ content: "sub-task", id: "task" })] }, config);
          return {};
        },
        { ends: ["finish"] },
      )
      .addNode("finish", () => ({ messages: [new AIMessage({ content: "all done", id: "finish-reply" })] }))
      .addEdge(START, "delegate")
      .addEdge("finish", END)
      .compile();
    const earlier = [
      new HumanMessage({ content: "hi", id: "h0" }),
      aiWith([call("lookup", { q: "x" }, "call_0")], [], { id: "parent-turn-1" }),
      new ToolMessage({ content: "found x", tool_call_id: "call_0", name: "lookup", id: "t0" }),
    ];
    const { messages } = await parent.invoke({ messages: earlier });
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.content)).toEqual(["found x", "Transferred to finish"]);
  });
});

const Team = Annotation.Root({
  ...MessagesAnnotation.spec,
  /** The agent a swarm-style hand-off makes active. */
  activeAgent: Annotation<string | undefined>(),
  /** What each agent reached by the hand-off was given, one line per agent. */
  received: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});
type TeamState = typeof Team.State;

const said = (m: BaseMessage) => `${m.getType()}:${typeof m.content === "string" ? m.content : "[blocks]"}`;

/** LangGraph's docs' hand-off with a task description: a Send that gives the agent only its task, no result. */
function handOffWithTask(target: string): SafeTool {
  return tool(
    async ({ task }: { task: string }, runtime: ToolRuntime) =>
      new Command({
        graph: Command.PARENT,
        goto: [
          new Send(target, {
            ...(runtime.state as State),
            messages: [new HumanMessage({ content: task, id: `task-${target}` })],
          }),
        ],
      }),
    { name: `transfer_to_${target}`, description: `Hand off to ${target}.`, schema: z.object({ task: z.string() }) },
  );
}

/**
 * A parent graph whose "team" node is an agent subgraph that calls `calls`
 * at once; "bob" and "alice" note what they were given, then reply. With
 * `rounds` > 1, the user asks again on the same thread (a checkpointer) and
 * the team makes the same calls in a new turn, under new ids.
 */
async function runTeam(
  calls: ReturnType<typeof call>[],
  tools: SafeTool[],
  options: SafeToolNodeOptions = {},
  rounds = 1,
) {
  let round = 0;
  const team = new StateGraph(MessagesAnnotation)
    .addNode("model", () => {
      const r = round++;
      const ids = (id: string | undefined) => (r === 0 ? id : `${id}_${r}`);
      return {
        messages: [
          aiWith(
            calls.map((c) => ({ ...c, id: ids(c.id) })),
            [],
            { id: ids("team-turn") },
          ),
        ],
      };
    })
    .addNode("tools", new SafeToolNode(tools, options))
    .addEdge(START, "model")
    .addEdge("model", "tools")
    .addEdge("tools", END)
    .compile();
  let replies = 0;
  const reply = (name: string) => (state: TeamState) => ({
    messages: [...state.messages, new AIMessage({ content: `${name} here`, id: `${name}-reply-${++replies}` })],
    received: [`${name} got ${state.messages.map(said).join(" | ")}`],
  });
  const parent = new StateGraph(Team)
    .addNode("team", team, { ends: ["bob", "alice"] })
    .addNode("bob", reply("bob"))
    .addNode("alice", reply("alice"))
    .addEdge(START, "team")
    .addEdge("bob", END)
    .addEdge("alice", END)
    .compile({ checkpointer: new MemorySaver() });
  const config = { configurable: { thread_id: "team" } };
  let out = await parent.invoke({ messages: [new HumanMessage({ content: "book me a trip", id: "h0" })] }, config);
  for (let r = 1; r < rounds; r++)
    out = await parent.invoke({ messages: [new HumanMessage({ content: "and another", id: `h${r}` })] }, config);
  return out;
}

describe("hand-offs that carry more than the result, or less", () => {
  it("gives an agent reached by a task description only its task and the turn, under ids of its own (the docs' Send with a task)", async () => {
    const out = await runTeam(
      [call("transfer_to_bob", { task: "book the flight" }, "c_bob"), call("lookup", { q: "hotels" }, "c_look")],
      [handOffWithTask("bob"), lookup],
    );
    await expectValidHistory(out.messages);
    expect(out.received).toHaveLength(1);
    expect(out.received[0]).toMatch(/^bob got human:book the flight \| ai: \| tool:.* \| tool:found hotels$/);
    expect(results(out.messages).map((r) => r.tool_call_id === "c_bob" || r.tool_call_id === "c_look")).toEqual([
      false,
      false,
    ]);
  });

  it("gives the turn to the first agent only when two hand-offs give their agents only a task", async () => {
    const out = await runTeam(
      [
        call("transfer_to_bob", { task: "book the flight" }, "c_bob"),
        call("transfer_to_alice", { task: "book the hotel" }, "c_alice"),
      ],
      [handOffWithTask("bob"), handOffWithTask("alice")],
    );
    await expectValidHistory(out.messages);
    expect([...out.received].sort()).toEqual([
      "alice got human:book the hotel",
      expect.stringMatching(/^bob got human:book the flight \| ai: \| tool:.* \| tool:.*$/),
    ]);
  });

  it("leaves a task-only Send as it is when another hand-off's Send carries its result: that agent gets the turn", async () => {
    const out = await runTeam(
      [call("transfer_to_bob", {}, "c_bob"), call("transfer_to_alice", { task: "book the hotel" }, "c_alice")],
      [handOff("bob", patterns["a Send carrying only the result"]!), handOffWithTask("alice")],
    );
    await expectValidHistory(out.messages);
    expect([...out.received].sort()).toEqual([
      "alice got human:book the hotel",
      expect.stringMatching(/^bob got ai: \| tool:Transferred to bob \| tool:.*$/),
    ]);
  });

  it("renames the turn for every agent when one of them is given only the result, another the whole history", async () => {
    const out = await runTeam(
      [call("transfer_to_bob", {}, "c_bob"), call("transfer_to_alice", {}, "c_alice")],
      [
        handOff("bob", patterns["the docs' [...state.messages, result]"]!),
        handOff("alice", patterns["a Send carrying only the result"]!),
      ],
    );
    await expectValidHistory(out.messages);
    expect(results(out.messages).map((r) => r.content)).toEqual(["Transferred to bob", "Transferred to alice"]);
    expect(results(out.messages).some((r) => r.tool_call_id === "c_bob" || r.tool_call_id === "c_alice")).toBe(false);
  });

  it("keeps a swarm-style hand-off's write of the active agent as it was written", async () => {
    const swarm = tool(
      async (_args, runtime: ToolRuntime) =>
        new Command({
          graph: Command.PARENT,
          goto: "bob",
          update: {
            messages: [
              ...(runtime.state as State).messages,
              new ToolMessage({ content: "Transferred to bob", tool_call_id: runtime.toolCallId }),
            ],
            activeAgent: "bob",
          },
        }),
      { name: "transfer_to_bob", description: "Hand off to bob.", schema: z.object({}) },
    );
    const out = await runTeam(
      [call("transfer_to_bob", {}, "c_bob"), call("lookup", { q: "x" }, "c_look")],
      [swarm, lookup],
    );
    await expectValidHistory(out.messages);
    expect(out.activeAgent).toBe("bob");
    expect(results(out.messages).map((r) => r.content)).toEqual(["Transferred to bob", "found x"]);
  });

  it("writes the turn into the parent's messages when the hand-off writes only another key", async () => {
    const activate = tool(
      async () => new Command({ graph: Command.PARENT, goto: "bob", update: { activeAgent: "bob" } }),
      { name: "transfer_to_bob", description: "Hand off to bob.", schema: z.object({}) },
    );
    const out = await runTeam(
      [call("transfer_to_bob", {}, "c_bob"), call("lookup", { q: "x" }, "c_look")],
      [activate, lookup],
    );
    await expectValidHistory(out.messages);
    expect(out.activeAgent).toBe("bob");
    expect(results(out.messages).map((r) => r.content)).toEqual([
      'Tool "transfer_to_bob" ran and updated the graph state.',
      "found x",
    ]);
  });

  it("places the turn with the hand-off that carries its result when another one leaves the turn out", async () => {
    const omit = handOff("bob", leavesTurnOut);
    const out = await runTeam(
      [call("transfer_to_bob", {}, "c_bob"), call("transfer_to_alice", {}, "c_alice")],
      [omit, handOff("alice", patterns["the docs' [...state.messages, result]"]!)],
    );
    await expectValidHistory(out.messages);
    expect(results(out.messages).map((r) => r.content)).toEqual([
      'Tool "transfer_to_bob" ran and updated the graph state.',
      "Transferred to alice",
    ]);
  });

  it("brings one copy of each result, and of the media moved out of them, when two agents each get the turn, turn after turn", async () => {
    const PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    const screenshot = tool(
      async () => [
        { type: "text", text: "The screen:" },
        { type: "image", source_type: "base64", mime_type: "image/png", data: PIXEL },
      ],
      { name: "screenshot", description: "Screenshot.", schema: z.object({}) },
    );
    // a tool's own ToolMessage with a message id of its own
    const note = tool(
      async (_args, runtime: ToolRuntime) =>
        new ToolMessage({ content: "noted", tool_call_id: runtime.toolCallId, name: "note", id: "own-note" }),
      { name: "note", description: "Note.", schema: z.object({}) },
    );
    const out = await runTeam(
      [
        call("transfer_to_bob", {}, "c_bob"),
        call("screenshot", {}, "c_shot"),
        call("note", {}, "c_note"),
        call("transfer_to_alice", {}, "c_alice"),
      ],
      [
        handOff("bob", patterns["a Send carrying only the result"]!),
        handOff("alice", patterns["a Send carrying only the result"]!),
        screenshot,
        note,
      ],
      { resultMedia: "user_message" },
      2,
    );
    expect(invariantProblems(out.messages)).toEqual([]);
    const turn = [
      "Transferred to bob",
      "The screen:\n[The tool returned an image (image/png); it follows in the next message.]",
      "noted",
      "Transferred to alice",
    ];
    expect(results(out.messages).map((r) => r.content)).toEqual([...turn, ...turn]);
    expect(out.messages.find((m) => ToolMessage.isInstance(m) && m.content === "noted")?.id).toBe("own-note");
    // each turn's media, once, right after its results
    const media = out.messages.flatMap((m, i) => (HumanMessage.isInstance(m) && Array.isArray(m.content) ? [i] : []));
    expect(media).toHaveLength(2);
    for (const at of media) {
      expect(out.messages[at - 1]!.content).toBe("Transferred to alice");
      expect(JSON.stringify(out.messages[at]!.content)).toContain(PIXEL);
    }
  });

  it("keeps what a hand-off writes after its result (an agent's turn inlined, a note), after the turn", async () => {
    const inlined = handOff(
      "bob",
      (runtime, result, target) =>
        new Command({
          graph: Command.PARENT,
          goto: target,
          update: {
            messages: [
              ...(runtime.state as State).messages,
              result,
              new AIMessage({ id: "sub-a", content: "", tool_calls: [{ id: "sub1", name: "search", args: {} }] }),
              new ToolMessage({ id: "sub-t", content: "found by the sub-agent", tool_call_id: "sub1", name: "search" }),
              new HumanMessage({ content: "note for bob", id: "note" }),
            ],
          },
        }),
    );
    const out = await runTeam(
      [call("transfer_to_bob", {}, "c_bob"), call("lookup", { q: "x" }, "c_look")],
      [inlined, lookup],
    );
    await expectValidHistory(out.messages);
    expect(out.messages.map((m) => m.content)).toEqual([
      "book me a trip",
      "",
      "Transferred to bob",
      "found x",
      "",
      "found by the sub-agent",
      "note for bob",
      "bob here",
    ]);
  });

  it("hands off a call sent on its own, with no AIMessage in the payload: the parent gets its one result", async () => {
    const out = await new SafeToolNode([handOff("bob", patterns["only the result"]!)]).invoke({
      messages: [],
      lg_tool_call: call("transfer_to_bob", {}, "c_bob"),
    });
    const parent = (Array.isArray(out) ? out : [out]).filter(
      (o): o is Command => o instanceof Command && o.graph === Command.PARENT,
    );
    expect(parent).toHaveLength(1);
    const carried = parent[0]!._updateAsTuples().flatMap(([, value]) => value as BaseMessage[]);
    expect(carried.map((m) => [m.getType(), m.content])).toEqual([["tool", "Transferred to bob"]]);
    expect(parent[0]!.goto).toEqual(["bob"]);
  });

  it("leaves a stray ToolMessage of the history out of what a hand-off re-sends, also when the history starts with the AIMessage", async () => {
    for (const trimmed of [false, true]) {
      const ai = aiWith([call("transfer_to_bob", {}, "c_bob")], [], { id: "team-turn" });
      // a result for a call no AIMessage makes (a stray the node does not carry to the parent)
      const stray = new ToolMessage({ content: "lost", tool_call_id: "gone", name: "lookup", id: "stray" });
      const history = [...(trimmed ? [] : [new HumanMessage({ content: "go", id: "h0" })]), ai, stray];
      const out = await new SafeToolNode([handOff("bob", patterns["the docs' [...state.messages, result]"]!)]).invoke({
        messages: history,
      });
      const parent = (Array.isArray(out) ? out : [out]).find(
        (o): o is Command => o instanceof Command && o.graph === Command.PARENT,
      )!;
      const carried = parent._updateAsTuples().flatMap(([, value]) => value as BaseMessage[]);
      expect(carried.map((m) => m.content)).toEqual([...(trimmed ? [] : ["go"]), "", "Transferred to bob"]);
    }
  });

  it("re-sends the renamed turn in every list when one hand-off gives only its result and a later one the whole history", async () => {
    const out = await runTeam(
      [call("transfer_to_bob", {}, "c_bob"), call("transfer_to_alice", {}, "c_alice")],
      [
        handOff("bob", patterns["only the result"]!),
        handOff("alice", patterns["the docs' [...state.messages, result]"]!),
      ],
    );
    await expectValidHistory(out.messages);
    expect(results(out.messages).map((r) => r.content)).toEqual(["Transferred to bob", "Transferred to alice"]);
  });

  it("takes the first of the results a hand-off carries for its call, in its update and in its Send", async () => {
    const twice = tool(
      async (_args, runtime: ToolRuntime) => {
        const result = (content: string) => new ToolMessage({ content, tool_call_id: runtime.toolCallId });
        return new Command({
          graph: Command.PARENT,
          goto: [new Send("bob", { messages: [result("sent to bob")] })],
          update: { messages: [result("handed to bob")] },
        });
      },
      { name: "transfer_to_bob", description: "Hand off to bob.", schema: z.object({}) },
    );
    const out = await runTeam(
      [call("transfer_to_bob", {}, "c_bob"), call("lookup", { q: "x" }, "c_look")],
      [twice, lookup],
    );
    await expectValidHistory(out.messages);
    expect(results(out.messages).map((r) => r.content)).toEqual(["handed to bob", "found x"]);
  });
});
