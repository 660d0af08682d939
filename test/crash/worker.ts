/**
 * A child process for the crash tests. Phase "first" starts a batch of N
 * calls on a persistent checkpointer; calls 0..K-1 finish, the others hang.
 * Once every call has started and the checkpointer holds the K finished
 * results, it prints READY, and the test kills it with SIGKILL. Phase
 * "resume" continues the same thread (`invoke(null)`) with every call free
 * to finish, and prints the final history as JSON.
 *
 * Every tool execution is appended to the log file, so the test counts runs.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { END, MessagesAnnotation, START, StateGraph, type BaseCheckpointSaver } from "@langchain/langgraph";
import { parseArgs } from "node:util";
import { z } from "zod";
import { SafeToolNode, safeToolsFanOut } from "../../src/index.js";

const { values } = parseArgs({
  options: {
    backend: { type: "string" },
    target: { type: "string" },
    thread: { type: "string" },
    n: { type: "string" },
    k: { type: "string" },
    log: { type: "string" },
    phase: { type: "string" },
    durable: { type: "string", default: "auto" },
    mode: { type: "string", default: "batch" },
  },
});
const n = Number(values.n);
const k = Number(values.k);
const log = values.log!;
const resuming = values.phase === "resume";

async function checkpointer(): Promise<BaseCheckpointSaver> {
  if (values.backend === "sqlite") {
    const { SqliteSaver } = await import("@langchain/langgraph-checkpoint-sqlite");
    return SqliteSaver.fromConnString(values.target!);
  }
  const { PostgresSaver } = await import("@langchain/langgraph-checkpoint-postgres");
  const saver = PostgresSaver.fromConnString(values.target!);
  await saver.setup();
  return saver;
}

const count = (prefix: string) =>
  readFileSync(log, "utf8")
    .split("\n")
    .filter((line) => line.startsWith(prefix)).length;

const work = tool(
  async ({ i }) => {
    appendFileSync(log, `start ${i}\n`);
    if (!resuming && i >= k) await new Promise(() => {}); // hangs until the process is killed
    appendFileSync(log, `done ${i}\n`);
    return `result ${i}`;
  },
  { name: "work", description: "Does side-effecting work.", schema: z.object({ i: z.number() }) },
);

const saver = await checkpointer();
const fanOut = values.mode === "fanout";
const node = new SafeToolNode([work], { durable: values.durable === "false" ? false : "auto" });
const builder = new StateGraph(MessagesAnnotation).addNode("tools", node);
const graph = (
  fanOut
    ? builder.addConditionalEdges(START, safeToolsFanOut("tools"), ["tools", END])
    : builder.addEdge(START, "tools")
).compile({
  checkpointer: saver,
});
const config = { configurable: { thread_id: values.thread! } };

if (!resuming) {
  // Say READY once every call started and the K finished results are saved.
  const timer = setInterval(async () => {
    const tuple = await saver.getTuple(config);
    // Batch mode journals finished calls in groups (each group a task's return value); fan-out mode
    // saves each Send task's messages write.
    const writes = tuple?.pendingWrites ?? [];
    const saved = fanOut
      ? writes.filter(([, written]) => written === "messages").length
      : writes
          .filter(([, written]) => written === "__return__")
          .reduce((sum, [, , value]) => sum + ((value as { done?: unknown[] } | null)?.done?.length ?? 0), 0);
    // Without durable mode nothing is saved per call: finished is all there is to wait for.
    const finished = values.durable === "false" ? count("done ") : saved;
    if (count("start ") >= n && finished >= k) {
      clearInterval(timer);
      process.stdout.write("READY\n");
    }
  }, 10);
  const ai = new AIMessage({
    id: "ai-batch",
    content: "",
    tool_calls: Array.from({ length: n }, (_, i) => ({
      type: "tool_call" as const,
      id: `call_${i}`,
      name: "work",
      args: { i },
    })),
  });
  await graph.invoke({ messages: [new HumanMessage({ id: "h", content: "do the work" }), ai] }, config);
  process.stdout.write("FINISHED-WITHOUT-CRASH\n");
} else {
  const state = await graph.invoke(null, config);
  const history = state.messages.map((m) => ({
    type: m.getType(),
    id: m.id,
    content: m.content,
    tool_call_id: ToolMessage.isInstance(m) ? m.tool_call_id : undefined,
    name: m.name,
    status: ToolMessage.isInstance(m) ? m.status : undefined,
    tool_calls: AIMessage.isInstance(m) ? m.tool_calls : undefined,
  }));
  process.stdout.write(`HISTORY ${JSON.stringify(history)}\n`);
  if ("end" in saver && typeof saver.end === "function") await (saver as unknown as { end(): Promise<void> }).end();
}
