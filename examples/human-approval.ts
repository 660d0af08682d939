/**
 * Human approval with interrupt() and resume, on SQLite. A transfer tool
 * asks a human before it moves money; its sibling call (a balance lookup)
 * runs once. The run pauses, the "process" goes away, and a fresh graph on
 * the same SQLite file resumes it with the human's answer: the lookup is not
 * run again, and every call has exactly one result.
 */
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { tool, type ToolRuntime } from "@langchain/core/tools";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { Command, END, MessagesAnnotation, START, StateGraph, interrupt } from "@langchain/langgraph";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { SafeToolNode, safeToolsCondition, type SafeToolRuntime } from "../src/index.js";
import { ScriptedChatModel } from "../src/testing.js";

export const executions: string[] = [];

const getBalance = tool(
  async ({ account }) => (executions.push(`get_balance ${account}`), `${account}: 1,250.00 EUR`),
  {
    name: "get_balance",
    description: "Balance of an account.",
    schema: z.object({ account: z.string() }),
  },
);

const transferMoney = tool(
  async ({ to, amount }, runtime: ToolRuntime) => {
    const answer = interrupt({ question: `Transfer ${amount} EUR to ${to}?` }) as { approved: boolean; note?: string };
    if (!answer.approved) return `Not transferred: the user declined (${answer.note ?? "no reason given"}).`;
    // The idempotency key lets the bank recognise a retry of this very call.
    executions.push(`transfer ${amount} to ${to} [key ${(runtime as SafeToolRuntime).idempotencyKey}]`);
    return `Transferred ${amount} EUR to ${to}.`;
  },
  {
    name: "transfer_money",
    description: "Move money (asks a human first).",
    schema: z.object({ to: z.string(), amount: z.number() }),
  },
);

function buildGraph(file: string) {
  const model = new ScriptedChatModel([
    new AIMessage({
      id: "ai-1",
      content: "",
      tool_calls: [
        { id: "call_balance", name: "get_balance", args: { account: "checking" } },
        { id: "call_transfer", name: "transfer_money", args: { to: "Ana", amount: 200 } },
      ],
    }),
    new AIMessage({ id: "ai-2", content: "Done: 200 EUR went to Ana; your checking account had 1,250.00 EUR." }),
  ]);
  return new StateGraph(MessagesAnnotation)
    .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addNode("tools", new SafeToolNode([getBalance, transferMoney]))
    .addEdge(START, "agent")
    .addConditionalEdges("agent", safeToolsCondition, ["tools", END])
    .addEdge("tools", "agent")
    .compile({ checkpointer: SqliteSaver.fromConnString(file) });
}

export async function main(file?: string): Promise<BaseMessage[]> {
  if (file) return run(file);
  const dir = mkdtempSync(join(tmpdir(), "approval-"));
  try {
    return await run(join(dir, "thread.sqlite"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(file: string): Promise<BaseMessage[]> {
  const config = { configurable: { thread_id: "support-42" } };

  const first = (await buildGraph(file).invoke(
    { messages: [new HumanMessage({ id: "h1", content: "Send Ana 200 EUR." })] },
    config,
  )) as {
    __interrupt__?: { id: string; value: { question: string } }[];
  };
  const pending = first.__interrupt__ ?? [];
  console.log(`paused: ${pending.map((i) => i.value.question).join("; ")}`);

  // Later, in another process: a new graph on the same SQLite file resumes the thread.
  const resumed = await buildGraph(file).invoke(
    new Command({ resume: { [pending[0]!.id]: { approved: true } } }),
    config,
  );
  for (const m of resumed.messages) console.log(`${m.getType().padEnd(5)} ${String(m.content)}`);
  console.log(`executions: ${executions.join(" | ")}`);
  return resumed.messages;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
