import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
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
import { applyOutput, invariantProblems } from "./helpers/invariant.js";
import { sendThroughProviders } from "./helpers/wire.js";

// The checks every other test relies on must be able to fail.
describe("the invariant check itself", () => {
  const ai = aiWith([call("get_weather", { city: "a" }, "c1"), call("get_weather", { city: "b" }, "c2")]);
  const result = (id: string) =>
    new ToolMessage({ content: "x", tool_call_id: id, name: "get_weather", status: "success" });

  it("sends a single-call turn to Gemini as is; a parallel turn is split by the Gemini converter", async () => {
    const single = aiWith([call("get_weather", { city: "a" }, "s1")]);
    const one = await sendThroughProviders([...historyWith(single), result("s1")]);
    expect(one.find((r) => r.provider === "gemini")).toEqual({ provider: "gemini" });
    const two = await sendThroughProviders([...historyWith(ai), result("c1"), result("c2")]);
    expect(two.find((r) => r.provider === "gemini")).toEqual({ provider: "gemini", limit: "split-responses" });
    // Vertex AI's converter joins the turn's responses: sent as is
    expect(two.find((r) => r.provider === "vertex")).toEqual({ provider: "vertex" });
    // a split turn that is also missing a result is still an error
    const broken = await sendThroughProviders([...historyWith(ai), result("c1")]);
    expect(broken.find((r) => r.provider === "gemini")?.error).toMatch(/number of function response parts/);
  });

  it("accepts a valid history", async () => {
    const history = [...historyWith(ai), result("c1"), result("c2")];
    expect(invariantProblems(history)).toEqual([]);
    expect((await sendThroughProviders(history)).filter((r) => r.error)).toEqual([]);
  });

  it.each([
    ["a missing result", [result("c1")]],
    ["results out of call order", [result("c2"), result("c1")]],
    ["a duplicate result", [result("c1"), result("c2"), result("c2")]],
    ["an orphan result", [result("c1"), result("c2"), result("zzz")]],
    ["a message between the calls and their results", [new HumanMessage("hi"), result("c1"), result("c2")]],
  ])("rejects %s", async (_label, tail) => {
    const history = [...historyWith(ai), ...tail];
    expect(invariantProblems(history)).not.toEqual([]);
  });

  it("the wire check rejects what the providers reject", async () => {
    const missing = await sendThroughProviders([...historyWith(ai), result("c1")]);
    expect(missing.map((r) => r.error)).toEqual([
      expect.stringMatching(/did not have response messages: c2/),
      expect.stringMatching(/No tool output found for function call c2/),
      expect.stringMatching(/without tool_result blocks immediately after: c2/),
      expect.stringMatching(/number of function response parts is equal to the number of function call parts/),
      expect.stringMatching(/Expected toolResult blocks at messages.2.content for the following Ids: c2/),
      expect.stringMatching(/number of function response parts is equal to the number of function call parts/),
      // The Mistral converter drops a call that no message of the request answers: the model never sees it.
      undefined,
      expect.stringMatching(/2 tool calls are followed by 1 tool messages/),
    ]);
    const orphan = await sendThroughProviders([new HumanMessage("x"), new AIMessage("hi"), result("c9")]);
    expect(orphan.every((r) => r.error)).toBe(true);
  });

  it.each([
    ["openai-chat", openAIStyleAI],
    ["openai-responses", responsesStyleAI],
    ["anthropic", anthropicStyleAI],
  ])("catches ToolNode's broken history for a %s turn with only an invalid call", async (provider, make) => {
    const bad = make([], [invalidCall("get_weather", '{"city": ', "c2")]);
    const history = historyWith(bad);
    const out = await new ToolNode([weather]).invoke({ messages: history });
    const after = applyOutput(history, out);
    expect(invariantProblems(after)).not.toEqual([]);
    const wire = await sendThroughProviders(after);
    expect(wire.find((r) => r.provider === provider)?.error).toMatch(/c2/);
  });
});
