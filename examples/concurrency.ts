/**
 * Limits per tool and ordering per key: a scripted model sends, in one turn,
 * four writes to two files (two each), three searches against a
 * rate-limited API and a read. Writes to one path run one at a time, in the
 * order the model sent them; at most two searches run at once; the read and
 * the other path never wait. The timeline shows it.
 */
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { SafeToolNode, safeToolsCondition } from "../src/index.js";
import { ScriptedChatModel } from "../src/testing.js";

/** What started and ended, in order, for the printed timeline. */
export const timeline: string[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const writeFile = tool(
  async ({ path, text }) => {
    timeline.push(`start write ${path} "${text}"`);
    await sleep(30);
    timeline.push(`end   write ${path} "${text}"`);
    return `wrote "${text}" to ${path}`;
  },
  {
    name: "write_file",
    description: "Write text to a file.",
    schema: z.object({ path: z.string(), text: z.string() }),
  },
);
const search = tool(
  async ({ query }) => {
    timeline.push(`start search ${query}`);
    await sleep(30);
    timeline.push(`end   search ${query}`);
    return `results for ${query}`;
  },
  { name: "search", description: "Search (rate-limited).", schema: z.object({ query: z.string() }) },
);
const readFile = tool(async ({ path }) => (timeline.push(`read ${path}`), `contents of ${path}`), {
  name: "read_file",
  description: "Read a file.",
  schema: z.object({ path: z.string() }),
});

export const toolsNode = new SafeToolNode([writeFile, search, readFile], {
  concurrency: { search: 2 }, // the API allows two requests at once
  concurrencyKey: (call) => (call.name === "write_file" ? String(call.args.path) : undefined), // one writer per path
});

export async function main(): Promise<BaseMessage[]> {
  timeline.length = 0;
  const call = (id: string, name: string, args: Record<string, unknown>) => ({
    type: "tool_call" as const,
    id,
    name,
    args,
  });
  const model = new ScriptedChatModel({
    responses: [
      new AIMessage({
        id: "ai-1",
        content: "",
        tool_calls: [
          call("w1", "write_file", { path: "notes.md", text: "draft" }),
          call("w2", "write_file", { path: "todo.md", text: "buy milk" }),
          call("w3", "write_file", { path: "notes.md", text: "final" }),
          call("s1", "search", { query: "a" }),
          call("s2", "search", { query: "b" }),
          call("s3", "search", { query: "c" }),
          call("w4", "write_file", { path: "todo.md", text: "call Ana" }),
          call("r1", "read_file", { path: "readme.md" }),
        ],
      }),
      "Done: notes.md says final, todo.md says call Ana.",
    ],
  });
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addNode("tools", toolsNode)
    .addEdge(START, "agent")
    .addConditionalEdges("agent", safeToolsCondition, ["tools", END])
    .addEdge("tools", "agent")
    .compile();
  const { messages } = await graph.invoke({ messages: [new HumanMessage({ id: "h1", content: "Tidy my notes." })] });
  for (const line of timeline) console.log(line);
  return messages;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
