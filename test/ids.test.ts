import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { ToolCall } from "@langchain/core/messages/tool";
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
import { createAgent } from "langchain";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ScriptedChatModel } from "../src/testing.js";
import {
  SafeToolNode,
  repairToolResults,
  safePostModelHook,
  safeToolsFanOut,
  validateToolResults,
} from "../src/index.js";
import { safeToolMiddleware } from "../src/middleware.js";
import { ownSendRouter, runScript, runWithInPlaceEdit, WIRINGS } from "./helpers/agent-graphs.js";
import {
  aiWith,
  anthropicStyleAI,
  call,
  historyWith,
  invalidCall,
  openAIStyleAI,
  responsesStyleAI,
  weather,
} from "./helpers/fixtures.js";
import {
  applyOutput,
  expectValidAfter,
  expectValidHistory,
  invariantProblems,
  messageWrites,
} from "./helpers/invariant.js";
import { sendThroughProviders, type Provider } from "./helpers/wire.js";

const ID = /^[a-zA-Z0-9_-]{1,40}$/;
const lookup = tool(async ({ q }) => `found ${q}`, {
  name: "lookup",
  description: "Look up.",
  schema: z.object({ q: z.string() }),
});
const results = (messages: readonly BaseMessage[]) =>
  messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
const callIds = (messages: readonly BaseMessage[]) =>
  messages.flatMap((m) => (AIMessage.isInstance(m) ? (m.tool_calls ?? []).map((c) => c.id!) : []));

/** A model that gives every turn's calls the same ids, as some OpenAI-compatible servers and Kimi K2 do. */
function repeatingTurns(ids: readonly string[], turns: number): AIMessage[] {
  return Array.from({ length: turns }, (_, t) => aiWith(ids.map((id, k) => call("lookup", { q: `${t}-${k}` }, id))));
}

