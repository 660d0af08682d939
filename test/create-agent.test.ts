import { AIMessage, HumanMessage, RemoveMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { ToolInputParsingException, tool, type StructuredToolInterface, type ToolRuntime } from "@langchain/core/tools";
import {
  Command,
  END,
  MemorySaver,
  MessagesAnnotation,
  REMOVE_ALL_MESSAGES,
  GraphInterrupt,
  START,
  StateGraph,
  interrupt,
} from "@langchain/langgraph";
import { SafeToolNode } from "../src/index.js";
import {
  createAgent,
  createMiddleware,
  humanInTheLoopMiddleware,
  piiMiddleware,
  providerStrategy,
  toolCallLimitMiddleware,
  toolRetryMiddleware,
  toolStrategy,
} from "langchain";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as v from "valibot";
import { ScriptedChatModel } from "../src/testing.js";
import { validateToolResults, type ToolErrorHandler } from "../src/index.js";
import { isRetryableToolError, safeToolMiddleware } from "../src/middleware.js";
import { anthropicStyleAI, call, invalidCall, openAIStyleAI } from "./helpers/fixtures.js";
import { applyOutput, expectValidHistory, invariantProblems } from "./helpers/invariant.js";
import { sendThroughProviders } from "./helpers/wire.js";

let lookups = 0;
const lookup = tool(async ({ q }) => (lookups++, `found ${q}`), {
  name: "lookup",
  description: "Look up.",
  schema: z.object({ q: z.string() }),
});
const sendEmail = tool(async ({ to }) => `sent to ${to}`, {
  name: "send_email",
  description: "Send an email.",
  schema: z.object({ to: z.string() }),
});
const results = (messages: BaseMessage[]) => messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));

describe("createAgent with safeToolMiddleware", () => {
  it("answers invalid calls beside valid ones (createAgent alone leaves them unanswered)", async () => {
    const turn = () =>
      new AIMessage({
        id: "m1",
        content: "",
        tool_calls: [{ id: "c1", name: "lookup", args: { q: "a" } }],
        invalid_tool_calls: [invalidCall("lookup", '{"q":', "c2")],
        additional_kwargs: {
          tool_calls: [
            { id: "c1", type: "function", function: { name: "lookup", arguments: '{"q":"a"}' } },
            { id: "c2", type: "function", function: { name: "lookup", arguments: '{"q":' } },
          ],
        },
      });
    const safe = createAgent({
      model: new ScriptedChatModel([turn(), new AIMessage({ id: "m2", content: "ok" })]),
      tools: [lookup],
      middleware: [safeToolMiddleware()],
    });
    const { messages } = await safe.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(results(messages).map((r) => [r.tool_call_id, r.status])).toEqual([
      ["c1", "success"],
      ["c2", "error"],
    ]);
    expect(results(messages)[1]!.content).toMatch(/could not be parsed/);
  });

  it("keeps its marks in the stored turn under additional_kwargs.safe_tool_node, a stored format a later release reads", async () => {
    const agent = createAgent({
      model: new ScriptedChatModel([
        new AIMessage({ id: "m1", content: "", invalid_tool_calls: [invalidCall("lookup", '{"q":', "c1")] }),
        new AIMessage({ id: "m2", content: "ok" }),
      ]),
      tools: [lookup],
      middleware: [safeToolMiddleware()],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    const stored = messages[1] as AIMessage;
    expect(stored.additional_kwargs.safe_tool_node).toEqual({ prepared: true });
    expect(stored.tool_calls!.map((c) => (c as unknown as Record<string, unknown>).safe_tool_node)).toEqual([
      { invalid: "Unexpected end of JSON input" },
    ]);
  });

  it("answers tool errors, unknown tools and timeouts per call, without stack traces", async () => {
    const broken = tool(
      async (): Promise<string> => {
        throw new Error("db down\n    at Query.run (db.js:1:1)");
      },
      { name: "broken", description: "b", schema: z.object({}) },
    );
    const hang = tool(() => new Promise<string>(() => {}), { name: "hang", description: "h", schema: z.object({}) });
    const model = new ScriptedChatModel([
      new AIMessage({
        id: "m1",
        content: "",
        tool_calls: [
          { id: "c1", name: "broken", args: {} },
          { id: "c2", name: "hang", args: {} },
          { id: "c3", name: "lookup", args: { q: "z" } },
        ],
      }),
      new AIMessage({ id: "m2", content: "ok" }),
    ]);
    const agent = createAgent({
      model,
      tools: [lookup, broken, hang],
      middleware: [safeToolMiddleware({ timeoutMs: 50 })],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.status)).toEqual(["error", "error", "success"]);
    expect(results(messages)[0]!.content).not.toMatch(/at Query\.run/);
    expect(results(messages)[1]!.content).toMatch(
      /timed out after 50 ms; it could not be stopped and may still finish/,
    );
  });

  it("hands handleToolErrors a timeout as a timeout (not as a failure of the tool), and leaves no timer behind once a call is answered", async () => {
    const hang = tool(() => new Promise<string>(() => {}), { name: "hang", description: "h", schema: z.object({}) });
    const kinds: string[] = [];
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const agentWith = (timeoutMs: number) =>
      createAgent({
        model: new ScriptedChatModel([
          new AIMessage({
            id: "m1",
            content: "",
            tool_calls: [
              { id: "c1", name: "hang", args: {} },
              { id: "c2", name: "lookup", args: { q: "z" } },
            ],
          }),
          "ok",
        ]),
        tools: [lookup, hang],
        middleware: [
          safeToolMiddleware({ timeoutMs, handleToolErrors: (error) => (kinds.push(error.kind), error.kind) }),
        ],
      });
    const { messages } = await agentWith(30).invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(kinds).toEqual(["timeout"]);
    expect(results(messages).map((r) => r.content)).toEqual(["timeout", "found z"]);
    // a call that finished in time clears its timer: a long timeout does not keep the process alive
    const before = timers();
    const quick = createAgent({
      model: new ScriptedChatModel([
        new AIMessage({ id: "m1", content: "", tool_calls: [{ id: "c1", name: "lookup", args: { q: "y" } }] }),
        "ok",
      ]),
      tools: [lookup],
      middleware: [safeToolMiddleware({ timeoutMs: 600_000 })],
    });
    await quick.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    expect(timers()).toBe(before);
  });

  it("retries a failing tool under toolRetryMiddleware({ retryOn: isRetryableToolError }), but not graph control flow", async () => {
    expect(isRetryableToolError(new Error("503 Service Unavailable"))).toBe(true);
    expect(isRetryableToolError(new GraphInterrupt())).toBe(false);
    let attempts = 0;
    const flaky = tool(
      async () => {
        if (++attempts === 1) throw new Error("503 Service Unavailable");
        return "worked";
      },
      { name: "flaky", description: "f", schema: z.object({}) },
    );
    const agent = createAgent({
      model: new ScriptedChatModel([
        new AIMessage({ id: "m1", content: "", tool_calls: [{ id: "c1", name: "flaky", args: {} }] }),
        "ok",
      ]),
      tools: [flaky],
      middleware: [
        safeToolMiddleware(),
        toolRetryMiddleware({ retryOn: isRetryableToolError, maxRetries: 2, initialDelayMs: 1, onFailure: "error" }),
      ],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(attempts).toBe(2);
    expect(results(messages).map((r) => r.content)).toEqual(["worked"]);
  });

  it.each([
    ["with its defaults, swallows the interrupt (the history stays valid)", {}, false],
    [
      "with retryOn: isRetryableToolError and onFailure: error, lets it through",
      { retryOn: isRetryableToolError, onFailure: "error" as const },
      true,
    ],
  ])("toolRetryMiddleware around an interrupting tool, %s", async (_label, retryOptions, surfaces) => {
    const ask = tool(async () => `approved: ${String(interrupt("ok?"))}`, {
      name: "ask",
      description: "a",
      schema: z.object({}),
    });
    const model = new ScriptedChatModel([
      new AIMessage({ id: "m1", content: "", tool_calls: [{ id: "c1", name: "ask", args: {} }] }),
      new AIMessage({ id: "m2", content: "done" }),
    ]);
    const agent = createAgent({
      model,
      tools: [ask],
      middleware: [safeToolMiddleware(), toolRetryMiddleware({ maxRetries: 2, initialDelayMs: 1, ...retryOptions })],
      checkpointer: new MemorySaver(),
    });
    const config = { configurable: { thread_id: `retry-${surfaces}` } };
    const first = (await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] }, config)) as {
      __interrupt__?: unknown[];
      messages: BaseMessage[];
    };
    expect((first.__interrupt__ ?? []).length > 0).toBe(surfaces);
    const done = surfaces ? await agent.invoke(new Command({ resume: "yes" }), config) : first;
    await expectValidHistory(done.messages);
    expect(results(done.messages).at(-1)!.content).toMatch(surfaces ? /approved: yes/ : /GraphInterrupt/);
  });

  it("keeps the thread valid when a human rejects one call beside approved ones", async () => {
    const model = new ScriptedChatModel([
      new AIMessage({
        id: "m1",
        content: "",
        tool_calls: [
          { id: "c1", name: "send_email", args: { to: "ana" } },
          { id: "c2", name: "lookup", args: { q: "b" } },
        ],
      }),
      new AIMessage({ id: "m2", content: "done" }),
    ]);
    const agent = createAgent({
      model,
      tools: [sendEmail, lookup],
      middleware: [safeToolMiddleware(), humanInTheLoopMiddleware({ interruptOn: { send_email: true } })],
      checkpointer: new MemorySaver(),
    });
    const config = { configurable: { thread_id: "hitl" } };
    const first = (await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] }, config)) as {
      __interrupt__?: { id: string; value: unknown }[];
    };
    expect(first.__interrupt__).toHaveLength(1);
    const done = await agent.invoke(
      new Command({ resume: { decisions: [{ type: "reject", message: "not now" }] } }),
      config,
    );
    // Human-in-the-loop answers the rejected call and jumps to the model, so the
    // approved call beside it never runs and keeps no result in the stored
    // thread. Every model request is still accepted - the scripted model checks
    // each one like OpenAI - because the middleware repairs the request: the
    // model reads that the approved call's outcome is unknown.
    expect(model.requests.length).toBe(2);
    const request = model.requests[1]!;
    expect(invariantProblems(request).filter((p) => !/has no (name|status)/.test(p))).toEqual([]);
    expect((request.find((m) => ToolMessage.isInstance(m) && m.tool_call_id === "c2") as ToolMessage).content).toMatch(
      /is unknown/,
    );
    expect(validateToolResults(done.messages).map((p) => [p.kind, p.toolCallId])).toEqual([["missing_result", "c2"]]);
  });

  it("repairs, before the next model call, a turn with several structured-output calls", async () => {
    const Answer = z.object({ answer: z.string() });
    const model = new ScriptedChatModel([
      new AIMessage({
        id: "m1",
        content: "",
        tool_calls: [
          { id: "s1", name: "extract-1", args: { answer: "one" } },
          { id: "s2", name: "extract-1", args: { answer: "two" } },
        ],
      }),
      new AIMessage({ id: "m2", content: "second turn" }),
    ]);
    const agent = createAgent({
      model,
      tools: [],
      responseFormat: toolStrategy(Answer),
      middleware: [safeToolMiddleware()],
      checkpointer: new MemorySaver(),
    });
    const config = { configurable: { thread_id: "structured" } };
    let first: BaseMessage[] = [];
    try {
      first = (await agent.invoke({ messages: [new HumanMessage({ id: "h1", content: "go" })] }, config)).messages;
    } catch {
      first = ((await agent.getState(config)) as unknown as { values: { messages: BaseMessage[] } }).values.messages;
    }
    const firstProblems = invariantProblems(first);
    const second = await agent.invoke({ messages: [new HumanMessage({ id: "h2", content: "and now?" })] }, config);
    // and the next model request is accepted
    // langchain 1.5 answers every structured-output call itself (without name or status)
    expect(firstProblems.filter((p) => !/has no (name|status)/.test(p))).toEqual([]);
    expect(model.requests.length).toBeGreaterThanOrEqual(2);
    expect(invariantProblems(second.messages).filter((p) => !/has no (name|status)/.test(p))).toEqual([]);
    expect((await sendThroughProviders(second.messages)).filter((r) => r.error)).toEqual([]);
  });
});

