/**
 * The cases of LangGraph.js's own `ToolNode` tests (`prebuilt` tests of
 * ToolNode and of ToolNode with Commands, @langchain/langgraph 1.7), run
 * against SafeToolNode with the same expectations - except where the README
 * lists a difference: handleToolErrors: false is refused, the error texts
 * are SafeToolNode's, several Command.PARENT results are merged into one,
 * and a hand-off carries its siblings' results to the parent. (MessagesZodState
 * is a Zod v3 schema in @langchain/langgraph 1.7, so states extend it with Zod v3.)
 */
import { AIMessage, HumanMessage, ToolMessage, isAIMessage, type BaseMessage } from "@langchain/core/messages";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { CallbackManager } from "@langchain/core/callbacks/manager";
import { RunnableLambda, type RunnableConfig } from "@langchain/core/runnables";
import { AsyncLocalStorageProviderSingleton, MockAsyncLocalStorage } from "@langchain/core/singletons";
import { StructuredTool, tool, type ToolRuntime } from "@langchain/core/tools";
import {
  Annotation,
  Command,
  GraphInterrupt,
  MemorySaver,
  MessagesZodState,
  Send,
  StateGraph,
  getCurrentTaskInput,
  interrupt,
  messagesStateReducer,
} from "@langchain/langgraph";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { z as z3 } from "zod/v3";
import { ScriptedChatModel } from "../src/testing.js";
import { InvalidOptionsError, SafeToolNode } from "../src/index.js";

class WebSearch extends StructuredTool {
  name = "search_api";
  description = "A simple API that returns the input string.";
  schema = z.object({ query: z.string() });
  async _call({ query }: { query: string }) {
    if (query === "error") throw new Error("search failed");
    return `result for ${query}`;
  }
}

const add = tool(({ a, b }) => `${a + b}`, {
  name: "add",
  description: "Add two numbers",
  schema: z.object({ a: z.number(), b: z.number() }),
});

/** A hand-off tool as ToolNode's tests write it; `shape` picks the update's form. */
function transfer(name: string, target: string, shape: "dict" | "array" | "send") {
  return tool(
    async (_args, config) => {
      const result = new ToolMessage({ content: `Transferred to ${target}`, tool_call_id: config.toolCall!.id!, name });
      if (shape === "send")
        return new Command({ graph: Command.PARENT, goto: [new Send(target, { messages: [result] })] });
      return new Command({
        graph: Command.PARENT,
        goto: target,
        update: shape === "dict" ? { messages: [result] } : ([result] as never),
      });
    },
    { name, description: `Transfer to ${target}`, schema: z.object({}) },
  );
}

const turn = (calls: { id: string; name: string; args?: Record<string, unknown> }[]) =>
  new AIMessage({ content: "", tool_calls: calls.map((c) => ({ type: "tool_call" as const, args: {}, ...c })) });