describe("ids valid for every provider at once, across the whole request", () => {
  it.each(WIRINGS)(
    "gives a model that repeats call_0 / functions.read:0 every turn fresh ids each turn (%s)",
    async (wiring) => {
      for (const checkpointer of [false, true]) {
        const messages = await runScript(
          repeatingTurns(["call_0", "functions.read:0"], 3),
          new SafeToolNode([lookup]),
          wiring,
          { checkpointer },
        );
        // every provider accepts it, Anthropic's request-wide uniqueness rule included
        await expectValidHistory(messages);
        expect(validateToolResults(messages)).toEqual([]);
        const ids = callIds(messages);
        expect(ids).toHaveLength(6);
        expect(new Set(ids).size).toBe(6);
        expect(ids[0]).toBe("call_0"); // the first use of an id stays
        expect(results(messages).map((r) => r.content)).toEqual([
          "found 0-0",
          "found 0-1",
          "found 1-0",
          "found 1-1",
          "found 2-0",
          "found 2-1",
        ]);
      }
    },
  );

  it("renames a Responses-style fc_ id of 53 characters, which Chat Completions rejects", async () => {
    const long = `fc_${"0123456789abcdef".repeat(3)}ab`;
    expect(long).toHaveLength(53);
    for (const make of [aiWith, openAIStyleAI, responsesStyleAI, anthropicStyleAI]) {
      const history = historyWith(make([call("lookup", { q: "a" }, long), call("lookup", { q: "b" }, "call_ok")]));
      const after = await expectValidAfter(history, await new SafeToolNode([lookup]).invoke({ messages: history }));
      const ids = callIds(after);
      expect(ids[0]).toMatch(ID);
      expect(ids[1]).toBe("call_ok");
      expect(results(after).map((r) => r.tool_call_id)).toEqual(ids);
    }
  });

  it("renames an id an earlier turn used, also when that turn came from another provider, and re-addresses a result already given to it", async () => {
    const earlier = openAIStyleAI([call("lookup", { q: "old" }, "call_abc")]);
    const before: BaseMessage[] = [
      new HumanMessage({ content: "first", id: "h1" }),
      earlier,
      new ToolMessage({ content: "found old", tool_call_id: "call_abc", name: "lookup", id: "t1" }),
    ];
    const turn = anthropicStyleAI([
      call("lookup", { q: "new" }, "call_abc"),
      call("lookup", { q: "other" }, "call_def"),
    ]);
    // the first result arrived already (under the reused id), before the node ran
    const history = [
      ...historyWith(turn, before),
      new ToolMessage({ content: "found new", tool_call_id: "call_abc", name: "lookup", id: "t2" }),
    ];
    const after = await expectValidAfter(history, await new SafeToolNode([lookup]).invoke({ messages: history }));
    const ids = callIds(after);
    expect(ids[0]).toBe("call_abc");
    expect(ids[1]).not.toBe("call_abc");
    expect(ids[1]).toMatch(ID);
    expect(results(after).map((r) => r.content)).toEqual(["found old", "found new", "found other"]);
  });

  it("makes the same ids for the same history, so a re-run, the router and the node agree, and a second run changes nothing", async () => {
    const history = () =>
      historyWith(aiWith([call("lookup", { q: "a" }, "call_0"), call("lookup", { q: "b" })], [], { id: "ai-same" }), [
        new HumanMessage({ content: "earlier", id: "h-earlier" }),
        aiWith([call("lookup", { q: "x" }, "call_0")], [], { id: "ai-earlier" }),
        new ToolMessage({ content: "found x", tool_call_id: "call_0", name: "lookup", id: "t-earlier" }),
      ]);
    const node = new SafeToolNode([lookup]);
    const first = applyOutput(history(), await node.invoke({ messages: history() }));
    const second = applyOutput(history(), await node.invoke({ messages: history() }));
    expect(callIds(second)).toEqual(callIds(first));
    // Pinned: made ids are derived from the history alone, so a thread resumed by a later release
    // (after a crash mid-turn) makes the same ones; a change here breaks such threads.
    expect(callIds(first)).toEqual(["call_0", "call_1aa0vg1_0", "call_ja98sd_1"]);
    const sends = safeToolsFanOut()({ messages: history() }) as { args: { lg_tool_call: { id: string } } }[];
    expect(sends.map((s) => s.args.lg_tool_call.id)).toEqual(callIds(first).slice(1));
    const again = applyOutput(first, await node.invoke({ messages: first }));
    expect(again).toEqual(first);
  });

  it("plans an AIMessage again in every history it stands in: the same object after an earlier turn that took its id gets a new one", async () => {
    const node = new SafeToolNode([lookup]);
    // one response object replayed into branches of a conversation
    const turn = aiWith([call("lookup", { q: "a" }, "call_0")]);
    const fresh = [new HumanMessage({ content: "first", id: "h-fresh" }), turn];
    const earlier = aiWith([call("lookup", { q: "x" }, "call_0")], [], { content: "earlier" });
    const branches = {
      "as long": [earlier, turn],
      longer: [
        new HumanMessage({ content: "first", id: "h-long" }),
        earlier,
        new ToolMessage({ content: "found x", tool_call_id: "call_0", name: "lookup", id: "t-long" }),
        turn,
      ],
    };
    for (const [label, branch] of Object.entries(branches)) {
      const first = await expectValidAfter(fresh, await node.invoke({ messages: fresh }));
      expect(callIds(first), label).toEqual(["call_0"]);
      const second = applyOutput(branch, await node.invoke({ messages: branch }));
      const [earlierId, renamed] = callIds(second);
      expect(earlierId, label).toBe("call_0");
      expect(renamed, label).not.toBe("call_0");
      expect(renamed, label).toMatch(ID);
      expect(results(second).at(-1)!.tool_call_id, label).toBe(renamed);
    }
    // a list of one's own in which a mock model's one response object comes back on the next turn
    const answered = [...fresh, ...results(applyOutput(fresh, await node.invoke({ messages: fresh })))];
    const again = [...answered, new HumanMessage({ content: "again", id: "h-again" }), turn];
    const written = results(messageWrites(await node.invoke({ messages: again })));
    expect(written.map((r) => r.tool_call_id)).toEqual([expect.stringMatching(ID)]);
    expect(written[0]!.tool_call_id).not.toBe("call_0");
  });

  it("makes the ids of calls that came without one from their AIMessage, so two turns on separate histories (a sub-agent's, its parent's) do not share them", async () => {
    const node = new SafeToolNode([lookup]);
    const made = async (ai: AIMessage) => {
      const history = historyWith(ai);
      return callIds(applyOutput(history, await node.invoke({ messages: history })));
    };
    const [inParent] = await made(aiWith([call("lookup", { q: "a" })], [], { id: "parent-turn" }));
    const [inChild] = await made(aiWith([call("lookup", { q: "a" })], [], { id: "child-turn" }));
    expect(inParent).toMatch(ID);
    expect(inChild).toMatch(ID);
    expect(inChild).not.toBe(inParent);
  });

  it("answers a router of one's own with the corrected AIMessage, each renamed call once, and the calls such a router cannot send", async () => {
    const script = [
      aiWith(
        [
          call("lookup", { q: "a" }, "dup"),
          call("lookup", { q: "b" }, "dup"),
          call("nope", {}, `fc_${"x".repeat(50)}`),
        ],
        [invalidCall("lookup", '{"q":', "broken")],
      ),
      aiWith([call("lookup", { q: "c" }, "dup")]),
    ];
    const messages = await runScript(script, new SafeToolNode([lookup]), "own router");
    await expectValidHistory(messages);
    expect(messages.filter((m) => AIMessage.isInstance(m) && m.tool_calls?.length)).toHaveLength(2);
    expect(results(messages).map((r) => r.status)).toEqual(["success", "success", "error", "error", "success"]);
    expect(results(messages)[3]!.content).toMatch(/could not be parsed/);
  });

  it("answers identical twin calls (same id, name and arguments) sent by a router of one's own, each once", async () => {
    const messages = await runScript(
      [
        aiWith([
          call("lookup", { q: "a" }, "twin"),
          call("lookup", { q: "b" }, "other"),
          call("lookup", { q: "a" }, "twin"),
        ]),
      ],
      new SafeToolNode([lookup]),
      "own router",
    );
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.content)).toEqual(["found a", "found b", "found a"]);
    expect(new Set(callIds(messages)).size).toBe(3);
  });

  it("answers identical twins each once when other threads' turns are planned between their Sends (many graphs at once)", async () => {
    const node = new SafeToolNode([lookup]);
    const twins = () => aiWith([call("lookup", { q: "a" }, "twin"), call("lookup", { q: "a" }, "twin")]);
    // more threads than any small cache of plans holds: each thread's first Send, then each one's second
    const threads = Array.from({ length: 40 }, () => historyWith(twins()));
    const order = [...threads.keys(), ...threads.keys()];
    // each Send of a router of one's own carries the same tool_calls entry
    const send = (history: BaseMessage[]) => ({
      messages: [...history],
      lg_tool_call: (history.at(-1) as AIMessage).tool_calls![0]!,
    });
    const outputs = [];
    for (const k of order) outputs.push({ k, out: await node.invoke(send(threads[k]!)) });
    for (const k of threads.keys()) {
      const after = applyOutput(
        threads[k]!,
        outputs.filter((o) => o.k === k).flatMap((o) => messageWrites(o.out)),
      );
      await expectValidHistory(after);
      expect(results(after).map((r) => r.content)).toEqual(["found a", "found a"]);
    }
  });

  it("answers identical twin calls that both pause for input, across the resume, through createReactAgent v2's Sends and a router of one's own", async () => {
    const ask = tool(async ({ q }) => `answer ${String(interrupt(q))}`, {
      name: "ask",
      description: "a",
      schema: z.object({ q: z.string() }),
    });
    const twin = () => call("ask", { q: "same" }, "call_0");
    const react = createReactAgent({
      llm: new ScriptedChatModel([aiWith([twin(), twin()]), new AIMessage({ id: "done", content: "ok" })]),
      tools: new SafeToolNode([ask]),
      version: "v2",
      checkpointer: new MemorySaver(),
    });
    const own = new StateGraph(MessagesAnnotation)
      .addNode("tools", new SafeToolNode([ask]))
      .addConditionalEdges(START, ownSendRouter, ["tools", END])
      .compile({ checkpointer: new MemorySaver() });
    for (const [label, graph, input] of [
      ["createReactAgent", react, { messages: [new HumanMessage({ content: "go", id: "h" })] }],
      ["own router", own, { messages: historyWith(aiWith([twin(), twin()])) }],
    ] as const) {
      const config = { configurable: { thread_id: `twins-${label}` } };
      const first = (await graph.invoke(input as never, config)) as { __interrupt__?: { id: string }[] };
      expect(first.__interrupt__).toHaveLength(2);
      await graph.invoke(
        new Command({ resume: Object.fromEntries(first.__interrupt__!.map((i, k) => [i.id, `v${k}`])) }),
        config,
      );
      const { messages } = (await graph.getState(config)).values as { messages: BaseMessage[] };
      await expectValidHistory(messages);
      expect(
        results(messages)
          .map((r) => r.content)
          .sort(),
      ).toEqual(["answer v0", "answer v1"]);
    }
  });

  it("keeps a router of one's own right across an interrupt and resume, when the Sends come back from the checkpoint", async () => {
    let sideEffects = 0;
    const note = tool(async () => (sideEffects++, "noted"), { name: "note", description: "n", schema: z.object({}) });
    const ask = tool(async () => `answer: ${String(interrupt("ok?"))}`, {
      name: "ask",
      description: "a",
      schema: z.object({}),
    });
    const earlier = aiWith([call("note", {}, "call_0")], [], { id: "ai-1" });
    const turn = aiWith([call("note", {}, "call_0"), call("ask", {}, "call_0")], [], { id: "ai-2" });
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", new SafeToolNode([note, ask]))
      .addConditionalEdges(START, ownSendRouter, ["tools", END])
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "own-router-resume" } };
    const history = [
      new HumanMessage({ content: "a", id: "h1" }),
      earlier,
      new ToolMessage({ content: "noted", tool_call_id: "call_0", name: "note", id: "t1" }),
      new HumanMessage({ content: "b", id: "h2" }),
      turn,
    ];
    const first = (await graph.invoke({ messages: history }, config)) as { __interrupt__?: unknown[] };
    expect(first.__interrupt__).toHaveLength(1);
    const { messages } = await graph.invoke(new Command({ resume: "yes" }), config);
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.content)).toEqual(["noted", "noted", "answer: yes"]);
    expect(sideEffects).toBe(1);
  });

  it("reads the history's ids once per step, however many Sends a router of one's own makes", async () => {
    const reads = async (calls: number) => {
      let touched = 0;
      const counted = aiWith([call("lookup", { q: "old" }, "call_old")]);
      const toolCalls = counted.tool_calls;
      Object.defineProperty(counted, "tool_calls", {
        get: () => (
          touched++,
          process.env.TRACE && console.log(new Error().stack?.split("\n").slice(2, 12).join("\n")),
          toolCalls
        ),
        configurable: true,
      });
      const history = [
        new HumanMessage({ content: "a", id: "h1" }),
        counted,
        new ToolMessage({ content: "found old", tool_call_id: "call_old", name: "lookup", id: "t1" }),
        ...historyWith(aiWith(Array.from({ length: calls }, (_, k) => call("lookup", { q: String(k) }, "call_old")))),
      ];
      const state = { messages: history };
      const sends = ownSendRouter(state) as { args: unknown }[];
      const node = new SafeToolNode([lookup]);
      const outputs = [];
      touched = 0;
      for (const send of sends) outputs.push(await node.invoke(send.args));
      const duringNodeRuns = touched;
      const after = outputs.reduce<BaseMessage[]>((h, out) => applyOutput(h, out), history);
      await expectValidHistory(after);
      return duringNodeRuns;
    };
    const [few, many] = [await reads(2), await reads(20)];
    expect(many).toBe(few);
    expect(few).toBeLessThanOrEqual(2);
  });

  it("holds for a router that skips calls with a ToolMessage anywhere in the history, with safePostModelHook in front, for a model that repeats ids", async () => {
    // createReactAgent v2's rule after a post-model hook: a repeated id looks answered by the earlier turn
    const skipsAnswered = (state: typeof MessagesAnnotation.State) => {
      const last = state.messages.at(-1);
      if (!AIMessage.isInstance(last)) return END;
      const done = new Set(results(state.messages).map((m) => m.tool_call_id));
      const pending = (last.tool_calls ?? []).filter((c) => !done.has(c.id!));
      return pending.length ? pending.map((c) => new Send("tools", { ...state, lg_tool_call: c })) : END;
    };
    for (const second of [
      ["call_0", "call_1"],
      ["call_1", "call_0"],
    ]) {
      const script = [aiWith([call("lookup", { q: "first" }, "call_0")]), ...repeatingTurns(second, 1)];
      let turn = 0;
      const graph = new StateGraph(MessagesAnnotation)
        .addNode("agent", () => ({ messages: [script[turn++] ?? new AIMessage({ id: `end-${turn}`, content: "ok" })] }))
        .addNode("prepare", safePostModelHook())
        .addNode("tools", new SafeToolNode([lookup]))
        .addEdge(START, "agent")
        .addEdge("agent", "prepare")
        .addConditionalEdges("prepare", skipsAnswered, ["tools", END])
        .addEdge("tools", "agent")
        .compile();
      const { messages } = await graph.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
      await expectValidHistory(messages);
      expect(results(messages).map((r) => r.content)).toEqual(["found first", "found 0-0", "found 0-1"]);
    }
  });

  it("holds under createAgent with the middleware, for a model that repeats its ids every turn", async () => {
    const model = new ScriptedChatModel([
      ...repeatingTurns(["call_0"], 3),
      new AIMessage({ id: "final", content: "ok" }),
    ]);
    const agent = createAgent({ model, tools: [lookup], middleware: [safeToolMiddleware()] });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(new Set(callIds(messages)).size).toBe(3);
    expect(results(messages)).toHaveLength(3);
  });

  it("never keeps or makes an id a provider rejects, whatever the model sent", async () => {
    const odd = ["", "has space", "dots.and:colons", "ünïcode", "x".repeat(41), "call_ok"];
    const history = historyWith(aiWith(odd.map((id, k) => call("get_weather", { city: String(k) }, id))));
    const after = await expectValidAfter(history, await new SafeToolNode([weather]).invoke({ messages: history }));
    expect(callIds(after).every((id) => ID.test(id))).toBe(true);
    expect(callIds(after).at(-1)).toBe("call_ok");
  });
});

