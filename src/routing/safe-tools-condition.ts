import type { BaseMessage } from "@langchain/core/messages";
import { END } from "@langchain/langgraph";
import { planNeedsWork, planToolCalls } from "../calls/plan-tool-calls.js";

/**
 * The state shapes a router reads: a message list or a state with one.
 *
 * @example
 * ```ts
 * const state: RoutableState = { messages: [new HumanMessage("hi"), aiMessageWithCalls] };
 * safeToolsCondition(state); // "tools"
 * ```
 */
export type RoutableState =
  | readonly BaseMessage[]
  | {
      /** The conversation, ending with the AIMessage to route. */
      messages: readonly BaseMessage[];
    };

function messagesOf(state: RoutableState): readonly BaseMessage[] {
  const list = Array.isArray(state) ? state : (state as { messages?: unknown }).messages;
  return Array.isArray(list) ? (list as BaseMessage[]) : [];
}

function routeTo<N extends string>(node: N): (state: RoutableState) => N | typeof END {
  return (state) => (planNeedsWork(planToolCalls(messagesOf(state))) ? node : END);
}

const routeToTools = routeTo("tools");

/**
 * Routes to the tools node when the last AIMessage has calls that still need
 * an answer - including a turn whose only calls are invalid, where
 * `toolsCondition` would end the run and leave the thread unanswerable - and
 * to `END` otherwise.
 *
 * Call it with a state to route to `"tools"`; call it with a node name to get
 * a router for a tools node of another name.
 *
 * @example
 * ```ts
 * graph.addConditionalEdges("agent", safeToolsCondition, ["tools", END]);
 * graph.addConditionalEdges("agent", safeToolsCondition("run_tools"), ["run_tools", END]);
 * ```
 */
export function safeToolsCondition(state: RoutableState): "tools" | typeof END;
export function safeToolsCondition<N extends string>(nodeName: N): (state: RoutableState) => N | typeof END;
export function safeToolsCondition<N extends string>(
  stateOrName: RoutableState | N,
): "tools" | typeof END | ((state: RoutableState) => N | typeof END) {
  if (typeof stateOrName === "string") return routeTo(stateOrName);
  return routeToTools(stateOrName);
}