describe("repair before the model call", () => {
  // a thread a crash left with an unanswered call, continued by the user
  const brokenThread = () => [
    new HumanMessage({ id: "h1", content: "go" }),
    new AIMessage({ id: "a1", content: "", tool_calls: [{ id: "c1", name: "lookup", args: { q: "x" } }] }),
    new HumanMessage({ id: "h2", content: "still there?" }),
  ];
  const agentWith = (options: Parameters<typeof safeToolMiddleware>[0]) =>
    createAgent({
      model: new ScriptedChatModel([new AIMessage({ id: "a2", content: "yes" })]),
      tools: [lookup],
      middleware: [safeToolMiddleware(options)],
    });
  type Update = Record<string, { messages?: BaseMessage[] } | undefined>;
  const updatesOf = async (agent: ReturnType<typeof agentWith>, messages: BaseMessage[]) => {
    const updates: Update[] = [];
    for await (const update of await agent.stream({ messages }, { streamMode: "updates" }))
      updates.push(update as Update);
    return updates;
  };

  it("stores the repaired history and sends it to the model; with repairBeforeModel: false the provider gets the broken one", async () => {
    const { messages } = await agentWith({}).invoke({ messages: brokenThread() });
    await expectValidHistory(messages);
    expect(messages.map((m) => m.id)).toEqual(["h1", "a1", expect.any(String), "h2", "a2"]);
    expect((messages[2] as ToolMessage).tool_call_id).toBe("c1");
    await expect(agentWith({ repairBeforeModel: false }).invoke({ messages: brokenThread() })).rejects.toThrow(
      /did not have response messages: c1/,
    );
  });

  it("writes nothing before or after the model when the history needs no repair and the turn no correction", async () => {
    const history = [
      ...brokenThread().slice(0, 2),
      new ToolMessage({ id: "t1", content: "found x", tool_call_id: "c1" }),
    ];
    const updates = await updatesOf(agentWith({}), history);
    const own = updates.flatMap((u) => Object.entries(u)).filter(([node]) => node.startsWith("SafeToolMiddleware"));
    expect(own.map(([node]) => node)).toEqual(["SafeToolMiddleware.before_model", "SafeToolMiddleware.after_model"]);
    expect(own.every(([, update]) => update === undefined || update.messages === undefined)).toBe(true);
    const repairing = await updatesOf(agentWith({}), brokenThread());
    const before = repairing.find((u) => u["SafeToolMiddleware.before_model"])!["SafeToolMiddleware.before_model"]!;
    expect(before.messages!.length).toBeGreaterThan(0);
  });
});

