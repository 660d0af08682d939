import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool, type ToolRuntime } from "@langchain/core/tools";
import {
  Annotation,
  Command,
  MemorySaver,
  MessagesAnnotation,
  START,
  StateGraph,
  interrupt,
  task,
  type BaseCheckpointSaver,
} from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SafeToolNode, type ApprovalRequest, type SafeToolNodeOptions, type SafeToolRuntime } from "../src/index.js";
import { aiWith, call, historyWith } from "./helpers/fixtures.js";
import { expectValidHistory } from "./helpers/invariant.js";

type Interrupts = { __interrupt__?: { id: string; value: unknown }[] };

/** Tools that count their runs, one of each kind a batch needs. */
function countingTools() {
  const runs: Record<string, number> = {};
  const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);
  const lookup = tool(async ({ q }) => (count(`lookup:${q}`), `found ${q}`), {
    name: "lookup",
    description: "Look something up.",
    schema: z.object({ q: z.string() }),
  });
  const ask = tool(
    async ({ question }) => {
      count(`ask:${question}`);
      const answer = interrupt({ question });
      return `answer to ${question}: ${String(answer)}`;
    },
    { name: "ask", description: "Ask the human.", schema: z.object({ question: z.string() }) },
  );
  const sendEmail = tool(async ({ to }) => (count(`send_email:${to}`), `sent to ${to}`), {
    name: "send_email",
    description: "Send an email.",
    schema: z.object({ to: z.string() }),
  });
  const deleteFile = tool(async ({ path }) => (count(`delete:${path}`), `deleted ${path}`), {
    name: "delete_file",
    description: "Delete a file.",
    schema: z.object({ path: z.string() }),
  });
  return { runs, tools: [lookup, ask, sendEmail, deleteFile] };
}

function toolsGraph(node: SafeToolNode, checkpointer: BaseCheckpointSaver = new MemorySaver()) {
  return new StateGraph(MessagesAnnotation).addNode("tools", node).addEdge(START, "tools").compile({ checkpointer });
}

const results = (messages: BaseMessage[]) => messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));

describe("interrupts (durable mode, on LangGraph's checkpointer)", () => {
  it("does not run finished siblings again on resume", async () => {
    const { runs, tools } = countingTools();
    const graph = toolsGraph(new SafeToolNode(tools));
    const config = { configurable: { thread_id: "siblings" } };
    const ai = aiWith([
      call("lookup", { q: "a" }, "c1"),
      call("ask", { question: "ok?" }, "c2"),
      call("lookup", { q: "b" }, "c3"),
    ]);
    const first = (await graph.invoke({ messages: historyWith(ai) }, config)) as Interrupts;
    expect(first.__interrupt__).toHaveLength(1);
    const done = await graph.invoke(new Command({ resume: "yes" }), config);
    await expectValidHistory(done.messages);
    expect(results(done.messages).map((r) => r.content)).toEqual(["found a", "answer to ok?: yes", "found b"]);
    expect(runs).toEqual({ "lookup:a": 1, "lookup:b": 1, "ask:ok?": 2 });
  });

  it("without durable mode, siblings run again on resume (as with ToolNode): the count above is meaningful", async () => {
    const { runs, tools } = countingTools();
    const graph = toolsGraph(new SafeToolNode(tools, { durable: false }));
    const config = { configurable: { thread_id: "not-durable" } };
    const ai = aiWith([call("lookup", { q: "a" }, "c1"), call("ask", { question: "ok?" }, "c2")]);
    await graph.invoke({ messages: historyWith(ai) }, config);
    await graph.invoke(new Command({ resume: "yes" }), config);
    expect(runs["lookup:a"]).toBe(2);
  });

  it("surfaces every interrupt of a batch at once, and routes each resume value to its own call", async () => {
    const { runs, tools } = countingTools();
    const graph = toolsGraph(new SafeToolNode(tools));
    const config = { configurable: { thread_id: "many" } };
    const ai = aiWith([
      call("ask", { question: "colour?" }, "c1"),
      call("lookup", { q: "z" }, "c2"),
      call("ask", { question: "size?" }, "c3"),
    ]);
    const first = (await graph.invoke({ messages: historyWith(ai) }, config)) as Interrupts;
    expect(first.__interrupt__!.map((i) => i.value)).toEqual([{ question: "colour?" }, { question: "size?" }]);
    const resume = Object.fromEntries(
      first.__interrupt__!.map((i) => [i.id, (i.value as { question: string }).question === "colour?" ? "red" : "XL"]),
    );
    const done = await graph.invoke(new Command({ resume }), config);
    await expectValidHistory(done.messages);
    expect(results(done.messages).map((r) => r.content)).toEqual([
      "answer to colour?: red",
      "found z",
      "answer to size?: XL",
    ]);
    expect(runs["lookup:z"]).toBe(1);
  });
});

