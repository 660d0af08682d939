import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Annotation, Command, MemorySaver, MessagesAnnotation, interrupt } from "@langchain/langgraph";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ScriptedChatModel } from "../examples/scripted-model.js";
import { SafeToolNode } from "../src/index.js";
import { invalidCall } from "./helpers/fixtures.js";
import { expectValidHistory } from "./helpers/invariant.js";

const lookup = tool(async ({ q }) => `found ${q}`, { name: "lookup", description: "Look up.", schema: z.object({ q: z.string() }) });

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
    expect(model.seen[0]![0]).toBeInstanceOf(SystemMessage);
  });

  it("works with a custom state schema and with interrupts", async () => {
    const State = Annotation.Root({ ...MessagesAnnotation.spec, userId: Annotation<string>() });
    const ask = tool(async () => `approved: ${String(interrupt("ok?"))}`, { name: "ask", description: "Ask.", schema: z.object({}) });
    let lookups = 0;
    const counted = tool(async () => `lookup ${++lookups}`, { name: "counted", description: "Counted.", schema: z.object({}) });
    const model = new ScriptedChatModel([
      new AIMessage({ id: "r1", content: "", tool_calls: [{ id: "c1", name: "ask", args: {} }, { id: "c2", name: "counted", args: {} }] }),
      new AIMessage({ id: "r2", content: "done" }),
    ]);
    const agent = createReactAgent({ llm: model, tools: new SafeToolNode([ask, counted]), stateSchema: State, checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "react" } };
    await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })], userId: "u1" }, config);
    const done = await agent.invoke(new Command({ resume: "yes" }), config);
    await expectValidHistory(done.messages);
    expect(results(done.messages).map((r) => r.content)).toEqual(["approved: yes", "lookup 1"]);
    expect(lookups).toBe(1);
    expect(done.userId).toBe("u1");
  });
});
