import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool, type ToolRuntime } from "@langchain/core/tools";
import { Command, END, MemorySaver, MessagesAnnotation, START, Send, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SafeToolNode, safeToolsCondition, validateToolResults, type SafeTool } from "../src/index.js";
import { aiWith, call } from "./helpers/fixtures.js";
import { expectValidHistory } from "./helpers/invariant.js";

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
  "only the result": (_runtime, result, target) =>
    new Command({ graph: Command.PARENT, goto: target, update: { messages: [result] } }),
  "the result alone, not in a list": (_runtime, result, target) =>
    new Command({ graph: Command.PARENT, goto: target, update: { messages: result } }),
  "no message at all": (_runtime, _result, target) => new Command({ graph: Command.PARENT, goto: target }),
  "a Send carrying [...state.messages, result]": (runtime, result, target) =>
    new Command({
      graph: Command.PARENT,
      goto: [new Send(target, { messages: (runtime.state as State).messages.concat(result) })],
    }),
  "a Send carrying only the result": (_runtime, result, target) =>
    new Command({ graph: Command.PARENT, goto: [new Send(target, { messages: [result] })] }),
};

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
        label === "no message at all"
          ? 'Tool "transfer_to_bob" ran and updated the graph state.'
          : "Transferred to bob",
        "found flights",
      ]);
      // a turn carried to a parent whose history the node cannot see gets ids no earlier turn there can hold
      const keepsIds = label.includes("state.messages");
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
      label === "no message at all" ? 'Tool "transfer_to_bob" ran and updated the graph state.' : "Transferred to bob",
      "found hotels",
      label === "no message at all"
        ? 'Tool "transfer_to_alice" ran and updated the graph state.'
        : "Transferred to alice",
    ]);
    expect(messages.filter((m) => AIMessage.isInstance(m)).map((m) => m.content)).toEqual(
      expect.arrayContaining(["bob here", "alice here"]),
    );
  });

  it("leaves the turn out when the hand-off leaves it out on purpose (the supervisor's addHandoffMessages: false)", async () => {
    const omit = handOff(
      "bob",
      (runtime, _result, target) =>
        new Command({
          graph: Command.PARENT,
          goto: target,
          update: { messages: (runtime.state as State).messages.slice(0, -1) },
        }),
    );
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