describe("approval before a call runs (requireApproval)", () => {
  const calls = () => [
    call("send_email", { to: "ana@example.test" }, "c1"),
    call("delete_file", { path: "/tmp/x" }, "c2"),
    call("lookup", { q: "weather" }, "c3"),
  ];

  async function approveThenResume(
    options: SafeToolNodeOptions,
    decide: (request: ApprovalRequest) => unknown,
    threadId: string,
  ) {
    const { runs, tools } = countingTools();
    const graph = toolsGraph(new SafeToolNode(tools, options));
    const config = { configurable: { thread_id: threadId } };
    const ai = aiWith(calls());
    const first = (await graph.invoke({ messages: historyWith(ai) }, config)) as Interrupts;
    const requests = first.__interrupt__!.map((i) => i.value as ApprovalRequest);
    const done = await graph.invoke(
      new Command({
        resume: Object.fromEntries(first.__interrupt__!.map((i) => [i.id, decide(i.value as ApprovalRequest)])),
      }),
      config,
    );
    await expectValidHistory(done.messages);
    return { runs, requests, done: done.messages as BaseMessage[], ai };
  }

  it("asks for each listed call, runs the approved ones once, and answers a rejection with the reason", async () => {
    const { runs, requests, done, ai } = await approveThenResume(
      { requireApproval: ["send_email", "delete_file"] },
      (r) => (r.toolCall.name === "send_email" ? { type: "approve" } : { type: "reject", message: "keep that file" }),
      "approve-1",
    );
    expect(requests).toEqual([
      {
        type: "tool_approval",
        toolCall: { id: "c1", name: "send_email", args: { to: "ana@example.test" } },
        idempotencyKey: `approve-1:${ai.id}:c1`,
      },
      {
        type: "tool_approval",
        toolCall: { id: "c2", name: "delete_file", args: { path: "/tmp/x" } },
        idempotencyKey: `approve-1:${ai.id}:c2`,
      },
    ]);
    expect(runs).toEqual({ "send_email:ana@example.test": 1, "lookup:weather": 1 });
    expect(results(done).map((r) => [r.tool_call_id, r.status, r.content])).toEqual([
      ["c1", "success", "sent to ana@example.test"],
      [
        "c2",
        "error",
        'Error: the user rejected this call to "delete_file": keep that file. Do not call it again unless the user asks for it.',
      ],
      ["c3", "success", "found weather"],
    ]);
  });

  it("runs a call with edited arguments, and treats an answer it cannot read as a rejection", async () => {
    const { runs, done } = await approveThenResume(
      { requireApproval: (c) => c.name !== "lookup" },
      (r) => (r.toolCall.name === "send_email" ? { type: "edit", args: { to: "bob@example.test" } } : 42),
      "approve-2",
    );
    expect(runs).toEqual({ "send_email:bob@example.test": 1, "lookup:weather": 1 });
    expect(results(done)[1]!.content).toMatch(
      /rejected this call to "delete_file": the answer to the approval request was not understood/,
    );
  });
});

