import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { StructuredTool, tool } from "@langchain/core/tools";
import {
  Command,
  END,
  GraphInterrupt,
  MemorySaver,
  MessagesAnnotation,
  NodeInterrupt,
  ParentCommand,
  START,
  StateGraph,
  interrupt,
} from "@langchain/langgraph";
import * as secondCopy from "langgraph-second-copy";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SafeToolNode, type SafeTool } from "../src/index.js";
import { aiWith, call, historyWith, weather } from "./helpers/fixtures.js";
import { applyOutput, expectValidHistory, invariantProblems } from "./helpers/invariant.js";

function throwingTool(name: string, make: () => unknown) {
  return tool(
    async (): Promise<string> => {
      throw make();
    },
    { name, description: name, schema: z.object({}) },
  );
}

describe("graph control flow is never turned into a message (behaviour 8)", () => {
  const controlFlow: [string, () => unknown][] = [
    ["GraphInterrupt", () => new GraphInterrupt([{ value: "approve?" }])],
    ["NodeInterrupt", () => new NodeInterrupt("stop here")],
    [
      "GraphInterrupt from a second copy of @langchain/langgraph",
      () => new secondCopy.GraphInterrupt([{ value: "x" }]),
    ],
    ["NodeInterrupt from a second copy", () => new secondCopy.NodeInterrupt("y")],
    ["any error marked is_bubble_up", () => Object.assign(new Error("custom bubble"), { is_bubble_up: true })],
  ];

  it.each(controlFlow)("propagates %s unchanged, after the other calls settle", async (_label, make) => {
    const thrown = make();
    expect(thrown instanceof Error).toBe(true);
    let siblingDone = false;
    const sibling = tool(
      async () => {
        await new Promise((r) => setTimeout(r, 20));
        siblingDone = true;
        return "done";
      },
      { name: "sibling", description: "s", schema: z.object({}) },
    );
    const node = new SafeToolNode([throwingTool("flow", () => thrown), sibling]);
    const history = historyWith(aiWith([call("flow", {}, "c1"), call("sibling", {}, "c2")]));
    await expect(node.invoke({ messages: history })).rejects.toBe(thrown);
    expect(siblingDone).toBe(true);
  });

  it("reaches interrupt() when a custom node calls the SafeToolNode without passing its config", async () => {
    const ask = tool(async () => interrupt("ok?") as string, { name: "ask", description: "a", schema: z.object({}) });
    const safe = new SafeToolNode([ask]);
    const graph = new StateGraph(MessagesAnnotation)
      .addNode(
        "tools",
        async (state) => safe.invoke({ messages: state.messages }) as Promise<{ messages: ToolMessage[] }>,
      )
      .addEdge(START, "tools")
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "t-nested" } };
    const first = await graph.invoke({ messages: historyWith(aiWith([call("ask", {}, "c1")])) }, config);
    expect((first as { __interrupt__?: { value: unknown }[] }).__interrupt__?.[0]?.value).toBe("ok?");
    const done = await graph.invoke(new Command({ resume: "fine" }), config);
    await expectValidHistory(done.messages);
    expect(done.messages.at(-1)!.content).toBe("fine");
  });

  it("lets interrupt() pause the graph and resume the tool with the human's answer", async () => {
    const approve = tool(
      async ({ action }) => {
        const answer = interrupt({ question: `Allow ${action}?` }) as string;
        return answer === "yes" ? `did ${action}` : `refused ${action}`;
      },
      { name: "approve", description: "Needs approval.", schema: z.object({ action: z.string() }) },
    );
    const ai = aiWith([call("approve", { action: "deploy" }, "c1"), call("get_weather", { city: "x" }, "c2")]);
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", new SafeToolNode([approve, weather]))
      .addEdge(START, "tools")
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "t-interrupt" } };
    const first = await graph.invoke({ messages: historyWith(ai) }, config);
    expect((first as { __interrupt__?: { value: unknown }[] }).__interrupt__?.[0]?.value).toEqual({
      question: "Allow deploy?",
    });
    expect(first.messages.filter((m) => ToolMessage.isInstance(m))).toHaveLength(0);
    const done = await graph.invoke(new Command({ resume: "yes" }), config);
    await expectValidHistory(done.messages);
    expect(done.messages.slice(-2).map((m) => m.content)).toEqual(["did deploy", "Sunny in x"]);
  });
});