describe("a turn that ends with its structured response (toolStrategy)", () => {
  it("answers the turn's other calls as not run, under prepared ids, so the stored thread and the next request stay valid", async () => {
    const Answer = z.object({ answer: z.string() }).meta({ title: "Answer" });
    const before = lookups;
    const model = new ScriptedChatModel([
      new AIMessage({ id: "a1", content: "", tool_calls: [{ id: "call_0", name: "lookup", args: { q: "x" } }] }),
      // reuses call_0 beside the structured-output call
      new AIMessage({
        id: "a2",
        content: "",
        tool_calls: [
          { id: "call_0", name: "lookup", args: { q: "y" } },
          // an id providers reject: the structured-output result follows its call to the corrected id
          { id: "functions.Answer:1", name: "Answer", args: { answer: "42" } },
        ],
      }),
      new AIMessage({ id: "a3", content: "", tool_calls: [{ id: "s2", name: "Answer", args: { answer: "43" } }] }),
    ]);
    const agent = createAgent({
      model,
      tools: [lookup],
      responseFormat: toolStrategy(Answer),
      middleware: [safeToolMiddleware()],
      checkpointer: new MemorySaver(),
    });
    const config = { configurable: { thread_id: "structured-beside" } };
    const out = await agent.invoke({ messages: [new HumanMessage({ id: "h1", content: "go" })] }, config);
    expect(out.structuredResponse).toEqual({ answer: "42" });
    expect(lookups - before).toBe(1); // the first turn's lookup only
    await expectValidHistory(out.messages);
    const second = results(out.messages).slice(1);
    expect(second.map((r) => r.content)).toEqual([
      'Error: the call to "lookup" was not run: the agent ended with its structured response before running it.',
      '{"answer":"42"}',
    ]);
    expect(second[0]!.tool_call_id).not.toBe("call_0");
    const answered = out.messages.filter((m): m is AIMessage => AIMessage.isInstance(m))[1]!;
    expect(second.map((r) => r.tool_call_id)).toEqual(answered.tool_calls!.map((c) => c.id));
    expect(second[1]!.tool_call_id).not.toBe("functions.Answer:1");
    expect(second.map((r) => r.name)).toEqual(["lookup", "Answer"]);
    const next = await agent.invoke({ messages: [new HumanMessage({ id: "h2", content: "again" })] }, config);
    await expectValidHistory(next.messages);
    expect(next.structuredResponse).toEqual({ answer: "43" });
  });
});

describe("the answers to a turn that ends with its structured response (toolStrategy)", () => {
  const Answer = z.object({ answer: z.string() }).meta({ title: "Answer" });
  const NOT_RUN =
    'Error: the call to "lookup" was not run: the agent ended with its structured response before running it.';
  /** The stored thread of a run whose model ends at once with `turn`, and the answers to the turn's calls. */
  async function ended(turn: AIMessage, middleware: Parameters<typeof createAgent>[0]["middleware"] = []) {
    const agent = createAgent({
      model: new ScriptedChatModel([turn]),
      tools: [lookup],
      responseFormat: toolStrategy(Answer),
      middleware: [safeToolMiddleware(), ...(middleware ?? [])],
    });
    const out = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(out.messages);
    const answers = results(out.messages).map((r) => [r.name, r.content]);
    return { out, answers };
  }

  it("gives the structured result to the structured-output call when the model gives its calls no ids", async () => {
    const { out, answers } = await ended(
      new AIMessage({
        id: "a1",
        content: "",
        tool_calls: [
          { name: "lookup", args: { q: "y" } },
          { name: "Answer", args: { answer: "42" } },
        ],
      }),
    );
    expect(out.structuredResponse).toEqual({ answer: "42" });
    expect(answers).toEqual([
      ["lookup", NOT_RUN],
      ["Answer", '{"answer":"42"}'],
    ]);
  });

  it("gives the structured result to the structured-output call when the model gave the turn's calls one id", async () => {
    const { out, answers } = await ended(
      new AIMessage({
        id: "a1",
        content: "",
        tool_calls: [
          { id: "call_0", name: "lookup", args: { q: "y" } },
          { id: "call_0", name: "Answer", args: { answer: "42" } },
        ],
      }),
    );
    expect(out.structuredResponse).toEqual({ answer: "42" });
    expect(answers).toEqual([
      ["lookup", NOT_RUN],
      ["Answer", '{"answer":"42"}'],
    ]);
  });

  /** A middleware listed after safeToolMiddleware that answers for the model with a structured response of these messages. */
  const structuredCache = (messages: BaseMessage[]) =>
    createMiddleware({
      name: "StructuredCache",
      // typed as AIMessage or Command, createAgent takes the structured response its own model step returns
      wrapModelCall: () => ({ structuredResponse: { answer: "cached" }, messages }) as unknown as AIMessage,
    });
  const cachedTurn = () =>
    new AIMessage({
      id: "a1",
      content: "",
      tool_calls: [
        { id: "c1", name: "lookup", args: { q: "y" } },
        { id: "c2", name: "Answer", args: { answer: "cached" } },
      ],
    });
  const notAsked = new AIMessage({ id: "unused", content: "not asked" });

  it("answers the turn of a structured response a middleware after it returns (a cache), past a message of its own before the turn, naming a result stored without a name", async () => {
    const cache = structuredCache([
      new AIMessage({ id: "note", content: "From the cache." }),
      cachedTurn(),
      new ToolMessage({ tool_call_id: "c2", content: '{"answer":"cached"}' }),
      new AIMessage({ id: "closing", content: "Cached answer." }),
    ]);
    const { out, answers } = await ended(notAsked, [cache]);
    expect(out.structuredResponse).toEqual({ answer: "cached" });
    expect(out.messages.map((m) => m.id)).toEqual([
      "h",
      "note",
      "a1",
      expect.any(String),
      expect.any(String),
      "closing",
    ]);
    expect(answers).toEqual([
      ["lookup", NOT_RUN],
      ["Answer", '{"answer":"cached"}'],
    ]);
  });

  it("keeps the first result for a call of a structured response a middleware returns, and drops results that answer no call of the turn", async () => {
    const result = (id: string, content: string) => new ToolMessage({ tool_call_id: id, name: "Answer", content });
    const cache = structuredCache([
      cachedTurn(),
      result("c2", '{"answer":"cached"}'),
      result("c2", '{"answer":"again"}'),
      result("c9", '{"answer":"stray"}'),
      new AIMessage({ id: "closing", content: "Cached answer." }),
    ]);
    const { out, answers } = await ended(notAsked, [cache]);
    expect(answers).toEqual([
      ["lookup", NOT_RUN],
      ["Answer", '{"answer":"cached"}'],
    ]);
    expect(out.messages.at(-1)!.id).toBe("closing");
  });

  it("stores the turn, one answer per call, then createAgent's closing message, and nothing else", async () => {
    const { out } = await ended(
      new AIMessage({
        id: "a1",
        content: "",
        tool_calls: [
          { id: "c1", name: "lookup", args: { q: "y" } },
          { id: "c2", name: "Answer", args: { answer: "42" } },
        ],
      }),
    );
    expect(out.messages.map((m) => [m.getType(), m.content])).toEqual([
      ["human", "go"],
      ["ai", ""],
      ["tool", NOT_RUN],
      ["tool", '{"answer":"42"}'],
      ["ai", 'Returning structured response: {"answer":"42"}'],
    ]);
  });
});