describe("approval answers in every form a human interface may send", () => {
  /** Asks about every call (one per path), answers each with `decisions[path]`, and returns each call's result. */
  async function decideEach(decisions: Record<string, unknown>, threadId: string) {
    const { runs, tools } = countingTools();
    const graph = toolsGraph(new SafeToolNode(tools, { requireApproval: ["delete_file"] }));
    const config = { configurable: { thread_id: threadId } };
    const paths = Object.keys(decisions);
    const ai = aiWith(paths.map((path, k) => call("delete_file", { path }, `c${k}`)));
    const first = (await graph.invoke({ messages: historyWith(ai) }, config)) as Interrupts;
    expect(first.__interrupt__).toHaveLength(paths.length);
    const resume = Object.fromEntries(
      first.__interrupt__!.map((i) => {
        const path = (i.value as ApprovalRequest).toolCall.args.path as string;
        return [i.id, decisions[path]];
      }),
    );
    const done = await graph.invoke(new Command({ resume }), config);
    await expectValidHistory(done.messages);
    return { runs, answers: results(done.messages).map((r) => r.content) };
  }

  const rejected = (reason = "") =>
    `Error: the user rejected this call to "delete_file"${reason}. Do not call it again unless the user asks for it.`;
  const notUnderstood = rejected(": the answer to the approval request was not understood");

  it("takes a bare string for approve and reject, and a rejection's message only when it is text", async () => {
    const { runs, answers } = await decideEach(
      {
        "/a": "approve",
        "/b": "reject",
        "/c": { type: "reject", message: 42 },
        "/d": { type: "reject", message: "not that one" },
      },
      "answers-1",
    );
    expect(runs).toEqual({ "delete:/a": 1 });
    expect(answers).toEqual(["deleted /a", rejected(), rejected(), rejected(": not that one")]);
  });

  it("runs edited arguments only from an edit whose args are an object, and reads no answer from null", async () => {
    const { runs, answers } = await decideEach(
      {
        "/a": { type: "edit", args: { path: "/a-edited" } },
        "/b": { type: "reject", args: { path: "/b-edited" } },
        "/c": { type: "edit", args: "/c-edited" },
        "/d": { type: "edit", args: null },
        "/e": null,
      },
      "answers-2",
    );
    expect(runs).toEqual({ "delete:/a-edited": 1 });
    expect(answers).toEqual(["deleted /a-edited", rejected(), notUnderstood, notUnderstood, notUnderstood]);
  });

  it("asks the human when the requireApproval function throws", async () => {
    const { runs, tools } = countingTools();
    const requireApproval = (): boolean => {
      throw new Error("policy service down");
    };
    const graph = toolsGraph(new SafeToolNode(tools, { requireApproval }));
    const ai = aiWith([call("lookup", { q: "x" }, "c1")]);
    const first = (await graph.invoke(
      { messages: historyWith(ai) },
      { configurable: { thread_id: "asks-1" } },
    )) as Interrupts;
    expect(first.__interrupt__!.map((i) => (i.value as ApprovalRequest).toolCall)).toEqual([
      { id: "c1", name: "lookup", args: { q: "x" } },
    ]);
    expect(runs).toEqual({});
  });
});

