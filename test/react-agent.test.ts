import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Annotation, Command, MemorySaver, MessagesAnnotation, interrupt } from "@langchain/langgraph";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ScriptedChatModel } from "../src/testing.js";
import { SafeToolNode, safePostModelHook, validateToolResults } from "../src/index.js";
import { invalidCall, openAIStyleAI } from "./helpers/fixtures.js";
import { expectValidAfter, expectValidHistory, messageWrites } from "./helpers/invariant.js";

const lookup = tool(async ({ q }) => `found ${q}`, {
  name: "lookup",
  description: "Look up.",
  schema: z.object({ q: z.string() }),
});

const results = (messages: BaseMessage[]) => messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));

describe("createReactAgent({ llm, tools: new SafeToolNode(tools) })", () => {
  it("runs the agent with a prompt, answering broken calls", async () => {
    const model = new ScriptedChatModel([
      new AIMessage({
        id: "r1",
        content: "",
        tool_calls: [
          { id: "c1", name: "lookup", args: { q: "a" } },
          { id: "c2", name: "missing", args: {} },
        ],
        invalid_tool_calls: [invalidCall("lookup", '{"q":', "c3")],
      }),
      new AIMessage({ id: "r2", content: "done" }),
    ]);
    const agent = createReactAgent({ llm: model, tools: new SafeToolNode([lookup]), prompt: "You are terse." });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.status)).toEqual(["success", "error", "error"]);
    expect(model.requests[0]![0]).toBeInstanceOf(SystemMessage);
  });

  it("works with a custom state schema and with interrupts", async () => {
    const State = Annotation.Root({ ...MessagesAnnotation.spec, userId: Annotation<string>() });
    const ask = tool(async () => `approved: ${String(interrupt("ok?"))}`, {
      name: "ask",
      description: "Ask.",
      schema: z.object({}),
    });
    let lookups = 0;
    const counted = tool(async () => `lookup ${++lookups}`, {
      name: "counted",
      description: "Counted.",
      schema: z.object({}),
    });
    const model = new ScriptedChatModel([
      new AIMessage({
        id: "r1",
        content: "",
        tool_calls: [
          { id: "c1", name: "ask", args: {} },
          { id: "c2", name: "counted", args: {} },
        ],
      }),
      new AIMessage({ id: "r2", content: "done" }),
    ]);
    const agent = createReactAgent({
      llm: model,
      tools: new SafeToolNode([ask, counted]),
      stateSchema: State,
      checkpointer: new MemorySaver(),
    });
    const config = { configurable: { thread_id: "react" } };
    await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })], userId: "u1" }, config);
    const done = await agent.invoke(new Command({ resume: "yes" }), config);
    await expectValidHistory(done.messages);
    expect(results(done.messages).map((r) => r.content)).toEqual(["approved: yes", "lookup 1"]);
    expect(lookups).toBe(1);
    expect(done.userId).toBe("u1");
  });
});

