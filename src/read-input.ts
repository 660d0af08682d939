import type { BaseMessage } from "@langchain/core/messages";
import type { ToolCall } from "@langchain/core/messages/tool";
import { InvalidNodeInputError } from "./errors.js";

/** The node's input, read into one shape. */
export interface NodeInput {
  messages: readonly BaseMessage[];
  /** What tools see as `runtime.state` (the Send payload without `lg_tool_call`). */
  state: unknown;
  /** How errors name the list: "input" or "state.messages". */
  source: string;
  /** True when the caller passed a bare message list (the output is one too). */
  listInput: boolean;
  /** Set when the node was reached through `Send("tools", { ...state, lg_tool_call })`. */
  sendCall?: ToolCall;
  /** Messages the fan-out router asked this Send to write first (the AIMessage correction). */
  sendPrefix?: BaseMessage[];
}

/** The Send payload key that carries the fan-out router's corrections to one of its Sends. */
export const SEND_PREFIX_KEY = "safe_tool_node_prefix";

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    return name && name !== "Object" ? `a ${name}` : "an object";
  }
  return `a ${typeof value}`;
}

/** The error for a list entry that is not a message. */
export function notAMessage(source: string, index: number, value: unknown): InvalidNodeInputError {
  return new InvalidNodeInputError(
    `SafeToolNode: ${source}[${index}] is ${describe(value)}, not a message. ` +
      `Use LangChain message objects (a StateGraph with MessagesAnnotation converts them for you).`,
  );
}

/**
 * Accepts the three inputs `ToolNode` accepts: a message list, a state with a
 * `messages` list, and a Send payload `{ ...state, lg_tool_call }`.
 * Throws {@link InvalidNodeInputError} naming what is wrong otherwise. The
 * entries are checked later, as far back as the node reads them.
 */
export function readInput(input: unknown): NodeInput {
  if (Array.isArray(input)) {
    return { messages: input as BaseMessage[], source: "input", state: input, listInput: true };
  }
  if (typeof input !== "object" || input === null) {
    throw new InvalidNodeInputError(
      `SafeToolNode: expected a state object with a "messages" list or a list of messages, received ${describe(input)}.`,
    );
  }
  const record = input as Record<string, unknown>;
  let state: Record<string, unknown> = record;
  let sendCall: ToolCall | undefined;
  let sendPrefix: BaseMessage[] | undefined;
  if ("lg_tool_call" in record) {
    const { lg_tool_call: call, [SEND_PREFIX_KEY]: prefix, ...rest } = record;
    if (Array.isArray(prefix)) sendPrefix = prefix as BaseMessage[];
    if (typeof call !== "object" || call === null || typeof (call as ToolCall).name !== "string") {
      throw new InvalidNodeInputError(
        `SafeToolNode: "lg_tool_call" of the Send payload must be a tool call with a name, received ${describe(call)}.`,
      );
    }
    sendCall = call as ToolCall;
    state = rest;
  }
  if (!("messages" in state)) {
    if (sendCall) return { messages: [], source: "state.messages", state, listInput: false, sendCall, ...(sendPrefix ? { sendPrefix } : {}) };
    const keys = Object.keys(state);
    throw new InvalidNodeInputError(
      `SafeToolNode: the state has no "messages" key (keys: ${keys.length ? keys.join(", ") : "none"}).`,
    );
  }
  const messages = state.messages;
  if (!Array.isArray(messages)) {
    throw new InvalidNodeInputError(`SafeToolNode: state.messages must be a list of messages, received ${describe(messages)}.`);
  }
  return {
    messages: messages as BaseMessage[],
    source: "state.messages",
    state,
    listInput: false,
    ...(sendCall ? { sendCall } : {}),
    ...(sendPrefix ? { sendPrefix } : {}),
  };
}
