import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { END } from "@langchain/langgraph";
import { SafeToolNode, safeToolsCondition } from "../src/index.js";
import { aiWith, call, historyWith } from "./helpers/fixtures.js";
import { applyOutput, expectValidAfter, expectValidHistory, messageWrites } from "./helpers/invariant.js";

function countingTool() {
  const runs: string[] = [];
  const echo = tool(
    async ({ v }) => {
      runs.push(v);
      return `echo ${v}`;
    },
    { name: "echo", description: "Echo.", schema: z.object({ v: z.string() }) },
  );
  return { echo, runs };
}

const result = (id: string, content: string, messageId = `tm-${id}`) =>
  new ToolMessage({ content, tool_call_id: id, name: "echo", status: "success", id: messageId });

describe("calls already answered (behaviour 1)", () => {
  it("runs only the calls with no result after the AIMessage, and keeps call order", async () => {
    const { echo, runs } = countingTool();
    const ai = aiWith([call("echo", { v: "1" }, "c1"), call("echo", { v: "2" }, "c2"), call("echo", { v: "3" }, "c3")]);
    const history = [...historyWith(ai), result("c1", "echo 1")];
    const out = await new SafeToolNode([echo]).invoke({ messages: history });
    const after = await expectValidAfter(history, out);
    expect(runs).toEqual(["2", "3"]);
    expect(after.slice(-3).map((m) => m.content)).toEqual(["echo 1", "echo 2", "echo 3"]);
  });

  it("gives an empty update when every call is answered", async () => {
    const { echo, runs } = countingTool();
    const ai = aiWith([call("echo", { v: "1" }, "c1")]);
    const history = [...historyWith(ai), result("c1", "echo 1")];
    const out = await new SafeToolNode([echo]).invoke({ messages: history });
    expect(out).toEqual({ messages: [] });
    expect(runs).toEqual([]);
  });

  it("runs a call whose id was used and answered in an earlier turn", async () => {
    const { echo, runs } = countingTool();
    const earlier = aiWith([call("echo", { v: "old" }, "call_0")]);
    const turn = [new HumanMessage({ content: "first", id: "h0" }), earlier, result("call_0", "echo old", "tm-old")];
    const ai = aiWith([call("echo", { v: "new" }, "call_0")]);
    const history = historyWith(ai, turn);
    const out = await new SafeToolNode([echo]).invoke({ messages: history });
    const after = applyOutput(history, out);
    expect(runs).toEqual(["new"]);
    expect(after.at(-1)!.content).toBe("echo new");
    // Reused ids are the model's doing, and only providers that allow them
    // produce them; Anthropic requires ids unique across the whole request
    // (repairing that is a history-wide job, see the README).
    await expectValidHistory(after, ["openai-chat", "openai-responses", "gemini"]);
  });

  it("moves results that stand out of call order back into order", async () => {
    const { echo, runs } = countingTool();
    const ai = aiWith([call("echo", { v: "1" }, "c1"), call("echo", { v: "2" }, "c2"), call("echo", { v: "3" }, "c3")]);
    const history = [...historyWith(ai), result("c3", "echo 3"), result("c1", "echo 1")];
    const out = await new SafeToolNode([echo]).invoke({ messages: history });
    const after = await expectValidAfter(history, out);
    expect(runs).toEqual(["2"]);
    expect(after.slice(-3).map((m) => m.content)).toEqual(["echo 1", "echo 2", "echo 3"]);
  });

  it("removes duplicate and orphan results after the AIMessage", async () => {
    const { echo, runs } = countingTool();
    const ai = aiWith([call("echo", { v: "1" }, "c1"), call("echo", { v: "2" }, "c2")]);
    const history = [
      ...historyWith(ai),
      result("c1", "echo 1"),
      result("c1", "again", "tm-dup"),
      result("ghost", "boo"),
    ];
    const out = await new SafeToolNode([echo]).invoke({ messages: history });
    const after = await expectValidAfter(history, out);
    expect(runs).toEqual(["2"]);
    expect(after.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual(["echo 1", "echo 2"]);
  });

  it("keeps a result already given to the second of two duplicate ids", async () => {
    const { echo, runs } = countingTool();
    const ai = aiWith([call("echo", { v: "1" }, "dup"), call("echo", { v: "2" }, "dup")]);
    const history = [...historyWith(ai), result("dup", "echo 1", "tm-a"), result("dup", "echo 2", "tm-b")];
    const out = await new SafeToolNode([echo]).invoke({ messages: history });
    const after = await expectValidAfter(history, out);
    expect(runs).toEqual([]);
    expect(after.slice(-2).map((m) => m.content)).toEqual(["echo 1", "echo 2"]);
  });

  it("gives a guard's answer to the twin its tool name names, when the model repeated an id, and runs the other", async () => {
    const runs: string[] = [];
    const make = (name: string) =>
      tool(async ({ v }) => (runs.push(`${name}:${v}`), `${name} ${v}`), {
        name,
        description: "d",
        schema: z.object({ v: z.string() }),
      });
    const ai = aiWith([call("a", { v: "1" }, "call_0"), call("b", { v: "2" }, "call_0")]);
    const blocked = new ToolMessage({
      content: "blocked",
      tool_call_id: "call_0",
      name: "b",
      status: "error",
      id: "guard-1",
    });
    const history = [...historyWith(ai), blocked];
    const after = await expectValidAfter(
      history,
      await new SafeToolNode([make("a"), make("b")]).invoke({ messages: history }),
    );
    expect(runs).toEqual(["a:1"]);
    const [first, second] = after.slice(-2) as ToolMessage[];
    expect([first!.name, first!.content, second!.name, second!.content]).toEqual(["a", "a 1", "b", "blocked"]);
  });

  it("does nothing when the last message is not an AIMessage with calls", async () => {
    const { echo } = countingTool();
    const node = new SafeToolNode([echo]);
    const final: BaseMessage[] = [
      new HumanMessage({ content: "hi", id: "h" }),
      new AIMessage({ content: "done", id: "a" }),
    ];
    expect(await node.invoke({ messages: final })).toEqual({ messages: [] });
    expect(await node.invoke({ messages: [] })).toEqual({ messages: [] });
    expect(await node.invoke([new HumanMessage("hi")])).toEqual([]);
    const afterHuman = [
      ...historyWith(aiWith([call("echo", { v: "1" }, "c1")])),
      new HumanMessage({ content: "wait", id: "h2" }),
    ];
    expect(messageWrites(await node.invoke({ messages: afterHuman }))).toEqual([]);
  });

  it("is idempotent: running again on its own output changes nothing", async () => {
    const { echo, runs } = countingTool();
    const node = new SafeToolNode([echo]);
    const ai = aiWith([call("echo", { v: "1" }, "c1"), call("echo", { v: "2" })]);
    const history = historyWith(ai);
    const once = applyOutput(history, await node.invoke({ messages: history }));
    const twice = applyOutput(once, await node.invoke({ messages: once }));
    expect(runs).toEqual(["1", "2"]);
    expect(twice).toEqual(once);
  });

  it("puts the missing result between the results of the first and the last of three calls", async () => {
    const { echo, runs } = countingTool();
    const ai = aiWith([call("echo", { v: "1" }, "c1"), call("echo", { v: "2" }, "c2"), call("echo", { v: "3" }, "c3")]);
    const history = [...historyWith(ai), result("c1", "echo 1"), result("c3", "echo 3")];
    const after = await expectValidAfter(history, await new SafeToolNode([echo]).invoke({ messages: history }));
    expect(runs).toEqual(["2"]);
    expect(after.slice(-3).map((m) => m.content)).toEqual(["echo 1", "echo 2", "echo 3"]);
  });

  it("moves a result given to a reused id (a previous partial run) into call order when it stands before a kept one, writing each result once", async () => {
    const { echo, runs } = countingTool();
    const earlier = aiWith([call("echo", { v: "old" }, "call_0")]);
    const before = [new HumanMessage({ content: "first", id: "h0" }), earlier, result("call_0", "echo old", "tm-old")];
    const ai = aiWith([call("echo", { v: "1" }, "c1"), call("echo", { v: "2" }, "call_0")]);
    // the second call's result came first, under the id the model gave, before the node renamed it
    const history = [...historyWith(ai, before), result("call_0", "echo 2", "tm-partial"), result("c1", "echo 1")];
    const out = await new SafeToolNode([echo]).invoke({ messages: history });
    const after = await expectValidAfter(history, out);
    expect(runs).toEqual([]);
    expect(after.slice(-2).map((m) => m.content)).toEqual(["echo 1", "echo 2"]);
    const written = messageWrites(out).filter((m): m is ToolMessage => ToolMessage.isInstance(m));
    expect(written.map((m) => m.content)).toEqual(["echo 1", "echo 2"]);
  });

  it("re-addresses a result in place: it keeps its message id, its place and its tool name, and gets its call's name when it had none", async () => {
    const { echo, runs } = countingTool();
    const ai = aiWith([
      call("echo", { v: "1" }, "dup"),
      call("echo", { v: "2" }, "dup"),
      call("echo", { v: "3" }, "dup"),
    ]);
    const history = [
      ...historyWith(ai),
      result("dup", "echo 1", "tm-a"),
      new ToolMessage({ content: "echo 2", tool_call_id: "dup", id: "tm-b" }),
      new ToolMessage({ content: "blocked", tool_call_id: "dup", name: "guard", status: "error", id: "tm-c" }),
    ];
    const after = await expectValidAfter(history, await new SafeToolNode([echo]).invoke({ messages: history }));
    expect(runs).toEqual([]);
    expect(after.slice(-3).map((m) => [m.id, m.content, m.name])).toEqual([
      ["tm-a", "echo 1", "echo"],
      ["tm-b", "echo 2", "echo"],
      ["tm-c", "blocked", "guard"],
    ]);
  });

  it("writes nothing for a result that already answers its call, whatever tool name it gives, unless the model repeated the id", async () => {
    const { echo, runs } = countingTool();
    const other = tool(async () => "other ran", { name: "other", description: "o", schema: z.object({}) });
    const named = (id: string, name: string, messageId: string) =>
      new ToolMessage({ content: `by ${name}`, tool_call_id: id, name, status: "success", id: messageId });
    const cases: [string, AIMessage, ToolMessage][] = [
      // the name of a sibling's tool, or a guard's own name: it answers the call its id names
      [
        "another call's tool",
        aiWith([call("echo", { v: "1" }, "c1"), call("other", {}, "c2")]),
        named("c1", "other", "r1"),
      ],
      [
        "a guard's name",
        aiWith([call("echo", { v: "1" }, "call_0"), call("other", {}, "call_0")]),
        named("call_0", "guard", "r2"),
      ],
      // twins under a repeated id, with one tool: the first twin's
      [
        "the twins' tool",
        aiWith([call("echo", { v: "1" }, "call_0"), call("echo", { v: "2" }, "call_0")]),
        named("call_0", "echo", "r3"),
      ],
    ];
    for (const [label, ai, existing] of cases) {
      runs.length = 0;
      const history = [...historyWith(ai), existing];
      const out = await new SafeToolNode([echo, other]).invoke({ messages: history });
      const after = await expectValidAfter(history, out);
      const writes = messageWrites(out);
      expect(
        writes.some((m) => m.id === existing.id),
        label,
      ).toBe(false);
      expect(after.at(-2), label).toBe(existing);
      expect(runs, label).toEqual(label === "the twins' tool" ? ["2"] : []);
    }
  });

  it("writes no removal it cannot apply: a result without a message id (a history built by hand) stays where it is", async () => {
    const { echo, runs } = countingTool();
    const ai = aiWith([call("echo", { v: "1" }, "c1"), call("echo", { v: "2" }, "c2")]);
    const unnamed = (id: string) => new ToolMessage({ content: `echo for ${id}`, tool_call_id: id, name: "echo" });
    // out of order, one of them without an id: neither can be moved
    const outOfOrder = [...historyWith(ai), unnamed("c2"), result("c1", "echo 1")];
    const out = await new SafeToolNode([echo]).invoke({ messages: outOfOrder });
    expect(messageWrites(out)).toEqual([]);
    // an orphan without an id cannot be removed; the missing call still runs
    const orphan = [...historyWith(ai), unnamed("ghost"), result("c1", "echo 1")];
    const written = messageWrites(await new SafeToolNode([echo]).invoke({ messages: orphan }));
    expect(written.map((m) => [m.getType(), (m as ToolMessage).tool_call_id])).toEqual([["tool", "c2"]]);
    expect(runs).toEqual(["2"]);
  });

  it("removes results standing after an AIMessage that has no calls left (a guard emptied tool_calls after they were written)", async () => {
    const { echo, runs } = countingTool();
    const ai = aiWith([], [], { content: "I will not do that." });
    const history = [...historyWith(ai), result("c1", "echo 1"), result("c2", "echo 2")];
    expect(safeToolsCondition({ messages: history })).toBe("tools");
    const after = await expectValidAfter(history, await new SafeToolNode([echo]).invoke({ messages: history }));
    expect(after.at(-1)).toBe(ai);
    expect(runs).toEqual([]);
  });

  it("routes a turn once when a loop of one's own pushes the results onto the same list", async () => {
    const { echo, runs } = countingTool();
    const node = new SafeToolNode([echo]);
    const messages: BaseMessage[] = historyWith(
      aiWith([call("echo", { v: "1" }, "c1"), call("echo", { v: "2" }, "c2")]),
    );
    for (let step = 0; step < 3 && safeToolsCondition({ messages }) === "tools"; step++)
      messages.push(...messageWrites(await node.invoke({ messages })));
    expect(safeToolsCondition({ messages })).toBe(END);
    expect(runs).toEqual(["1", "2"]);
    await expectValidHistory(messages);
  });
});
