/**
 * SafeToolNode where LangGraph agents are deployed: examples/deploy served by
 * LangGraph's own server (`langgraphjs dev`), driven with the official SDK
 * client, as a user of LangGraph Platform would.
 */
import { Client, type Message } from "@langchain/langgraph-sdk";
import { coerceMessageLikeToMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateToolResults } from "../src/index.js";
import { expectValidHistory } from "./helpers/invariant.js";
import { prepareDeployApp, startLangGraphServer, type RunningServer } from "./helpers/langgraph-server.js";

let server: RunningServer | undefined;
let client: Client;
let log: string;

beforeAll(async () => {
  prepareDeployApp();
  // The tools record side effects in a log inside the server's copy of the app (deleted with it).
  server = await startLangGraphServer((dir) => ({ SAFE_TOOL_NODE_DEPLOY_LOG: join(dir, "side-effects.log") }));
  log = join(server.dir, "side-effects.log");
  client = new Client({ apiUrl: server.url });
}, 300_000);

afterAll(() => server?.stop());

/** The side effects the server's tools recorded so far. */
const sideEffects = () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : []);

/** The thread's messages as LangChain messages (the SDK returns them as plain objects). */
function asMessages(messages: readonly Message[]): BaseMessage[] {
  return messages.map((m) => coerceMessageLikeToMessage(m as never));
}

/** The thread's stored history, checked like a provider would: the invariant, and the local provider server. */
async function expectValidThread(threadId: string): Promise<BaseMessage[]> {
  const state = await client.threads.getState<{ messages: Message[] }>(threadId);
  const history = asMessages(state.values.messages);
  expect(validateToolResults(history)).toEqual([]);
  await expectValidHistory(history);
  return history;
}

const results = (history: readonly BaseMessage[]) =>
  history.filter((m): m is ToolMessage => ToolMessage.isInstance(m)).map((m) => [m.tool_call_id, m.status]);

const DEMO_RESULTS = [
  ["call_1_weather", "success"],
  ["call_1_typo", "error"],
  ["call_1_order", "error"],
  ["call_1_docs", "error"],
  ["call_1_cut", "error"],
];