describe("a ParentCommand thrown inside a tool (a graph it ran handed off) is carried out, and the siblings keep their results", () => {
  it.each([
    ["ParentCommand", () => new ParentCommand(new Command({ graph: Command.PARENT, goto: "elsewhere" }))],
    [
      "ParentCommand from a second copy",
      () => new secondCopy.ParentCommand(new secondCopy.Command({ graph: "__parent__", goto: "elsewhere" })),
    ],
  ])("hands a thrown %s to the parent with the whole turn, as a returned one", async (_label, make) => {
    const history = historyWith(aiWith([call("flow", {}, "c1"), call("get_weather", { city: "x" }, "c2")]));
    const out = (await new SafeToolNode([throwingTool("flow", make), weather]).invoke({
      messages: history,
    })) as unknown[];
    const parent = out.find((o) => o instanceof Command && o.graph === Command.PARENT) as Command;
    expect(parent.goto).toEqual(["elsewhere"]);
    const carried = parent._updateAsTuples().flatMap(([, v]) => v as BaseMessage[]);
    expect(carried.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual([
      'Tool "flow" ran and updated the graph state.',
      "Sunny in x",
    ]);
    expect(invariantProblems(carried)).toEqual([]);
  });

  /** "agent as a tool": the tool runs another agent graph, which hands off to the agent node of the graph the tool node is in. */
  function delegating(passConfig: boolean, onRun: () => void = () => {}, onInnerRun: () => void = () => {}) {
    const inner = new StateGraph(MessagesAnnotation)
      .addNode(
        "n",
        () => (
          onInnerRun(),
          new Command({
            graph: Command.PARENT,
            goto: "agent",
            update: { messages: [new AIMessage({ content: "escalating", id: "inner-escalation" })] },
          })
        ),
      )
      .addEdge(START, "n")
      .compile();
    return tool(
      async (_args, config) => {
        onRun();
        await inner.invoke({ messages: [new HumanMessage("help")] }, passConfig ? config : undefined);
        return "delegated";
      },
      { name: "delegate", description: "d", schema: z.object({}) },
    );
  }

  it.each([
    [false, "none"],
    [true, "none"],
    [true, "MemorySaver"],
  ])(
    "answers every call when an agent run inside a tool hands off to this graph (the tool passes its config: %s; checkpointer: %s), running that agent once",
    async (passConfig, saver) => {
      let turn = 0;
      let delegated = 0;
      let innerRuns = 0;
      const graph = new StateGraph(MessagesAnnotation)
        .addNode("agent", () => ({
          messages: [
            turn++ === 0
              ? aiWith([call("get_weather", { city: "x" }, "c1"), call("delegate", {}, "c2")])
              : new AIMessage({ content: "done", id: "final" }),
          ],
        }))
        .addNode(
          "tools",
          new SafeToolNode([
            weather,
            delegating(
              passConfig,
              () => delegated++,
              () => innerRuns++,
            ),
          ]),
        )
        .addEdge(START, "agent")
        .addConditionalEdges("agent", (state) => (turn === 1 ? "tools" : END), ["tools", END])
        .addEdge("tools", "agent")
        .compile(saver === "MemorySaver" ? { checkpointer: new MemorySaver() } : {});
      const { messages } = await graph.invoke(
        { messages: [new HumanMessage({ content: "go", id: "h" })] },
        { configurable: { thread_id: "delegating" } },
      );
      // The inner agent runs once. In durable mode the tool, which runs a graph, runs as its own task:
      // the first time, its code before the graph's start runs twice (see README: Durable execution).
      expect(innerRuns).toBe(1);
      expect(delegated).toBe(saver === "MemorySaver" && passConfig ? 2 : 1);
      await expectValidHistory(messages);
      expect(messages.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual([
        "Sunny in x",
        'Tool "delegate" ran and updated the graph state.',
      ]);
      expect(messages.map((m) => m.content)).toContain("escalating");
      expect(messages.at(-1)!.content).toBe("done");
    },
  );
});

describe("where a ParentCommand thrown inside a tool goes, by the graph it names", () => {
  const handingOff = (make: () => unknown) =>
    tool(
      async (): Promise<string> => {
        throw make();
      },
      { name: "hand_off", description: "h", schema: z.object({}) },
    );
  const toReview = (graph: string | undefined) => () => new ParentCommand(new Command({ graph, goto: "review" }));

  /** agent -> tools (a weather call beside `handOff`); a "review" node that says which graph ran it. */
  function team(handOff: SafeTool) {
    return new StateGraph(MessagesAnnotation)
      .addNode("agent", () => ({
        messages: [aiWith([call("get_weather", { city: "x" }, "c1"), call("hand_off", {}, "c2")])],
      }))
      .addNode("tools", new SafeToolNode([weather, handOff]), { ends: ["review"] })
      .addNode("review", () => ({ messages: [new AIMessage({ content: "team review", id: "team-review" })] }))
      .addEdge(START, "agent")
      .addEdge("agent", "tools")
      .addEdge("review", END)
      .compile();
  }

  /** The team graph as a node of a parent graph, which has a "review" node of its own. */
  function inParent(handOff: SafeTool) {
    return new StateGraph(MessagesAnnotation)
      .addNode("team", team(handOff), { ends: ["review"] })
      .addNode("review", () => ({ messages: [new AIMessage({ content: "parent review", id: "parent-review" })] }))
      .addEdge(START, "team")
      .addEdge("review", END)
      .compile();
  }

  const start = { messages: [new HumanMessage({ content: "go", id: "h" })] };
  const contents = (messages: BaseMessage[]) => messages.map((m) => m.content);
  const answeredTurn = ["go", "", "Sunny in x", 'Tool "hand_off" ran and updated the graph state.'];

  it('carries one that names no graph, or the top graph ("") from a node of the top graph, out in this graph', async () => {
    for (const graph of [undefined, ""]) {
      const { messages } = await team(handingOff(toReview(graph))).invoke(start);
      await expectValidHistory(messages);
      expect(contents(messages)).toEqual([...answeredTurn, "team review"]);
    }
  });

  it("carries one that names the top graph from a node of a subgraph to the parent graph, with the whole turn", async () => {
    const { messages } = await inParent(handingOff(toReview(""))).invoke(start);
    await expectValidHistory(messages);
    expect(contents(messages)).toEqual([...answeredTurn, "parent review"]);
  });

  // LangGraph names a graph's parent by the namespace of the task that runs the graph in it (a node of
  // the subgraph that hands off to its parent raises a ParentCommand naming "team:<id>")
  const parentNs = (ns: string) => ns.split("|").slice(0, -1).join("|");
  const namingUp = (levels: number) =>
    tool(
      async (_args, config): Promise<string> => {
        let graph = String(config.configurable?.checkpoint_ns);
        for (let k = 0; k < levels; k++) graph = parentNs(graph);
        throw new ParentCommand(new Command({ graph, goto: "review" }));
      },
      { name: "hand_off", description: "h", schema: z.object({}) },
    );

  /** `inParent(handOff)` as a node of a top graph, which has a "review" node of its own too. */
  function inTop(handOff: SafeTool) {
    return new StateGraph(MessagesAnnotation)
      .addNode("middle", inParent(handOff), { ends: ["review"] })
      .addNode("review", () => ({ messages: [new AIMessage({ content: "top review", id: "top-review" })] }))
      .addEdge(START, "middle")
      .addEdge("review", END)
      .compile();
  }

  it("carries one that names the subgraph's own task, as LangGraph names the parent, to the parent graph, however deep", async () => {
    for (const graph of [inParent(namingUp(1)), inTop(namingUp(1))]) {
      const { messages } = await graph.invoke(start);
      await expectValidHistory(messages);
      expect(contents(messages)).toEqual([...answeredTurn, "parent review"]);
    }
  });

  it("leaves one that names a graph further up to LangGraph, which carries it there; the top graph too", async () => {
    expect(contents((await inTop(namingUp(2)).invoke(start)).messages)).toEqual(["go", "top review"]);
    expect(contents((await inTop(handingOff(toReview(""))).invoke(start)).messages)).not.toContain("parent review");
  });

  it("leaves one that names neither this graph nor its parent to LangGraph: neither review node runs", async () => {
    const { messages } = await inParent(handingOff(toReview("elsewhere:1"))).invoke(start);
    expect(contents(messages)).not.toContain("team review");
    expect(contents(messages)).not.toContain("parent review");
  });

  it("answers an error that merely carries a Command (it is no ParentCommand) as a failure of the tool", async () => {
    const carrier = () => Object.assign(new Error("deploy failed"), { command: new Command({ goto: "review" }) });
    const { messages } = await team(handingOff(carrier)).invoke(start);
    await expectValidHistory(messages);
    expect(contents(messages)).not.toContain("team review");
    expect(messages.filter((m) => ToolMessage.isInstance(m)).map((m) => [m.status, m.content])).toEqual([
      ["success", "Sunny in x"],
      ["error", 'Error: tool "hand_off" failed: deploy failed. Fix the arguments or try a different approach.'],
    ]);
  });
});

describe("a tool whose invoke throws synchronously (a hand-written tool object)", () => {
  const throwingAtOnce = (thrown: unknown): SafeTool =>
    new (class extends StructuredTool {
      name = "at_once";
      description = "Throws before returning a promise.";
      schema = z.object({});
      override invoke(): Promise<string> {
        throw thrown;
      }
      protected async _call(): Promise<string> {
        return "never";
      }
    })();

  it("answers a plain error as a failure of that call, and carries out a ParentCommand; the sibling keeps its result", async () => {
    const history = historyWith(aiWith([call("at_once", {}, "c1"), call("get_weather", { city: "x" }, "c2")]));
    const failed = await new SafeToolNode([throwingAtOnce(new Error("not configured")), weather]).invoke({
      messages: history,
    });
    const after = applyOutput(history, failed);
    expect(invariantProblems(after)).toEqual([]);
    expect(after.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual([
      'Error: tool "at_once" failed: not configured. Fix the arguments or try a different approach.',
      "Sunny in x",
    ]);
    const handOff = new ParentCommand(new Command({ graph: Command.PARENT, goto: "elsewhere" }));
    const out = (await new SafeToolNode([throwingAtOnce(handOff), weather]).invoke({ messages: history })) as unknown[];
    const parent = out.find((o) => o instanceof Command && o.graph === Command.PARENT) as Command;
    expect(parent.goto).toEqual(["elsewhere"]);
    const carried = parent._updateAsTuples().flatMap(([, v]) => v as BaseMessage[]);
    expect(carried.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual([
      'Tool "at_once" ran and updated the graph state.',
      "Sunny in x",
    ]);
  });
});
