import {
  AIMessage,
  HumanMessage,
  RemoveMessage,
  SystemMessage,
  ToolMessage,
  type BaseMessage,
} from "@langchain/core/messages";
import { tool, type ToolRuntime } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Command, MessagesAnnotation, REMOVE_ALL_MESSAGES, START, StateGraph } from "@langchain/langgraph";
import {
  InvalidNodeInputError,
  SafeToolNode,
  repairToolResults,
  validateToolResults,
  type ToolResultProblemKind,
} from "../src/index.js";
import { aiWith, anthropicStyleAI, call, invalidCall, responsesStyleAI, weather } from "./helpers/fixtures.js";
import { applyOutput, expectValidAfter, expectValidHistory, invariantProblems } from "./helpers/invariant.js";
import { PROVIDERS, sendThroughProviders } from "./helpers/wire.js";

const human = (text: string) => new HumanMessage({ content: text, id: `h-${text}` });
const result = (id: string, content = `result ${id}`, messageId = `t-${id}-${content.length}`) =>
  new ToolMessage({ content, tool_call_id: id, name: "get_weather", status: "success", id: messageId });
const weatherCall = (id?: string) => call("get_weather", { city: "x" }, id);

function twoCalls(a = "c1", b = "c2") {
  return aiWith([weatherCall(a), weatherCall(b)]);
}

/** Each broken case, with the problems it must produce (kind, index, id). */
const brokenCases: [string, () => BaseMessage[], [ToolResultProblemKind, number, string | undefined][]][] = [
  [
    "calls with no results (a crash mid-tool)",
    () => [human("q"), twoCalls(), human("again")],
    [
      ["missing_result", 1, "c1"],
      ["missing_result", 1, "c2"],
    ],
  ],
  [
    "results for some calls only",
    () => [human("q"), twoCalls(), result("c1"), human("next")],
    [["missing_result", 1, "c2"]],
  ],
  [
    "a history that starts with tool results",
    () => [result("gone"), human("q"), new AIMessage({ content: "hi", id: "a-hi" })],
    [["orphan_result", 0, "gone"]],
  ],
  [
    "a result whose AIMessage was trimmed away",
    () => [
      new SystemMessage({ content: "sys", id: "s" }),
      human("q"),
      result("cut"),
      new AIMessage({ content: "ok", id: "a-ok" }),
    ],
    [["orphan_result", 2, "cut"]],
  ],
  [
    "results separated from their AIMessage",
    () => [human("q"), twoCalls(), result("c1"), human("interrupting"), result("c2")],
    [["separated_result", 4, "c2"]],
  ],
  [
    "a result after a later AIMessage",
    () => [
      human("q"),
      aiWith([weatherCall("c1")]),
      human("hm"),
      aiWith([weatherCall("c9")]),
      result("c9"),
      result("c1"),
    ],
    [["separated_result", 5, "c1"]],
  ],
  [
    "duplicate results",
    () => [human("q"), twoCalls(), result("c1"), result("c2"), result("c2", "again")],
    [["duplicate_result", 4, "c2"]],
  ],
  [
    "results out of call order",
    () => [human("q"), twoCalls(), result("c2"), result("c1")],
    [["out_of_order", 3, "c1"]],
  ],
  [
    "an invalid call",
    () => [
      human("q"),
      aiWith([weatherCall("c1")], [invalidCall("get_weather", "{", "c2")]),
      result("c1"),
      result("c2"),
    ],
    [["invalid_call", 1, "c2"]],
  ],
  [
    "a call without an id",
    () => [human("q"), aiWith([weatherCall(undefined)])],
    [
      ["missing_call_id", 1, undefined],
      ["missing_result", 1, undefined],
    ],
  ],
  [
    "duplicate call ids",
    () => [human("q"), twoCalls("d", "d"), result("d")],
    [
      ["duplicate_call_id", 1, "d"],
      ["missing_result", 1, "d"],
    ],
  ],
  [
    "a malformed call id",
    () => [human("q"), aiWith([weatherCall("call.1")]), result("call.1")],
    [["malformed_call_id", 1, "call.1"]],
  ],
  [
    "an id reused across turns",
    () => [
      human("q"),
      aiWith([weatherCall("call_0")]),
      result("call_0", "first"),
      human("more"),
      aiWith([weatherCall("call_0")]),
      result("call_0", "second"),
    ],
    [["reused_call_id", 4, "call_0"]],
  ],
  [
    "results whose content a provider rejects (as ToolNode leaves them: empty text, an empty list, a blank block)",
    () => [
      human("q"),
      aiWith([weatherCall("e1"), weatherCall("e2"), weatherCall("e3")]),
      result("e1", ""),
      result("e2", [] as never),
      result("e3", [{ type: "text", text: " ", cache_control: { type: "ephemeral" } }] as never),
    ],
    [
      ["unusable_result_content", 2, "e1"],
      ["unusable_result_content", 3, "e2"],
      ["unusable_result_content", 4, "e3"],
    ],
  ],
  [
    "a tool_use block without a parsed call",
    () => [
      human("q"),
      aiWith([weatherCall("t1")], [], {
        content: [
          { type: "tool_use", id: "t1", name: "get_weather", input: { city: "x" } },
          { type: "tool_use", id: "t2", name: "get_weather", input: { city: "y" } },
        ] as never,
      }),
      result("t1"),
    ],
    [
      ["untracked_call", 1, "t2"],
      ["missing_result", 1, "t2"],
    ],
  ],
];

