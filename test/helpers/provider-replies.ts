/**
 * AIMessages exactly as the real clients build them from a provider's
 * reply: the local provider server is scripted to answer with tool calls
 * (optionally cut off by the token limit), and the real client parses it.
 */
import { HumanMessage, type AIMessage } from "@langchain/core/messages";
import { localProviders, type Provider } from "./wire.js";

export interface ReplyCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
  /** The argument text as the model produced it (for OpenAI Chat Completions), when it is not `args` as JSON: a text cut short. */
  text?: string;
}

let replies = 0;

function body(provider: Provider, calls: readonly ReplyCall[], cutOff: boolean): Record<string, unknown> {
  replies += 1;
  // Mistral's API answers in the Chat Completions shape.
  if (provider === "openai-chat" || provider === "mistral") {
    return {
      id: `chatcmpl-${replies}`,
      object: "chat.completion",
      created: 0,
      model: provider === "mistral" ? "mistral-local" : "gpt-local",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: null,
            tool_calls: calls.map((c) => ({
              id: c.id,
              type: "function",
              function: { name: c.name, arguments: c.text ?? JSON.stringify(c.args) },
            })),
          },
          finish_reason: cutOff ? "length" : "tool_calls",
        },
      ],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    };
  }
  if (provider === "openai-responses") {
    return {
      id: `resp_${replies}`,
      object: "response",
      created_at: 0,
      model: "gpt-local",
      status: cutOff ? "incomplete" : "completed",
      incomplete_details: cutOff ? { reason: "max_output_tokens" } : null,
      output: calls.map((c, k) => ({
        type: "function_call",
        id: `fc_${replies}_${k}`,
        call_id: c.id,
        name: c.name,
        arguments: JSON.stringify(c.args),
        status: "completed",
      })),
      usage: {
        input_tokens: 1,
        output_tokens: 1,
        total_tokens: 2,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens_details: { reasoning_tokens: 0 },
      },
    };
  }
  if (provider === "anthropic") {
    return {
      id: `msg_${replies}`,
      type: "message",
      role: "assistant",
      model: "claude-local",
      content: calls.map((c) => ({ type: "tool_use", id: c.id, name: c.name, input: c.args })),
      stop_reason: cutOff ? "max_tokens" : "tool_use",
      usage: { input_tokens: 1, output_tokens: 1 },
    };
  }
  if (provider === "bedrock") {
    return {
      output: {
        message: {
          role: "assistant",
          content: calls.map((c) => ({ toolUse: { toolUseId: c.id, name: c.name, input: c.args } })),
        },
      },
      stopReason: cutOff ? "max_tokens" : "tool_use",
      usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
      metrics: { latencyMs: 1 },
    };
  }
  if (provider === "ollama") {
    // Ollama's calls have no ids: its client makes them.
    return {
      message: {
        role: "assistant",
        content: "",
        tool_calls: calls.map((c) => ({ function: { name: c.name, arguments: c.args } })),
      },
      done_reason: cutOff ? "length" : "stop",
    };
  }
  // Gemini and Vertex AI
  return {
    candidates: [
      {
        content: { role: "model", parts: calls.map((c) => ({ functionCall: { name: c.name, args: c.args } })) },
        finishReason: cutOff ? "MAX_TOKENS" : "STOP",
        index: 0,
      },
    ],
    usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
  };
}

/** Scripts the next reply of `provider` (see {@link replyFrom}), for a client that a graph calls itself. */
export async function scriptReply(
  provider: Provider,
  calls: readonly ReplyCall[],
  options: { cutOff?: boolean } = {},
): Promise<void> {
  const { server } = await localProviders();
  server.script(provider, body(provider, calls, options.cutOff ?? false));
}

/** The AIMessage `provider`'s real client builds from a reply holding `calls` (Gemini, Vertex AI and Ollama make their own ids). */
export async function replyFrom(
  provider: Provider,
  calls: readonly ReplyCall[],
  options: { cutOff?: boolean } = {},
): Promise<AIMessage> {
  const { server, clients } = await localProviders();
  server.script(provider, body(provider, calls, options.cutOff ?? false));
  const message = (await clients[provider].invoke([new HumanMessage("go")])) as AIMessage;
  message.id ??= `reply-${replies}`;
  return message;
}
