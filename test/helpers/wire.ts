import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { Agent, fetch as fetchTrusting } from "undici";
import { bedrockViolations, geminiViolations } from "./provider-rules.js";
import { ProviderServer, type Api } from "./provider-server.js";

export type Provider = Api;
export const PROVIDERS: readonly Provider[] = [
  "openai-chat",
  "openai-responses",
  "anthropic",
  "gemini",
  "bedrock",
  "vertex",
  "mistral",
  "ollama",
];

/**
 * What a client's own converter does to a history whatever executor
 * answered its calls, so that the request is refused or rejected for that
 * reason alone (the README lists each, with its workaround):
 * - `"split-responses"`: `@langchain/google-genai` sends each ToolMessage as
 *   its own content; Gemini wants one content per turn of calls.
 * - `"call-blocks"`: an AIMessage carries its calls as content blocks too
 *   (Anthropic `tool_use`, standard `tool_call`). `@langchain/google-genai`
 *   sends them besides `tool_calls`, doubling every call; the Bedrock,
 *   Vertex AI and Mistral converters throw on them; Ollama's drops the calls
 *   of an AIMessage whose content is a list without `tool_use` blocks.
 * - `"alternation"`: Bedrock Converse wants roles to alternate, and its
 *   converter joins consecutive tool results only: a HumanMessage after tool
 *   results, or two AIMessages in a row (two agents answering one after the
 *   other), is sent as two turns of one role.
 */
export type ConverterLimit = "split-responses" | "call-blocks" | "alternation";

export interface WireResult {
  provider: Provider;
  /** The provider's 400 message, or the client's own exception before sending; undefined when accepted. */
  error?: string;
  /**
   * Not sent, or rejected, because of this limit of the client's converter
   * alone: for a rejection, the request passes every rule once the
   * converter's doing is undone (the turn's responses joined, consecutive turns of one role joined).
   */
  limit?: ConverterLimit;
}

const CALL_BLOCKS = new Set(["tool_use", "tool_call", "invalid_tool_call", "functionCall"]);
type Block = { type?: string };

const aiMessages = (history: readonly BaseMessage[]) => history.filter((m) => m.getType() === "ai");
const blocksOf = (m: BaseMessage): Block[] => (Array.isArray(m.content) ? (m.content as Block[]) : []);

/** Whether `provider`'s converter cannot send the calls of this history as they are (see {@link ConverterLimit}). */
function hasCallBlocksFor(provider: Provider, history: readonly BaseMessage[]): boolean {
  const withBlocks = aiMessages(history).some((m) => blocksOf(m).some((b) => CALL_BLOCKS.has(b?.type ?? "")));
  if (provider === "gemini" || provider === "bedrock" || provider === "vertex" || provider === "mistral")
    return withBlocks;
  if (provider === "ollama")
    return aiMessages(history).some(
      (m) =>
        Array.isArray(m.content) &&
        ((m as { tool_calls?: unknown[] }).tool_calls?.length ?? 0) > 0 &&
        !blocksOf(m).some((b) => b?.type === "tool_use"),
    );
  return false;
}

/**
 * The workaround the README shows for the `call-blocks` limit, as written
 * there: each AIMessage whose content is a list gets its text as content,
 * its calls staying in `tool_calls`.
 */
export function withoutCallBlocks(messages: readonly BaseMessage[]): BaseMessage[] {
  return messages.map((m) => {
    if (!AIMessage.isInstance(m) || typeof m.content === "string") return m;
    const text = m.content.flatMap((block) => (block.type === "text" ? [block.text as string] : [])).join("");
    // Without output_version "v1": converters read a v1 message's calls from its content blocks.
    const { output_version: _v1, ...response_metadata } = m.response_metadata ?? {};
    const { id, name, tool_calls, invalid_tool_calls, additional_kwargs, usage_metadata } = m;
    return new AIMessage({
      id,
      name,
      content: text,
      tool_calls,
      invalid_tool_calls,
      additional_kwargs,
      response_metadata,
      usage_metadata,
    });
  });
}