describe("LangGraph's ToolNode cases, on SafeToolNode", () => {
  it("answers an unknown tool with an error result (SafeToolNode's own text)", async () => {
    const out = (await new SafeToolNode([new WebSearch()]).invoke([
      turn([{ name: "badtool", id: "testid" }]),
    ])) as ToolMessage[];
    expect(out).toMatchObject([{ status: "error", tool_call_id: "testid" }]);
    expect(out[0]!.content).toBe(
      'Error: tool "badtool" does not exist. Available tools: search_api. Call one of these tools instead.',
    );
  });

  it("forwards the graph state to tools through runtime.state", async () => {
    const State = MessagesZodState.extend({ userId: z3.string() });
    let seen: string | undefined;
    const whoAmI = tool(
      async (_args: Record<string, never>, runtime: ToolRuntime<typeof State>) => (
        (seen = runtime.state.userId),
        seen === "user_123" ? "User is John Smith" : "Unknown user"
      ),
      {
        name: "get_user_info",
        description: "Look up user info.",
        schema: z.object({}),
      },
    );
    const graph = new StateGraph(State)
      .addNode("tools", new SafeToolNode([whoAmI]))
      .addEdge("__start__", "tools")
      .compile();
    const result = await graph.invoke({
      messages: [turn([{ name: "get_user_info", id: "call_user_info" }])],
      userId: "user_123",
    });
    expect(seen).toBe("user_123");
    expect(result.messages.at(-1)!.content).toBe("User is John Smith");
  });

  it("forwards the input to tools through runtime.state when invoked directly", async () => {
    let seen: string | undefined;
    const whoAmI = tool(
      async (_args: Record<string, never>, runtime: ToolRuntime<{ userId: string }>) => (
        (seen = runtime.state.userId),
        "ok"
      ),
      {
        name: "get_user_info",
        description: "Look up user info.",
        schema: z.object({}),
      },
    );
    await new SafeToolNode([whoAmI]).invoke({
      messages: [turn([{ name: "get_user_info", id: "call_user_info" }])],
      userId: "user_123",
    });
    expect(seen).toBe("user_123");
  });

  it("forwards the state through runtime.state without AsyncLocalStorage (a browser-like runtime)", async () => {
    const spy = vi
      .spyOn(AsyncLocalStorageProviderSingleton, "getInstance")
      .mockReturnValue(new MockAsyncLocalStorage());
    try {
      const State = MessagesZodState.extend({ userId: z3.string() });
      let seen: string | undefined;
      let lookupThrew = false;
      const whoAmI = tool(
        async (_args: Record<string, never>, runtime: ToolRuntime<typeof State>) => {
          try {
            getCurrentTaskInput();
          } catch {
            lookupThrew = true;
          }
          seen = runtime.state.userId;
          return "ok";
        },
        { name: "get_user_info", description: "Look up user info.", schema: z.object({}) },
      );
      const graph = new StateGraph(State)
        .addNode("tools", new SafeToolNode([whoAmI]))
        .addEdge("__start__", "tools")
        .compile();
      await graph.invoke({ messages: [turn([{ name: "get_user_info", id: "call_user_info" }])], userId: "user_123" });
      expect(lookupThrew).toBe(true);
      expect(seen).toBe("user_123");
    } finally {
      spy.mockRestore();
    }
  });

  it("still exposes the state through getCurrentTaskInput(config)", async () => {
    const State = MessagesZodState.extend({ userId: z3.string() });
    let seen: string | undefined;
    const whoAmI = tool(
      async (_args: Record<string, never>, config: RunnableConfig) => (
        (seen = (getCurrentTaskInput(config) as z3.infer<typeof State>).userId),
        "ok"
      ),
      {
        name: "get_user_info",
        description: "Look up user info.",
        schema: z.object({}),
      },
    );
    const graph = new StateGraph(State)
      .addNode("tools", new SafeToolNode([whoAmI]))
      .addEdge("__start__", "tools")
      .compile();
    await graph.invoke({ messages: [turn([{ name: "get_user_info", id: "call_user_info" }])], userId: "user_123" });
    expect(seen).toBe("user_123");
  });

  it("runs nested in a runnable with a callback manager: one chain run and one tool run", async () => {
    const node = new SafeToolNode([new WebSearch()]);
    const wrapper = RunnableLambda.from(async () =>
      node.invoke([turn([{ name: "search_api", args: { query: "foo" }, id: "testid" }])]),
    );
    let starts = 0;
    const callbacks = new CallbackManager();
    callbacks.addHandler(
      BaseCallbackHandler.fromMethods({
        handleChainStart: () => void (starts += 1),
        handleToolStart: () => void (starts += 1),
      }),
    );
    await wrapper.invoke({}, { callbacks });
    expect(starts).toBe(2);
  });

  it("works in a state graph: the AIMessage, its result, the next answer", async () => {
    const State = Annotation.Root({
      messages: Annotation<BaseMessage[]>({ reducer: messagesStateReducer, default: () => [] }),
      prop2: Annotation<string>,
    });
    const weather = tool(
      async ({ query }) =>
        /sf|san francisco/i.test(query) ? "It's 60 degrees and foggy." : "It's 90 degrees and sunny.",
      {
        name: "weather",
        description: "Weather for a location.",
        schema: z.object({ query: z.string() }),
      },
    );
    const ask = turn([{ id: "call_1234", args: { query: "SF" }, name: "weather" }]);
    const answer = new AIMessage({ content: "FOO" });
    const graph = new StateGraph(State)
      .addNode("agent", (state) => ({ messages: [state.messages.includes(ask) ? answer : ask] }))
      .addNode("tools", new SafeToolNode([weather]))
      .addEdge("__start__", "agent")
      .addConditionalEdges("agent", ({ messages }) =>
        isAIMessage(messages.at(-1)!) && ((messages.at(-1) as AIMessage).tool_calls?.length ?? 0) > 0
          ? "tools"
          : "__end__",
      )
      .addEdge("tools", "agent")
      .compile();
    const res = await graph.invoke({ messages: [] });
    expect(res).toEqual({
      messages: [
        ask,
        expect.objectContaining({
          id: res.messages[1]!.id,
          name: "weather",
          artifact: undefined,
          content: "It's 60 degrees and foggy.",
          tool_call_id: "call_1234",
        }),
        answer,
      ],
    });
  });

  it("raises GraphInterrupt", async () => {
    const interrupting = tool(
      async () => {
        throw new GraphInterrupt();
      },
      { name: "tool_with_interrupt", description: "interrupts", schema: z.object({}) },
    );
    await expect(
      new SafeToolNode([interrupting]).invoke({ messages: [turn([{ name: "tool_with_interrupt", id: "testid" }])] }),
    ).rejects.toThrow(GraphInterrupt);
  });
});

