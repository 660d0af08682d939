import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  anthropicViolations,
  geminiViolations,
  openAIChatViolations,
  openAIResponsesViolations,
} from "./provider-rules.js";

type Json = Record<string, unknown>;

/** One request the server received, with what it answered. */
export interface RecordedRequest {
  api: "openai-chat" | "openai-responses" | "anthropic" | "gemini";
  body: Json;
  problems: string[];
}

const OK_REPLIES = {
  "openai-chat": {
    id: "chatcmpl-local",
    object: "chat.completion",
    created: 0,
    model: "gpt-local",
    choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  },
  "openai-responses": {
    id: "resp_local",
    object: "response",
    created_at: 0,
    model: "gpt-local",
    status: "completed",
    output: [
      {
        type: "message",
        id: "msg_local",
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text: "ok", annotations: [] }],
      },
    ],
    usage: {
      input_tokens: 1,
      output_tokens: 1,
      total_tokens: 2,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    },
  },
  anthropic: {
    id: "msg_local",
    type: "message",
    role: "assistant",
    model: "claude-local",
    content: [{ type: "text", text: "ok" }],
    stop_reason: "end_turn",
    usage: { input_tokens: 1, output_tokens: 1 },
  },
  gemini: {
    candidates: [{ content: { role: "model", parts: [{ text: "ok" }] }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
  },
} as const;

/** Each provider's 400 body, in the shape its SDK parses. */
function errorBody(api: RecordedRequest["api"], message: string): Json {
  if (api === "anthropic") return { type: "error", error: { type: "invalid_request_error", message } };
  if (api === "gemini") return { error: { code: 400, message, status: "INVALID_ARGUMENT" } };
  return { error: { message, type: "invalid_request_error", param: "messages", code: null } };
}

function route(method: string | undefined, url: string): RecordedRequest["api"] | undefined {
  if (method !== "POST") return undefined;
  const path = url.split("?")[0]!;
  if (path.endsWith("/chat/completions")) return "openai-chat";
  if (path.endsWith("/responses")) return "openai-responses";
  if (path.endsWith("/messages")) return "anthropic";
  if (/\/models\/[^/]+:generateContent$/.test(path)) return "gemini";
  return undefined;
}

const RULES: Record<RecordedRequest["api"], (body: Json) => string[]> = {
  "openai-chat": openAIChatViolations,
  "openai-responses": openAIResponsesViolations,
  anthropic: anthropicViolations,
  gemini: (body) => geminiViolations(body),
};

/**
 * A Chat Completions reply as the server-sent events a streaming client
 * reads: each call's id and name, then its argument text, then the finish reason.
 */
function streamChatCompletion(res: ServerResponse, reply: Json): void {
  const choice = (reply.choices as Json[])[0]!;
  const message = choice.message as Json;
  const event = (delta: Json, finish: unknown = null) =>
    res.write(
      `data: ${JSON.stringify({ id: reply.id, object: "chat.completion.chunk", created: 0, model: reply.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
    );
  res.writeHead(200, { "content-type": "text/event-stream" });
  event({ role: "assistant", content: typeof message.content === "string" ? message.content : "" });
  ((message.tool_calls ?? []) as Json[]).forEach((call, index) => {
    const fn = call.function as Json;
    event({ tool_calls: [{ index, id: call.id, type: "function", function: { name: fn.name, arguments: "" } }] });
    event({ tool_calls: [{ index, function: { arguments: fn.arguments } }] });
  });
  event({}, choice.finish_reason ?? "stop");
  res.end("data: [DONE]\n\n");
}

/**
 * A local stand-in for the four model APIs, on 127.0.0.1 only. It answers a
 * request like the provider would: HTTP 400 with the provider's error shape
 * and message when the request breaks that provider's pairing rules, a
 * minimal valid reply otherwise. Every request is recorded.
 */
export class ProviderServer {
  readonly requests: RecordedRequest[] = [];
  /** Replies to give instead of the minimal one, per API, first in first out. */
  private readonly scripted = new Map<RecordedRequest["api"], Json[]>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<ProviderServer> {
    let instance: ProviderServer | undefined;
    const server = createServer((req, res) => void instance!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    server.unref(); // never keeps a test process alive
    instance = new ProviderServer(server, (server.address() as AddressInfo).port);
    return instance;
  }

  /** The next valid request to `api` gets `reply` (a response body in that API's shape) instead of the minimal reply. */
  script(api: RecordedRequest["api"], reply: Json): void {
    this.scripted.set(api, [...(this.scripted.get(api) ?? []), reply]);
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const api = route(req.method, req.url ?? "");
    const send = (status: number, body: Json) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (!api) return send(404, { error: { message: `no such endpoint: ${req.method} ${req.url}` } });
    let body: Json;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Json;
    } catch {
      return send(400, errorBody(api, "We could not parse the JSON body of your request."));
    }
    const problems = RULES[api](body);
    this.requests.push({ api, body, problems });
    if (problems.length > 0) return send(400, errorBody(api, problems.join("\n")));
    const reply = this.scripted.get(api)?.shift() ?? (OK_REPLIES[api] as unknown as Json);
    if (api === "openai-chat" && body.stream === true) return streamChatCompletion(res, reply);
    send(200, reply);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
