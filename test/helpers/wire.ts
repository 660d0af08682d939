import type { BaseMessage } from "@langchain/core/messages";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ChatAnthropic } from "@langchain/anthropic";
import { ChatGoogleGenerativeAI } from "@langchain/google-genai";
import { ChatOpenAI } from "@langchain/openai";
import { geminiViolations } from "./provider-rules.js";
import { ProviderServer } from "./provider-server.js";

export type Provider = "openai-chat" | "openai-responses" | "anthropic" | "gemini";
export const PROVIDERS: readonly Provider[] = ["openai-chat", "openai-responses", "anthropic", "gemini"];

export interface WireResult {
  provider: Provider;
  /** The provider's 400 message, or the client's own exception before sending; undefined when accepted. */
  error?: string;
  /**
   * Gemini only: the request was rejected solely because `@langchain/google-genai`
   * sends each ToolMessage as its own content (see provider-rules.ts); with
   * the responses of a turn joined, it passes.
   */
  splitByConverter?: boolean;
  /**
   * Gemini only: not sent, because an AIMessage carries its calls as content
   * blocks too (Anthropic `tool_use`, standard `tool_call`), which
   * `@langchain/google-genai` sends in addition to `tool_calls`, doubling
   * every call whatever answered it.
   */
  skipped?: string;
}

const CALL_BLOCKS = new Set(["tool_use", "tool_call", "invalid_tool_call"]);

function hasCallBlocks(history: readonly BaseMessage[]): boolean {
  return history.some(
    (m) =>
      m.getType() === "ai" &&
      Array.isArray(m.content) &&
      (m.content as { type?: string }[]).some((b) => CALL_BLOCKS.has(b?.type ?? "")),
  );
}

interface Wire {
  server: ProviderServer;
  clients: Record<Provider, BaseChatModel>;
}

let wire: Promise<Wire> | undefined;

/** One local provider server and one real client per API, per test worker. */
export function localProviders(): Promise<Wire> {
  wire ??= ProviderServer.start().then((server) => {
    const common = { apiKey: "test-key", maxRetries: 0 };
    return {
      server,
      clients: {
        "openai-chat": new ChatOpenAI({
          ...common,
          model: "gpt-local",
          configuration: { baseURL: `${server.origin}/v1` },
        }),
        "openai-responses": new ChatOpenAI({
          ...common,
          model: "gpt-local",
          useResponsesApi: true,
          configuration: { baseURL: `${server.origin}/v1` },
        }),
        anthropic: new ChatAnthropic({ ...common, model: "claude-local", clientOptions: { baseURL: server.origin } }),
        // a multimodal model's name: the client refuses to send images for others
        gemini: new ChatGoogleGenerativeAI({ ...common, model: "gemini-2.5-flash", baseUrl: server.origin }),
      },
    };
  });
  return wire;
}

/** Stops this worker's provider server (the test setup calls it after each file). */
export async function closeLocalProviders(): Promise<void> {
  const running = wire;
  wire = undefined;
  if (running) await (await running).server.close();
}

/**
 * Sends `history` through the real `ChatOpenAI` (Chat Completions and
 * Responses), `ChatAnthropic` and `ChatGoogleGenerativeAI` clients to the
 * local provider server, as the next model call would, and reports per
 * provider whether the request was accepted.
 */
export async function sendThroughProviders(
  history: readonly BaseMessage[],
  providers: readonly Provider[] = PROVIDERS,
): Promise<WireResult[]> {
  const { server, clients } = await localProviders();
  const results: WireResult[] = [];
  for (const provider of providers) {
    if (provider === "gemini" && hasCallBlocks(history)) {
      results.push({ provider, skipped: "calls in content blocks are doubled by the Gemini converter" });
      continue;
    }
    const before = server.requests.length;
    try {
      await clients[provider].invoke([...history]);
      results.push({ provider });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      const request = server.requests.length > before ? server.requests[server.requests.length - 1] : undefined;
      if (
        provider === "gemini" &&
        request &&
        geminiViolations(request.body, { mergeSplitResponses: true }).length === 0
      ) {
        results.push({ provider, splitByConverter: true });
      } else {
        results.push({ provider, error });
      }
    }
  }
  return results;
}
