/**
 * OpenAI's pairing rule, checked on the request that `@langchain/openai`'s
 * real Chat Completions converter builds: the demo gives it to its scripted
 * models (`rejectRequest`) so that a broken history fails with OpenAI's own
 * 400 text.
 */
import type { BaseMessage } from "@langchain/core/messages";
import { convertMessagesToCompletionsMessageParams } from "@langchain/openai";

type WireMessage = { role: string; tool_calls?: { id: string }[]; tool_call_id?: string };

/** OpenAI's pairing rule, on the request the converter builds. Returns the 400 text, or undefined. */
export function openAIRejection(history: readonly BaseMessage[]): string | undefined {
  let wire: WireMessage[];
  try {
    wire = convertMessagesToCompletionsMessageParams({ messages: [...history] }) as WireMessage[];
  } catch (e) {
    return `the client refused to send the request: ${(e as Error).message}`;
  }
  for (let i = 0; i < wire.length; i++) {
    const ids = (wire[i]!.tool_calls ?? []).map((c) => c.id);
    let j = i + 1;
    const answered: string[] = [];
    for (; j < wire.length && wire[j]!.role === "tool"; j++) answered.push(wire[j]!.tool_call_id ?? "");
    if (ids.length > 0) {
      const missing = ids.filter((id) => !answered.includes(id));
      if (missing.length) {
        return `400 An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${missing.join(", ")}`;
      }
      const stray = answered.find((id) => !ids.includes(id));
      if (stray !== undefined)
        return `400 Invalid parameter: 'tool_call_id' of '${stray}' not found in 'tool_calls' of previous message.`;
      i = j - 1;
    } else if (answered.length > 0) {
      return "400 Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.";
    }
  }
  return undefined;
}
