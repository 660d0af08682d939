/**
 * The wirings a SafeToolNode is used in, on a scripted "model" node: the
 * batch router, our fan-out router, and a Send router the user wrote (one
 * `Send("tools", { ...state, lg_tool_call })` per entry of `tool_calls`, as
 * LangGraph's docs show).
 */
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { END, MemorySaver, MessagesAnnotation, START, Send, StateGraph } from "@langchain/langgraph";
import { SafeToolNode, safeToolsCondition, safeToolsFanOut } from "../../src/index.js";

export type Wiring = "batch" | "fan-out" | "own router";
export const WIRINGS: readonly Wiring[] = ["batch", "fan-out", "own router"];

/** A Send router as users write it: one Send per `tool_calls` entry of the last AIMessage. */
export function ownSendRouter(state: typeof MessagesAnnotation.State): Send[] | typeof END {
  const last = state.messages.at(-1);
  if (!AIMessage.isInstance(last) || !last.tool_calls?.length) return END;
  return last.tool_calls.map((toolCall) => new Send("tools", { ...state, lg_tool_call: toolCall }));
}

const routers = { batch: safeToolsCondition, "fan-out": safeToolsFanOut("tools"), "own router": ownSendRouter };

let threads = 0;

/**
 * Runs `script` (one AIMessage per model turn, then a final answer) through
 * agent -> tools -> agent with the given wiring, and returns the history.
 * With `checkpointer`, the graph runs durably (each call a task).
 */
export async function runScript(
  script: readonly AIMessage[],
  node: SafeToolNode,
  wiring: Wiring,
  options: { checkpointer?: boolean } = {},
): Promise<BaseMessage[]> {
  let turn = 0;
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("agent", () => ({ messages: [script[turn++] ?? new AIMessage({ content: "done", id: `final-${turn}` })] }))
    .addNode("tools", node)
    .addEdge(START, "agent")
    .addConditionalEdges("agent", routers[wiring], ["tools", END])
    .addEdge("tools", "agent")
    .compile(options.checkpointer ? { checkpointer: new MemorySaver() } : {});
  const { messages } = await graph.invoke(
    { messages: [new HumanMessage({ content: "go", id: "h0" })] },
    { configurable: { thread_id: `script-${++threads}` } },
  );
  return messages;
}

/**
 * Runs one turn through agent -> guard -> tools -> agent (batch routing),
 * where the guard edits the AIMessage in place between the router and the
 * node, as LangChain's human-in-the-loop middleware does; returns the history.
 */
export async function runWithInPlaceEdit(
  turn: AIMessage,
  node: SafeToolNode,
  edit: (ai: AIMessage) => void,
): Promise<BaseMessage[]> {
  let turns = 0;
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("agent", () => ({ messages: [turns++ ? new AIMessage({ id: "fin", content: "done" }) : turn] }))
    .addNode("guard", (state) => {
      const ai = state.messages.at(-1) as AIMessage;
      edit(ai);
      return { messages: [ai] };
    })
    .addNode("tools", node)
    .addEdge(START, "agent")
    .addConditionalEdges("agent", safeToolsCondition, { tools: "guard", [END]: END })
    .addEdge("guard", "tools")
    .addEdge("tools", "agent")
    .compile();
  const { messages } = await graph.invoke({ messages: [new HumanMessage({ content: "go", id: "h" })] });
  return messages;
}