describe("LangGraph's ToolNode with Commands cases, on SafeToolNode", () => {
  for (const shape of ["dict", "array"] as const) {
    const input = (calls: Parameters<typeof turn>[0]) =>
      shape === "dict" ? { messages: [turn(calls)] } : [turn(calls)];
    const update = (messages: ToolMessage[]) => (shape === "dict" ? { messages } : messages);

    it(`returns a tool's Command.PARENT as it is, with no empty update before it (${shape} input)`, async () => {
      for (const name of ["transfer_to_bob", "async_transfer_to_bob"]) {
        const out = await new SafeToolNode([transfer(name, "bob", shape)]).invoke(input([{ id: "1", name }]));
        expect(out).toMatchObject([
          new Command({
            update: update([new ToolMessage({ content: "Transferred to bob", tool_call_id: "1", name })]) as never,
            goto: "bob",
            graph: Command.PARENT,
          }),
        ]);
      }
    });

    it(`gives a hand-off beside an ordinary call the sibling's result too (a difference: ToolNode leaves it out) (${shape} input)`, async () => {
      const out = (await new SafeToolNode([add, transfer("transfer_to_bob", "bob", shape)]).invoke(
        input([
          { args: { a: 1, b: 2 }, id: "1", name: "add" },
          { id: "2", name: "transfer_to_bob" },
        ]),
      )) as unknown[];
      const added = expect.objectContaining({ content: "3", tool_call_id: "1", name: "add" });
      const transferred = expect.objectContaining({
        content: "Transferred to bob",
        tool_call_id: "2",
        name: "transfer_to_bob",
      });
      expect(out).toMatchObject([
        shape === "dict" ? { messages: [added] } : [added],
        new Command({ update: update([added, transferred]) as never, goto: "bob", graph: Command.PARENT }),
      ]);
    });

    it(`merges several Command.PARENT results into one, every update and goto kept (a difference: ToolNode returns them apart) (${shape} input)`, async () => {
      const out = (await new SafeToolNode([
        transfer("transfer_to_bob", "bob", shape),
        transfer("async_transfer_to_bob", "bob", shape),
      ]).invoke(
        input([
          { id: "1", name: "transfer_to_bob" },
          { id: "2", name: "async_transfer_to_bob" },
        ]),
      )) as Command[];
      expect(out).toHaveLength(1);
      expect(out[0]!.graph).toBe(Command.PARENT);
      expect(out[0]!.goto).toEqual(["bob", "bob"]);
      const carried = out[0]!._updateAsTuples().flatMap(([, value]) => value as ToolMessage[]);
      expect(carried.map((m) => [m.tool_call_id, m.name])).toEqual([
        ["1", "transfer_to_bob"],
        ["2", "async_transfer_to_bob"],
      ]);
    });
  }

  it("merges Command.PARENT results whose goto are Sends; each Send carries the whole turn (a difference: ToolNode gives each only its own result)", async () => {
    const out = (await new SafeToolNode([
      transfer("transfer_to_alice", "alice", "send"),
      transfer("transfer_to_bob", "bob", "send"),
    ]).invoke([
      turn([
        { id: "1", name: "transfer_to_alice" },
        { id: "2", name: "transfer_to_bob" },
      ]),
    ])) as Command[];
    expect(out).toHaveLength(1);
    expect(out[0]!.graph).toBe(Command.PARENT);
    expect(out[0]!.update).toBeUndefined();
    const sends = out[0]!.goto as Send[];
    expect(sends.map((send) => send.node)).toEqual(["alice", "bob"]);
    for (const send of sends) {
      const carried = (send.args as { messages: ToolMessage[] }).messages;
      // the results carry message ids, so the parent keeps one copy when both targets write them back
      expect(carried.map((m) => [m.tool_call_id, m.content, m.id])).toEqual([
        ["1", "Transferred to alice", "result-1"],
        ["2", "Transferred to bob", "result-2"],
      ]);
    }
  });
});