describe("other nodes that answer calls of the turn", () => {
  /**
   * An agent whose router sends "pay" calls to an approval node that denies
   * them (answering under its Send's id) and the rest to SafeToolNode; with
   * `prepare: "hook"`, safePostModelHook prepares each turn before the router.
   */
  async function runWithApprovals(script: AIMessage[], { prepare }: { prepare: "hook" | "none" }) {
    const ran: string[] = [];
    const echo = tool(async ({ v }) => (ran.push(v), `echo ${v}`), {
      name: "echo",
      description: "d",
      schema: z.object({ v: z.string() }),
    });
    let turn = 0;
    const router = (state: typeof MessagesAnnotation.State) => {
      const last = state.messages.at(-1) as AIMessage;
      if (!last.tool_calls?.length) return END;
      return last.tool_calls.map(
        (c) => new Send(c.name === "pay" ? "approve" : "tools", { ...state, lg_tool_call: c }),
      );
    };
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", () => ({
        messages: [script[turn++] ?? new AIMessage({ id: `final-${turn}`, content: "done" })],
      }))
      .addNode("prepare", prepare === "hook" ? safePostModelHook() : () => ({}))
      .addNode("approve", (state: typeof MessagesAnnotation.State & { lg_tool_call: ToolCall }) => ({
        messages: [
          new ToolMessage({
            tool_call_id: state.lg_tool_call.id!,
            name: "pay",
            content: "denied by a human",
            status: "error",
          }),
        ],
      }))
      .addNode("tools", new SafeToolNode([echo]))
      .addEdge(START, "agent")
      .addEdge("agent", "prepare")
      .addConditionalEdges("prepare", router, ["tools", "approve", END])
      .addEdge("tools", "agent")
      .addEdge("approve", "agent")
      .compile();
    const { messages } = await graph.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    return { messages, ran };
  }

  it("an approval node answering a call under its Send's id, when ids need renaming, keeps the turn valid with safePostModelHook before the router", async () => {
    const { messages, ran } = await runWithApprovals(
      [
        aiWith([call("echo", { v: "1" }, "call_0")], [], { id: "m1" }),
        aiWith([call("pay", { v: "2" }, "call_0"), call("echo", { v: "3" }, "call_1")], [], { id: "m2" }),
      ],
      { prepare: "hook" },
    );
    await expectValidHistory(messages);
    expect(ran).toEqual(["1", "3"]);
    expect(results(messages).map((m) => m.content)).toEqual(["echo 1", "denied by a human", "echo 3"]);
  });

  it("an approval node answering the first call, when a later call's id needs renaming, keeps the turn valid without a hook: the node's Send writes the corrected AIMessage", async () => {
    const { messages, ran } = await runWithApprovals(
      [
        aiWith([call("echo", { v: "1" }, "call_0")], [], { id: "m1" }),
        aiWith([call("pay", { v: "2" }, "call_p"), call("echo", { v: "3" }, "call_0")], [], { id: "m2" }),
      ],
      { prepare: "none" },
    );
    await expectValidHistory(messages);
    expect(ran).toEqual(["1", "3"]);
    expect(results(messages).map((m) => m.content)).toEqual(["echo 1", "denied by a human", "echo 3"]);
  });
});

