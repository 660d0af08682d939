import type { BaseMessage } from "@langchain/core/messages";
import { ChatAnthropic } from "@langchain/anthropic";
import { ChatOpenAI } from "@langchain/openai";
import { anthropicViolations, openAIChatViolations } from "./provider-rules.js";

type Json = Record<string, unknown>;

/**
 * A `fetch` that never touches the network: it records the request body,
 * then answers like the provider would - a 400 with the broken rules, or a
 * minimal valid reply.
 */
function recordingFetch(check: (body: Json) => string[], reply: Json) {
  const bodies: Json[] = [];
  const fetchImpl = async (_url: unknown, init?: { body?: unknown }): Promise<Response> => {
    const body = JSON.parse(String(init?.body ?? "{}")) as Json;
    bodies.push(body);
    const problems = check(body);
    if (problems.length > 0) {
      return new Response(JSON.stringify({ error: { type: "invalid_request_error", message: problems.join("\n") } }), {
        status: 400,
        headers: { "content-type": "application/json" },
      });
    }
    return new Response(JSON.stringify(reply), { status: 200, headers: { "content-type": "application/json" } });
  };
  return { bodies, fetchImpl };
}

const OPENAI_REPLY = {
  id: "chatcmpl-test",
  object: "chat.completion",
  created: 0,
  model: "gpt-test",
  choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
};

const ANTHROPIC_REPLY = {
  id: "msg_test",
  type: "message",
  role: "assistant",
  model: "claude-test",
  content: [{ type: "text", text: "ok" }],
  stop_reason: "end_turn",
  usage: { input_tokens: 1, output_tokens: 1 },
};

export interface WireResult {
  provider: string;
  /** The provider's complaint, or the client's own exception before sending; undefined when accepted. */
  error?: string;
}

/**
 * Sends `history` (plus nothing else) through the real `ChatOpenAI` (Chat
 * Completions) and `ChatAnthropic` clients, as a next model call would, and
 * reports per provider whether the request would be accepted.
 */
export async function sendThroughProviders(history: readonly BaseMessage[]): Promise<WireResult[]> {
  const openai = recordingFetch(openAIChatViolations, OPENAI_REPLY);
  const anthropic = recordingFetch(anthropicViolations, ANTHROPIC_REPLY);
  const clients = [
    {
      provider: "openai-chat",
      model: new ChatOpenAI({ model: "gpt-test", apiKey: "test-key", maxRetries: 0, configuration: { fetch: openai.fetchImpl } }),
    },
    {
      provider: "anthropic",
      model: new ChatAnthropic({ model: "claude-test", apiKey: "test-key", maxRetries: 0, clientOptions: { fetch: anthropic.fetchImpl } }),
    },
  ];
  const results: WireResult[] = [];
  for (const { provider, model } of clients) {
    try {
      await model.invoke([...history]);
      results.push({ provider });
    } catch (e) {
      results.push({ provider, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return results;
}