describe("idempotency key", () => {
  it("is <thread>:<AIMessage id>:<call id>, the same on every attempt", async () => {
    const keys: string[] = [];
    const pay = tool(
      async (_args, runtime: ToolRuntime) => {
        keys.push((runtime as SafeToolRuntime).idempotencyKey);
        interrupt("confirm payment?");
        return "paid";
      },
      { name: "pay", description: "Pay.", schema: z.object({}) },
    );
    const graph = toolsGraph(new SafeToolNode([pay]));
    const config = { configurable: { thread_id: "idem" } };
    const ai = aiWith([call("pay", {}, "call_pay")]);
    await graph.invoke({ messages: historyWith(ai) }, config);
    await graph.invoke(new Command({ resume: true }), config);
    expect(keys).toEqual([`idem:${ai.id}:call_pay`, `idem:${ai.id}:call_pay`]);
  });

  it("says no-thread and no-message when the run has no thread and the AIMessage no id", async () => {
    const keys: string[] = [];
    const pay = tool(
      async (_args, runtime: ToolRuntime) => (keys.push((runtime as SafeToolRuntime).idempotencyKey), "paid"),
      {
        name: "pay",
        description: "Pay.",
        schema: z.object({}),
      },
    );
    const ai = new AIMessage({ content: "", tool_calls: [call("pay", {}, "call_pay")] });
    await new SafeToolNode([pay]).invoke({ messages: [new HumanMessage("pay it"), ai] });
    expect(keys).toEqual(["no-thread:no-message:call_pay"]);
  });
});

describe("durable mode keeps the rest of the behaviour", () => {
  it("shows each tool run in streamEvents, and answers failures", async () => {
    const broken = tool(
      async (): Promise<string> => {
        throw new Error("nope");
      },
      { name: "broken", description: "b", schema: z.object({}) },
    );
    const { tools } = countingTools();
    const graph = toolsGraph(new SafeToolNode([...tools, broken]));
    const events: [string, string][] = [];
    const input = { messages: historyWith(aiWith([call("lookup", { q: "e" }, "c1"), call("broken", {}, "c2")])) };
    for await (const event of graph.streamEvents(input, { version: "v2", configurable: { thread_id: "events" } })) {
      if (event.event.startsWith("on_tool_")) events.push([event.event, event.name]);
    }
    expect(events).toEqual(
      expect.arrayContaining([
        ["on_tool_start", "lookup"],
        ["on_tool_end", "lookup"],
        ["on_tool_start", "broken"],
        ["on_tool_error", "broken"],
      ]),
    );
    const state = await graph.getState({ configurable: { thread_id: "events" } });
    await expectValidHistory(state.values.messages);
  });
});

describe("durable mode with Command results", () => {
  it("saves and replays a Command result across an interrupt of a sibling", async () => {
    let saves = 0;
    const remember = tool(
      async (_a, rt: ToolRuntime) => {
        saves += 1;
        return new Command({
          update: { messages: [new ToolMessage({ content: "remembered", tool_call_id: rt.toolCallId })] },
        });
      },
      { name: "remember", description: "r", schema: z.object({}) },
    );
    const { tools } = countingTools();
    const graph = toolsGraph(new SafeToolNode([...tools, remember]));
    const config = { configurable: { thread_id: "cmd" } };
    const ai = aiWith([call("remember", {}, "c1"), call("ask", { question: "go?" }, "c2")]);
    await graph.invoke({ messages: historyWith(ai) }, config);
    const done = await graph.invoke(new Command({ resume: "go" }), config);
    await expectValidHistory(done.messages);
    expect(results(done.messages).map((r) => r.content)).toEqual(["remembered", "answer to go?: go"]);
    expect(saves).toBe(1);
  });
});

