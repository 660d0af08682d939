import { Agent, fetch as fetchTrusting } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderServer } from "./helpers/provider-server.js";

// Each rule of the local provider server has a request it must reject and
// one it must accept, so a server that accepts everything fails here.
let server: ProviderServer;
beforeAll(async () => {
  server = await ProviderServer.start();
});
afterAll(() => server.close());

async function post(path: string, body: unknown) {
  const res = await fetch(`${server.origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  // Ollama streams its reply as NDJSON: the first line is enough here.
  return { status: res.status, body: JSON.parse(text.split("\n")[0]!) as Record<string, any>, headers: res.headers };
}

/** A POST to the HTTPS listener (Vertex AI), trusting the server's certificate. */
async function postTls(path: string, body: unknown) {
  const res = await fetchTrusting(`https://${server.tlsHost}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    dispatcher: new Agent({ connect: { ca: server.ca } }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const fn = (id: string, name = "get_weather") => ({ id, type: "function", function: { name, arguments: "{}" } });
const chat = (...messages: unknown[]) => ({ model: "gpt-local", messages });
const user = { role: "user", content: "hi" };

describe("OpenAI Chat Completions rules", () => {
  const cases: [string, unknown, unknown, RegExp][] = [
    [
      "every call answered",
      chat(
        user,
        { role: "assistant", content: "", tool_calls: [fn("a"), fn("b")] },
        { role: "tool", tool_call_id: "a", content: "x" },
        user,
      ),
      chat(
        user,
        { role: "assistant", content: "", tool_calls: [fn("a"), fn("b")] },
        { role: "tool", tool_call_id: "a", content: "x" },
        { role: "tool", tool_call_id: "b", content: "y" },
        user,
      ),
      /must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: b/,
    ],
    [
      "a tool message answers a call of the message before",
      chat(
        user,
        { role: "assistant", content: "", tool_calls: [fn("a")] },
        { role: "tool", tool_call_id: "a", content: "x" },
        { role: "tool", tool_call_id: "z", content: "x" },
      ),
      chat(
        user,
        { role: "assistant", content: "", tool_calls: [fn("a")] },
        { role: "tool", tool_call_id: "a", content: "x" },
      ),
      /'tool_call_id' of 'z' not found in 'tool_calls' of previous message/,
    ],
    [
      "a tool message follows a message with tool_calls",
      chat(user, { role: "tool", tool_call_id: "a", content: "x" }),
      chat(user, { role: "assistant", content: "hello" }),
      /messages with role 'tool' must be a response to a preceeding message with 'tool_calls'/,
    ],
    [
      "tool content is a string or text parts",
      chat(
        user,
        { role: "assistant", content: "", tool_calls: [fn("a")] },
        { role: "tool", tool_call_id: "a", content: [{ id: 1 }] },
      ),
      chat(
        user,
        { role: "assistant", content: "", tool_calls: [fn("a")] },
        { role: "tool", tool_call_id: "a", content: [{ type: "text", text: "ok" }] },
      ),
      /Invalid tool message content/,
    ],
    [
      "images only in user messages",
      chat(
        user,
        { role: "assistant", content: "", tool_calls: [fn("a")] },
        {
          role: "tool",
          tool_call_id: "a",
          content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AA" } }],
        },
      ),
      chat(
        user,
        { role: "assistant", content: "", tool_calls: [fn("a")] },
        { role: "tool", tool_call_id: "a", content: "ok" },
        { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AA" } }] },
      ),
      /Image URLs are only allowed for messages with role 'user'/,
    ],
    [
      "call ids are at most 40 characters",
      chat(
        user,
        { role: "assistant", content: "", tool_calls: [fn("fc_" + "a".repeat(50))] },
        { role: "tool", tool_call_id: "fc_" + "a".repeat(50), content: "x" },
      ),
      chat(
        user,
        { role: "assistant", content: "", tool_calls: [fn("a".repeat(40))] },
        { role: "tool", tool_call_id: "a".repeat(40), content: "x" },
      ),
      /Invalid 'messages\[1\]\.tool_calls\[0\]\.id': string too long. Expected a string with maximum length 40, but got a string with length 53 instead/,
    ],
    [
      "function names are not empty",
      chat(
        user,
        { role: "assistant", content: "", tool_calls: [fn("a", "")] },
        { role: "tool", tool_call_id: "a", content: "x" },
      ),
      chat(
        user,
        { role: "assistant", content: "", tool_calls: [fn("a", "lookup")] },
        { role: "tool", tool_call_id: "a", content: "x" },
      ),
      /tool call without id or name/,
    ],
  ];
  it.each(cases)("%s", async (_rule, bad, good, message) => {
    const rejected = await post("/v1/chat/completions", bad);
    expect(rejected.status).toBe(400);
    expect(rejected.body.error.message).toMatch(message);
    expect((await post("/v1/chat/completions", good)).status).toBe(200);
  });
});

describe("OpenAI Responses rules", () => {
  const call = (id: string) => ({ type: "function_call", call_id: id, name: "get_weather", arguments: "{}" });
  const output = (id: string) => ({ type: "function_call_output", call_id: id, output: "ok" });
  const cases: [string, unknown[], unknown[], RegExp][] = [
    [
      "every call has an output",
      [user, call("a"), call("b"), output("a")],
      [user, call("a"), call("b"), output("a"), output("b")],
      /No tool output found for function call b/,
    ],
    [
      "every output has a call before it",
      [user, output("a"), call("a")],
      [user, call("a"), output("a")],
      /No tool call found for function call output with call_id a/,
    ],
    [
      "a call has an id",
      [user, { ...call("a"), call_id: undefined }],
      [user, call("a"), output("a")],
      /Missing required parameter: 'input\[1\].call_id'/,
    ],
  ];
  it.each(cases)("%s", async (_rule, bad, good, message) => {
    const rejected = await post("/v1/responses", { model: "gpt-local", input: bad });
    expect(rejected.status).toBe(400);
    expect(rejected.body.error.message).toMatch(message);
    expect((await post("/v1/responses", { model: "gpt-local", input: good })).status).toBe(200);
  });
});

describe("Anthropic Messages rules", () => {
  const use = (id: string, input: unknown = {}) => ({ type: "tool_use", id, name: "get_weather", input });
  const result = (id: string) => ({ type: "tool_result", tool_use_id: id, content: "ok" });
  const msgs = (...messages: unknown[]) => ({ model: "claude-local", max_tokens: 10, messages });
  const cases: [string, unknown, unknown, RegExp][] = [
    [
      "every tool_use is answered in the next message",
      msgs(user, { role: "assistant", content: [use("a"), use("b")] }, { role: "user", content: [result("a")] }),
      msgs(
        user,
        { role: "assistant", content: [use("a"), use("b")] },
        { role: "user", content: [result("a"), result("b")] },
      ),
      /tool_use ids were found without tool_result blocks immediately after: b/,
    ],
    [
      "a tool_result answers a tool_use of the previous message",
      msgs(user, { role: "assistant", content: [use("a")] }, { role: "user", content: [result("a"), result("zz")] }),
      msgs(user, { role: "assistant", content: [use("a")] }, { role: "user", content: [result("a")] }),
      /unexpected tool_use_id found in tool_result blocks: zz/,
    ],
    [
      "tool_use ids are unique",
      msgs(
        user,
        { role: "assistant", content: [use("a")] },
        { role: "user", content: [result("a")] },
        { role: "assistant", content: [use("a")] },
        { role: "user", content: [result("a")] },
      ),
      msgs(
        user,
        { role: "assistant", content: [use("a")] },
        { role: "user", content: [result("a")] },
        { role: "assistant", content: [use("b")] },
        { role: "user", content: [result("b")] },
      ),
      /tool_use ids must be unique/,
    ],
    [
      "tool_use ids match the pattern",
      msgs(user, { role: "assistant", content: [use("a.b")] }, { role: "user", content: [result("a.b")] }),
      msgs(user, { role: "assistant", content: [use("a_b")] }, { role: "user", content: [result("a_b")] }),
      /String should match pattern/,
    ],
    [
      "results lead the message",
      msgs(
        user,
        { role: "assistant", content: [use("a")] },
        { role: "user", content: [{ type: "text", text: "hm" }, result("a")] },
      ),
      msgs(
        user,
        { role: "assistant", content: [use("a")] },
        { role: "user", content: [result("a"), { type: "text", text: "hm" }] },
      ),
      /Did not find 1 tool_result block\(s\) at the beginning of this message/,
    ],
    [
      "tool_use input is an object",
      msgs(user, { role: "assistant", content: [use("a", "Oslo")] }, { role: "user", content: [result("a")] }),
      msgs(
        user,
        { role: "assistant", content: [use("a", { city: "Oslo" })] },
        { role: "user", content: [result("a")] },
      ),
      /Input should be a valid dictionary/,
    ],
    [
      "tool_use names are not empty",
      msgs(user, { role: "assistant", content: [{ ...use("a"), name: "" }] }, { role: "user", content: [result("a")] }),
      msgs(user, { role: "assistant", content: [use("a")] }, { role: "user", content: [result("a")] }),
      /tool_use without a name/,
    ],
  ];
  it.each(cases)("%s", async (_rule, bad, good, message) => {
    const rejected = await post("/v1/messages", bad);
    expect(rejected.status).toBe(400);
    expect(rejected.body).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(rejected.body.error.message).toMatch(message);
    expect((await post("/v1/messages", good)).status).toBe(200);
  });
});

describe("Gemini rules", () => {
  const fc = (name = "get_weather") => ({ functionCall: { name, args: {} } });
  const fr = (name = "get_weather") => ({ functionResponse: { name, response: { result: "ok" } } });
  const body = (...contents: unknown[]) => ({ contents });
  const u = { role: "user", parts: [{ text: "hi" }] };
  const cases: [string, unknown, unknown, RegExp][] = [
    [
      "as many responses as calls, in the next content",
      body(u, { role: "model", parts: [fc(), fc()] }, { role: "user", parts: [fr()] }, { role: "user", parts: [fr()] }),
      body(u, { role: "model", parts: [fc(), fc()] }, { role: "user", parts: [fr(), fr()] }),
      /number of function response parts is equal to the number of function call parts/,
    ],
    [
      "responses follow a function call turn",
      body(u, { role: "user", parts: [fr()] }),
      body(u, { role: "model", parts: [fc()] }, { role: "user", parts: [fr()] }),
      /function response turn comes immediately after a function call turn/,
    ],
    [
      "names are not empty",
      body(u, { role: "model", parts: [fc()] }, { role: "user", parts: [fr("")] }),
      body(u, { role: "model", parts: [fc()] }, { role: "user", parts: [fr()] }),
      /function_response.name: Name cannot be empty/,
    ],
    [
      "call names are not empty",
      body(u, { role: "model", parts: [fc("")] }, { role: "user", parts: [fr()] }),
      body(u, { role: "model", parts: [fc()] }, { role: "user", parts: [fr()] }),
      /function_call.name: Name cannot be empty/,
    ],
  ];
  it.each(cases)("%s", async (_rule, bad, good, message) => {
    const rejected = await post("/v1beta/models/gemini-local:generateContent", bad);
    expect(rejected.status).toBe(400);
    expect(rejected.body.error).toMatchObject({ code: 400, status: "INVALID_ARGUMENT" });
    expect(rejected.body.error.message).toMatch(message);
    expect((await post("/v1beta/models/gemini-local:generateContent", good)).status).toBe(200);
  });
});

describe("Amazon Bedrock Converse rules", () => {
  const converse = (...messages: unknown[]) => ({ messages });
  const u = { role: "user", content: [{ text: "hi" }] };
  const use = (id: string) => ({ toolUse: { toolUseId: id, name: "get_weather", input: {} } });
  const result = (id: string, content: unknown[] = [{ text: "x" }], status?: string) => ({
    toolResult: { toolUseId: id, content, ...(status ? { status } : {}) },
  });
  const turn = (...uses: unknown[]) => ({ role: "assistant", content: uses });
  const answers = (...results: unknown[]) => ({ role: "user", content: results });
  const cases: [string, unknown, unknown, RegExp][] = [
    [
      "every toolUse answered in the next user message",
      converse(u, turn(use("a"), use("b")), answers(result("a"))),
      converse(u, turn(use("a"), use("b")), answers(result("a"), result("b"))),
      /Expected toolResult blocks at messages.2.content for the following Ids: b/,
    ],
    [
      "no more results than calls",
      converse(u, turn(use("a")), answers(result("a"), result("z"))),
      converse(u, turn(use("a")), answers(result("a"))),
      /The number of toolResult blocks at messages.2.content exceeds the number of toolUse blocks of previous turn/,
    ],
    [
      "a result answers a toolUse of the previous turn",
      converse(u, turn(use("a")), answers(result("z"))),
      converse(u, turn(use("a")), answers(result("a"))),
      /toolResult z answers no toolUse of the previous turn/,
    ],
    [
      "roles alternate",
      converse(u, turn(use("a")), answers(result("a")), u),
      converse(u, turn(use("a")), answers(result("a")), { role: "assistant", content: [{ text: "ok" }] }, u),
      /A conversation must alternate between user and assistant roles/,
    ],
    [
      "the first message is the user's",
      converse({ role: "assistant", content: [{ text: "hello" }] }, u),
      converse(u),
      /A conversation must start with a user message/,
    ],
    [
      "no message is empty",
      converse(u, { role: "assistant", content: [] }, u),
      converse(u, { role: "assistant", content: [{ text: "ok" }] }, u),
      /The content field in the Message object at messages.1 is empty/,
    ],
    [
      "an error result is not empty",
      converse(u, turn(use("a")), answers(result("a", [], "error"))),
      converse(u, turn(use("a")), answers(result("a", [{ text: "Error: boom" }], "error"))),
      /cannot be empty when status value is error/,
    ],
    [
      "result text is not blank",
      converse(u, turn(use("a")), answers(result("a", [{ text: "  " }]))),
      converse(u, turn(use("a")), answers(result("a", [{ text: "(no output)" }]))),
      /toolResult.content.0 is blank/,
    ],
    [
      "a json result is an object",
      converse(u, turn(use("a")), answers(result("a", [{ json: [1, 2] }]))),
      converse(u, turn(use("a")), answers(result("a", [{ json: { rows: [1, 2] } }]))),
      /json must be an object/,
    ],
    [
      "toolUse ids match [a-zA-Z0-9_-]+",
      converse(u, turn(use("functions.read:0")), answers(result("functions.read:0"))),
      converse(u, turn(use("functions_read_0")), answers(result("functions_read_0"))),
      /Member must satisfy regular expression pattern: \[a-zA-Z0-9_-\]\+/,
    ],
  ];
  it.each(cases)("%s", async (_rule, bad, good, message) => {
    const rejected = await post("/model/anthropic.claude-local/converse", bad);
    expect(rejected.status).toBe(400);
    expect(rejected.headers.get("x-amzn-errortype")).toBe("ValidationException");
    expect(rejected.body.message).toMatch(message);
    expect((await post("/model/anthropic.claude-local/converse", good)).status).toBe(200);
  });
});

describe("Vertex AI rules (over HTTPS, the only scheme its client speaks)", () => {
  const path = "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-local:generateContent";
  const fc = { functionCall: { name: "get_weather", args: {} } };
  const fr = { functionResponse: { name: "get_weather", response: { content: "ok" } } };
  const u = { role: "user", parts: [{ text: "hi" }] };
  it("as many responses as calls, in the next content", async () => {
    const bad = { contents: [u, { role: "model", parts: [fc, fc] }, { role: "function", parts: [fr] }] };
    const good = { contents: [u, { role: "model", parts: [fc, fc] }, { role: "function", parts: [fr, fr] }] };
    const rejected = await postTls(path, bad);
    expect(rejected.status).toBe(400);
    expect(rejected.body.error.message).toMatch(
      /number of function response parts is equal to the number of function call parts/,
    );
    expect((await postTls(path, good)).status).toBe(200);
  });
});

describe("Mistral rules", () => {
  const path = "/mistral/v1/chat/completions";
  const mistralFn = (id: string) => ({ id, type: "function", function: { name: "get_weather", arguments: "{}" } });
  /** One call with id `id`, answered by a tool message for `answer`. */
  const oneCall = (id: string, answer = id) =>
    chat(
      user,
      { role: "assistant", tool_calls: [mistralFn(id)] },
      { role: "tool", tool_call_id: answer, content: "x" },
    );
  const cases: [string, unknown, unknown, RegExp][] = [
    [
      "tool call ids are nine letters or digits",
      oneCall("call_a"),
      oneCall("a1B2c3D4e"),
      /Tool call id was call_a but must be a-z, A-Z, 0-9, with a length of 9/,
    ],
    [
      "as many responses as calls",
      chat(
        user,
        { role: "assistant", tool_calls: [mistralFn("aaaaaaaaa"), mistralFn("bbbbbbbbb")] },
        { role: "tool", tool_call_id: "aaaaaaaaa", content: "x" },
      ),
      chat(
        user,
        { role: "assistant", tool_calls: [mistralFn("aaaaaaaaa"), mistralFn("bbbbbbbbb")] },
        { role: "tool", tool_call_id: "aaaaaaaaa", content: "x" },
        { role: "tool", tool_call_id: "bbbbbbbbb", content: "y" },
      ),
      /Not the same number of function calls and responses/,
    ],
    [
      "a response answers a call of the message before",
      oneCall("aaaaaaaaa", "zzzzzzzzz"),
      oneCall("aaaaaaaaa"),
      /Tool call id zzzzzzzzz has no matching tool call/,
    ],
    [
      "a tool message follows tool calls",
      chat(user, { role: "tool", tool_call_id: "aaaaaaaaa", content: "x" }),
      chat(user, { role: "assistant", content: "hello" }),
      /Unexpected role 'tool' after role 'user'/,
    ],
  ];
  it.each(cases)("%s", async (_rule, bad, good, message) => {
    const rejected = await post(path, bad);
    expect(rejected.status).toBe(400);
    expect(rejected.body.message).toMatch(message);
    expect((await post(path, good)).status).toBe(200);
  });
});

describe("Ollama rules (ours: its tool results carry no id, so a model pairs them by position)", () => {
  const path = "/ollama/api/chat";
  const calls = (n: number) => ({
    role: "assistant",
    content: "",
    tool_calls: Array.from({ length: n }, () => ({ function: { name: "get_weather", arguments: {} } })),
  });
  const toolMessage = { role: "tool", content: "x" };
  const cases: [string, unknown, unknown, RegExp][] = [
    [
      "as many tool messages as calls, right after them",
      chat(user, calls(2), toolMessage, user),
      chat(user, calls(2), toolMessage, toolMessage, user),
      /2 tool calls are followed by 1 tool messages/,
    ],
    [
      "a tool message follows tool calls",
      chat(user, { role: "assistant", content: "hello" }, toolMessage),
      chat(user, { role: "assistant", content: "hello" }),
      /a tool message follows no tool calls/,
    ],
  ];
  it.each(cases)("%s", async (_rule, bad, good, message) => {
    const rejected = await post(path, bad);
    expect(rejected.status).toBe(400);
    expect(rejected.body.error).toMatch(message);
    const accepted = await post(path, good);
    expect(accepted.status).toBe(200);
    expect(accepted.body.message).toEqual({ role: "assistant", content: "ok" });
  });
});

describe("the server", () => {
  it("listens on loopback only and records what it answered", async () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.tlsHost).toMatch(/^127\.0\.0\.1:\d+$/);
    const before = server.requests.length;
    await post("/v1/chat/completions", chat(user));
    expect(server.requests.slice(before)).toEqual([{ api: "openai-chat", body: chat(user), problems: [] }]);
    expect((await post("/v1/unknown", {})).status).toBe(404);
  });
});
