import type { END, Send } from "@langchain/langgraph";
import type { RoutableState } from "./safe-tools-condition.js";
import { fanOutSends } from "./send.js";

/**
 * A router for fan-out mode: one `Send` per call of the last AIMessage that
 * still needs an answer - invalid calls included - so that each call is its
 * own graph task (as LangChain's `createAgent` does), and `END` when there is
 * nothing to answer.
 *
 * The node the Sends go to (a {@link SafeToolNode}) answers each call. The
 * AIMessage correction (invalid calls, missing, duplicate or reused ids)
 * travels with the first Send and is written exactly once, ahead of the
 * results; a turn whose existing results must be moved back into order is
 * sent whole to one task instead. With a checkpointer, LangGraph saves each
 * finished task, so after an interrupt or a crash only unfinished calls run
 * again.
 *
 * A router of your own also works: `new Send("tools", { ...state, lg_tool_call })`
 * for each entry of `tool_calls`, in order, as LangGraph's docs show. The
 * node then plans the whole turn for each Send (once per step, from a cache),
 * answers that call under its corrected id, writes the corrected AIMessage
 * with it, and answers the calls no router of `tool_calls` can send
 * (invalid ones) with the Send of the entry before them.
 *
 * @example
 * ```ts
 * const graph = new StateGraph(MessagesAnnotation)
 *   .addNode("agent", callModel)
 *   .addNode("tools", new SafeToolNode(tools))
 *   .addEdge(START, "agent")
 *   .addConditionalEdges("agent", safeToolsFanOut("tools"), ["tools", END])
 *   .addEdge("tools", "agent")
 *   .compile({ checkpointer });
 * ```
 */
export function safeToolsFanOut(nodeName = "tools"): (state: RoutableState) => Send[] | typeof END {
  return (state) => fanOutSends(state, nodeName);
}
