import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { SafeToolNode, repairToolResults, safePostModelHook, validateToolResults } from "../src/index.js";
import { aiWith, call, invalidCall, weather } from "./helpers/fixtures.js";
import { applyOutput, expectValidHistory } from "./helpers/invariant.js";

const human = (text: string) => new HumanMessage({ content: text, id: `h-${text}` });
const result = (id: string, content = `result ${id}`) =>
  new ToolMessage({ content, tool_call_id: id, name: "get_weather", status: "success", id: `t-${id}-${content}` });
const weatherCall = (id?: string) => call("get_weather", { city: "x" }, id);
const problemsOf = (history: readonly BaseMessage[]) =>
  validateToolResults(history).map((p) => [p.kind, p.messageIndex, p.toolCallId, p.message]);

describe("validateToolResults's report", () => {
  it("words each problem with its index, the call's id and tool, and says so when the call has no id or no name", () => {
    const history = [human("q"), aiWith([weatherCall(undefined), call("", {}, "n1")]), human("hm"), result("gone")];
    expect(problemsOf(history)).toEqual([
      ["missing_call_id", 1, undefined, 'messages[1]: a call to "get_weather" has no id'],
      ["missing_call_name", 1, "n1", 'messages[1]: call "n1" (no tool name) has no tool name'],
      ["missing_result", 1, undefined, 'messages[1]: a call to "get_weather" has no result'],
      ["missing_result", 1, "n1", 'messages[1]: call "n1" (no tool name) has no result'],
      ["orphan_result", 3, "gone", 'messages[3]: a result for call "gone", which no AIMessage before it made'],
    ]);
  });

  it("words every other rule it checks: what the call or result breaks, at which message", () => {
    const raw = new AIMessage({
      id: "raw",
      content: "",
      additional_kwargs: {
        tool_calls: [{ id: "raw1", type: "function", function: { name: "get_weather", arguments: '{"city":"x"}' } }],
      },
    });
    raw.tool_calls = []; // a guard took the call out; the converter still sends the raw call
    const cases: [string, BaseMessage[], string[]][] = [
      [
        "an unparsable call",
        [human("q"), aiWith([], [invalidCall("get_weather", "{", "bad1")]), result("bad1")],
        ['messages[1]: call "bad1" (get_weather) could not be parsed and is not answerable as it stands'],
      ],
      [
        "a raw-only call",
        [human("q"), raw, result("raw1")],
        ['messages[1]: call "raw1" (get_weather) is sent by the converters but is not in tool_calls'],
      ],
      [
        "an id a provider rejects",
        [human("q"), aiWith([weatherCall("bad id!")]), result("bad id!")],
        ['messages[1]: call "bad id!" (get_weather) has an id that does not match ^[a-zA-Z0-9_-]{1,40}$'],
      ],
      [
        "an id twice in one message",
        [human("q"), aiWith([weatherCall("d1"), weatherCall("d1")]), result("d1"), result("d1", "again")],
        ['messages[1]: call "d1" (get_weather) repeats an id of the same message'],
      ],
      [
        "an id an earlier turn used",
        [
          human("q"),
          aiWith([weatherCall("r1")]),
          result("r1"),
          human("more"),
          aiWith([weatherCall("r1")]),
          result("r1", "2"),
        ],
        ['messages[4]: call "r1" (get_weather) reuses an id of an earlier message'],
      ],
      [
        "content a provider rejects",
        [human("q"), aiWith([weatherCall("e1")]), result("e1", "")],
        ['messages[2]: the result for call "e1" has content a provider rejects'],
      ],
      [
        "a second result",
        [human("q"), aiWith([weatherCall("s1")]), result("s1"), result("s1", "again")],
        ['messages[3]: a second result for call "s1"'],
      ],
      [
        "a result after another message",
        [human("q"), aiWith([weatherCall("p1")]), human("wait"), result("p1")],
        ['messages[3]: the result for call "p1" is separated from its AIMessage (messages[1]) by other messages'],
      ],
      [
        "results out of order",
        [human("q"), aiWith([weatherCall("o1"), weatherCall("o2")]), result("o2"), result("o1")],
        ['messages[3]: the result for call "o1" comes after the result of a later call'],
      ],
    ];
    for (const [label, history, messages] of cases)
      expect(
        validateToolResults(history).map((p) => p.message),
        label,
      ).toEqual(messages);
    expect(() => validateToolResults("x" as never)).toThrow(/^validateToolResults: expected a list of messages\.$/);
  });

  it("lists the problems in message order, a turn's missing results before the problems of later messages", () => {
    const history = [
      human("q"),
      aiWith([weatherCall("c1")]),
      human("still there?"),
      aiWith([weatherCall("c2"), weatherCall("c3")]),
      result("c3"),
      result("c2"),
      result("nobody"),
      aiWith([weatherCall("c4")]),
    ];
    expect(validateToolResults(history).map((p) => [p.kind, p.messageIndex, p.toolCallId])).toEqual([
      ["missing_result", 1, "c1"],
      ["out_of_order", 5, "c2"],
      ["orphan_result", 6, "nobody"],
      ["missing_result", 7, "c4"],
    ]);
  });

  it("takes a turn prepared by safePostModelHook as answerable: only its results are missing, and the node's leave none", async () => {
    const ai = aiWith([call("", {}, "n1"), weatherCall("g1")], [invalidCall("get_weather", '{"city":', "bad1")]);
    expect(validateToolResults([human("q"), ai]).map((p) => p.kind)).toEqual([
      "missing_call_name",
      "invalid_call",
      "missing_result",
      "missing_result",
      "missing_result",
    ]);
    const {
      messages: [prepared],
    } = safePostModelHook()({ messages: [human("q"), ai] });
    const history = [human("q"), prepared!];
    expect(problemsOf(history)).toEqual([
      ["missing_result", 1, "n1", 'messages[1]: call "n1" (no tool name) has no result'],
      ["missing_result", 1, "g1", 'messages[1]: call "g1" (get_weather) has no result'],
      ["missing_result", 1, "bad1", 'messages[1]: call "bad1" (get_weather) has no result'],
    ]);
    const after = applyOutput(history, await new SafeToolNode([weather]).invoke({ messages: history }));
    expect(validateToolResults(after)).toEqual([]);
    await expectValidHistory(after);
  });

  it("gives a result that follows two unanswered turns sharing its id to the first, and still reports the second's", () => {
    const history = [
      human("q"),
      aiWith([weatherCall("call_0")]),
      human("hello?"),
      aiWith([weatherCall("call_0")]),
      new AIMessage({ content: "I will wait.", id: "a-wait" }),
      result("call_0"),
    ];
    expect(validateToolResults(history).map((p) => [p.kind, p.messageIndex, p.toolCallId])).toEqual([
      ["reused_call_id", 3, "call_0"],
      ["missing_result", 3, "call_0"],
      ["separated_result", 5, "call_0"],
    ]);
    expect(validateToolResults(history)[2]!.message).toBe(
      'messages[5]: the result for call "call_0" is separated from its AIMessage (messages[1]) by other messages',
    );
    const repaired = repairToolResults(history);
    expect(repaired.map((m) => m.getType())).toEqual(["human", "ai", "tool", "human", "ai", "tool", "ai"]);
    expect(repaired[2]).toBe(history[5]);
    expect((repaired[5] as ToolMessage).status).toBe("error");
  });
});