describe("what other code does to the turn between the router and the node", () => {
  it("plans again when a node between them edits the AIMessage in place (a guard rewriting arguments, a filter dropping a call)", async () => {
    for (const edit of ["rewrite", "filter"] as const) {
      const ran: string[] = [];
      const send = tool(async ({ to }) => (ran.push(to), `sent to ${to}`), {
        name: "send_email",
        description: "s",
        schema: z.object({ to: z.string() }),
      });
      const turn = aiWith([
        call("send_email", { to: "attacker@evil.test" }, "c1"),
        call("send_email", { to: "x@evil.test" }, "c2"),
      ]);
      const messages = await runWithInPlaceEdit(turn, new SafeToolNode([send]), (ai) => {
        ai.tool_calls =
          edit === "rewrite"
            ? ai.tool_calls!.map((c) => ({ ...c, args: { to: "boss@corp.test" } }))
            : ai.tool_calls!.slice(0, 1);
      });
      await expectValidHistory(messages);
      expect(ran).toEqual(edit === "rewrite" ? ["boss@corp.test", "boss@corp.test"] : ["attacker@evil.test"]);
    }
  });

  it("sees edits made inside the AIMessage's objects too: arguments changed in their object, a call renamed, a call's id changed", async () => {
    for (const edit of ["args inside", "name", "id"] as const) {
      const ran: string[] = [];
      const send = tool(async ({ to }) => (ran.push(`send ${to}`), `sent to ${to}`), {
        name: "send_email",
        description: "s",
        schema: z.object({ to: z.string() }),
      });
      const draft = tool(async ({ to }) => (ran.push(`draft ${to}`), `drafted for ${to}`), {
        name: "draft_email",
        description: "d",
        schema: z.object({ to: z.string() }),
      });
      const turn = aiWith([call("send_email", { to: "attacker@evil.test" }, "c1")]);
      const messages = await runWithInPlaceEdit(turn, new SafeToolNode([send, draft]), (ai) => {
        const first = ai.tool_calls![0]!;
        if (edit === "args inside") (first.args as { to: string }).to = "boss@corp.test";
        else if (edit === "name") first.name = "draft_email";
        else first.id = "c1-edited";
      });
      await expectValidHistory(messages);
      expect(ran, edit).toEqual(
        edit === "args inside"
          ? ["send boss@corp.test"]
          : edit === "name"
            ? ["draft attacker@evil.test"]
            : ["send attacker@evil.test"],
      );
      const result = messages.find((m): m is ToolMessage => ToolMessage.isInstance(m))!;
      if (edit === "id") expect(result.tool_call_id).toBe("c1-edited");
    }
  });

  it("sees edits of the calls only the raw form holds: a tool_use block's input redacted, raw calls a filter removed", async () => {
    const blocks = () =>
      new AIMessage({
        id: "blocks-only",
        content: [
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "toolu_1", name: "lookup", input: { q: "bob@example.com" } },
        ],
        tool_calls: [],
      });
    const redacted = await runWithInPlaceEdit(blocks(), new SafeToolNode([lookup]), (ai) => {
      (ai.content as { input?: unknown }[])[1]!.input = { q: "[REDACTED]" };
    });
    await expectValidHistory(redacted);
    const fixed = redacted.find((m) => AIMessage.isInstance(m) && m.id === "blocks-only") as AIMessage;
    expect(fixed.tool_calls!.map((c) => c.args)).toEqual([{ q: "[REDACTED]" }]);

    const raw = new AIMessage({
      id: "raw-only",
      content: "",
      tool_calls: [],
      additional_kwargs: {
        tool_calls: [{ id: "call_r1", type: "function", function: { name: "lookup", arguments: '{"q":"a"}' } }],
      },
    });
    const filtered = await runWithInPlaceEdit(raw, new SafeToolNode([lookup]), (ai) => {
      ai.additional_kwargs.tool_calls!.splice(0);
    });
    await expectValidHistory(filtered);
    // nothing is left to answer: no result, and the call the filter removed is not written back
    expect(results(filtered)).toEqual([]);
    expect(callIds(filtered)).toEqual([]);
  });

  it("sees an invalid call repaired in place (its JSON completed) and a call a guard moved into invalid_tool_calls", async () => {
    const ran: string[] = [];
    const track = tool(async ({ q }) => (ran.push(q), `found ${q}`), {
      name: "lookup",
      description: "Look up.",
      schema: z.object({ q: z.string() }),
    });
    const broken = aiWith([], [invalidCall("lookup", '{"q": "a', "c1")]);
    const repaired = await runWithInPlaceEdit(broken, new SafeToolNode([track]), (ai) => {
      ai.invalid_tool_calls![0]!.args = '{"q": "a"}';
    });
    await expectValidHistory(repaired);
    expect(ran).toEqual(["a"]);
    expect(results(repaired).map((r) => r.content)).toEqual(["found a"]);

    ran.length = 0;
    const turn = aiWith([call("lookup", { q: "b" }, "c1"), call("lookup", { q: "secret" }, "c2")]);
    const moved = await runWithInPlaceEdit(turn, new SafeToolNode([track]), (ai) => {
      // the same call object, refused: out of tool_calls, into invalid_tool_calls with the guard's reason
      const refused = ai.tool_calls![1]!;
      ai.tool_calls = [ai.tool_calls![0]!];
      ai.invalid_tool_calls = [
        Object.assign(refused, { type: "invalid_tool_call", error: "refused by policy" }) as never,
      ];
    });
    await expectValidHistory(moved);
    expect(ran).toEqual(["b"]);
    expect(results(moved).map((r) => r.status)).toEqual(["success", "error"]);
  });

  it("answers a call a router of one's own changed on the way (it added a state value), under the corrected id, with the router's arguments", async () => {
    const lookup = tool(async ({ q, user }) => `found ${q} for ${user}`, {
      name: "lookup",
      description: "l",
      schema: z.object({ q: z.string(), user: z.string().optional() }),
    });
    const long = `fc_${"0123456789abcdef".repeat(3)}ab`;
    const router = (state: typeof MessagesAnnotation.State) => {
      const last = state.messages.at(-1) as AIMessage;
      return last.tool_calls?.length
        ? last.tool_calls.map(
            (c) => new Send("tools", { ...state, lg_tool_call: { ...c, args: { ...c.args, user: "u-42" } } }),
          )
        : END;
    };
    let turn = 0;
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", () => ({
        messages: [
          turn++
            ? new AIMessage({ id: "fin", content: "done" })
            : aiWith([call("lookup", { q: "x" }, long), call("lookup", { q: "y" }, "call_0")]),
        ],
      }))
      .addNode("tools", new SafeToolNode([lookup]))
      .addEdge(START, "agent")
      .addConditionalEdges("agent", router, ["tools", END])
      .addEdge("tools", "agent")
      .compile();
    const { messages } = await graph.invoke({ messages: [new HumanMessage({ content: "go", id: "h" })] });
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.content)).toEqual(["found x for u-42", "found y for u-42"]);
  });

  /** agent -> [guard] -> router -> tools -> agent: the guard may answer calls itself before the router reads the turn. */
  function guardedGraph(
    turn: AIMessage,
    router: (state: typeof MessagesAnnotation.State) => Send[] | typeof END,
    guard?: (ai: AIMessage) => BaseMessage[],
  ) {
    let turns = 0;
    return new StateGraph(MessagesAnnotation)
      .addNode("agent", () => ({ messages: [turns++ ? new AIMessage({ id: `fin${turns}`, content: "done" }) : turn] }))
      .addNode("guard", (state) => {
        const last = state.messages.at(-1);
        return { messages: guard && AIMessage.isInstance(last) && last.tool_calls?.length ? guard(last) : [] };
      })
      .addNode("tools", new SafeToolNode([lookup]))
      .addEdge(START, "agent")
      .addEdge("agent", "guard")
      .addConditionalEdges("guard", router, ["tools", END])
      .addEdge("tools", "agent")
      .compile();
  }
  const blocked = (id: string) =>
    new ToolMessage({ content: `blocked ${id}`, tool_call_id: id, name: "lookup", status: "error" });

  it("answers only what a router that skips answered calls sends, after a guard answered some: each call once, in call order", async () => {
    // as createReactAgent v2 routes after a post-model hook: one Send per call still without a ToolMessage
    const pendingOnly = (state: typeof MessagesAnnotation.State) => {
      const ai = [...state.messages].reverse().find((m) => AIMessage.isInstance(m)) as AIMessage;
      const done = new Set(results(state.messages).map((m) => m.tool_call_id));
      const pending = (ai.tool_calls ?? []).filter((c) => !done.has(c.id!));
      return pending.length ? pending.map((c) => new Send("tools", { ...state, lg_tool_call: c })) : END;
    };
    const turn = () =>
      aiWith([
        call("lookup", { q: "1" }, "c1"),
        call("lookup", { q: "2" }, "c2"),
        call("lookup", { q: "3" }, "c3"),
        call("lookup", { q: "4" }, "call_0"),
      ]);
    for (const answered of [["c1"], ["c2"], ["c3", "c1"], ["c1", "c2", "c3"]]) {
      const { messages } = await guardedGraph(turn(), pendingOnly, () => answered.map(blocked)).invoke({
        messages: [new HumanMessage({ content: "go", id: "h" })],
      });
      await expectValidHistory(messages);
      const expected = ["c1", "c2", "c3", "call_0"].map((id, k) =>
        answered.includes(id) ? `blocked ${id}` : `found ${k + 1}`,
      );
      expect(results(messages).map((r) => r.content)).toEqual(expected);
    }
    // and through createReactAgent itself
    const hook = (state: typeof MessagesAnnotation.State) => {
      const last = state.messages.at(-1);
      return { messages: AIMessage.isInstance(last) && last.tool_calls?.length ? [blocked("c2")] : [] };
    };
    const agent = createReactAgent({
      llm: new ScriptedChatModel([turn()]),
      tools: new SafeToolNode([lookup]),
      postModelHook: hook,
      version: "v2",
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ content: "go", id: "h" })] });
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.content)).toEqual(["found 1", "blocked c2", "found 3", "found 4"]);
  });

  it("answers an invalid call once when a router of one's own sends invalid_tool_calls too", async () => {
    const everything = (state: typeof MessagesAnnotation.State) => {
      const last = state.messages.at(-1) as AIMessage;
      const all = [...(last.tool_calls ?? []), ...(last.invalid_tool_calls ?? [])];
      return all.length ? all.map((c) => new Send("tools", { ...state, lg_tool_call: c })) : END;
    };
    for (const calls of [[call("lookup", { q: "1" }, "c1")], []]) {
      const turn = aiWith(calls, [invalidCall("lookup", '{"q": "2', "c2"), invalidCall("lookup", '{"q": "3', "c3")]);
      const { messages } = await guardedGraph(turn, everything).invoke({
        messages: [new HumanMessage({ content: "go", id: "h" })],
      });
      await expectValidHistory(messages);
      expect(results(messages).map((r) => r.tool_call_id)).toEqual([...calls.map((c) => c.id), "c2", "c3"]);
    }
  });

  it("answers a call whose id a router of one's own filled in or changed, under the id the AIMessage carries", async () => {
    for (const reId of [
      (id: string | undefined, k: number) => id || `gen-${k}`,
      (id: string | undefined) => `x-${id ?? ""}`,
    ]) {
      const router = (state: typeof MessagesAnnotation.State) => {
        const last = state.messages.at(-1) as AIMessage;
        return last.tool_calls?.length
          ? last.tool_calls.map((c, k) => new Send("tools", { ...state, lg_tool_call: { ...c, id: reId(c.id, k) } }))
          : END;
      };
      const turn = aiWith([call("lookup", { q: "1" }, "c1"), { ...call("lookup", { q: "2" }), id: "" }]);
      const { messages } = await guardedGraph(turn, router).invoke({
        messages: [new HumanMessage({ content: "go", id: "h" })],
      });
      await expectValidHistory(messages);
      expect(results(messages).map((r) => r.content)).toEqual(["found 1", "found 2"]);
    }
  });

  it("keeps identical twins in call order when a router of one's own also sends elsewhere before them", async () => {
    const now = tool(async ({ tz }) => `time in ${tz}`, {
      name: "now",
      description: "n",
      schema: z.object({ tz: z.string() }),
    });
    const twin = () => call("now", { tz: "CET" }, "call_0");
    const router = (state: typeof MessagesAnnotation.State) => {
      const last = state.messages.at(-1) as AIMessage;
      return last.tool_calls?.length
        ? [new Send("audit", state), ...last.tool_calls.map((c) => new Send("tools", { ...state, lg_tool_call: c }))]
        : END;
    };
    let turn = 0;
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", () => ({
        messages: [turn++ ? new AIMessage({ id: "fin", content: "done" }) : aiWith([twin(), twin()])],
      }))
      .addNode("audit", () => ({}))
      .addNode("tools", new SafeToolNode([now]))
      .addEdge(START, "agent")
      .addConditionalEdges("agent", router, ["audit", "tools", END])
      .addEdge("tools", "agent")
      .compile();
    const { messages } = await graph.invoke({ messages: [new HumanMessage({ content: "go", id: "h" })] });
    await expectValidHistory(messages);
    expect(results(messages)).toHaveLength(2);
  });
});