describe("the journal: durable mode without a task per call", () => {
  it("journals a batch in a few tasks, not one per call, and still runs no finished sibling again", async () => {
    const { runs, tools } = countingTools();
    const saver = new MemorySaver();
    const graph = toolsGraph(new SafeToolNode(tools), saver);
    const config = { configurable: { thread_id: "journal-few" } };
    const calls = Array.from({ length: 30 }, (_, i) => call("lookup", { q: `q${i}` }, `c${i}`));
    const ai = aiWith([...calls.slice(0, 15), call("ask", { question: "ok?" }, "ask"), ...calls.slice(15)]);
    await graph.invoke({ messages: historyWith(ai) }, config);
    const tuple = await saver.getTuple(config);
    const taskWrites = (tuple?.pendingWrites ?? []).filter(([, channel]) => channel === "__return__");
    expect(taskWrites.length).toBeLessThan(10);
    const done = await graph.invoke(new Command({ resume: "yes" }), config);
    await expectValidHistory(done.messages);
    expect(results(done.messages)).toHaveLength(31);
    for (let i = 0; i < 30; i++) expect(runs[`lookup:q${i}`]).toBe(1);
    expect(runs["ask:ok?"]).toBe(2);
  });

  it("resumes a tool that interrupts twice, one resume value each, its siblings run once", async () => {
    let lookups = 0;
    const twice = tool(async () => `first ${String(interrupt("first?"))}, second ${String(interrupt("second?"))}`, {
      name: "twice",
      description: "Asks twice.",
      schema: z.object({}),
    });
    const lookup = tool(async () => `lookup ${++lookups}`, { name: "lookup", description: "l", schema: z.object({}) });
    const graph = toolsGraph(new SafeToolNode([twice, lookup]));
    const config = { configurable: { thread_id: "journal-twice" } };
    const ai = aiWith([call("lookup", {}, "c1"), call("twice", {}, "c2"), call("lookup", {}, "c3")]);
    const first = (await graph.invoke({ messages: historyWith(ai) }, config)) as Interrupts;
    expect(first.__interrupt__?.map((i) => i.value)).toEqual(["first?"]);
    const second = (await graph.invoke(new Command({ resume: "A" }), config)) as Interrupts;
    expect(second.__interrupt__?.map((i) => i.value)).toEqual(["second?"]);
    const done = await graph.invoke(new Command({ resume: "B" }), config);
    await expectValidHistory(done.messages);
    expect(results(done.messages).map((r) => r.content)).toEqual(["lookup 1", "first A, second B", "lookup 2"]);
    expect(lookups).toBe(2);
  });

  it("works inside a subgraph: the journal is read from the subgraph's own step", async () => {
    const { runs, tools } = countingTools();
    const inner = new StateGraph(MessagesAnnotation)
      .addNode("tools", new SafeToolNode(tools))
      .addEdge(START, "tools")
      .compile();
    const outer = new StateGraph(MessagesAnnotation)
      .addNode("team", inner)
      .addEdge(START, "team")
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "journal-subgraph" } };
    const ai = aiWith([
      call("lookup", { q: "a" }, "c1"),
      call("ask", { question: "ok?" }, "c2"),
      call("lookup", { q: "b" }, "c3"),
    ]);
    const first = (await outer.invoke({ messages: historyWith(ai) }, config)) as Interrupts;
    // (LangGraph lists a subgraph's interrupt once per graph level, under one id: with ToolNode too.)
    expect(new Set(first.__interrupt__?.map((i) => i.id)).size).toBe(1);
    const done = await outer.invoke(new Command({ resume: "yes" }), config);
    await expectValidHistory(done.messages);
    expect(results(done.messages).map((r) => r.content)).toEqual(["found a", "answer to ok?: yes", "found b"]);
    expect(runs).toEqual({ "lookup:a": 1, "lookup:b": 1, "ask:ok?": 2 });
  });
});

