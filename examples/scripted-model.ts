/**
 * A chat model for offline examples: it replies with a fixed script of
 * AIMessages, and, like a real provider, first checks the request it would
 * send. The history goes through `@langchain/openai`'s real Chat Completions
 * converter and is rejected with OpenAI's 400 text when a call lacks its
 * result or a result lacks its call.
 */
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
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
      if (stray !== undefined) return `400 Invalid parameter: 'tool_call_id' of '${stray}' not found in 'tool_calls' of previous message.`;
      i = j - 1;
    } else if (answered.length > 0) {
      return "400 Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.";
    }
  }
  return undefined;
}

/** Replies with `script[0]`, then `script[1]`, ...; then "Done." */
export class ScriptedChatModel extends BaseChatModel {
  private turn = 0;
  /** Every history the model was called with, for inspection. */
  readonly seen: BaseMessage[][] = [];

  constructor(private readonly script: AIMessage[]) {
    super({});
  }

  _llmType(): string {
    return "scripted";
  }

  /** The script decides the calls, so binding tools changes nothing (agents built by createAgent / createReactAgent bind them). */
  override bindTools(): this {
    return this;
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    this.seen.push(messages);
    const rejection = openAIRejection(messages);
    if (rejection) throw new Error(rejection);
    const message = this.script[this.turn++] ?? new AIMessage("Done.");
    return { generations: [{ message, text: typeof message.content === "string" ? message.content : "" }] };
  }
}
