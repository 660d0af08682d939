/**
 * A thread that is already broken - an earlier turn crashed mid-tool, and
 * trimming cut away the AIMessage of another result - repaired right before
 * the model call, two ways:
 * 1. a `RunnableLambda` in front of the model: the request is repaired, the
 *    stored thread is not;
 * 2. a function node before the agent that writes the repair back, so the
 *    checkpointed thread is valid from then on.
 */
import { AIMessage, HumanMessage, RemoveMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { RunnableLambda } from "@langchain/core/runnables";
import { END, MessagesAnnotation, REMOVE_ALL_MESSAGES, START, StateGraph } from "@langchain/langgraph";
import { pathToFileURL } from "node:url";
import { repairToolResults, validateToolResults } from "../src/index.js";
import { ScriptedChatModel } from "../src/testing.js";

/** The broken thread: an orphan result at the top, and calls that never got results. */
export function brokenThread(): BaseMessage[] {
  return [
    new ToolMessage({ id: "t-old", content: "42 rows", tool_call_id: "call_trimmed", name: "query_db" }),
    new HumanMessage({ id: "h1", content: "Book me a table and text Ana." }),
    new AIMessage({
      id: "a1",
      content: "",
      tool_calls: [
        { id: "call_book", name: "book_table", args: { time: "19:00" } },
        { id: "call_text", name: "send_text", args: { to: "Ana" } },
      ],
    }),
    // the process died here: no results were ever written
    new HumanMessage({ id: "h2", content: "Did it work?" }),
  ];
}

/** Way 1: repair the request only, in front of the model. */
export async function repairInFrontOfModel(): Promise<BaseMessage[]> {
  const model = new ScriptedChatModel([
    new AIMessage({ id: "a2", content: "I am not sure; let me check the booking." }),
  ]);
  const chain = RunnableLambda.from((messages: BaseMessage[]) => repairToolResults(messages)).pipe(model);
  const reply = await chain.invoke(brokenThread());
  console.log(`model answered: ${String(reply.content)}`);
  return model.requests[0]!;
}

/** Way 2: a node before the agent that writes the repaired history back. */
export async function repairNode(): Promise<BaseMessage[]> {
  const model = new ScriptedChatModel([
    new AIMessage({ id: "a2", content: "I am not sure; let me check the booking." }),
  ]);
  const repair = (state: typeof MessagesAnnotation.State) =>
    validateToolResults(state.messages).length === 0
      ? {}
      : { messages: [new RemoveMessage({ id: REMOVE_ALL_MESSAGES }), ...repairToolResults(state.messages)] };
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("repair", repair)
    .addNode("agent", async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addEdge(START, "repair")
    .addEdge("repair", "agent")
    .addEdge("agent", END)
    .compile();
  const { messages } = await graph.invoke({ messages: brokenThread() });
  for (const m of messages) console.log(`${m.getType().padEnd(5)} ${String(m.content)}`);
  return messages;
}

export async function main() {
  console.log("problems found:");
  for (const p of validateToolResults(brokenThread())) console.log(`  ${p.kind}: ${p.message}`);
  const request = await repairInFrontOfModel();
  const thread = await repairNode();
  return { request, thread };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