describe("validateToolResults and repairToolResults agree on which call a result answers", () => {
  // A model that numbers its calls call_0, call_1, ... every turn; the first turn crashed before its result was written.
  const crashedThenReused = () => [
    human("q"),
    aiWith([weatherCall("call_0")]),
    human("hello?"),
    aiWith([weatherCall("call_0"), weatherCall("call_1")]),
    result("call_0", "second"),
    result("call_1", "third"),
  ];

  it("keeps a result with the turn right before it when that turn reuses the id of an earlier unanswered turn", async () => {
    const history = crashedThenReused();
    expect(validateToolResults(history).map((p) => [p.kind, p.messageIndex, p.toolCallId])).toEqual([
      ["missing_result", 1, "call_0"],
      ["reused_call_id", 3, "call_0"],
    ]);
    const repaired = repairToolResults(history);
    expect(repaired.map((m) => m.getType())).toEqual(["human", "ai", "tool", "human", "ai", "tool", "tool"]);
    expect(repaired[1]).toBe(history[1]);
    const first = repaired[2] as ToolMessage;
    expect([first.tool_call_id, first.status]).toEqual(["call_0", "error"]);
    expect(first.content).toMatch(/is unknown/);
    const later = repaired[4] as AIMessage;
    expect(later.id).toBe(history[3]!.id);
    expect(later.tool_calls!.map((c) => c.id)).toEqual([expect.not.stringMatching(/^call_0$/), "call_1"]);
    const answers = (repaired.slice(5) as ToolMessage[]).map((m) => [m.tool_call_id, m.content, m.status]);
    expect(answers).toEqual([
      [later.tool_calls![0]!.id, "second", "success"],
      ["call_1", "third", "success"],
    ]);
    expect(repaired[6]).toBe(history[5]);
    expect(validateToolResults(repaired)).toEqual([]);
    await expectValidHistory(repaired);
  });

  it("drops a second result for the turn right before it rather than giving it to an earlier turn with that id", () => {
    const history = [...crashedThenReused(), result("call_0", "again")];
    expect(validateToolResults(history).map((p) => [p.kind, p.messageIndex])).toEqual([
      ["missing_result", 1],
      ["reused_call_id", 3],
      ["duplicate_result", 6],
    ]);
    const repaired = repairToolResults(history);
    expect(repaired.map((m) => [m.getType(), String(m.content).slice(0, 20)])).toEqual([
      ["human", "q"],
      ["ai", ""],
      ["tool", "Error: the result of"],
      ["human", "hello?"],
      ["ai", ""],
      ["tool", "second"],
      ["tool", "third"],
    ]);
  });

  it("takes a result with an empty id for no call, not for a call without an id, wherever it stands", () => {
    const idless = (after: BaseMessage[], answer: ToolMessage) => [
      human("q"),
      aiWith([weatherCall(undefined)]),
      ...after,
      answer,
    ];
    const empty = new ToolMessage({ content: "x", tool_call_id: "", name: "get_weather", id: "t-empty" });
    for (const history of [idless([], empty), idless([new AIMessage({ content: "wait", id: "a-wait" })], empty)]) {
      expect(validateToolResults(history).map((p) => [p.kind, p.messageIndex, p.toolCallId])).toEqual([
        ["missing_call_id", 1, undefined],
        ["missing_result", 1, undefined],
        ["orphan_result", history.length - 1, ""],
      ]);
      const repaired = repairToolResults(history);
      expect(repaired.filter((m) => ToolMessage.isInstance(m)).map((m) => [m.status, m.id])).toEqual([
        ["error", expect.stringMatching(/^repaired-/)],
      ]);
    }
  });

  it("takes a result without an id for the call without an id before it, also across a later message", () => {
    // ToolNode answers a call without an id with a ToolMessage whose tool_call_id is undefined.
    const answer = new ToolMessage({
      content: "Sunny in x",
      tool_call_id: undefined as unknown as string,
      name: "get_weather",
      id: "t-none",
    });
    for (const between of [human("and?"), new AIMessage({ content: "wait", id: "a-wait" })]) {
      const history = [human("q"), aiWith([weatherCall(undefined)]), between, answer];
      expect(validateToolResults(history).map((p) => [p.kind, p.messageIndex])).toEqual([
        ["missing_call_id", 1],
        ["separated_result", 3],
      ]);
      const repaired = repairToolResults(history);
      expect(repaired.map((m) => m.getType())).toEqual(["human", "ai", "tool", between.getType()]);
      expect([repaired[2]!.content, (repaired[2] as ToolMessage).tool_call_id]).toEqual([
        "Sunny in x",
        (repaired[1] as AIMessage).tool_calls![0]!.id,
      ]);
    }
  });
});