describe("a native structured response (providerStrategy) beside calls", () => {
  const Answer = z.object({ answer: z.string() });
  // createAgent runs the calls of a native structured response and asks the model again
  async function run(first: AIMessage, after: Parameters<typeof createAgent>[0]["middleware"] = []) {
    const agent = createAgent({
      model: new ScriptedChatModel([first, new AIMessage({ id: "a2", content: '{"answer":"2"}' })]),
      tools: [lookup],
      responseFormat: providerStrategy(Answer),
      middleware: [safeToolMiddleware(), ...(after ?? [])],
    });
    const out = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(out.messages);
    expect(out.structuredResponse).toEqual({ answer: "2" });
    expect(out.messages.map((m) => m.getType())).toEqual(["human", "ai", "tool", "ai"]);
    return results(out.messages);
  }

  it("runs its parsed calls, as createAgent does, not answering them as ended", async () => {
    const before = lookups;
    const answers = await run(
      new AIMessage({
        id: "a1",
        content: '{"answer":"1"}',
        tool_calls: [{ id: "c1", name: "lookup", args: { q: "x" } }],
      }),
    );
    expect(lookups - before).toBe(1);
    expect(answers.map((r) => [r.tool_call_id, r.content])).toEqual([["c1", "found x"]]);
  });

  it("answers an invalid call beside it as unparsable, which createAgent alone leaves unanswered, and hands it to the middleware after it as a call", async () => {
    // listed after safeToolMiddleware, its afterModel runs first: it sees the turn as the model call stored it
    const seen: string[][] = [];
    const recorder = createMiddleware({
      name: "Recorder",
      afterModel: (state) => {
        const last = state.messages.at(-1);
        seen.push(AIMessage.isInstance(last) ? (last.tool_calls ?? []).map((c) => c.id ?? "") : []);
        return undefined;
      },
    });
    const answers = await run(
      new AIMessage({
        id: "a1",
        content: '{"answer":"1"}',
        invalid_tool_calls: [invalidCall("lookup", '{"q":', "bad1")],
        additional_kwargs: {
          tool_calls: [{ id: "bad1", type: "function", function: { name: "lookup", arguments: '{"q":' } }],
        },
      }),
      [recorder],
    );
    expect(answers.map((r) => [r.tool_call_id, r.status])).toEqual([["bad1", "error"]]);
    expect(answers[0]!.content).toMatch(/^Error: the call to "lookup" could not be parsed/);
    expect(seen).toEqual([["bad1"], []]);
  });
});