describe("LangGraph's createReactAgent-with-ToolNode cases, on SafeToolNode", () => {
  it("works as createReactAgent's tools: the same history as with ToolNode", async () => {
    const llm = new ScriptedChatModel([
      turn([{ name: "search_api", id: "tool_abcd123", args: { query: "foo" } }]),
      new AIMessage("result"),
    ]);
    const agent = createReactAgent({ llm, tools: new SafeToolNode([new WebSearch()]) });
    const { messages } = await agent.invoke({ messages: [new HumanMessage("Hello Input!")] });
    expect(messages.map((m) => m.getType())).toEqual(["human", "ai", "tool", "ai"]);
    expect(messages[2]).toMatchObject({
      status: "success",
      name: "search_api",
      content: "result for foo",
      tool_call_id: "tool_abcd123",
      artifact: undefined,
    });
    expect(messages[3]!.content).toBe("result");
  });

  it("refuses handleToolErrors: false, which would leave the batch unanswered (a difference: ToolNode throws at run time)", () => {
    expect(() => new SafeToolNode([new WebSearch()], { handleToolErrors: false as never })).toThrow(
      InvalidOptionsError,
    );
  });

  it("pauses on interrupt() and resumes with the value", async () => {
    const review = tool(async () => interrupt("Please review.") as string, {
      name: "tool_with_interrupt",
      description: "interrupts",
      schema: z.object({}),
    });
    const llm = new ScriptedChatModel([
      turn([{ name: "tool_with_interrupt", id: "testid" }]),
      new AIMessage("Final response"),
    ]);
    const agent = createReactAgent({ llm, tools: new SafeToolNode([review]), checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "toolnode-case-interrupt" } };
    const paused = await agent.invoke({ messages: [new HumanMessage("Hello Input!")] }, config);
    expect(paused.messages).toHaveLength(2);
    const resumed = await agent.invoke(new Command({ resume: "Approved." }), config);
    expect(resumed.messages).toHaveLength(4);
    expect(resumed.messages[2]!.content).toBe("Approved.");
  });

  it("hands the task's state to tools (runtime.state.messages)", async () => {
    const parrot = tool(
      async ({ prefix }, runtime: ToolRuntime<{ messages: BaseMessage[] }>) =>
        `[tool] ${prefix}: ${runtime.state.messages.map((m) => m.text).join(", ")}`,
      {
        name: "test_tool",
        description: "Test tool",
        schema: z.object({ prefix: z.string() }),
      },
    );
    const llm = new ScriptedChatModel([
      new AIMessage({ content: "ai", tool_calls: [{ name: "test_tool", args: { prefix: "parrot" }, id: "testid" }] }),
    ]);
    const agent = createReactAgent({ llm, tools: new SafeToolNode([parrot]) });
    const { messages } = await agent.invoke({ messages: [new HumanMessage("input")] });
    expect(messages.slice(0, 3).map((m) => m.text)).toEqual(["input", "ai", "[tool] parrot: input, ai"]);
  });
});
