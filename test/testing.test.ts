import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SafeToolNode, safePostModelHook, validateToolResults } from "../src/index.js";
import { ScriptedChatModel } from "../src/testing.js";
import { invalidCall } from "./helpers/fixtures.js";
import { expectValidHistory } from "./helpers/invariant.js";

const search = tool(async ({ query }) => `results for ${query}`, {
  name: "search",
  description: "Search.",
  schema: z.object({ query: z.string() }),
});

describe("ScriptedChatModel (safe-tool-node/testing)", () => {
  it("replies with its script - tool calls, invalid calls, text - then Done.", async () => {
    const turn = new AIMessage({
      content: "",
      tool_calls: [{ id: "c1", name: "search", args: { query: "a" } }],
      invalid_tool_calls: [invalidCall("search", '{"query":', "c2")],
    });
    const model = new ScriptedChatModel({ responses: [turn, "It is sunny."] });
    const bound = model.bindTools([search]);
    const first = await bound.invoke([new HumanMessage("hi")]);
    expect(first.tool_calls).toEqual([expect.objectContaining({ id: "c1", name: "search", args: { query: "a" } })]);
    expect(first.invalid_tool_calls).toEqual([expect.objectContaining({ id: "c2", args: '{"query":' })]);
    const history = [
      new HumanMessage("hi"),
      first,
      new ToolMessage({ tool_call_id: "c1", name: "search", content: "r" }),
      new ToolMessage({ tool_call_id: "c2", name: "search", content: "bad JSON", status: "error" }),
    ];
    expect((await model.invoke(history)).content).toBe("It is sunny.");
    expect((await model.invoke(history)).content).toBe("Done.");
    expect(model.requests).toHaveLength(3);
  });

  it("refuses a history with a call left unanswered, with OpenAI's 400 text, and keeps its place in the script", async () => {
    const model = new ScriptedChatModel(["ok"]);
    const dangling = [
      new HumanMessage("hi"),
      new AIMessage({ id: "a", content: "", tool_calls: [{ id: "c1", name: "search", args: {} }] }),
      new HumanMessage("again"),
    ];
    await expect(model.invoke(dangling)).rejects.toThrow(
      /must be followed by tool messages responding to each 'tool_call_id'.*c1/,
    );
    const orphan = [new HumanMessage("hi"), new ToolMessage({ tool_call_id: "x", name: "search", content: "r" })];
    await expect(model.invoke(orphan)).rejects.toThrow(/^400 Invalid request: .*x/);
    expect((await model.invoke([new HumanMessage("hi")])).content).toBe("ok");
  });

  it("accepts anything with rejectRequest: () => undefined", async () => {
    const model = new ScriptedChatModel({ responses: ["ok"], rejectRequest: () => undefined });
    const dangling = [
      new AIMessage({ id: "a", content: "", tool_calls: [{ id: "c1", name: "search", args: {} }] }),
      new HumanMessage("again"),
    ];
    expect((await model.invoke(dangling)).content).toBe("ok");
  });

  it("drives createReactAgent, as in its TSDoc example", async () => {
    const model = new ScriptedChatModel({
      responses: [
        new AIMessage({
          content: "",
          tool_calls: [{ id: "call_1", name: "search", args: { query: "weather" } }],
          invalid_tool_calls: [
            {
              type: "invalid_tool_call",
              id: "call_2",
              name: "search",
              args: '{"query":',
              error: "Unexpected end of JSON input",
            },
          ],
        }),
        "It is sunny.",
      ],
    });
    const agent = createReactAgent({
      llm: model,
      tools: new SafeToolNode([search]),
      postModelHook: safePostModelHook(),
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage("weather?")] });
    expect(validateToolResults(messages)).toEqual([]);
    await expectValidHistory(messages);
    expect(model.requests).toHaveLength(2);
    expect(model.requests[1]!.filter((m) => ToolMessage.isInstance(m))).toHaveLength(2);
  });
});