describe("the journal: a tool whose one throw holds several interrupts (a graph it runs, with parallel interrupting nodes)", () => {
  it("surfaces both interrupts, resumes them, and runs its siblings once", async () => {
    let subRuns = 0;
    let plainRuns = 0;
    const Out = Annotation.Root({ out: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }) });
    let preRuns = 0;
    const nested = new StateGraph(Out)
      .addNode("pre", async () => (preRuns++, { out: [] }))
      .addNode("x", async () => ({ out: [`x=${String(interrupt("x?"))}`] }))
      .addNode("y", async () => ({ out: [`y=${String(interrupt("y?"))}`] }))
      .addEdge(START, "pre")
      .addEdge("pre", "x")
      .addEdge("pre", "y")
      .compile();
    const sub = tool(
      async (_args, runtime: ToolRuntime) => {
        subRuns++;
        const { out } = await nested.invoke({ out: [] }, runtime.config);
        return [...out].sort().join(",");
      },
      { name: "sub", description: "Runs a graph.", schema: z.object({}) },
    );
    const plain = tool(async () => `plain ${++plainRuns}`, { name: "plain", description: "p", schema: z.object({}) });
    const graph = toolsGraph(new SafeToolNode([plain, sub]));
    const config = { configurable: { thread_id: "journal-nested" } };
    const first = (await graph.invoke(
      { messages: historyWith(aiWith([call("plain", {}, "c1"), call("sub", {}, "c2")])) },
      config,
    )) as Interrupts;
    const pending = first.__interrupt__ ?? [];
    expect(pending.map((i) => i.value).sort()).toEqual(["x?", "y?"]);
    // The tool runs a graph: the first time the node sees it, its direct run stops at the graph's start
    // and it runs again as its own task - the code before that point twice, the graph once.
    expect(subRuns).toBe(2);
    expect(preRuns).toBe(1);
    const resume = Object.fromEntries(pending.map((i) => [i.id, i.value === "x?" ? "1" : "2"]));
    const done = await graph.invoke(new Command({ resume }), config);
    await expectValidHistory(done.messages);
    expect(results(done.messages).map((r) => r.content)).toEqual(["plain 1", "x=1,y=2"]);
    expect(plainRuns).toBe(1);
    expect(preRuns).toBe(1);
  });
});