describe("createReactAgent with postModelHook: safePostModelHook()", () => {
  let runs = 0;
  const counted = tool(async ({ q }) => `run ${++runs}: ${q}`, {
    name: "lookup",
    description: "Look up.",
    schema: z.object({ q: z.string() }),
  });
  const agentWith = (script: AIMessage[], version: "v1" | "v2") => {
    runs = 0;
    const model = new ScriptedChatModel(script);
    const agent = createReactAgent({
      llm: model,
      tools: new SafeToolNode([counted]),
      postModelHook: safePostModelHook(),
      version,
    });
    return { model, agent };
  };
  const go = [new HumanMessage({ id: "h", content: "go" })];

  for (const version of ["v1", "v2"] as const) {
    describe(version, () => {
      it("answers a turn whose only call is invalid, and the model sees the error", async () => {
        const { model, agent } = agentWith(
          [
            new AIMessage({ id: "r1", content: "", invalid_tool_calls: [invalidCall("lookup", '{"q":', "c1")] }),
            new AIMessage({ id: "r2", content: "done" }),
          ],
          version,
        );
        const { messages } = await agent.invoke({ messages: go });
        await expectValidHistory(messages);
        expect(validateToolResults(messages)).toEqual([]);
        expect(results(messages).map((r) => r.status)).toEqual(["error"]);
        expect(String(results(messages)[0]!.content)).toMatch(/JSON/);
        expect(runs).toBe(0);
        // The model was called again, with the error result in its history.
        expect(model.requests).toHaveLength(2);
        expect(model.requests[1]!.some((m) => ToolMessage.isInstance(m))).toBe(true);
      });

      it("answers a turn that only the raw OpenAI payload carries, without running it", async () => {
        const raw = openAIStyleAI([{ id: "c1", name: "lookup", args: { q: "x" }, type: "tool_call" }]);
        const rawOnly = new AIMessage({
          id: "r1",
          content: "",
          additional_kwargs: raw.additional_kwargs,
          tool_calls: [],
        });
        const { agent } = agentWith([rawOnly, new AIMessage({ id: "r2", content: "done" })], version);
        const { messages } = await agent.invoke({ messages: go });
        await expectValidHistory(messages);
        expect(results(messages).map((r) => r.status)).toEqual(["error"]);
        expect(runs).toBe(0);
      });

      it("runs a call that reuses an earlier turn's id (call_0 every turn), under a fresh id", async () => {
        const { agent } = agentWith(
          [
            new AIMessage({ id: "r1", content: "", tool_calls: [{ id: "call_0", name: "lookup", args: { q: "a" } }] }),
            new AIMessage({ id: "r2", content: "", tool_calls: [{ id: "call_0", name: "lookup", args: { q: "b" } }] }),
            new AIMessage({ id: "r3", content: "done" }),
          ],
          version,
        );
        const { messages } = await agent.invoke({ messages: go });
        await expectValidHistory(messages);
        expect(results(messages).map((r) => r.content)).toEqual(["run 1: a", "run 2: b"]);
      });

      it("answers valid, invalid and nameless calls of one turn in call order, running only the valid one", async () => {
        const { agent } = agentWith(
          [
            new AIMessage({
              id: "r1",
              content: "",
              tool_calls: [
                { id: "c1", name: "", args: { q: "?" } },
                { id: "c2", name: "lookup", args: { q: "a" } },
              ],
              invalid_tool_calls: [invalidCall("lookup", '{"q":', "c3")],
            }),
            new AIMessage({ id: "r2", content: "done" }),
          ],
          version,
        );
        const { messages } = await agent.invoke({ messages: go });
        await expectValidHistory(messages);
        expect(results(messages).map((r) => r.status)).toEqual(["error", "success", "error"]);
        expect(runs).toBe(1);
      });

      it("runs each of two calls that share an id within one message", async () => {
        const { agent } = agentWith(
          [
            new AIMessage({
              id: "r1",
              content: "",
              tool_calls: [
                { id: "call_0", name: "lookup", args: { q: "a" } },
                { id: "call_0", name: "lookup", args: { q: "b" } },
              ],
            }),
            new AIMessage({ id: "r2", content: "done" }),
          ],
          version,
        );
        const { messages } = await agent.invoke({ messages: go });
        await expectValidHistory(messages);
        expect(
          results(messages)
            .map((r) => String(r.content))
            .sort(),
        ).toEqual(["run 1: a", "run 2: b"].sort());
        expect(results(messages).map((r) => String(r.content).slice(-1))).toEqual(["a", "b"]);
      });

      it("holds back a call the token limit cut off", async () => {
        const cut = new AIMessage({
          id: "r1",
          content: "",
          tool_calls: [{ id: "c1", name: "lookup", args: { q: "a" } }],
          response_metadata: { finish_reason: "length" },
        });
        const { agent } = agentWith([cut, new AIMessage({ id: "r2", content: "done" })], version);
        const { messages } = await agent.invoke({ messages: go });
        await expectValidHistory(messages);
        expect(results(messages).map((r) => r.status)).toEqual(["error"]);
        expect(runs).toBe(0);
      });
    });
  }

  describe("the node on a turn the hook prepared", () => {
    const byId = (messages: BaseMessage[]) => new Map(results(messages).map((r) => [r.tool_call_id, r]));

    it("answers each marked call as its mark says (parse error, not in tool_calls, no name) and does not correct the turn again", async () => {
      // Anthropic: the tool_use blocks are sent as they are, c3 among them, though tool_calls lacks it
      const ai = new AIMessage({
        id: "r1",
        content: [
          { type: "text", text: "Looking." },
          { type: "tool_use", id: "c1", name: "lookup", input: { q: "a" } },
          { type: "tool_use", id: "c3", name: "lookup", input: { q: "b" } },
        ],
        tool_calls: [
          { id: "c1", name: "lookup", args: { q: "a" } },
          { id: "c4", name: "", args: { q: "?" } },
        ],
        invalid_tool_calls: [invalidCall("lookup", '{"q":', "c2", "Unexpected end of JSON input")],
      });
      const [prepared] = safePostModelHook()({ messages: [...go, ai] }).messages;
      const history = [...go, prepared!];
      runs = 0;
      const out = await new SafeToolNode([counted]).invoke({ messages: history });
      expect(messageWrites(out).filter((m) => AIMessage.isInstance(m))).toEqual([]);
      const after = await expectValidAfter(history, out);
      const answers = byId(after);
      expect(answers.get("c1")!.content).toBe("run 1: a");
      expect(answers.get("c2")!.content).toMatch(/could not be parsed: Unexpected end of JSON input/);
      expect(answers.get("c3")!.content).toMatch(/was not run: it is missing from the message's parsed tool calls/);
      expect(answers.get("c4")!.content).toMatch(/^Error: the call names no tool\./);
      expect(runs).toBe(1);
    });

    it("holds back the cut-off call when a step after the hook rebuilt the AIMessage without its response_metadata", async () => {
      const cut = new AIMessage({
        id: "r1",
        content: "",
        tool_calls: [
          { id: "c1", name: "lookup", args: { q: "a" } },
          { id: "c2", name: "lookup", args: { q: "b" } },
        ],
        response_metadata: { finish_reason: "length" },
      });
      const [prepared] = safePostModelHook()({ messages: [...go, cut] }).messages;
      // as LangChain's PII middleware rebuilds it: content, id, name and the calls
      const rebuilt = new AIMessage({ id: prepared!.id, content: prepared!.content, tool_calls: prepared!.tool_calls });
      const history = [...go, rebuilt];
      runs = 0;
      const after = await expectValidAfter(history, await new SafeToolNode([counted]).invoke({ messages: history }));
      const answers = byId(after);
      expect(answers.get("c1")!.content).toBe("run 1: a");
      expect(answers.get("c2")!.content).toMatch(/^Error: your response was cut off by the output token limit/);
      expect(runs).toBe(1);
    });
  });

  it("corrects a turn that opens the history, and writes nothing after a human message or for a turn without a message id (the reducer could not replace it)", () => {
    const hook = safePostModelHook();
    const repeated = (id?: string) =>
      new AIMessage({
        id,
        content: "",
        tool_calls: [
          { id: "call_0", name: "lookup", args: { q: "a" } },
          { id: "call_0", name: "lookup", args: { q: "b" } },
        ],
      });
    const [corrected] = hook({ messages: [repeated("r1")] }).messages;
    expect(corrected!.id).toBe("r1");
    expect(corrected!.tool_calls!.map((c) => c.id)).toEqual(["call_0", expect.not.stringMatching(/^call_0$/)]);
    expect(hook({ messages: [repeated("r1"), ...go] })).toEqual({ messages: [] });
    expect(hook({ messages: [...go, repeated()] })).toEqual({ messages: [] });
  });

  it("writes nothing for a turn that needs nothing", () => {
    const hook = safePostModelHook();
    const ai = new AIMessage({ id: "r1", content: "", tool_calls: [{ id: "c1", name: "lookup", args: { q: "a" } }] });
    expect(hook({ messages: [...go, ai] })).toEqual({ messages: [] });
    expect(hook({ messages: [...go, new AIMessage({ id: "r2", content: "done" })] })).toEqual({ messages: [] });
  });
});
