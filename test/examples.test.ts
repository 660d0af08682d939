import { ToolMessage } from "@langchain/core/messages";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main as demo } from "../examples/demo.js";
import { main as customState } from "../examples/custom-state.js";
import { main as options } from "../examples/options.js";
import { main as quickStart } from "../examples/quick-start.js";
import { brokenThread, main as repairHistory } from "../examples/repair-history.js";
import { executions, main as humanApproval } from "../examples/human-approval.js";
import { main as mcpAgent } from "../examples/mcp-agent.js";
import { main as concurrency, timeline } from "../examples/concurrency.js";
import { sendThroughProviders } from "./helpers/wire.js";
import { expectValidHistory } from "./helpers/invariant.js";

const results = (messages: readonly unknown[]) => messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));

describe("examples run and keep the invariant", () => {
  beforeEach(() => void vi.spyOn(console, "log").mockImplementation(() => {}));
  afterEach(() => vi.restoreAllMocks());

  it("demo: every broken call answered; ToolNode's thread rejected, SafeToolNode's accepted", async () => {
    const lines: string[] = [];
    const { safeHistory, accepted, toolNodeOutcome } = await demo((line) => lines.push(line));
    await expectValidHistory(safeHistory);
    expect(accepted).toBe(true);
    expect(results(safeHistory).map((r) => r.status)).toEqual(["success", "error", "error", "error", "error"]);
    expect(toolNodeOutcome).toMatch(/must be followed by tool messages responding to each 'tool_call_id'/);
    expect(lines.join("\n")).toMatch(/SafeToolNode \+ safeToolsCondition.*\n\s+-> accepted/);
  });

  it("concurrency: one writer per path, in call order; two searches at once; the read never waits", async () => {
    const messages = await concurrency();
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.tool_call_id)).toEqual(["w1", "w2", "w3", "s1", "s2", "s3", "w4", "r1"]);
    const writesOf = (path: string) => timeline.filter((l) => l.startsWith("start write " + path));
    expect(writesOf("notes.md")).toEqual(['start write notes.md "draft"', 'start write notes.md "final"']);
    expect(writesOf("todo.md")).toEqual(['start write todo.md "buy milk"', 'start write todo.md "call Ana"']);
    // Each write of a path starts after the one before it ended.
    const at = (line: string) => timeline.indexOf(line);
    expect(at('start write notes.md "final"')).toBeGreaterThan(at('end   write notes.md "draft"'));
    expect(at('start write todo.md "call Ana"')).toBeGreaterThan(at('end   write todo.md "buy milk"'));
    // The third search waits for one of the first two; the read goes before anything ends.
    expect(at("start search c")).toBeGreaterThan(Math.min(at("end   search a"), at("end   search b")));
    expect(at("read readme.md")).toBeLessThan(timeline.findIndex((l) => l.startsWith("end")));
  });

  it("quick start", async () => {
    const messages = await quickStart();
    await expectValidHistory(messages);
    expect(messages.at(-1)!.content).toBe("It is snowing in Oslo.");
  });

  it("custom state: the tool reads userId from the state", async () => {
    const messages = await customState();
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.content)).toEqual([
      '{"userId":"u-7","orders":["u-7-001"]}',
      expect.stringMatching(/- limit: /),
    ]);
  });

  it("options: per-tool timeout, custom error text, renamed node", async () => {
    const messages = await options();
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.content)).toEqual([
      "value of a",
      "value of b",
      "value of c",
      "slow_report took longer than 100 ms. Ask for a smaller report.",
      'No tool "make_coffee". Use one of: quick_lookup, slow_report.',
    ]);
  });

  it("repair-history: the broken thread is rejected; the repaired request and thread are accepted", async () => {
    expect((await sendThroughProviders(brokenThread())).every((r) => r.error)).toBe(true);
    const { request, thread } = await repairHistory();
    await expectValidHistory(request);
    await expectValidHistory(thread);
    expect(results(thread).map((r) => r.status)).toEqual(["error", "error"]);
    expect(thread.at(-1)!.content).toMatch(/not sure/);
  });

  it("human-approval: pauses, resumes from SQLite in a fresh graph, runs each call once", async () => {
    const messages = await humanApproval();
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.content)).toEqual(["checking: 1,250.00 EUR", "Transferred 200 EUR to Ana."]);
    expect(executions).toEqual(["get_balance checking", "transfer 200 to Ana [key support-42:ai-1:call_transfer]"]);
  });

  it("mcp-agent: tools from an MCP server, each call answered once", async () => {
    const messages = await mcpAgent();
    await expectValidHistory(messages);
    expect(results(messages).map((r) => r.status)).toEqual(["success", "error", "error"]);
  }, 30_000);
});