describe("the journal beside tools that use LangGraph themselves (found by an outside check)", () => {
  it("sends each resume value to the call that asked, when a sibling tool calls task() in the node", async () => {
    const fetchPage = task("fetch_page", async (url: string) => `page ${url}`);
    const research = tool(async () => `summary of ${await fetchPage("a.com")} and ${await fetchPage("b.com")}`, {
      name: "research",
      description: "r",
      schema: z.object({}),
    });
    const transfer = tool(
      async ({ to, amount }) => `${to} ${amount}: ${String(interrupt(`transfer ${amount} to ${to}?`))}`,
      { name: "transfer", description: "t", schema: z.object({ to: z.string(), amount: z.number() }) },
    );
    const graph = toolsGraph(new SafeToolNode([research, transfer]));
    const config = { configurable: { thread_id: "journal-foreign-tasks" } };
    const first = (await graph.invoke(
      {
        messages: historyWith(
          aiWith([
            call("research", {}, "c_research"),
            call("transfer", { to: "alice", amount: 10 }, "c_alice"),
            call("transfer", { to: "mallory", amount: 5000 }, "c_mallory"),
          ]),
        ),
      },
      config,
    )) as Interrupts;
    const answers: Record<string, string> = {
      "transfer 10 to alice?": "APPROVED",
      "transfer 5000 to mallory?": "REJECTED",
    };
    const resume = Object.fromEntries((first.__interrupt__ ?? []).map((i) => [i.id, answers[String(i.value)]]));
    expect(Object.keys(resume)).toHaveLength(2);
    const done = await graph.invoke(new Command({ resume }), config);
    await expectValidHistory(done.messages);
    expect(results(done.messages).map((r) => [r.tool_call_id, r.content])).toEqual([
      ["c_research", "summary of page a.com and page b.com"],
      ["c_alice", "alice 10: APPROVED"],
      ["c_mallory", "mallory 5000: REJECTED"],
    ]);
  });

  it("asks once and runs the inner steps once when a tool runs an agent graph that interrupts", async () => {
    const runs: string[] = [];
    const inner = new StateGraph(MessagesAnnotation)
      .addNode("research", async () => (runs.push("research"), { messages: [] }))
      .addNode("ask", async () => (runs.push("ask"), { messages: [new HumanMessage(String(interrupt("approve?")))] }))
      .addEdge(START, "research")
      .addEdge("research", "ask")
      .compile();
    const delegate = tool(
      async (_args, runtime: ToolRuntime) => {
        runs.push("delegate");
        const { messages } = await inner.invoke({ messages: [] }, runtime.config);
        return `the human said ${String(messages.at(-1)?.content)}`;
      },
      { name: "delegate", description: "d", schema: z.object({}) },
    );
    const fast = tool(async () => (runs.push("fast"), "fast"), {
      name: "fast",
      description: "f",
      schema: z.object({}),
    });
    const graph = toolsGraph(new SafeToolNode([fast, delegate]));
    const config = { configurable: { thread_id: "journal-sub-agent" } };
    const first = (await graph.invoke(
      { messages: historyWith(aiWith([call("fast", {}, "c1"), call("delegate", {}, "c2")])) },
      config,
    )) as Interrupts;
    expect(first.__interrupt__?.map((i) => i.value)).toEqual(["approve?"]);
    const done = (await graph.invoke(
      new Command({ resume: { [first.__interrupt__![0]!.id]: "yes" } }),
      config,
    )) as Interrupts & { messages: BaseMessage[] };
    expect(done.__interrupt__).toBeUndefined();
    await expectValidHistory(done.messages);
    expect(results(done.messages).map((r) => r.content)).toEqual(["fast", "the human said yes"]);
    expect(runs.filter((r) => r === "research")).toHaveLength(1);
    expect(runs.filter((r) => r === "fast")).toHaveLength(1);
  });

  it("runs the interrupted calls side by side on resume (each waits for all the others), quietly", async () => {
    const K = 8;
    let arrived = 0;
    let release!: () => void;
    const all = new Promise<void>((resolve) => (release = resolve));
    const ask = tool(
      async ({ k }) => {
        const answer = String(interrupt(`q${k}`));
        if (++arrived === K) release();
        await all; // never resolves if the calls ran one after another
        return `${k}: ${answer}`;
      },
      { name: "ask", description: "a", schema: z.object({ k: z.number() }) },
    );
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const graph = toolsGraph(new SafeToolNode([ask]));
      const config = { configurable: { thread_id: "journal-parallel-resume" } };
      const calls = Array.from({ length: K }, (_, k) => call("ask", { k }, `c${k}`));
      const first = (await graph.invoke({ messages: historyWith(aiWith(calls)) }, config)) as Interrupts;
      expect(first.__interrupt__).toHaveLength(K);
      const resume = Object.fromEntries(first.__interrupt__!.map((i) => [i.id, `yes ${String(i.value)}`]));
      const done = await graph.invoke(new Command({ resume }), config);
      await expectValidHistory(done.messages);
      expect(results(done.messages).map((r) => r.content)).toEqual(calls.map((_, k) => `${k}: yes q${k}`));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => w === "MaxListenersExceededWarning")).toEqual([]);
  }, 15_000);

  it("reports call_finished once per call: results read back on resume are not reported again", async () => {
    const { tools } = countingTools();
    const graph = toolsGraph(new SafeToolNode(tools));
    const config = { configurable: { thread_id: "journal-custom-events" } };
    const finished: string[] = [];
    const collect = async (stream: AsyncIterable<unknown>) => {
      for await (const chunk of stream) {
        const [mode, data] = chunk as [string, { type?: string; toolCallId?: string }];
        if (mode === "custom" && data.type === "safe_tool_node.call_finished") finished.push(data.toolCallId!);
      }
    };
    const turn = aiWith([
      call("lookup", { q: "a" }, "c1"),
      call("ask", { question: "ok?" }, "c2"),
      call("lookup", { q: "b" }, "c3"),
    ]);
    await collect(await graph.stream({ messages: historyWith(turn) }, { ...config, streamMode: ["custom"] }));
    const state = await graph.getState(config);
    const id = (state.tasks.flatMap((t) => t.interrupts) as { id: string }[])[0]!.id;
    await collect(await graph.stream(new Command({ resume: { [id]: "yes" } }), { ...config, streamMode: ["custom"] }));
    expect([...finished].sort()).toEqual(["c1", "c2", "c3"]);
  });
});