describe("examples/deploy on LangGraph's server, through @langchain/langgraph-sdk", () => {
  it("answers every broken call of a turn (runs.wait), and the stored thread is valid", async () => {
    const thread = await client.threads.create();
    const out = (await client.runs.wait(thread.thread_id, "agent", {
      input: { messages: [{ role: "human", content: "demo" }] },
    })) as { messages: Message[] };
    const history = asMessages(out.messages);
    expect(results(history)).toEqual(DEMO_RESULTS);
    expect(history.at(-1)!.content).toBe("Lisbon is sunny; the rest failed, and I said so.");
    const stored = await expectValidThread(thread.thread_id);
    expect(stored.map((m) => m.id)).toEqual(history.map((m) => m.id));
    const state = await client.threads.getState(thread.thread_id);
    expect(state.next).toEqual([]);
  });

  it.each(["agent", "journaled"])(
    "streams updates, messages and events in durable mode: each result once, the node's update whole (graph %s)",
    async (graphId) => {
      const thread = await client.threads.create();
      const updates: Record<string, unknown>[] = [];
      const streamed: { tool_call_id?: string; type?: string; id?: string }[] = [];
      const events: { event?: string; name?: string }[] = [];
      for await (const chunk of client.runs.stream(thread.thread_id, graphId, {
        input: { messages: [{ role: "human", content: "demo" }] },
        streamMode: ["updates", "messages", "events"],
      })) {
        if (chunk.event === "updates") updates.push(chunk.data as Record<string, unknown>);
        // The server sends the messages stream as "messages/partial" and "messages/complete" events.
        else if (chunk.event === "messages/complete") streamed.push(...(chunk.data as typeof streamed));
        else if (chunk.event === "events") events.push(chunk.data as { event?: string; name?: string });
      }
      // The node's own update holds every result in call order.
      const toolsUpdate = updates.find((u) => "tools" in u) as { tools: { messages: Message[] } } | undefined;
      expect(toolsUpdate).toBeDefined();
      expect(results(asMessages(toolsUpdate!.tools.messages))).toEqual(DEMO_RESULTS);
      // Durable mode shows its tasks too (with approvals configured, one per call: `tools.<tool>`),
      // never under a bare tool's or another node's name.
      const keys = new Set(updates.flatMap((u) => Object.keys(u)));
      for (const key of keys) expect(key).toMatch(/^(agent|tools|tools#journal|tools\.[A-Za-z0-9_.-]+)$/);
      if (graphId === "agent") expect(keys).toContain("tools.get_weather");
      else expect([...keys].filter((k) => k.startsWith("tools."))).toEqual([]);
      // The messages stream carries each ToolMessage once.
      const streamedResults = streamed.filter((m) => m.type === "tool").map((m) => m.tool_call_id);
      expect([...streamedResults].sort()).toEqual(DEMO_RESULTS.map(([id]) => id).sort());
      // The events stream shows the three tools that started (not the unknown one, nor the unparsable call).
      const started = events.filter((e) => e.event === "on_tool_start").map((e) => e.name);
      expect([...started].sort()).toEqual(["get_weather", "lookup_order", "search_docs"]);
      expect(events.filter((e) => e.event === "on_tool_end").map((e) => e.name)).toContain("get_weather");
      await expectValidThread(thread.thread_id);
    },
  );

  it.each([
    ["approves", { type: "approve" }, "success", 1],
    ["rejects", { type: "reject", message: "wrong recipient" }, "error", 0],
  ] as const)(
    "pauses a call that needs approval and, when the human %s it, resumes with command: { resume }",
    async (_label, answer, status, transfers) => {
      const before = sideEffects().filter((l) => l.startsWith("transfer")).length;
      const thread = await client.threads.create();
      const paused = (await client.runs.wait(thread.thread_id, "agent", {
        input: { messages: [{ role: "human", content: "transfer" }] },
      })) as { __interrupt__?: { id: string; value: { type: string; toolCall: { name: string } } }[] };
      expect(paused.__interrupt__?.map((i) => [i.value.type, i.value.toolCall.name])).toEqual([
        ["tool_approval", "transfer_money"],
      ]);
      const state = await client.threads.getState(thread.thread_id);
      expect(state.next).toEqual(["tools"]);
      await client.runs.wait(thread.thread_id, "agent", { command: { resume: answer } });
      const history = await expectValidThread(thread.thread_id);
      const result = history.find((m): m is ToolMessage => ToolMessage.isInstance(m))!;
      expect(result.status).toBe(status);
      expect(String(result.content)).toContain(status === "success" ? "Sent 200 EUR to Ana." : "wrong recipient");
      expect(sideEffects().filter((l) => l.startsWith("transfer")).length - before).toBe(transfers);
    },
  );

  it.each(["agent", "journaled"])(
    "resumes a tool's own interrupt() while its sibling with a side effect runs once (graph %s)",
    async (graphId) => {
      const visits = () => sideEffects().filter((l) => l === "visit pricing").length;
      const before = visits();
      const thread = await client.threads.create();
      const paused = (await client.runs.wait(thread.thread_id, graphId, {
        input: { messages: [{ role: "human", content: "ask" }] },
      })) as { __interrupt__?: { id: string; value: { question: string } }[] };
      expect(paused.__interrupt__?.map((i) => i.value)).toEqual([{ question: "Which plan?" }]);
      expect(visits() - before).toBe(1);
      // The paused thread already holds nothing a provider would reject.
      const pausedState = await client.threads.getState<{ messages: Message[] }>(thread.thread_id);
      expect(asMessages(pausedState.values.messages).filter((m) => ToolMessage.isInstance(m))).toEqual([]);
      const done = (await client.runs.wait(thread.thread_id, graphId, {
        command: { resume: "Pro" },
      })) as { messages: Message[] };
      expect(visits() - before).toBe(1);
      const history = await expectValidThread(thread.thread_id);
      expect(history.filter((m) => ToolMessage.isInstance(m)).map((m) => m.content)).toEqual([
        "Recorded a visit to pricing.",
        "The human said: Pro",
      ]);
      expect(asMessages(done.messages).at(-1)!.content).toBe("Noted.");
    },
  );
});
