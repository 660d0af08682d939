import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { repairToolResults, validateToolResults } from "../src/index.js";
import { aiWith, anthropicStyleAI, call, invalidCall } from "./helpers/fixtures.js";
import { expectValidHistory } from "./helpers/invariant.js";

const human = (text: string) => new HumanMessage({ content: text, id: `h-${text}` });
const result = (
  id: string,
  content: ToolMessage["content"] = `result ${id}`,
  name: string | undefined = "get_weather",
) => new ToolMessage({ content, tool_call_id: id, name, status: "success", id: `t-${id}` });
const weatherCall = (id?: string) => call("get_weather", { city: "x" }, id);
const toolMessages = (history: readonly BaseMessage[]) => history.filter((m) => ToolMessage.isInstance(m));

describe("repairToolResults on threads as they break", () => {
  it("moves results into place as they are, content blocks included, beside a filled one", () => {
    const blocks = [
      { type: "text", text: "the chart" },
      { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
    ];
    const chart = result("c2", blocks as never);
    const plain = result("c1");
    const note = new SystemMessage({ content: "Be brief.", id: "sys-note" });
    const ai = aiWith([weatherCall("c1"), weatherCall("c2"), weatherCall("c3")]);
    const history = [human("q"), ai, chart, note, plain];
    const repaired = repairToolResults(history);
    expect(repaired.slice(0, 4)).toEqual([history[0], ai, plain, chart]);
    [history[0], ai, plain, chart].forEach((m, i) => expect(repaired[i]).toBe(m));
    expect((repaired[4] as ToolMessage).tool_call_id).toBe("c3");
    expect(repaired[5]).toBe(note);
    expect(chart.content).toEqual(blocks);
  });

  it("re-addresses a result to its call's new id, keeping the result's name, or giving it the call's when it has none", async () => {
    const history = [
      human("q"),
      aiWith([weatherCall("call.1"), call("lookup", {}, "call.2")]),
      result("call.1", "Sunny", "weather_v2"),
      result("call.2", "found", ""),
    ];
    const repaired = repairToolResults(history);
    const [first, second] = toolMessages(repaired);
    const ids = (repaired[1] as AIMessage).tool_calls!.map((c) => c.id);
    expect([first!.tool_call_id, first!.name, first!.content, first!.status]).toEqual([
      ids[0],
      "weather_v2",
      "Sunny",
      "success",
    ]);
    expect([second!.tool_call_id, second!.name, second!.content]).toEqual([ids[1], "lookup", "found"]);
    expect(validateToolResults(repaired)).toEqual([]);
  });

  it("gives each filled result a message id of its own, made from its call's id", () => {
    const repaired = repairToolResults([human("q"), aiWith([weatherCall("c1"), weatherCall("c2")]), human("next")]);
    expect(toolMessages(repaired).map((m) => [m.id, m.tool_call_id, m.name, m.status])).toEqual([
      ["repaired-c1", "c1", "get_weather", "error"],
      ["repaired-c2", "c2", "get_weather", "error"],
    ]);
  });

  it("answers a crashed turn cut off by the token limit: the cut-short call as the node would, the others as unknown", async () => {
    // As ChatOpenAI returns it: the raw calls in the order the model wrote them, the last one cut short.
    const raw = [
      { id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"x"}' } },
      { id: "c2", type: "function", function: { name: "get_weather", arguments: '{"city": "Os' } },
    ];
    const ai = aiWith([weatherCall("c1")], [invalidCall("get_weather", '{"city": "Os', "c2")], {
      additional_kwargs: { tool_calls: raw as never },
      response_metadata: { finish_reason: "length" },
    });
    const repaired = repairToolResults([human("q"), ai, human("hello?")]);
    const [first, cut] = toolMessages(repaired).map((m) => String(m.content));
    expect(first).toMatch(/result of tool "get_weather" is unknown/);
    expect(cut).toMatch(/cut off by the output token limit/);
    expect(cut).not.toMatch(/is unknown/);
    await expectValidHistory(repaired);
  });

  it("says the outcome is unknown for a crashed cut-off call whose arguments parsed: it may have run", () => {
    const ai = aiWith([weatherCall("c1"), weatherCall("c2")], [], { response_metadata: { finish_reason: "length" } });
    const repaired = repairToolResults([human("q"), ai]);
    expect(toolMessages(repaired).map((m) => String(m.content))).toEqual([
      expect.stringMatching(/result of tool "get_weather" is unknown/),
      expect.stringMatching(/result of tool "get_weather" is unknown/),
    ]);
  });

  it("fills every missing result with the text given, invalid calls included", () => {
    const ai = aiWith([weatherCall("c1")], [invalidCall("get_weather", "{", "c2")]);
    const repaired = repairToolResults([human("q"), ai], { missingResult: "No result was recorded." });
    expect(toolMessages(repaired).map((m) => [m.tool_call_id, m.content, m.status])).toEqual([
      ["c1", "No result was recorded.", "error"],
      ["c2", "No result was recorded.", "error"],
    ]);
  });

  it("repairs an Anthropic turn that crashed: every tool_use block gets a result, on the wire too", async () => {
    const ai = anthropicStyleAI([weatherCall("toolu_1"), weatherCall("toolu_2")]);
    const history = [human("q"), ai, result("toolu_2"), human("hello?")];
    const repaired = repairToolResults(history);
    expect(repaired[1]).toBe(ai);
    expect(toolMessages(repaired).map((m) => [m.tool_call_id, m.status])).toEqual([
      ["toolu_1", "error"],
      ["toolu_2", "success"],
    ]);
    expect(repaired[3]).toBe(history[2]);
    await expectValidHistory(repaired);
  });
});