describe("ids that earlier turns hold outside tool_calls, where a converter sends them", () => {
  const X = "call_x";
  const blocksTurn = (blocks: object[], toolCalls: ToolCall[]) => {
    const ai = new AIMessage({ id: "earlier", content: [{ type: "text", text: "Checking." }, ...blocks] as never });
    ai.tool_calls = toolCalls; // what a guard that took a call out of tool_calls leaves
    return ai;
  };
  const toolUse = (id: string, city: string) => ({ type: "tool_use", id, name: "get_weather", input: { city } });
  const other = call("get_weather", { city: "o" }, "call_o");
  const responsesTurn = (toolCalls: ToolCall[]) => {
    const reply = responsesStyleAI([other, call("get_weather", { city: "a" }, X)]);
    reply.tool_calls = toolCalls;
    return reply;
  };
  const v1Turn = (block: object) => {
    const ai = new AIMessage({
      id: "earlier",
      content: [{ type: "text", text: "Checking." }, { ...other }, block] as never,
      response_metadata: { output_version: "v1", model_provider: "anthropic" },
    });
    ai.tool_calls = [other];
    ai.invalid_tool_calls = [];
    return ai;
  };
  const forms: [string, () => AIMessage, Provider | undefined][] = [
    [
      "a tool_use block of a turn without tool_calls",
      () => blocksTurn([toolUse("call_o", "o"), toolUse(X, "a")], []),
      "anthropic",
    ],
    [
      "a tool_use block beside the turn's other call",
      () => blocksTurn([toolUse("call_o", "o"), toolUse(X, "a")], [other]),
      "anthropic",
    ],
    [
      "a v1 tool_call block beside the turn's other call",
      () => v1Turn({ type: "tool_call", id: X, name: "get_weather", args: { city: "a" } }),
      "anthropic",
    ],
    [
      "a v1 invalid_tool_call block beside the turn's other call",
      () => v1Turn({ type: "invalid_tool_call", id: X, name: "get_weather", args: "{", error: "bad" }),
      undefined,
    ],
    ["a stored Responses item of a turn without tool_calls", () => responsesTurn([]), "openai-responses"],
    ["a stored Responses item beside the turn's other call", () => responsesTurn([other]), "openai-responses"],
    [
      "a raw OpenAI call of a turn without tool_calls",
      () => {
        const reply = openAIStyleAI([other, call("get_weather", { city: "a" }, X)]);
        reply.tool_calls = [];
        return reply;
      },
      "openai-chat",
    ],
  ];

  it.each(forms)(
    "gives a call a new id when an earlier turn holds it in %s, and the provider that sends that form accepts the request",
    async (_label, earlier, provider) => {
      const before: BaseMessage[] = [
        new HumanMessage({ content: "first", id: "h0" }),
        earlier(),
        new ToolMessage({ content: "Sunny in o", tool_call_id: "call_o", name: "get_weather", id: "t-o" }),
        new ToolMessage({ content: "Sunny in a", tool_call_id: X, name: "get_weather", id: "t-x" }),
      ];
      const history = historyWith(aiWith([call("get_weather", { city: "c" }, X)], [], { id: "now" }), before);
      const after = applyOutput(history, await new SafeToolNode([weather]).invoke({ messages: history }));
      const answered = after.find((m) => m.id === "now") as AIMessage;
      const [id] = answered.tool_calls!.map((c) => c.id!);
      expect(id).not.toBe(X);
      expect(id).toMatch(ID);
      expect(after.slice(0, before.length)).toEqual(before);
      expect(after.slice(before.length + 2).map((m) => [(m as ToolMessage).tool_call_id, m.content])).toEqual([
        [id, "Sunny in c"],
      ]);
      if (provider) expect((await sendThroughProviders(after, [provider])).filter((r) => r.error)).toEqual([]);
    },
  );
});

