import type { BaseMessage } from "@langchain/core/messages";
import { InvalidNodeInputError, describeValue } from "../errors.js";
import { readSendPayload, type SendPayload } from "../routing/send.js";

/** The node's input, read into one shape. */
export interface NodeInput {
  messages: readonly BaseMessage[];
  /** What tools see as `runtime.state` (a Send payload without its Send keys). */
  state: unknown;
  /** How errors name the list: "input" or "state.messages". */
  source: string;
  /** True when the caller passed a bare message list (the output is one too). */
  listInput: boolean;
  /** Set when the node was reached through `Send("tools", { ...state, lg_tool_call })`. */
  send?: SendPayload;
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
      `SafeToolNode: expected a state object with a "messages" list or a list of messages, received ${describeValue(input)}.`,
    );
  }
  const record = input as Record<string, unknown>;
  const send = readSendPayload(record);
  const state = send ? send.state : record;
  if (!("messages" in state)) {
    if (send) return { messages: [], source: "state.messages", state, listInput: false, send };
    const keys = Object.keys(state);
    throw new InvalidNodeInputError(
      `SafeToolNode: the state has no "messages" key (keys: ${keys.length ? keys.join(", ") : "none"}).`,
    );
  }
  const messages = state.messages;
  if (!Array.isArray(messages)) {
    throw new InvalidNodeInputError(
      `SafeToolNode: state.messages must be a list of messages, received ${describeValue(messages)}.`,
    );
  }
  return {
    messages: messages as BaseMessage[],
    source: "state.messages",
    state,
    listInput: false,
    ...(send ? { send } : {}),
  };
}
