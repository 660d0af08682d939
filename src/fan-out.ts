import type { BaseMessage } from "@langchain/core/messages";
import { END, Send } from "@langchain/langgraph";
import { planNeedsWork, planToolCalls, toolCallOf, type PlannedCall } from "./plan-tool-calls.js";
import { SEND_PREFIX_KEY } from "./read-input.js";
import type { RoutableState } from "./safe-tools-condition.js";

/** The call as a Send carries it: a tool call, or an invalid call with its parser error. */
function sentCall(call: PlannedCall) {
  if (!call.invalid) return toolCallOf(call);
  return { type: "invalid_tool_call" as const, id: call.id, name: call.name, args: call.invalid.rawArgs, error: call.invalid.error };
}

/**
 * A router for fan-out mode: one `Send` per call of the last AIMessage that
 * still needs an answer - invalid calls included - so that each call is its
 * own graph task (as LangChain's `createAgent` does), and `END` when there is
 * nothing to answer.
 *
 * The node the Sends go to (a {@link SafeToolNode}) answers each call. The
 * AIMessage correction (invalid calls, missing or duplicate ids) travels
 * with the first Send and is written exactly once, ahead of the results; a
 * turn whose existing results must be moved back into order is sent whole
 * to one task instead. With a checkpointer, LangGraph saves each finished
 * task, so after an interrupt or a crash only unfinished calls run again.
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
  return (state) => {
    const messages = (Array.isArray(state) ? state : (state as { messages?: unknown }).messages) as readonly BaseMessage[] | undefined;
    const plan = planToolCalls(Array.isArray(messages) ? messages : []);
    if (!plan || !planNeedsWork(plan)) return END;
    const pending = plan.slots.filter((slot) => !slot.existing).map((slot) => slot.call);
    const moves = plan.slots.some((slot) => slot.existing && slot.reemit);
    if (Array.isArray(state) || moves || pending.length === 0) return [new Send(nodeName, state)];
    return pending.map(
      (call, index) =>
        new Send(nodeName, {
          ...(state as object),
          lg_tool_call: sentCall(call),
          ...(index === 0 && plan.prefix.length > 0 ? { [SEND_PREFIX_KEY]: plan.prefix } : {}),
        }),
    );
  };
}
