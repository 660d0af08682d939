/**
 * `safe-tool-node/testing`: a scripted chat model for tests of agents, with
 * no network and no API key.
 */
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { validateToolResults } from "./history/validate-tool-results.js";

/**
 * What {@link ScriptedChatModel} is made from.
 *
 * @example
 * ```ts
 * const model = new ScriptedChatModel({ responses: [turnWithCalls, "Done."], rejectRequest: () => undefined });
 * ```
 */
export interface ScriptedChatModelFields {
  /**
   * The replies, in call order. An AIMessage may carry `tool_calls`,
   * `invalid_tool_calls`, content blocks and metadata, as a provider's would;
   * a string is a plain text reply. Once they run out, the model replies "Done.".
   */
  responses: readonly (AIMessage | string)[];
  /**
   * Checks each request before the model replies, as a provider does:
   * returns the error text to throw, or undefined to reply. By default the
   * model refuses a history whose calls and results do not pair up as
   * `validateToolResults` checks them (a call without its result, a result
   * without its call, a reused or malformed id, a nameless call, results
   * out of call order - stricter than some providers), with the text of
   * OpenAI's 400. Pass `() => undefined` to accept anything.
   */
  rejectRequest?: (messages: readonly BaseMessage[]) => string | undefined;
}

/**
 * The default check: what `validateToolResults` finds, worded as OpenAI's 400.
 * An invalid or untracked call is sent as a call all the same, so it counts
 * only when it has no result (which is reported as such).
 */
function unpairedCallsRejection(messages: readonly BaseMessage[]): string | undefined {
  const problems = validateToolResults(messages).filter(
    (p) => p.kind !== "invalid_call" && p.kind !== "untracked_call",
  );
  if (problems.length === 0) return undefined;
  const missing = problems.filter((p) => p.kind === "missing_result").map((p) => p.toolCallId);
  if (missing.length > 0) {
    return `400 An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${missing.join(", ")}`;
  }
  return `400 Invalid request: ${problems.map((p) => p.message).join("; ")}`;
}

/**
 * A chat model that replies with a fixed script - tool calls, invalid calls
 * and text - for testing agents offline. `bindTools` accepts any tools and
 * changes nothing (the script decides the calls), so `createReactAgent`,
 * `createAgent` and `model.bindTools(tools)` in your own graph all take it.
 * Like a real provider, it refuses a history whose tool calls and results do
 * not pair up (see {@link ScriptedChatModelFields.rejectRequest}), so a test
 * fails where production would fail with HTTP 400.
 *
 * @example
 * ```ts
 * import { AIMessage, HumanMessage } from "@langchain/core/messages";
 * import { createReactAgent } from "@langchain/langgraph/prebuilt";
 * import { SafeToolNode, safePostModelHook, validateToolResults } from "safe-tool-node";
 * import { ScriptedChatModel } from "safe-tool-node/testing";
 *
 * const model = new ScriptedChatModel({
 *   responses: [
 *     new AIMessage({
 *       content: "",
 *       tool_calls: [{ id: "call_1", name: "search", args: { query: "weather" } }],
 *       invalid_tool_calls: [{ type: "invalid_tool_call", id: "call_2", name: "search", args: '{"query":', error: "Unexpected end of JSON input" }],
 *     }),
 *     "It is sunny.",
 *   ],
 * });
 * const agent = createReactAgent({ llm: model, tools: new SafeToolNode([search]), postModelHook: safePostModelHook() });
 * const { messages } = await agent.invoke({ messages: [new HumanMessage("weather?")] });
 * validateToolResults(messages); // []
 * model.requests.length; // 2: the second one holds both results
 * ```
 */
export class ScriptedChatModel extends BaseChatModel {
  /** Every history the model was called with, in call order. */
  readonly requests: BaseMessage[][] = [];
  private readonly responses: readonly (AIMessage | string)[];
  private readonly rejectRequest: (messages: readonly BaseMessage[]) => string | undefined;
  private replied = 0;

  /** @param fields The replies, or {@link ScriptedChatModelFields}. */
  constructor(fields: ScriptedChatModelFields | readonly (AIMessage | string)[]) {
    super({});
    const resolved: ScriptedChatModelFields = isReplyList(fields) ? { responses: fields } : fields;
    this.responses = resolved.responses;
    this.rejectRequest = resolved.rejectRequest ?? unpairedCallsRejection;
  }

  /** LangChain's model type name: `"scripted"`. */
  _llmType(): string {
    return "scripted";
  }

  /** The script decides the calls, so binding tools changes nothing. */
  override bindTools(_tools?: unknown, _options?: unknown): this {
    return this;
  }

  /** Checks the request (see `rejectRequest`), then replies with the next response of the script. */
  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    this.requests.push(messages);
    const rejection = this.rejectRequest(messages);
    if (rejection !== undefined) throw new Error(rejection);
    const reply = this.responses[this.replied++] ?? "Done.";
    const message = typeof reply === "string" ? new AIMessage(reply) : reply;
    return { generations: [{ message, text: typeof message.content === "string" ? message.content : "" }] };
  }
}

function isReplyList(
  fields: ScriptedChatModelFields | readonly (AIMessage | string)[],
): fields is readonly (AIMessage | string)[] {
  return Array.isArray(fields);
}