describe("validateToolResults", () => {
  it("finds nothing in a valid history", () => {
    const history = [
      human("q"),
      twoCalls(),
      result("c1"),
      result("c2"),
      new AIMessage({ content: "done", id: "fin" }),
      human("thanks"),
    ];
    expect(validateToolResults(history)).toEqual([]);
    expect(validateToolResults([])).toEqual([]);
  });

  it("takes results made of content blocks (text, an image) as valid, and repair leaves them as they are", () => {
    const blocks = [
      { type: "text", text: "the chart" },
      { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
    ];
    const history = [human("q"), aiWith([weatherCall("b1")]), result("b1", blocks as never)];
    expect(validateToolResults(history)).toEqual([]);
    const repaired = repairToolResults(history);
    repaired.forEach((m, i) => expect(m).toBe(history[i]));
  });

  it("reports a result whose blocks hold blank text beside real text, and repair keeps the real text only", () => {
    const history = [
      human("q"),
      aiWith([weatherCall("b2")]),
      result("b2", [
        { type: "text", text: "ok", cache_control: { type: "ephemeral" } },
        { type: "text", text: " " },
      ] as never),
    ];
    expect(validateToolResults(history).map((p) => [p.kind, p.messageIndex])).toEqual([["unusable_result_content", 2]]);
    const fixed = repairToolResults(history).find((m): m is ToolMessage => ToolMessage.isInstance(m))!;
    expect(fixed.content).toEqual([{ type: "text", text: "ok", cache_control: { type: "ephemeral" } }]);
    expect(fixed.tool_call_id).toBe("b2");
  });

  it.each(brokenCases)("names the rule, index and id for %s", (_label, make, expected) => {
    const problems = validateToolResults(make());
    expect(problems.map((p) => [p.kind, p.messageIndex, p.toolCallId])).toEqual(expected);
    for (const p of problems) expect(p.message).toMatch(new RegExp(`^messages\\[${p.messageIndex}\\]: `));
  });

  it("agrees with the independent invariant check of the tests", () => {
    for (const [, make] of brokenCases) {
      const history = make();
      expect(
        invariantProblems(history).length > 0 || validateToolResults(history).some((p) => p.kind === "reused_call_id"),
      ).toBe(true);
    }
  });

  it("rejects input that is not a message list", () => {
    expect(() => validateToolResults("x" as never)).toThrow(InvalidNodeInputError);
    expect(() => validateToolResults([{ role: "user" }] as never)).toThrow(/messages\[0\] is not a message/);
  });
});

describe("repairToolResults", () => {
  it.each(brokenCases)("makes a valid history of %s, on the wire too", async (_label, make) => {
    const history = make();
    const repaired = repairToolResults(history);
    expect(validateToolResults(repaired)).toEqual([]);
    await expectValidHistory(repaired);
    // idempotent
    const again = repairToolResults(repaired);
    expect(again).toEqual(repaired);
    again.forEach((m, i) => expect(m).toBe(repaired[i]));
  });

  it("fills a missing result with an error that says the outcome is unknown", () => {
    const repaired = repairToolResults([human("q"), twoCalls(), result("c1"), human("next")]);
    const filled = repaired[3] as ToolMessage;
    expect(repaired.map((m) => m.getType())).toEqual(["human", "ai", "tool", "tool", "human"]);
    expect(filled.tool_call_id).toBe("c2");
    expect(filled.status).toBe("error");
    expect(filled.name).toBe("get_weather");
    // the text the README gives, word for word: the model must check before calling again
    expect(filled.content).toBe(
      'Error: the result of tool "get_weather" is unknown: the call was interrupted before it returned (for example by a crash or a cancellation). Check whether it took effect before calling it again.',
    );
  });

  it("fills the missing result of a call nothing could have run (unparsable, nameless) with the node's error for it", async () => {
    const ai = aiWith(
      [{ id: "c1", name: "", args: {}, type: "tool_call" }, weatherCall("c2")],
      [invalidCall("get_weather", '{"city":', "c3")],
    );
    const repaired = repairToolResults([human("q"), ai, result("c2"), human("next")]);
    await expectValidHistory(repaired);
    const texts = repaired.filter((m): m is ToolMessage => ToolMessage.isInstance(m)).map((m) => String(m.content));
    // repair does not know the tools, so it lists none (it must not say there are none)
    expect(texts[0]).toBe("Error: the call names no tool. Call one of the tools you were given by its name.");
    expect(texts[1]).toBe("result c2");
    expect(texts[2]).toMatch(/could not be parsed|not valid JSON|JSON/);
    for (const text of [texts[0], texts[2]]) expect(text).not.toMatch(/is unknown/);
  });

  it("takes custom text for missing results", () => {
    const repaired = repairToolResults([human("q"), aiWith([weatherCall("c1")])], {
      missingResult: (c) => `lost ${c.name} ${c.id}`,
    });
    expect(repaired.at(-1)!.content).toBe("lost get_weather c1");
  });

  it("moves separated and out-of-order results into place, keeping the other messages after them", () => {
    const between = human("interrupting");
    const ai = twoCalls();
    const repaired = repairToolResults([human("q"), ai, result("c2"), between, result("c1")]);
    expect(repaired.map((m) => m.getType())).toEqual(["human", "ai", "tool", "tool", "human"]);
    expect(repaired[1]).toBe(ai);
    expect(repaired.slice(2, 4).map((m) => (m as ToolMessage).tool_call_id)).toEqual(["c1", "c2"]);
    expect(repaired.at(-1)).toBe(between);
  });

  it("re-attaches a result to its call across a later turn, and drops orphans and duplicates", () => {
    const repaired = repairToolResults([
      result("orphan"),
      human("q"),
      aiWith([weatherCall("c1")]),
      human("hm"),
      aiWith([weatherCall("c9")]),
      result("c9"),
      result("c1"),
      result("c1", "duplicate"),
    ]);
    expect(repaired.map((m) => m.getType())).toEqual(["human", "ai", "tool", "human", "ai", "tool"]);
    expect((repaired[2] as ToolMessage).tool_call_id).toBe("c1");
    expect(repaired[2]!.content).toBe("result c1");
  });

  it("gives reused ids new ones in the later turn, call and result alike", async () => {
    const history = [
      human("q"),
      aiWith([weatherCall("call_0")]),
      result("call_0", "first"),
      human("more"),
      aiWith([weatherCall("call_0")]),
      result("call_0", "second"),
    ];
    const repaired = repairToolResults(history);
    const later = repaired[4] as AIMessage;
    expect(later.id).toBe(history[4]!.id);
    expect(later.tool_calls![0]!.id).not.toBe("call_0");
    expect((repaired[5] as ToolMessage).tool_call_id).toBe(later.tool_calls![0]!.id);
    expect(repaired[5]!.content).toBe("second");
    expect(repaired[1]).toBe(history[1]);
    await expectValidHistory(repaired);
  });

  it.each([
    ["Responses", responsesStyleAI],
    ["Anthropic", anthropicStyleAI],
  ])("repairs %s-shaped turns with invalid calls and duplicate ids", async (_label, make) => {
    const ai = make([weatherCall("dup"), weatherCall("dup")], [invalidCall("get_weather", "{", "bad")]);
    const repaired = repairToolResults([human("q"), ai, result("dup")]);
    expect(validateToolResults(repaired)).toEqual([]);
    await expectValidHistory(repaired);
    expect((repaired.slice(2) as ToolMessage[]).map((r) => r.status)).toEqual(["success", "error", "error"]);
  });

  it("returns a valid history unchanged, message for message", () => {
    const history = [human("q"), twoCalls(), result("c1"), result("c2"), new AIMessage({ content: "done", id: "fin" })];
    const repaired = repairToolResults(history);
    expect(repaired).not.toBe(history);
    repaired.forEach((m, i) => expect(m).toBe(history[i]));
  });
});

describe("the node's repairHistory option", () => {
  // A thread whose earlier turn crashed mid-tool, then the user went on.
  const crashed = () => [
    human("first"),
    aiWith([weatherCall("lost_1"), weatherCall("lost_2")]),
    human("hello?"),
    aiWith([weatherCall("now_1")]),
  ];

  it("repairs earlier turns in the same update, through a graph", async () => {
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", new SafeToolNode([weather], { repairHistory: true }))
      .addEdge(START, "tools")
      .compile();
    const { messages } = await graph.invoke({ messages: crashed() });
    expect(validateToolResults(messages)).toEqual([]);
    await expectValidHistory(messages);
    expect(messages.map((m) => m.getType())).toEqual(["human", "ai", "tool", "tool", "human", "ai", "tool"]);
    expect(messages.slice(2, 4).map((m) => (m as ToolMessage).status)).toEqual(["error", "error"]);
    expect(messages.at(-1)!.content).toBe("Sunny in x");
  });

  it("leaves earlier turns alone by default", async () => {
    const history = crashed();
    const out = await new SafeToolNode([weather]).invoke({ messages: history });
    const after = applyOutput(history, out);
    expect(validateToolResults(after).map((p) => p.kind)).toEqual(["missing_result", "missing_result"]);
  });

  it("changes nothing extra when the history is already valid", async () => {
    const history = [human("q"), aiWith([weatherCall("ok_1")])];
    const out = (await new SafeToolNode([weather], { repairHistory: true }).invoke({ messages: history })) as {
      messages: BaseMessage[];
    };
    expect(out.messages.map((m) => m.getType())).toEqual(["tool"]);
  });

  it("works with list input", async () => {
    const history = crashed();
    const out = await new SafeToolNode([weather], { repairHistory: true }).invoke(history);
    const after = applyOutput(history, out);
    expect(validateToolResults(after)).toEqual([]);
    await expectValidHistory(after);
  });
});

describe("repairHistory sees what the tools' Commands write", () => {
  const compact = tool(
    async (_a, rt: ToolRuntime) => {
      const state = rt.state as { messages: BaseMessage[] };
      return new Command({
        update: {
          messages: [
            new RemoveMessage({ id: REMOVE_ALL_MESSAGES }),
            new HumanMessage({ content: "summary", id: "sum" }),
            state.messages.at(-1)!,
            new ToolMessage({ content: "compacted", tool_call_id: rt.toolCallId }),
          ],
        },
      });
    },
    { name: "compact", description: "c", schema: z.object({}) },
  );
  const forget = tool(
    async ({ n }, rt: ToolRuntime) => {
      const state = rt.state as { messages: BaseMessage[] };
      return new Command({
        update: {
          messages: [
            ...state.messages.slice(0, n).map((m) => new RemoveMessage({ id: m.id! })),
            new ToolMessage({ content: "forgot", tool_call_id: rt.toolCallId }),
          ],
        },
      });
    },
    { name: "forget", description: "f", schema: z.object({ n: z.number() }) },
  );

  it("keeps a compaction: the messages it removed do not come back", async () => {
    const history = [
      new HumanMessage({ content: "my password is hunter2", id: "secret" }),
      new AIMessage({ content: "noted", id: "f0" }),
      aiWith([call("compact", {}, "c1"), call("get_weather", { city: "x" }, "c2")]),
    ];
    const after = await expectValidAfter(
      history,
      await new SafeToolNode([compact, weather], { repairHistory: true }).invoke({ messages: history }),
    );
    expect(after.map((m) => m.id).slice(0, 2)).toEqual(["sum", history[2]!.id]);
    expect(JSON.stringify(after)).not.toMatch(/hunter2/);
  });

  it("repairs what a tool's removals leave broken (results whose call it removed)", async () => {
    const history = [
      new HumanMessage({ content: "a", id: "h0" }),
      aiWith([call("get_weather", { city: "old" }, "o1")]),
      new ToolMessage({ content: "Sunny in old", tool_call_id: "o1", name: "get_weather", id: "t0" }),
      aiWith([call("forget", { n: 2 }, "c1")]),
    ];
    const after = applyOutput(
      history,
      await new SafeToolNode([forget, weather], { repairHistory: true }).invoke({ messages: history }),
    );
    // The tool removed the human turn, so the history starts with the model's: Bedrock wants a user message first.
    await expectValidHistory(
      after,
      PROVIDERS.filter((p) => p !== "bedrock"),
    );
    expect((await sendThroughProviders(after, ["bedrock"]))[0]!.error).toMatch(/must start with a user message/);
  });
});
