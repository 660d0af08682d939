import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import selfsigned from "selfsigned";
import {
  anthropicViolations,
  bedrockViolations,
  geminiViolations,
  mistralViolations,
  ollamaViolations,
  openAIChatViolations,
  openAIResponsesViolations,
} from "./provider-rules.js";

type Json = Record<string, unknown>;

export type Api =
  "openai-chat" | "openai-responses" | "anthropic" | "gemini" | "bedrock" | "vertex" | "mistral" | "ollama";

/** One request the server received, with what it answered. */
export interface RecordedRequest {
  api: Api;
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
  bedrock: {
    output: { message: { role: "assistant", content: [{ text: "ok" }] } },
    stopReason: "end_turn",
    usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
    metrics: { latencyMs: 1 },
  },
  vertex: {
    candidates: [{ content: { role: "model", parts: [{ text: "ok" }] }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
  },
  mistral: {
    id: "cmpl-local",
    object: "chat.completion",
    model: "mistral-local",
    created: 0,
    choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  },
  /** Ollama's reply is streamed as NDJSON (see streamOllama); this is its message and why it stopped. */
  ollama: { message: { role: "assistant", content: "ok" }, done_reason: "stop" },
} as const;

/** Each provider's 400 body, in the shape its SDK parses. */
function errorBody(api: Api, message: string): Json {
  if (api === "anthropic") return { type: "error", error: { type: "invalid_request_error", message } };
  if (api === "gemini" || api === "vertex") return { error: { code: 400, message, status: "INVALID_ARGUMENT" } };
  if (api === "bedrock") return { message };
  if (api === "mistral")
    return { object: "error", message, type: "invalid_request_message_order", param: null, code: null };
  if (api === "ollama") return { error: message };
  return { error: { message, type: "invalid_request_error", param: "messages", code: null } };
}

/**
 * Which API a request is for. Mistral and Ollama clients are given base
 * URLs under `/mistral` and `/ollama` (Mistral's path is OpenAI's); Vertex
 * AI comes over HTTPS, under a project and a location.
 */
function route(method: string | undefined, url: string): Api | undefined {
  if (method !== "POST") return undefined;
  const path = url.split("?")[0]!;
  if (path.startsWith("/mistral/") && path.endsWith("/chat/completions")) return "mistral";
  if (path === "/ollama/api/chat") return "ollama";
  if (/^\/model\/[^/]+\/converse$/.test(path)) return "bedrock";
  if (/\/projects\/[^/]+\/locations\/[^/]+\/publishers\/google\/models\/[^/]+:generateContent$/.test(path))
    return "vertex";
  if (path.endsWith("/chat/completions")) return "openai-chat";
  if (path.endsWith("/responses")) return "openai-responses";
  if (path.endsWith("/messages")) return "anthropic";
  if (/\/models\/[^/]+:generateContent$/.test(path)) return "gemini";
  return undefined;
}

const RULES: Record<Api, (body: Json) => string[]> = {
  "openai-chat": openAIChatViolations,
  "openai-responses": openAIResponsesViolations,
  anthropic: anthropicViolations,
  gemini: (body) => geminiViolations(body),
  bedrock: bedrockViolations,
  vertex: (body) => geminiViolations(body),
  mistral: mistralViolations,
  ollama: ollamaViolations,
};

/** An Ollama reply as the NDJSON lines its client reads: the message, then the closing line. */
function streamOllama(res: ServerResponse, reply: Json): void {
  const line = (value: Json) =>
    res.write(`${JSON.stringify({ model: "llama-local", created_at: "2026-01-01T00:00:00Z", ...value })}\n`);
  res.writeHead(200, { "content-type": "application/x-ndjson" });
  line({ message: reply.message, done: false });
  line({
    message: { role: "assistant", content: "" },
    done: true,
    done_reason: reply.done_reason,
    total_duration: 1,
    load_duration: 1,
    prompt_eval_count: 1,
    prompt_eval_duration: 1,
    eval_count: 1,
    eval_duration: 1,
  });
  res.end();
}

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
 * A local stand-in for the eight model APIs, on 127.0.0.1 only. It answers a
 * request like the provider would: HTTP 400 with the provider's error shape
 * and message when the request breaks that provider's pairing rules, a
 * minimal valid reply otherwise. Every request is recorded. Plain HTTP for
 * all but Vertex AI, whose client only speaks HTTPS: for it the same
 * handler listens with a self-signed certificate made for this run (`ca`).
 */
export class ProviderServer {
  readonly requests: RecordedRequest[] = [];
  /** Replies to give instead of the minimal one, per API, first in first out. */
  private readonly scripted = new Map<Api, Json[]>();
  private constructor(
    private readonly servers: Server[],
    readonly port: number,
    readonly tlsPort: number,
    /** The certificate the HTTPS listener presents, for the client to trust. */
    readonly ca: string,
  ) {}

  static async start(): Promise<ProviderServer> {
    let instance: ProviderServer | undefined;
    const handle = (req: IncomingMessage, res: ServerResponse) => void instance!.handle(req, res);
    const tls = await selfsigned.generate([{ name: "commonName", value: "127.0.0.1" }], {
      notAfterDate: new Date(Date.now() + 86_400_000),
      keyType: "ec", // quick to make, one per test worker
      extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
    });
    const servers = [createServer(handle), createTlsServer({ key: tls.private, cert: tls.cert }, handle)];
    const ports: number[] = [];
    for (const server of servers) {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      server.unref(); // never keeps a test process alive
      ports.push((server.address() as AddressInfo).port);
    }
    instance = new ProviderServer(servers, ports[0]!, ports[1]!, tls.cert);
    return instance;
  }

  /** The next valid request to `api` gets `reply` (a response body in that API's shape) instead of the minimal reply. */
  script(api: Api, reply: Json): void {
    this.scripted.set(api, [...(this.scripted.get(api) ?? []), reply]);
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Vertex AI's endpoint: a host and port, which its client puts after `https://`. */
  get tlsHost(): string {
    return `127.0.0.1:${this.tlsPort}`;
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
    if (problems.length > 0) {
      // The AWS SDK reads the error's type from this header.
      if (api === "bedrock") res.setHeader("x-amzn-errortype", "ValidationException");
      return send(400, errorBody(api, problems.join("\n")));
    }
    const reply = this.scripted.get(api)?.shift() ?? (OK_REPLIES[api] as unknown as Json);
    if (api === "openai-chat" && body.stream === true) return streamChatCompletion(res, reply);
    if (api === "ollama") return streamOllama(res, reply);
    send(200, reply);
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}