/** A fetch that trusts `ca` (and nothing else) for HTTPS. */
function trusting(ca: string): typeof fetch {
  const dispatcher = new Agent({ connect: { ca } });
  return ((url: string, init?: RequestInit) =>
    fetchTrusting(url, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}

interface Wire {
  server: ProviderServer;
  clients: Record<Provider, BaseChatModel>;
}

let wire: Promise<Wire> | undefined;

/** One local provider server and one real client per API, per test worker. */
export function localProviders(): Promise<Wire> {
  wire ??= ProviderServer.start().then(async (server) => {
    // Loaded here, not at the top: only test files that send a history pay for the eight SDKs.
    const [
      { BedrockRuntimeClient },
      { NodeHttpHandler },
      { ChatAnthropic },
      { ChatBedrockConverse },
      { ChatGoogleGenerativeAI },
      { ChatVertexAI },
      { ChatMistralAI },
      { ChatOllama },
      { ChatOpenAI },
    ] = await Promise.all([
      import("@aws-sdk/client-bedrock-runtime"),
      import("@smithy/node-http-handler"),
      import("@langchain/anthropic"),
      import("@langchain/aws"),
      import("@langchain/google-genai"),
      import("@langchain/google-vertexai"),
      import("@langchain/mistralai"),
      import("@langchain/ollama"),
      import("@langchain/openai"),
    ]);
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
        bedrock: new ChatBedrockConverse({
          model: "anthropic.claude-local",
          region: "us-east-1",
          maxRetries: 0,
          // The SDK's default HTTP/2 handler cannot talk to a plain Node server.
          client: new BedrockRuntimeClient({
            endpoint: server.origin,
            region: "us-east-1",
            credentials: { accessKeyId: "test-key", secretAccessKey: "test-secret" },
            requestHandler: new NodeHttpHandler(),
            maxAttempts: 1,
          }),
        }),
        vertex: new ChatVertexAI({
          model: "gemini-2.5-flash",
          maxRetries: 0,
          endpoint: server.tlsHost,
          location: "us-central1",
          authOptions: {
            apiKey: "test-key",
            projectId: "local-project",
            // The client speaks HTTPS only: trust the local server's certificate, for this client alone.
            clientOptions: { transporterOptions: { fetchImplementation: trusting(server.ca) } },
          },
        }),
        mistral: new ChatMistralAI({ ...common, model: "mistral-local", serverURL: `${server.origin}/mistral` }),
        ollama: new ChatOllama({ model: "llama-local", maxRetries: 0, baseUrl: `${server.origin}/ollama` }),
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
 * Sends `history` through the eight real clients to the local provider
 * server, as the next model call would, and reports per provider whether
 * the request was accepted. An empty history is not sent (every API refuses
 * an empty request before any rule applies).
 */
export async function sendThroughProviders(
  history: readonly BaseMessage[],
  providers: readonly Provider[] = PROVIDERS,
): Promise<WireResult[]> {
  const { server, clients } = await localProviders();
  const results: WireResult[] = [];
  for (const provider of providers) {
    if (history.length === 0) {
      results.push({ provider });
      continue;
    }
    // The README's workaround for this limit: the client gets the history with each AIMessage's text as its content.
    const blocked = hasCallBlocksFor(provider, history);
    const before = server.requests.length;
    try {
      await clients[provider].invoke(blocked ? withoutCallBlocks(history) : [...history]);
      results.push(blocked ? { provider, limit: "call-blocks" } : { provider });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      const request = server.requests.length > before ? server.requests[server.requests.length - 1] : undefined;
      if (
        provider === "gemini" &&
        request &&
        geminiViolations(request.body, { mergeSplitResponses: true }).length === 0
      )
        results.push({ provider, limit: "split-responses" });
      else if (provider === "bedrock" && request && bedrockViolations(request.body, { joinTurns: true }).length === 0)
        results.push({ provider, limit: "alternation" });
      else results.push({ provider, error });
    }
  }
  return results;
}
