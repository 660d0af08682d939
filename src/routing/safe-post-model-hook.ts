import type { AIMessage, BaseMessage } from "@langchain/core/messages";
import { preparedLastTurn } from "../calls/prepare-turn.js";

/**
 * The state a post-model hook reads: createReactAgent's, or any with a messages list.
 *
 * @example
 * ```ts
 * const update = safePostModelHook()({ messages }); // { messages: [] } when the turn needs nothing
 * ```
 */
export interface PostModelHookState {
  /** The conversation, ending with the model's response. */
  messages: BaseMessage[];
}

/**
 * What {@link safePostModelHook}'s hook returns: the corrected AIMessage (same message id), or nothing.
 *
 * @example
 * ```ts
 * const { messages: [corrected] } = safePostModelHook()({ messages });
 * ```
 */
export interface PostModelHookUpdate {
  /** Empty when the turn needs nothing; else the AIMessage that replaces the model's. */
  messages: AIMessage[];
}

/**
 * A `postModelHook` for `createReactAgent` that lets its own router send every
 * call of the turn to a {@link SafeToolNode}.
 *
 * createReactAgent routes on `tool_calls` alone, and with a post-model hook it
 * routes only calls whose id no earlier ToolMessage holds. So without this hook
 * a turn whose only call is invalid (broken JSON), or held only in the
 * provider's raw form, ends the run unanswered, and a call reusing an earlier
 * turn's id (`call_0` every turn) is skipped. The hook stores the AIMessage the
 * way the node would correct it - ids valid and unique across the whole
 * request, every call in `tool_calls` - and marks each call that must not run
 * (invalid, cut off, nameless, raw-only), so the node answers it with an error
 * result instead of running it. It writes nothing when the turn needs nothing.
 *
 * @example
 * ```ts
 * import { createReactAgent } from "@langchain/langgraph/prebuilt";
 * import { SafeToolNode, safePostModelHook } from "safe-tool-node";
 *
 * const agent = createReactAgent({
 *   llm: model,
 *   tools: new SafeToolNode([search]),
 *   postModelHook: safePostModelHook(),
 * });
 * ```
 */
export function safePostModelHook(): (state: PostModelHookState) => PostModelHookUpdate {
  return (state) => {
    const messages = state?.messages;
    const prepared = Array.isArray(messages) ? preparedLastTurn(messages) : undefined;
    return { messages: prepared ? [prepared] : [] };
  };
}