describe("the middleware says what the node says", () => {
  const book = tool(async () => "booked", {
    name: "book",
    description: "Book.",
    schema: z.object({ guest: z.object({ name: z.string(), age: z.number().int() }), nights: z.number().min(1) }),
  });
  const silent = tool(async () => new Command({ update: { booked: true } }), {
    name: "silent",
    description: "s",
    schema: z.object({}),
  });
  const broken = tool(
    async (): Promise<string> => {
      throw new Error("booking backend down");
    },
    { name: "broken", description: "b", schema: z.object({}) },
  );
  const tools = [lookup, book, silent, broken];
  const turn = () =>
    new AIMessage({
      id: "m1",
      content: "",
      tool_calls: [
        { id: "c1", name: "lookpu", args: { q: "x" } },
        { id: "c2", name: "book", args: { guest: { name: 5, age: 1.5 }, nights: 0, secret_token: "hunter2hunter2" } },
        { id: "c3", name: "silent", args: {} },
        { id: "c4", name: "broken", args: {} },
        { id: "c5", name: "", args: {} },
      ],
      invalid_tool_calls: [invalidCall("lookup", '{"q":', "c6")],
    });

  it("gives the node's texts for an unknown tool, schema issues, a Command without a result, a thrown error, a nameless and an invalid call", async () => {
    const nodeHistory = [new HumanMessage({ id: "h", content: "go" }), turn()];
    const nodeResults = results(
      applyOutput(nodeHistory, await new SafeToolNode(tools).invoke({ messages: nodeHistory })),
    );
    const agent = createAgent({
      model: new ScriptedChatModel([turn(), new AIMessage({ id: "m2", content: "ok" })]),
      tools,
      middleware: [safeToolMiddleware()],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    const byId = (list: ToolMessage[]) => Object.fromEntries(list.map((r) => [r.tool_call_id, r.content]));
    expect(byId(results(messages))).toEqual(byId(nodeResults));
    const texts = byId(results(messages));
    expect(texts.c1).toBe(
      'Error: tool "lookpu" does not exist. Did you mean "lookup"? Available tools: lookup, book, silent, broken. Call one of these tools instead.',
    );
    expect(texts.c2).toMatch(
      /^Error: invalid arguments for tool "book":\n- guest\.name: .*\n- guest\.age: .*\n- nights: .*\nFix these arguments and call the tool again\.$/,
    );
    expect(String(texts.c2).match(/fix/gi)).toHaveLength(1);
    expect(texts.c2).not.toMatch(/hunter2|kwargs|Please fix/);
    expect(texts.c3).toBe('Tool "silent" ran and updated the graph state.');
    expect(texts.c4).toBe(
      'Error: tool "broken" failed: booking backend down. Fix the arguments or try a different approach.',
    );
    expect(texts.c5).toMatch(/^Error: the call names no tool\./);
    expect(texts.c6).toMatch(/could not be parsed/);
  });

  it("answers a ToolInputParsingException the tool throws itself as the node does, though LangChain wraps it quoting the arguments", async () => {
    const expired = new ToolInputParsingException("the card has expired");
    const pay = tool(
      async (): Promise<string> => {
        throw expired;
      },
      { name: "pay", description: "Pay.", schema: z.object({ card: z.string() }) },
    );
    const causes: unknown[] = [];
    const handleToolErrors: ToolErrorHandler = (error) => (causes.push(error.cause), error.message);
    const payTurn = () =>
      new AIMessage({ id: "m1", content: "", tool_calls: [{ id: "c1", name: "pay", args: { card: "4111-hunter2" } }] });
    const nodeHistory = [new HumanMessage({ id: "h", content: "go" }), payTurn()];
    const nodeResults = results(
      applyOutput(nodeHistory, await new SafeToolNode([pay], { handleToolErrors }).invoke({ messages: nodeHistory })),
    );
    const agent = createAgent({
      model: new ScriptedChatModel([payTurn(), new AIMessage({ id: "m2", content: "ok" })]),
      tools: [pay],
      middleware: [safeToolMiddleware({ handleToolErrors })],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    const expected =
      'Error: invalid arguments for tool "pay":\n- (arguments): the card has expired\nFix these arguments and call the tool again.';
    expect([nodeResults[0]!.content, results(messages)[0]!.content]).toEqual([expected, expected]);
    expect(causes).toEqual([expired, expired]);
  });
});

describe("the middleware gives a turn the ids the node gives it", () => {
  it.each([
    ["with a message id", "m1"],
    ["without one", undefined],
  ])("for an AIMessage %s whose calls share an id", async (_label, id) => {
    const turn = () =>
      new AIMessage({
        id,
        content: "",
        tool_calls: [
          { id: "c1", name: "lookup", args: { q: "a" } },
          { id: "c1", name: "lookup", args: { q: "b" } },
        ],
      });
    const nodeHistory = [new HumanMessage({ id: "h", content: "go" }), turn()];
    const nodeIds = results(
      applyOutput(nodeHistory, await new SafeToolNode([lookup]).invoke({ messages: nodeHistory })),
    ).map((r) => r.tool_call_id);
    const agent = createAgent({
      model: new ScriptedChatModel([turn(), "done"]),
      tools: [lookup],
      middleware: [safeToolMiddleware()],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(nodeIds[0]).toBe("c1");
    expect(nodeIds[1]).not.toBe("c1");
    expect(results(messages).map((r) => r.tool_call_id)).toEqual(nodeIds);
  });
});

describe("what the middleware keeps when it corrects a turn", () => {
  it("keeps the text, metadata and other kwargs, and gives raw calls and tool_use blocks the final ids", async () => {
    const calls = [call("lookup", { q: "a" }, "c1"), call("lookup", { q: "b" }, "c1")];
    const shapes = { "raw OpenAI calls": openAIStyleAI, "Anthropic tool_use blocks": anthropicStyleAI };
    for (const [shape, make] of Object.entries(shapes)) {
      const turn = make(calls);
      turn.id = "m1";
      turn.additional_kwargs = { ...turn.additional_kwargs, trace_note: "look twice" };
      turn.response_metadata = { model_name: "gpt-local" };
      turn.usage_metadata = { input_tokens: 3, output_tokens: 5, total_tokens: 8 };
      const agent = createAgent({
        model: new ScriptedChatModel([turn, "done"]),
        tools: [lookup],
        middleware: [safeToolMiddleware()],
      });
      const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
      await expectValidHistory(messages);
      const stored = messages[1] as AIMessage;
      const ids = stored.tool_calls!.map((c) => c.id);
      expect(new Set(ids).size, shape).toBe(2);
      expect(results(messages).map((r) => r.tool_call_id)).toEqual(ids);
      expect(stored.id).toBe("m1");
      expect(stored.additional_kwargs.trace_note).toBe("look twice");
      expect(stored.response_metadata.model_name).toBe("gpt-local");
      expect(stored.usage_metadata).toEqual({ input_tokens: 3, output_tokens: 5, total_tokens: 8 });
      if (make === anthropicStyleAI) {
        const blocks = stored.content as { type: string; id?: string; text?: string }[];
        expect(blocks[0]).toEqual({ type: "text", text: "Let me check." });
        expect(blocks.filter((b) => b.type === "tool_use").map((b) => b.id)).toEqual(ids);
      } else {
        const raw = stored.additional_kwargs.tool_calls as { id: string }[];
        expect(raw.map((c) => c.id)).toEqual(ids);
      }
      expect((await sendThroughProviders(messages)).filter((r) => r.error)).toEqual([]);
    }
  });
});

describe("the middleware beside LangChain's own", () => {
  it("passes on a Command a middleware after it returns in place of the model's response", async () => {
    const elsewhere = createMiddleware({
      name: "Elsewhere",
      wrapModelCall: () =>
        new Command({ update: { messages: [new AIMessage({ id: "x", content: "Handled elsewhere." })] } }),
    });
    const model = new ScriptedChatModel(["not asked"]);
    const agent = createAgent({ model, tools: [lookup], middleware: [safeToolMiddleware(), elsewhere] });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    expect(messages.map((m) => [m.getType(), m.content])).toEqual([
      ["human", "go"],
      ["ai", "Handled elsewhere."],
    ]);
    expect(model.requests).toHaveLength(0);
  });

  it("corrects ids at the model call, so toolCallLimitMiddleware's afterModel sees the final ones (the allowed call runs, the blocked one does not)", async () => {
    const sent: string[] = [];
    const send = tool(async ({ to }) => (sent.push(to), `sent to ${to}`), {
      name: "send",
      description: "s",
      schema: z.object({ to: z.string() }),
    });
    const turns = [
      new AIMessage({
        id: "a1",
        content: "",
        tool_calls: [
          { id: "call_0", name: "send", args: { to: "alice" } },
          { id: "call_0", name: "send", args: { to: "bob" } },
        ],
      }),
      new AIMessage({ id: "a2", content: "done" }),
    ];
    const agent = createAgent({
      model: new ScriptedChatModel(turns),
      tools: [send],
      middleware: [safeToolMiddleware(), toolCallLimitMiddleware({ runLimit: 1, exitBehavior: "continue" })],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(sent).toEqual(["alice"]);
  });

  it("answers every call, within its limits, when a middleware listed after it adds a message after the turn (its afterModel runs first)", async () => {
    const note = createMiddleware({
      name: "Note",
      afterModel: (state) => {
        const last = state.messages.at(-1);
        return AIMessage.isInstance(last) && (last.tool_calls ?? []).length > 0
          ? { messages: [new HumanMessage({ id: "note", content: "Noted." })] }
          : undefined;
      },
    });
    const model = new ScriptedChatModel([
      new AIMessage({
        id: "a1",
        content: "",
        tool_calls: [
          { id: "c1", name: "lookup", args: { q: "a" } },
          { id: "c2", name: "lookup", args: { q: "b" } },
          { id: "c3", name: "lookpu", args: { q: "c" } },
        ],
      }),
      "done",
    ]);
    const agent = createAgent({
      model,
      tools: [lookup],
      middleware: [safeToolMiddleware({ concurrency: { lookup: 1 } }), note],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(results(messages).map((r) => [r.tool_call_id, r.content])).toEqual([
      ["c1", "found a"],
      ["c2", "found b"],
      [
        "c3",
        'Error: tool "lookpu" does not exist. Did you mean "lookup"? Available tools: lookup. Call one of these tools instead.',
      ],
    ]);
    expect(messages.map((m) => m.getType())).toEqual(["human", "ai", "tool", "tool", "tool", "human", "ai"]);
  });

  it("keeps toolCallLimitMiddleware's count across turns of a model that reuses call_0", async () => {
    const sent: string[] = [];
    const send = tool(async ({ to }) => (sent.push(to), `sent to ${to}`), {
      name: "send",
      description: "s",
      schema: z.object({ to: z.string() }),
    });
    const turns = [
      new AIMessage({ id: "a1", content: "", tool_calls: [{ id: "call_0", name: "send", args: { to: "alice" } }] }),
      new AIMessage({ id: "a2", content: "", tool_calls: [{ id: "call_0", name: "send", args: { to: "bob" } }] }),
      new AIMessage({ id: "a3", content: "done" }),
    ];
    const agent = createAgent({
      model: new ScriptedChatModel(turns),
      tools: [send],
      middleware: [safeToolMiddleware(), toolCallLimitMiddleware({ runLimit: 1, exitBehavior: "continue" })],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(sent).toEqual(["alice"]);
  });
});

describe("a turn that did not come through the middleware's model call", () => {
  it("is corrected after the model step when a middleware listed before it answers for the model (a cache), so every call is answered", async () => {
    const ran: string[] = [];
    const recordingLookup = tool(async ({ q }) => (ran.push(q), `found ${q}`), {
      name: "lookup",
      description: "Look up.",
      schema: z.object({ q: z.string() }),
    });
    let served = 0;
    const cache = createMiddleware({
      name: "Cache",
      wrapModelCall: (request, handler) =>
        served++
          ? handler(request)
          : new AIMessage({
              id: "cached",
              content: "",
              tool_calls: [
                { id: "c1", name: "lookup", args: { q: "a" } },
                { id: "c1", name: "lookup", args: { q: "b" } },
              ],
              invalid_tool_calls: [invalidCall("lookup", '{"q":', "c2")],
            }),
    });
    const model = new ScriptedChatModel(["done"]);
    // no repair before the model: the turn must be right when the tools answer it
    const agent = createAgent({
      model,
      tools: [recordingLookup],
      middleware: [cache, safeToolMiddleware({ repairBeforeModel: false })],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(model.requests).toHaveLength(1);
    expect(ran).toEqual(["a", "b"]);
    const answers = results(messages);
    expect(answers.map((r) => r.status)).toEqual(["success", "success", "error"]);
    expect(answers[1]!.tool_call_id).not.toBe("c1");
    expect(answers[2]!.content).toMatch(/could not be parsed/);
    // corrected in place, under its message id
    expect(messages.filter((m) => AIMessage.isInstance(m)).map((m) => m.id)).toEqual(["cached", messages.at(-1)!.id]);
  });
});

describe("the tools an unknown call's answer lists", () => {
  const turnCalling = (name: string) =>
    new AIMessage({ id: "a1", content: "", tool_calls: [{ id: "c1", name, args: { q: "x" } }] });
  type AgentFields = Parameters<typeof createAgent>[0];
  const unknownAnswer = async (
    middleware: AgentFields["middleware"],
    { tools = [lookup, sendEmail], cached = false }: { tools?: AgentFields["tools"]; cached?: boolean } = {},
  ) => {
    // a cached turn is not the model's: the model only answers after the tools
    const responses = cached ? ["done"] : [turnCalling("lookpu"), "done"];
    const agent = createAgent({ model: new ScriptedChatModel(responses), tools, middleware });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    return results(messages)[0]!.content;
  };

  /** The answer to a turn calling `name` that a cache before the middleware serves in place of the model. */
  const answerOfCachedTurn = (name: string) => {
    let served = 0;
    const cache = createMiddleware({
      name: "Cache",
      wrapModelCall: (request, handler) => (served++ ? handler(request) : turnCalling(name)),
    });
    return unknownAnswer([cache, safeToolMiddleware()], { cached: true });
  };

  it("lists the tools the model was given, when a middleware before it gives the model fewer (a tool selector)", async () => {
    const selector = createMiddleware({
      name: "Selector",
      wrapModelCall: (request, handler) =>
        handler({ ...request, tools: request.tools.filter((t) => (t as { name?: string }).name === "lookup") }),
    });
    expect(await unknownAnswer([selector, safeToolMiddleware()])).toBe(
      'Error: tool "lookpu" does not exist. Did you mean "lookup"? Available tools: lookup. Call one of these tools instead.',
    );
  });

  it("stays out of the way when a middleware listed after it ends the model step with a message of its own (its afterModel runs first)", async () => {
    const note = createMiddleware({
      name: "Note",
      afterModel: () => ({ messages: [new HumanMessage({ id: "note", content: "Noted." })] }),
    });
    const agent = createAgent({
      model: new ScriptedChatModel([new AIMessage({ id: "m1", content: "Done." })]),
      tools: [lookup],
      middleware: [safeToolMiddleware(), note],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(messages.map((m) => [m.getType(), m.content])).toEqual([
      ["human", "go"],
      ["ai", "Done."],
      ["human", "Noted."],
    ]);
  });

  it("lists the agent's tools when the turn did not come through its model call (a cache before it)", async () => {
    expect(await answerOfCachedTurn("lookpu")).toBe(
      'Error: tool "lookpu" does not exist. Did you mean "lookup"? Available tools: lookup, send_email. Call one of these tools instead.',
    );
  });

  it("does not tell the model there are no tools when a nameless call's turn did not come through its model call (a cache before it)", async () => {
    expect(await answerOfCachedTurn("")).toBe(
      "Error: the call names no tool. Call one of the tools you were given by its name.",
    );
  });

  /** The results of a turn calling "forecast", which a middleware after it answers with `answer` (no tool is registered for it). */
  async function resultsOfProvidedForecast(answer: (toolCallId: string) => ToolMessage) {
    const provider = createMiddleware({
      name: "ForecastProvider",
      wrapToolCall: (request, handler) =>
        request.toolCall.name === "forecast" ? answer(request.toolCall.id!) : handler(request),
    });
    const agent = createAgent({
      model: new ScriptedChatModel([
        new AIMessage({ id: "a1", content: "", tool_calls: [{ id: "c1", name: "forecast", args: {} }] }),
        "done",
      ]),
      tools: [lookup],
      middleware: [safeToolMiddleware(), provider],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    return results(messages).map((r) => [r.status, r.content]);
  }

  it("passes on the error results of a tool another middleware answers for, whatever they look like", async () => {
    const texts = ["Error: the forecast service is down [503].", [{ type: "text", text: "down [503]." }]] as const;
    for (const content of texts) {
      const answered = await resultsOfProvidedForecast(
        (id) => new ToolMessage({ status: "error", content: content as never, tool_call_id: id }),
      );
      expect(answered).toEqual([["error", typeof content === "string" ? content : "down [503]."]]);
    }
  });

  it("passes on a result of a tool another middleware answers for that only reads like LangChain's unknown-tool text", async () => {
    const looksUnknown = "Error: forecast is not a valid tool, try one of [forecast_v2]";
    const answers: [string, "success" | "error"][] = [
      [`${looksUnknown}.`, "success"],
      [`${looksUnknown} until noon.`, "error"],
    ];
    for (const [content, status] of answers) {
      const answered = await resultsOfProvidedForecast((id) => new ToolMessage({ status, content, tool_call_id: id }));
      expect(answered).toEqual([[status, content]]);
    }
  });

  it("leaves out tools without a name (a provider's built-in tool)", async () => {
    const webSearch = { type: "web_search_preview" };
    expect(await unknownAnswer([safeToolMiddleware()], { tools: [lookup, sendEmail, webSearch as never] })).toBe(
      'Error: tool "lookpu" does not exist. Did you mean "lookup"? Available tools: lookup, send_email. Call one of these tools instead.',
    );
  });
});

describe("tools other middleware provide", () => {
  /** A middleware that gives the model `provided` and runs its calls (dynamic tools). */
  const providing = (provided: StructuredToolInterface) =>
    createMiddleware({
      name: "DynamicTools",
      wrapModelCall: (request, handler) => handler({ ...request, tools: [...request.tools, provided] }),
      wrapToolCall: (request, handler) =>
        request.toolCall.name === provided.name ? handler({ ...request, tool: provided }) : handler(request),
    });

  it("runs a tool a middleware listed after it provides (dynamic tools); a name nobody provides gets the node's text", async () => {
    const forecast = tool(async ({ city }) => `sunny in ${city}`, {
      name: "forecast",
      description: "f",
      schema: z.object({ city: z.string() }),
    });
    const dynamic = providing(forecast);
    const turn = new AIMessage({
      id: "a1",
      content: "",
      tool_calls: [
        { id: "c1", name: "forecast", args: { city: "Oslo" } },
        { id: "c2", name: "forcast", args: { city: "Rome" } },
      ],
    });
    const agent = createAgent({
      model: new ScriptedChatModel([turn]),
      tools: [lookup],
      middleware: [safeToolMiddleware(), dynamic],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    // the list names the tools the middleware saw at the model call: those added further in are not among them
    expect(results(messages).map((r) => r.content)).toEqual([
      "sunny in Oslo",
      'Error: tool "forcast" does not exist. Available tools: lookup. Call one of these tools instead.',
    ]);
  });

  it("answers a failing tool a middleware provides as failed, and a name nobody provides with no tools registered as having none (a turn a cache served)", async () => {
    const forecast = tool(
      async ({ city }): Promise<string> => {
        throw new Error(`no forecast for ${city}`);
      },
      { name: "forecast", description: "f", schema: z.object({ city: z.string() }) },
    );
    let served = 0;
    const cache = createMiddleware({
      name: "Cache",
      wrapModelCall: (request, handler) =>
        served++
          ? handler(request)
          : new AIMessage({
              id: "cached",
              content: "",
              tool_calls: [
                { id: "c1", name: "forecast", args: { city: "Oslo" } },
                { id: "c2", name: "forcast", args: { city: "Rome" } },
              ],
            }),
    });
    const dynamic = providing(forecast);
    const agent = createAgent({
      model: new ScriptedChatModel(["done"]),
      tools: [],
      middleware: [cache, safeToolMiddleware(), dynamic],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.content)).toEqual([
      'Error: tool "forecast" failed: no forecast for Oslo. Fix the arguments or try a different approach.',
      'Error: tool "forcast" does not exist. Available tools: (none). Call one of these tools instead.',
    ]);
  });
});

describe("the middleware's marks travel with the calls", () => {
  it("still holds back a broken or cut-off call when piiMiddleware rebuilds the AIMessage", async () => {
    const ran: string[] = [];
    const cleanup = tool(async ({ dir }) => (ran.push(dir ?? "<everything>"), "cleaned"), {
      name: "cleanup",
      description: "c",
      schema: z.object({ dir: z.string().optional() }),
    });
    const broken = new AIMessage({
      id: "a1",
      content: "Cleaning up for bob@example.com.",
      tool_calls: [],
      invalid_tool_calls: [invalidCall("cleanup", '{"dir": "/tmp/bob', "call_c", "Unterminated string in JSON")],
    });
    const cut = new AIMessage({
      id: "a1",
      content: "Writing for bob@example.com.",
      tool_calls: [{ id: "call_w", name: "cleanup", args: { dir: "/tmp/b" } }],
      additional_kwargs: {
        tool_calls: [{ id: "call_w", type: "function", function: { name: "cleanup", arguments: '{"dir":"/tmp/b' } }],
      },
      response_metadata: { finish_reason: "length" },
    });
    for (const turn of [broken, cut]) {
      ran.length = 0;
      const agent = createAgent({
        model: new ScriptedChatModel([turn, new AIMessage({ id: "a2", content: "done" })]),
        tools: [cleanup],
        middleware: [safeToolMiddleware(), piiMiddleware("email", { strategy: "redact", applyToOutput: true })],
      });
      const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
      await expectValidHistory(messages);
      expect(ran).toEqual([]);
    }
  });

  it("runs a cut-off call once a human edits it under humanInTheLoopMiddleware (the edit is a new call)", async () => {
    const written: string[] = [];
    const write = tool(async ({ path, content }) => (written.push(`${path}:${content}`), "ok"), {
      name: "write_file",
      description: "w",
      schema: z.object({ path: z.string(), content: z.string() }),
    });
    const cut = new AIMessage({
      id: "a1",
      content: "",
      tool_calls: [{ id: "call_w", name: "write_file", args: { path: "a.txt", content: "Dear Bo" } }],
      additional_kwargs: {
        tool_calls: [
          {
            id: "call_w",
            type: "function",
            function: { name: "write_file", arguments: '{"path":"a.txt","content":"Dear Bo' },
          },
        ],
      },
      response_metadata: { finish_reason: "length" },
    });
    const agent = createAgent({
      model: new ScriptedChatModel([cut, new AIMessage({ id: "a2", content: "done" })]),
      tools: [write],
      checkpointer: new MemorySaver(),
      middleware: [safeToolMiddleware(), humanInTheLoopMiddleware({ interruptOn: { write_file: true } })],
    });
    const config = { configurable: { thread_id: "hitl-edit-cut" } };
    await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] }, config);
    const done = await agent.invoke(
      new Command({
        resume: {
          decisions: [
            {
              type: "edit",
              editedAction: { name: "write_file", args: { path: "a.txt", content: "Dear Bob, hello." } },
            },
          ],
        },
      }),
      config,
    );
    await expectValidHistory(done.messages);
    expect(written).toEqual(["a.txt:Dear Bob, hello."]);
  });
});

describe("schema libraries under the middleware", () => {
  it("checks Valibot arguments as the node does: a failing call does not run, a valid one gets the schema's defaults", async () => {
    const runs: unknown[] = [];
    const pick = tool(async (input: unknown) => (runs.push(input), "ok"), {
      name: "pick",
      description: "Pick.",
      schema: v.object({ q: v.picklist(["a", "b"]), d: v.optional(v.number(), 4) }) as never,
    });
    const model = new ScriptedChatModel([
      new AIMessage({
        id: "r1",
        content: "",
        tool_calls: [
          { id: "c1", name: "pick", args: { q: "a" } },
          { id: "c2", name: "pick", args: { q: "zz" } },
        ],
      }),
      "done",
    ]);
    const agent = createAgent({ model, tools: [pick], middleware: [safeToolMiddleware()] });
    const { messages } = await agent.invoke({ messages: [new HumanMessage("go")] });
    await expectValidHistory(messages);
    expect(runs).toEqual([{ q: "a", d: 4 }]);
    const results = messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
    expect(results.map((r) => r.status)).toEqual(["success", "error"]);
    expect(String(results[1]!.content)).toMatch(/^Error: invalid arguments for tool "pick":\n- q: /);
  });

  it("answers a call whose Standard Schema throws while checking it as failed, without running the tool, in the node's words", async () => {
    const runs: unknown[] = [];
    const throwingSchema = {
      "~standard": {
        version: 1,
        vendor: "custom",
        validate: () => {
          throw new Error("schema service down");
        },
      },
    };
    const checked = tool(async (input: unknown) => (runs.push(input), "ok"), {
      name: "checked",
      description: "Checked.",
      schema: throwingSchema as never,
    });
    const turn = () => new AIMessage({ id: "r1", content: "", tool_calls: [{ id: "c1", name: "checked", args: {} }] });
    const nodeHistory = [new HumanMessage({ id: "h", content: "go" }), turn()];
    const nodeResults = results(
      applyOutput(nodeHistory, await new SafeToolNode([checked]).invoke({ messages: nodeHistory })),
    );
    const agent = createAgent({
      model: new ScriptedChatModel([turn(), "done"]),
      tools: [checked],
      middleware: [safeToolMiddleware()],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(runs).toEqual([]);
    const answers = results(messages);
    expect(answers.map((r) => [r.tool_call_id, r.status])).toEqual([["c1", "error"]]);
    expect(answers[0]!.content).toMatch(/schema service down/);
    expect(answers[0]!.content).toBe(nodeResults[0]!.content);
  });
});

describe("what tools' Commands write under createAgent (each call is its own task)", () => {
  const turnOf = (...calls: [name: string, id: string][]) =>
    new AIMessage({ id: "m1", content: "", tool_calls: calls.map(([name, id]) => ({ id, name, args: { q: "x" } })) });
  // without the repair before the model, a history the tools left broken reaches the scripted model, which refuses it
  const run = async (turn: AIMessage, tools: Parameters<typeof createAgent>[0]["tools"]) => {
    const agent = createAgent({
      model: new ScriptedChatModel([turn, new AIMessage({ id: "m2", content: "done" })]),
      tools,
      middleware: [safeToolMiddleware({ repairBeforeModel: false })],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    return messages;
  };

  it("hands the turn to the parent graph when a tool returns Command.PARENT (only its result, or [...state.messages, result])", async () => {
    const patterns = {
      "only the result": (runtime: ToolRuntime, result: ToolMessage) => [result],
      "[...state.messages, result]": (runtime: ToolRuntime, result: ToolMessage) => [
        ...(runtime.state as { messages: BaseMessage[] }).messages,
        result,
      ],
    };
    for (const [label, messagesOf] of Object.entries(patterns)) {
      const transfer = tool(
        async (_a, runtime: ToolRuntime) =>
          new Command({
            graph: Command.PARENT,
            goto: "bob",
            update: {
              messages: messagesOf(
                runtime,
                new ToolMessage({ content: "Transferred to bob", tool_call_id: runtime.toolCallId }),
              ),
            },
          }),
        { name: "transfer_to_bob", description: "t", schema: z.object({}) },
      );
      const team = createAgent({
        model: new ScriptedChatModel([turnOf(["transfer_to_bob", "c1"])]),
        tools: [transfer],
        middleware: [safeToolMiddleware()],
      });
      const parent = new StateGraph(MessagesAnnotation)
        .addNode("team", team.graph, { ends: ["bob"] })
        .addNode("bob", () => ({ messages: [new AIMessage({ content: "bob here", id: "bob-reply" })] }))
        .addEdge(START, "team")
        .addEdge("bob", END)
        .compile();
      const { messages } = await parent.invoke({ messages: [new HumanMessage({ content: "go", id: "h0" })] });
      await expectValidHistory(messages);
      expect(messages.map((m) => m.content)).toEqual(["go", "", "Transferred to bob", "bob here"]);
      // the docs' pattern re-sends the parent's history, so the turn keeps its ids there
      expect((results(messages)[0]!.tool_call_id === "c1") === label.includes("state.messages")).toBe(true);
    }
  });

  it("keeps a new message a Command writes after its result, and leaves it out while the calls after it are pending", async () => {
    const remember = tool(
      async (_a, runtime: ToolRuntime) =>
        new Command({
          update: {
            messages: [
              new ToolMessage({ content: "saved", tool_call_id: runtime.toolCallId }),
              new HumanMessage({ content: "[memory] likes tea", id: "memo" }),
            ],
          },
        }),
      { name: "remember", description: "r", schema: z.object({ q: z.string() }) },
    );
    const cases: [calls: [string, string][], expected: unknown[]][] = [
      [[["remember", "c1"]], ["go", "", "saved", "[memory] likes tea", "done"]],
      [
        [
          ["remember", "c1"],
          ["lookup", "c2"],
        ],
        ["go", "", "saved", "found x", "done"],
      ],
      [
        [
          ["lookup", "c1"],
          ["remember", "c2"],
        ],
        ["go", "", "found x", "saved", "[memory] likes tea", "done"],
      ],
    ];
    for (const [calls, expected] of cases) {
      const messages = await run(turnOf(...calls), [remember, lookup]);
      expect(messages.map((m) => m.content)).toEqual(expected);
    }
  });

  it("keeps each call's result when the tools' Commands give their results one message id; a lone call's result keeps it", async () => {
    const cached = tool(
      async (_a, runtime: ToolRuntime) =>
        new Command({
          update: {
            messages: [new ToolMessage({ id: "cached-result", content: "cached", tool_call_id: runtime.toolCallId })],
          },
        }),
      { name: "cached", description: "c", schema: z.object({ q: z.string() }) },
    );
    const two = await run(turnOf(["cached", "c1"], ["cached", "c2"]), [cached]);
    expect(results(two).map((r) => [r.tool_call_id, r.content])).toEqual([
      ["c1", "cached"],
      ["c2", "cached"],
    ]);
    const one = await run(turnOf(["cached", "c1"]), [cached]);
    expect(results(one).map((r) => r.id)).toEqual(["cached-result"]);
  });

  it("stores a tool's own ToolMessage without a message id as it is, beside other calls, as the node passes it on", async () => {
    const built: ToolMessage[] = [];
    const own = tool(
      async ({ q }, runtime: ToolRuntime) => {
        const message = new ToolMessage({ content: q, tool_call_id: runtime.toolCallId, name: "own" });
        built.push(message);
        return message;
      },
      { name: "own", description: "own", schema: z.object({ q: z.string() }) },
    );
    const agent = createAgent({
      model: new ScriptedChatModel([
        new AIMessage({
          id: "a1",
          content: "",
          tool_calls: [
            { id: "c1", name: "own", args: { q: "a" } },
            { id: "c2", name: "own", args: { q: "b" } },
          ],
        }),
        "done",
      ]),
      tools: [own],
      middleware: [safeToolMiddleware()],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    const stored = results(messages);
    expect(stored.map((r) => r.content)).toEqual(["a", "b"]);
    expect(stored.every((r) => built.includes(r))).toBe(true);
  });

  it("keeps every call's result when tools return results under one message id of their own, across sibling calls and later turns (a cached result)", async () => {
    const stampedResult = (q: string, toolCallId: string) =>
      new ToolMessage({ id: "same-result", content: `result ${q}`, tool_call_id: toolCallId });
    const asMessage = tool(async ({ q }, runtime: ToolRuntime) => stampedResult(q, runtime.toolCallId), {
      name: "stamped",
      description: "s",
      schema: z.object({ q: z.string() }),
    });
    const asCommand = tool(
      async ({ q }, runtime: ToolRuntime) =>
        new Command({ update: { messages: [stampedResult(q, runtime.toolCallId)] } }),
      { name: "stamped", description: "s", schema: z.object({ q: z.string() }) },
    );
    const turnWith = (id: string, ...calls: string[]) =>
      new AIMessage({ id, content: "", tool_calls: calls.map((c) => ({ id: c, name: "stamped", args: { q: c } })) });
    for (const stamped of [asMessage, asCommand]) {
      const agent = createAgent({
        model: new ScriptedChatModel([
          turnWith("a1", "c1", "c2", "c3"),
          turnWith("a2", "c4"),
          turnWith("a3", "c5"),
          new AIMessage({ id: "a4", content: "done" }),
        ]),
        tools: [stamped],
        // no repair before the model: each model request sees the history as the tools left it
        middleware: [safeToolMiddleware({ repairBeforeModel: false })],
      });
      const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
      await expectValidHistory(messages);
      expect(results(messages).map((r) => [r.tool_call_id, r.content])).toEqual(
        ["c1", "c2", "c3", "c4", "c5"].map((c) => [c, `result ${c}`]),
      );
      // siblings get new ids; the first lone call keeps its own; a later one, whose id the history holds, gets a new one
      expect(results(messages).map((r) => r.id === "same-result")).toEqual([false, false, false, true, false]);
    }
  });

  it("writes the turn into a history a tool rewrites: after the AIMessage it keeps; a history that leaves it out gets it only while the calls after it are pending", async () => {
    const summary = new HumanMessage({ content: "summary", id: "sum" });
    const compactTo = (keep: (messages: BaseMessage[]) => BaseMessage[]) =>
      tool(
        async (_a, runtime: ToolRuntime) =>
          new Command({
            update: {
              messages: [
                new RemoveMessage({ id: REMOVE_ALL_MESSAGES }),
                ...keep((runtime.state as { messages: BaseMessage[] }).messages),
                new ToolMessage({ content: "compacted", tool_call_id: runtime.toolCallId }),
              ],
            },
          }),
        { name: "compact", description: "c", schema: z.object({ q: z.string() }) },
      );
    const keepsTurn = await run(turnOf(["compact", "c1"]), [compactTo((messages) => [summary, messages.at(-1)!])]);
    expect(keepsTurn.map((m) => m.content)).toEqual(["summary", "", "compacted", "done"]);
    // the first message and a summary: the turn is left out, but the call after it answers into this history
    const dropsTurn = await run(turnOf(["compact", "c1"], ["lookup", "c2"]), [
      compactTo((messages) => [messages[0]!, summary]),
      lookup,
    ]);
    expect(dropsTurn.map((m) => m.content)).toEqual(["go", "summary", "", "compacted", "found x", "done"]);
    // the same history as the turn's only call: the turn is left out, as the tool wrote it
    const leftOut = await run(turnOf(["compact", "c1"]), [compactTo((messages) => [messages[0]!, summary])]);
    expect(leftOut.map((m) => m.content)).toEqual(["go", "summary", "done"]);
  });
});