describe("ids earlier turns hold where no converter sends them, and earlier turns of odd shapes", () => {
  const raw = (id: string, city: string) => ({
    id,
    type: "function",
    function: { name: "get_weather", arguments: JSON.stringify({ city }) },
  });

  it("keeps a call's id that an earlier turn holds only in raw OpenAI calls beside non-empty tool_calls (the converters send tool_calls then)", async () => {
    const earlier = aiWith([call("get_weather", { city: "o" }, "call_o")], [], {
      additional_kwargs: { tool_calls: [raw("call_o", "o"), raw("call_x", "a")] as never },
    });
    const history = historyWith(aiWith([call("get_weather", { city: "c" }, "call_x")]), [
      new HumanMessage({ content: "first", id: "h0" }),
      earlier,
      new ToolMessage({ content: "Sunny in o", tool_call_id: "call_o", name: "get_weather", id: "t-o" }),
    ]);
    const after = await expectValidAfter(history, await new SafeToolNode([weather]).invoke({ messages: history }));
    expect(callIds(after)).toEqual(["call_o", "call_x"]);
    expect(results(after).map((r) => [r.tool_call_id, r.content])).toEqual([
      ["call_o", "Sunny in o"],
      ["call_x", "Sunny in c"],
    ]);
  });

  it("answers a turn after earlier AIMessages without calls, without their optional fields, or with empty entries in their lists", async () => {
    const bare = new AIMessage({
      id: "bare",
      content: [{ type: "tool_use", id: "call_b", name: "get_weather", input: {} }],
    });
    for (const field of ["tool_calls", "invalid_tool_calls", "additional_kwargs", "response_metadata"])
      delete (bare as unknown as Record<string, unknown>)[field];
    const holes = new AIMessage({
      id: "holes",
      content: [null, { type: "text", text: "Checking." }] as never,
      additional_kwargs: { tool_calls: [null] as never },
      response_metadata: { output: [null] },
    });
    const before: BaseMessage[] = [
      new HumanMessage({ content: "hi", id: "h0" }),
      new AIMessage({ id: "answer", content: "Hello." }),
      new HumanMessage({ content: "more", id: "h1" }),
      bare,
      new ToolMessage({ content: "Sunny", tool_call_id: "call_b", name: "get_weather", id: "t-b" }),
      new HumanMessage({ content: "again", id: "h2" }),
      holes,
    ];
    const history = historyWith(
      aiWith([call("get_weather", { city: "a" }, "call_a"), call("get_weather", { city: "b" }, "call_b")]),
      before,
    );
    const after = applyOutput(history, await new SafeToolNode([weather]).invoke({ messages: history }));
    const answered = after.slice(before.length + 1);
    expect(invariantProblems(answered)).toEqual([]);
    const ids = callIds(answered);
    expect(ids[0]).toBe("call_a");
    expect(ids[1]).not.toBe("call_b"); // the bare turn's tool_use block holds it
    expect(results(answered).map((r) => [r.tool_call_id, r.content])).toEqual([
      ["call_a", "Sunny in a"],
      [ids[1], "Sunny in b"],
    ]);
  });

  it("gives a call a new id when an earlier turn's unparsable call holds it, so repairing the history afterwards keeps the turn as the node answered it", async () => {
    const history = historyWith(aiWith([call("get_weather", { city: "c" }, "call_x")], [], { id: "now" }), [
      new HumanMessage({ content: "first", id: "h0" }),
      aiWith([], [invalidCall("get_weather", '{"city":', "call_x")]), // left unanswered by another executor
      new HumanMessage({ content: "again", id: "h1" }),
    ]);
    const after = applyOutput(history, await new SafeToolNode([weather]).invoke({ messages: history }));
    const turn = after.slice(-2);
    expect(callIds(turn)).not.toEqual(["call_x"]);
    const repaired = repairToolResults(after);
    expect(repaired.slice(-2)).toEqual(turn);
    await expectValidHistory(repaired);
  });

  it("answers a turn invoked directly with a history whose earlier entries are not messages (only the tail is checked)", async () => {
    const history = [
      null,
      undefined,
      ...historyWith(aiWith([call("get_weather", { city: "a" }, "call_a")])),
    ] as unknown as BaseMessage[];
    const out = await new SafeToolNode([weather]).invoke({ messages: history });
    expect(results(messageWrites(out)).map((r) => [r.tool_call_id, r.content])).toEqual([["call_a", "Sunny in a"]]);
  });

  it("makes an id past every one earlier turns took, the made one and its numbered variants included", async () => {
    const turn = () => aiWith([call("get_weather", { city: "c" })], [], { id: "same-turn" });
    const alone = historyWith(turn());
    const made = callIds(applyOutput(alone, await new SafeToolNode([weather]).invoke({ messages: alone })))[0]!;
    const taken = [made, `${made}_2`];
    const history = historyWith(turn(), [
      new HumanMessage({ content: "first", id: "h0" }),
      aiWith(taken.map((id) => call("get_weather", { city: id }, id))),
      ...taken.map((id) => new ToolMessage({ content: `Sunny in ${id}`, tool_call_id: id, name: "get_weather" })),
    ]);
    const after = await expectValidAfter(history, await new SafeToolNode([weather]).invoke({ messages: history }));
    expect(callIds(after)).toEqual([...taken, `${made}_3`]);
  });
});