describe("tools that use LangGraph from inside run as their own tasks (found by a second outside check)", () => {
  it("gives each of two calls sharing an interrupting task() its own answer, and runs finished work once", async () => {
    const runs: Record<string, number> = {};
    const count = (k: string) => (runs[k] = (runs[k] ?? 0) + 1);
    const ask = task("ask", async (question: string) => `answer to <${String(interrupt(question))}>`);
    const asker = tool(async ({ who }) => (count(`asker:${who}`), `${who} got ${await ask(`question for ${who}`)}`), {
      name: "asker",
      description: "a",
      schema: z.object({ who: z.string() }),
    });
    const plain = tool(async () => (count("plain"), "plain"), {
      name: "plain",
      description: "p",
      schema: z.object({}),
    });
    const graph = toolsGraph(new SafeToolNode([asker, plain]));
    const config = { configurable: { thread_id: "shared-inner-task" } };
    const first = (await graph.invoke(
      {
        messages: historyWith(
          aiWith([call("asker", { who: "A" }, "ca"), call("plain", {}, "cb"), call("asker", { who: "C" }, "cc")]),
        ),
      },
      config,
    )) as Interrupts;
    const resume = Object.fromEntries((first.__interrupt__ ?? []).map((i) => [i.id, String(i.value)]));
    expect(Object.values(resume).sort()).toEqual(["question for A", "question for C"]);
    const done = await graph.invoke(new Command({ resume }), config);
    await expectValidHistory(done.messages);
    expect(results(done.messages).map((r) => r.content)).toEqual([
      "A got answer to <question for A>",
      "plain",
      "C got answer to <question for C>",
    ]);
    expect(runs.plain).toBe(1);
  });

  it("keeps each call's subgraph checkpoints its own when two tools run the same interrupting graph, answered one at a time", async () => {
    let preRuns = 0;
    const sub = new StateGraph(MessagesAnnotation)
      .addNode("pre", async () => (preRuns++, { messages: [] }))
      .addNode("ask", async () => ({ messages: [new HumanMessage(String(interrupt("q")))] }))
      .addEdge(START, "pre")
      .addEdge("pre", "ask")
      .compile();
    const runSub = tool(
      async ({ who }, runtime: ToolRuntime) => {
        const { messages } = await sub.invoke({ messages: [] }, runtime.config);
        return `${who}:${String(messages.at(-1)?.content)}`;
      },
      { name: "run_sub", description: "s", schema: z.object({ who: z.string() }) },
    );
    const graph = toolsGraph(new SafeToolNode([runSub]));
    const config = { configurable: { thread_id: "same-subgraph-twice" } };
    const first = (await graph.invoke(
      { messages: historyWith(aiWith([call("run_sub", { who: "A" }, "cA"), call("run_sub", { who: "C" }, "cC")])) },
      config,
    )) as Interrupts;
    expect(first.__interrupt__).toHaveLength(2);
    // Answer one, then the other: each answer stays with the call whose graph asked.
    const [one, two] = first.__interrupt__!;
    const mid = (await graph.invoke(new Command({ resume: { [one!.id]: "first answer" } }), config)) as Interrupts;
    expect(mid.__interrupt__?.map((i) => i.id)).toEqual([two!.id]);
    const done = await graph.invoke(new Command({ resume: { [two!.id]: "second answer" } }), config);
    await expectValidHistory(done.messages);
    const contents = results(done.messages).map((r) => String(r.content));
    // One answer each (before the fix, the second call read the first call's finished graph).
    expect(contents.map((c) => c.split(":")[0])).toEqual(["A", "C"]);
    expect(contents.map((c) => c.split(":")[1]).sort()).toEqual(["first answer", "second answer"]);
    expect(preRuns).toBe(2);
  });
});
