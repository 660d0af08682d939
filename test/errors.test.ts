import { ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { RunnableLambda } from "@langchain/core/runnables";
import { DynamicStructuredTool, ToolInputParsingException, tool } from "@langchain/core/tools";
import { MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { z as z3 } from "zod/v3";
import * as v from "valibot";
import { type } from "arktype";
import {
  InvalidToolArgumentsError,
  SafeToolNode,
  ToolCallError,
  ToolExecutionError,
  UnknownToolError,
  type ToolCallFinished,
  type ToolErrorHandler,
} from "../src/index.js";
import { add, aiWith, call, historyWith, weather } from "./helpers/fixtures.js";
import { expectValidAfter, expectValidHistory } from "./helpers/invariant.js";

function throwing(name: string, thrower: () => unknown, sync = false) {
  const fn = sync
    ? ((() => {
        throw thrower();
      }) as unknown as () => Promise<string>)
    : async (): Promise<string> => {
        throw thrower();
      };
  return new DynamicStructuredTool({ name, description: name, schema: z.object({}), func: fn });
}

async function answer(node: SafeToolNode, calls: ReturnType<typeof call>[]) {
  const history = historyWith(aiWith(calls));
  const out = await node.invoke({ messages: history });
  const after = await expectValidAfter(history, out);
  return after.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
}

const circular: Record<string, unknown> = { code: 7 };
circular.self = circular;

describe("thrown errors become error results (behaviour 3)", () => {
  const cases: [string, () => unknown, RegExp][] = [
    ["an Error", () => new Error("disk full"), /failed: disk full/],
    ["a TypeError", () => new TypeError("x is not a function"), /failed: x is not a function/],
    ["a string", () => "plain string failure", /failed: plain string failure/],
    ["undefined", () => undefined, /failed: it threw undefined/],
    ["null", () => null, /failed: it threw null/],
    ["a plain object", () => ({ code: 42, reason: "quota" }), /failed: \{"code":42,"reason":"quota"\}/],
    ["an object with a message", () => ({ message: "bad request", status: 400 }), /failed: bad request/],
    ["a circular object", () => circular, /failed: \{"code":7,"self":"\[Circular\]"\}/],
    ["a number", () => 404, /failed: 404/],
  ];

  it.each(cases)(
    "answers a tool that throws %s, and keeps every sibling's result",
    async (_label, thrower, pattern) => {
      const node = new SafeToolNode([weather, throwing("boom", thrower), throwing("sync_boom", thrower, true)]);
      const results = await answer(node, [
        call("get_weather", { city: "a" }, "c1"),
        call("boom", {}, "c2"),
        call("sync_boom", {}, "c3"),
        call("get_weather", { city: "b" }, "c4"),
      ]);
      expect(results.map((r) => r.status)).toEqual(["success", "error", "error", "success"]);
      expect(results[0]!.content).toBe("Sunny in a");
      expect(results[3]!.content).toBe("Sunny in b");
      for (const failed of [results[1]!, results[2]!]) {
        expect(failed.content).toMatch(pattern);
        expect(failed.content).toMatch(/try a different approach/);
        expect(failed.name).toMatch(/boom/);
      }
    },
  );

  it("never sends a stack trace or a credential", async () => {
    const leaky = throwing("leaky", () => {
      const e = new Error(
        "request to https://api.example.test/v1?api_key=sk-abcdefghijklmnop1234 failed\n    at fetch (node:internal)",
      );
      return e;
    });
    const bearer = throwing("bearer", () => new Error("401 with header Authorization: Bearer abc.def.ghijklmnop"));
    const results = await answer(new SafeToolNode([leaky, bearer]), [
      call("leaky", {}, "c1"),
      call("bearer", {}, "c2"),
    ]);
    for (const r of results) {
      expect(r.content).not.toMatch(/\s+at\s/);
      expect(r.content).not.toMatch(/sk-abcdef|abc\.def\.ghij/);
      expect(r.content).toMatch(/\[redacted\]/);
    }
  });

  it("keeps an auth header's scheme when it redacts the credential", async () => {
    const texts = [
      "401 with header Authorization: Bearer abc123",
      'sent "authorization": "Basic dXNlcjpwYXNz"',
      "Proxy-Authorization: Token t0ps3cr3t",
    ];
    const tools = texts.map((text, k) => throwing(`t${k}`, () => new Error(text)));
    const results = await answer(
      new SafeToolNode(tools),
      tools.map((t, k) => call(t.name, {}, `c${k}`)),
    );
    expect(results[0]!.content).toMatch(/Authorization: Bearer \[redacted\]/);
    expect(results[1]!.content).toMatch(/"authorization": "Basic \[redacted\]"/);
    expect(results[2]!.content).toMatch(/Proxy-Authorization: Token \[redacted\]/);
    for (const r of results) expect(r.content).not.toMatch(/abc123|dXNlcjpwYXNz|t0ps3cr3t|\[redacted\] \[redacted\]/);
  });

  it("names the unknown tool, the available tools and the closest match", async () => {
    const results = await answer(new SafeToolNode([weather, add]), [
      call("get_wether", { city: "x" }, "c1"),
      call("zzz", {}, "c2"),
    ]);
    expect(results[0]!.content).toBe(
      'Error: tool "get_wether" does not exist. Did you mean "get_weather"? Available tools: get_weather, add. Call one of these tools instead.',
    );
    expect(results[1]!.content).not.toMatch(/Did you mean/);
    expect(results[1]!.content).toMatch(/Available tools: get_weather, add/);
    expect(results.map((r) => r.status)).toEqual(["error", "error"]);
  });

  it("lists each schema issue by field path, without values or stack", async () => {
    const booking = tool(async () => "booked", {
      name: "book",
      description: "Book.",
      schema: z.object({ guest: z.object({ name: z.string(), age: z.number().int() }), nights: z.number().min(1) }),
    });
    const results = await answer(new SafeToolNode([booking]), [
      call("book", { guest: { name: 5, age: 1.5 }, nights: 0, secret_token: "hunter2hunter2" }, "c1"),
    ]);
    const text = results[0]!.content as string;
    expect(text).toMatch(/^Error: invalid arguments for tool "book":/);
    expect(text).toMatch(/- guest\.name: /);
    expect(text).toMatch(/- guest\.age: /);
    expect(text).toMatch(/- nights: /);
    expect(text).not.toMatch(/hunter2/);
    expect(text).not.toMatch(/\s+at\s/);
  });

  it("reports schema errors of JSON-schema tools too", async () => {
    const jsonTool = tool(async () => "ok", {
      name: "json_tool",
      description: "JSON schema tool.",
      schema: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
    });
    const results = await answer(new SafeToolNode([jsonTool]), [call("json_tool", {}, "c1")]);
    expect(results[0]!.status).toBe("error");
    expect(results[0]!.content).toMatch(/invalid arguments for tool "json_tool":\n- q: required field is missing/);
  });
});

describe("schema errors a tool throws are told apart from other failures", () => {
  it("answers core's ToolInputParsingException, thrown by the tool itself, as invalid arguments, with it as the cause", async () => {
    const parsing = new ToolInputParsingException("the date must lie in the future");
    const causes: unknown[] = [];
    const handleToolErrors: ToolErrorHandler = (error) => (causes.push(error.cause), error.message);
    const results = await answer(new SafeToolNode([throwing("book", () => parsing)], { handleToolErrors }), [
      call("book", {}, "c1"),
    ]);
    expect(results[0]!.content).toBe(
      'Error: invalid arguments for tool "book":\n- (arguments): the date must lie in the future\nFix these arguments and call the tool again.',
    );
    expect(causes).toEqual([parsing]);
  });

  it("recognises one from another copy of core by its message or its name, and nothing else by a mere mention", async () => {
    const kinds: string[] = [];
    const handleToolErrors: ToolErrorHandler = (error) => (
      kinds.push(`${error.toolCallId}:${error.kind}`),
      error.message
    );
    const fromCopy = new Error("Received tool input did not match expected schema\n✖ Invalid input");
    const named = Object.assign(new Error("the date must lie in the future"), { name: "ToolInputParsingException" });
    const mention = new Error("upstream: Received tool input did not match expected schema");
    const results = await answer(
      new SafeToolNode(
        [throwing("copy", () => fromCopy), throwing("named", () => named), throwing("mention", () => mention)],
        { handleToolErrors },
      ),
      [call("copy", {}, "c1"), call("named", {}, "c2"), call("mention", {}, "c3")],
    );
    expect(kinds.sort()).toEqual(["c1:invalid_arguments", "c2:invalid_arguments", "c3:execution"]);
    expect(results.map((r) => String(r.content).split("\n")[1])).toEqual([
      "- (arguments): Received tool input did not match expected schema",
      "- (arguments): the date must lie in the future",
      undefined,
    ]);
  });
});

describe("argument issues from each kind of schema", () => {
  const issueLines = (text: unknown) =>
    String(text)
      .split("\n")
      .filter((line) => line.startsWith("- "));

  it("reads JSON-schema keywords beyond type and required (enum, minimum, pattern, oneOf, additionalProperties), by field path, without argument values", async () => {
    let ran = 0;
    const mcpLike = tool(async () => (ran++, "ok"), {
      name: "convert",
      description: "Convert.",
      schema: {
        type: "object",
        properties: {
          unit: { enum: ["c", "f"] },
          amount: { type: "integer", minimum: 1 },
          code: { type: "string", pattern: "^[A-Z]{3}$" },
          pick: { oneOf: [{ type: "string" }, { type: "number" }] },
          nested: {
            type: "object",
            properties: { x: { type: "string" } },
            required: ["x"],
            additionalProperties: false,
          },
        },
        required: ["unit", "amount"],
        additionalProperties: false,
      },
    });
    const results = await answer(new SafeToolNode([mcpLike]), [
      call(
        "convert",
        { unit: "kelvin", amount: -7, code: "zz9", pick: true, nested: { y: "s3cr3t-value" }, extra: 1 },
        "c1",
      ),
    ]);
    expect(ran).toBe(0);
    expect(issueLines(results[0]!.content)).toEqual([
      '- unit: must be one of ["c","f"]',
      "- amount: must be at least 1",
      "- code: must match the pattern ^[A-Z]{3}$",
      "- pick: must match exactly one of the allowed forms",
      "- nested.x: required field is missing",
      "- nested.y: is not a field of this tool",
      "- extra: is not a field of this tool",
    ]);
    expect(results[0]!.content).not.toMatch(/kelvin|-7|zz9|s3cr3t/);
  });

  it("checks a Valibot schema itself (core would run the tool unchecked) and lists its issues by field path", async () => {
    const seen: unknown[] = [];
    const schema = v.object({
      city: v.pipe(v.string(), v.minLength(2)),
      days: v.pipe(v.number(), v.integer(), v.maxValue(14)),
      units: v.optional(v.picklist(["metric", "imperial"]), "metric"),
    });
    const forecast = tool(async (input: unknown) => (seen.push(input), "sunny"), {
      name: "forecast",
      description: "Forecast.",
      schema: schema as never,
    });
    const results = await answer(new SafeToolNode([forecast]), [
      call("forecast", { city: "X", days: 30.5, units: "kelvin" }, "c1"),
      call("forecast", { city: "Oslo", days: 3 }, "c2"),
    ]);
    expect(results[0]!.status).toBe("error");
    expect(issueLines(results[0]!.content).map((line) => line.split(":")[0])).toEqual([
      "- city",
      "- days",
      "- days",
      "- units",
    ]);
    expect(results[1]!.content).toBe("sunny");
    // The tool gets the schema's output: the default filled in.
    expect(seen).toEqual([{ city: "Oslo", days: 3, units: "metric" }]);
  });

  it("checks an ArkType schema the same way", async () => {
    // (A valid call then fails inside @langchain/core 1.4 itself, which reads the ArkType type as a
    // JSON schema: "$required is not iterable", with ToolNode too. The issues come before that.)
    const schema = type({ city: "string>1", days: "1<=number.integer<=14" });
    const forecast = tool(async () => "sunny", { name: "forecast", description: "Forecast.", schema: schema as never });
    const results = await answer(new SafeToolNode([forecast]), [call("forecast", { city: "X", days: 99 }, "c1")]);
    expect(
      issueLines(results[0]!.content)
        .map((line) => line.split(":")[0])
        .sort(),
    ).toEqual(["- city", "- days"]);
    expect(results[0]!.content).toMatch(/^Error: invalid arguments for tool "forecast":/);
  });

  it("never echoes the argument's value, whichever library words the issue (Valibot, ArkType, zod/v3)", async () => {
    const secret = "hunter2-SECRET-value";
    const schemas = {
      valibot: v.object({
        mode: v.picklist(["a", "b"]),
        rows: v.array(v.object({ email: v.pipe(v.string(), v.email()) })),
      }),
      arktype: type({ mode: "'a'|'b'", rows: type({ email: "string.email" }).array() }),
      "zod/v3": z3.object({ mode: z3.enum(["a", "b"]), rows: z3.array(z3.object({ email: z3.string().email() })) }),
    };
    for (const [label, schema] of Object.entries(schemas)) {
      const t = tool(async () => "ran", { name: "t", description: "d", schema: schema as never });
      const results = await answer(new SafeToolNode([t]), [
        call("t", { mode: secret, rows: [{ email: secret }] }, "c1"),
      ]);
      const text = String(results[0]!.content);
      expect(text, label).toMatch(/^Error: invalid arguments for tool "t":/);
      expect(text, label).toMatch(/- mode: /);
      expect(text, label).toMatch(/- rows\.0\.email: /);
      expect(text, label).not.toContain("hunter2");
    }
  });

  it("words JSON-schema issues through $ref, dependentRequired and contains", async () => {
    const t = tool(async () => "ran", {
      name: "t",
      description: "d",
      schema: {
        type: "object",
        $defs: { pos: { type: "integer", minimum: 0 } },
        properties: {
          n: { $ref: "#/$defs/pos" },
          a: { type: "string" },
          b: { type: "string" },
          xs: { type: "array", contains: { type: "number" } },
        },
        dependentRequired: { a: ["b"] },
      },
    });
    const results = await answer(new SafeToolNode([t]), [call("t", { n: -5, a: "x", xs: ["s"] }, "c1")]);
    expect(issueLines(results[0]!.content).sort()).toEqual(
      [
        "- n: must be at least 0",
        "- b: required field is missing",
        "- xs: must contain an item of the required form",
      ].sort(),
    );
  });

  it("reads Zod issues through Standard Schema (Zod 4 and zod/v3)", async () => {
    const make = (schema: unknown) => tool(async () => "ok", { name: "t", description: "d", schema: schema as never });
    for (const schema of [z.object({ n: z.number().min(2) }), z3.object({ n: z3.number().min(2) })]) {
      const results = await answer(new SafeToolNode([make(schema)]), [call("t", { n: 1 }, "c1")]);
      expect(issueLines(results[0]!.content)).toEqual([expect.stringMatching(/^- n: /)]);
    }
  });
});

describe("configurable error text", () => {
  const calls = [call("failing_tool", {}, "c1"), call("nope", {}, "c2"), call("get_weather", { city: "ok" }, "c3")];
  const failingTool = throwing("failing_tool", () => new Error("kaput"));

  it("uses a fixed string", async () => {
    const results = await answer(
      new SafeToolNode([failingTool, weather], { handleToolErrors: "Something went wrong." }),
      calls,
    );
    expect(results.map((r) => r.content)).toEqual(["Something went wrong.", "Something went wrong.", "Sunny in ok"]);
  });

  it("calls a function with the typed error and the call", async () => {
    const seen: [string, string][] = [];
    const handler: ToolErrorHandler = (error, failedCall) => {
      seen.push([error.name, failedCall.id!]);
      expect(ToolCallError.isInstance(error)).toBe(true);
      if (ToolExecutionError.isInstance(error)) return `exec: ${(error.cause as Error).message}`;
      if (UnknownToolError.isInstance(error)) return `unknown: ${error.closestMatch ?? "none"}`;
      return error.message;
    };
    const results = await answer(new SafeToolNode([failingTool, weather], { handleToolErrors: handler }), calls);
    expect(results.map((r) => r.content)).toEqual(["exec: kaput", "unknown: none", "Sunny in ok"]);
    // once per failed call, as each call ends
    expect(seen).toHaveLength(2);
    expect(seen).toEqual(
      expect.arrayContaining([
        ["ToolExecutionError", "c1"],
        ["UnknownToolError", "c2"],
      ]),
    );
  });

  it("falls back to the default text when the function throws, or returns blank text or no text at all", async () => {
    // what the function returns for each unknown tool it is asked about
    const replies: Record<string, unknown> = { empty: "", blank: " \n", nothing: undefined, number: 42 };
    const results = await answer(
      new SafeToolNode([failingTool, weather], {
        handleToolErrors: (error, failedCall) => {
          if (UnknownToolError.isInstance(error)) return replies[failedCall.name] as string;
          throw new Error("formatter bug");
        },
      }),
      [
        call("failing_tool", {}, "c1"),
        ...Object.keys(replies).map((name, i) => call(name, {}, `u${i}`)),
        call("get_weather", { city: "ok" }, "c3"),
      ],
    );
    expect(results.map((r) => r.status)).toEqual(["error", "error", "error", "error", "error", "success"]);
    expect(results[0]!.content).toMatch(/failed: kaput/);
    for (const [i, name] of Object.keys(replies).entries())
      expect(results[i + 1]!.content).toMatch(new RegExp(`^Error: tool "${name}" does not exist`));
  });
});

/** Thrown values that throw again when the node reads them. */
function unreadable(): [string, () => unknown][] {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const trap = () => {
    throw new Error("trap");
  };
  return [
    ["an object whose message getter throws", () => Object.defineProperty({}, "message", { get: trap })],
    ["an Error whose name getter throws", () => Object.defineProperty(new Error("inner"), "name", { get: trap })],
    ["a revoked Proxy", () => revoked.proxy],
    [
      "a Proxy whose every trap throws",
      () =>
        new Proxy({}, { get: trap, has: trap, ownKeys: trap, getPrototypeOf: trap, getOwnPropertyDescriptor: trap }),
    ],
    ["an object whose toString and toJSON throw", () => ({ toString: trap, toJSON: trap })],
    ["an object whose Symbol.toPrimitive throws", () => ({ [Symbol.toPrimitive]: trap, valueOf: trap })],
    [
      "a function",
      () =>
        function secretSource() {
          return "do not echo me";
        },
    ],
    ["a Symbol", () => Symbol("odd")],
  ];
}

describe("any thrown value, even one that throws again when read", () => {
  it.each(unreadable())(
    "answers a tool that throws %s with an error result, and keeps every sibling's result",
    async (_label, thrower) => {
      for (const sync of [false, true]) {
        const results = await answer(new SafeToolNode([weather, throwing("odd", thrower, sync)]), [
          call("get_weather", { city: "a" }, "c1"),
          call("odd", {}, "c2"),
          call("get_weather", { city: "b" }, "c3"),
        ]);
        expect(results.map((r) => r.status)).toEqual(["success", "error", "success"]);
        expect(results[1]!.content).toMatch(/^Error: tool "odd" failed: /);
        expect(results[1]!.content).not.toMatch(/do not echo me|secretSource/);
      }
    },
  );

  it.each(unreadable())(
    "answers a tool that returns %s with an error result for that call alone",
    async (_label, value) => {
      const returning = tool(async () => value() as string, { name: "odd", description: "odd", schema: z.object({}) });
      const raw = RunnableLambda.from(async () => value()).asTool({
        name: "odd_raw",
        description: "odd",
        schema: z.object({}),
      });
      const results = await answer(new SafeToolNode([weather, returning, raw]), [
        call("odd", {}, "c1"),
        call("odd_raw", {}, "c2"),
        call("get_weather", { city: "b" }, "c3"),
      ]);
      expect(results.map((r) => r.tool_call_id)).toEqual(["c1", "c2", "c3"]);
      expect(results[2]!.content).toBe("Sunny in b");
    },
  );

  it("answers a tool whose returned list holds a value that throws when read (a revoked Proxy) with an error that says so, reported as an execution failure", async () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const odd = RunnableLambda.from(async () => [revoked.proxy]).asTool({
      name: "odd_list",
      description: "odd",
      schema: z.object({}),
    });
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("tools", new SafeToolNode([weather, odd]))
      .addEdge(START, "tools")
      .compile();
    const history = historyWith(aiWith([call("odd_list", {}, "c1"), call("get_weather", { city: "b" }, "c2")]));
    const finished: ToolCallFinished[] = [];
    let messages: BaseMessage[] = [];
    for await (const [mode, chunk] of await graph.stream({ messages: history }, { streamMode: ["custom", "values"] })) {
      if (mode === "custom") finished.push(chunk as ToolCallFinished);
      else messages = (chunk as { messages: BaseMessage[] }).messages;
    }
    await expectValidHistory(messages);
    const results = messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
    expect(results.map((r) => [r.tool_call_id, r.status])).toEqual([
      ["c1", "error"],
      ["c2", "success"],
    ]);
    expect(results[0]!.content).toMatch(/^Error: tool "odd_list" failed: it returned a value that could not be read/);
    expect(finished.find((e) => e.toolCallId === "c1")).toMatchObject({ status: "error", errorKind: "execution" });
  });

  it("keeps the batch when a handleToolErrors function reads the unreadable cause", async () => {
    const [, revokedProxy] = unreadable()[2]!;
    const node = new SafeToolNode([weather, throwing("odd", revokedProxy)], {
      handleToolErrors: (error) => `cause: ${String((error.cause as { message: string }).message)}`,
    });
    const results = await answer(node, [call("odd", {}, "c1"), call("get_weather", { city: "b" }, "c2")]);
    expect(results.map((r) => r.status)).toEqual(["error", "success"]);
    expect(results[0]!.content).toMatch(/^Error: tool "odd" failed/);
  });
});

describe("error texts that fit the cause", () => {
  const NOT_THE_ARGUMENTS =
    /\. The failure is not caused by the arguments: try again later, or take another approach\.$/;
  const FIX_THE_ARGUMENTS = /\. Fix the arguments or try a different approach\.$/;
  const networkError = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });
  const causes: [string, () => unknown, RegExp][] = [
    ["a connection reset", () => networkError("ECONNRESET"), NOT_THE_ARGUMENTS],
    [
      "a refused connection behind fetch's TypeError",
      () => new TypeError("fetch failed", { cause: networkError("ECONNREFUSED") }),
      NOT_THE_ARGUMENTS,
    ],
    ["a DNS failure", () => networkError("ENOTFOUND"), NOT_THE_ARGUMENTS],
    [
      "an HTTP 503 from a client library",
      () => Object.assign(new Error("Request failed with status code 503"), { response: { status: 503 } }),
      NOT_THE_ARGUMENTS,
    ],
    ["an HTTP 502 as a plain object", () => ({ message: "bad gateway", status: 502 }), NOT_THE_ARGUMENTS],
    ["a rate limit (429)", () => Object.assign(new Error("429 Too Many Requests"), { status: 429 }), NOT_THE_ARGUMENTS],
    [
      "an exhausted quota",
      () => new Error("You exceeded your current quota, please check your plan"),
      NOT_THE_ARGUMENTS,
    ],
    [
      "a timeout inside the tool",
      () => Object.assign(new Error("The operation was aborted due to timeout"), { name: "TimeoutError" }),
      NOT_THE_ARGUMENTS,
    ],
    ["an overloaded service", () => new Error("Overloaded"), NOT_THE_ARGUMENTS],
    [
      "an HTTP 400",
      () => Object.assign(new Error("Request failed with status code 400"), { response: { status: 400 } }),
      FIX_THE_ARGUMENTS,
    ],
    ["an HTTP 404", () => Object.assign(new Error("order 17 not found"), { status: 404 }), FIX_THE_ARGUMENTS],
    [
      "a validation error that mentions a timeout option",
      () => new RangeError("timeout must be a positive number"),
      FIX_THE_ARGUMENTS,
    ],
    ["a plain failure", () => new Error("invalid order number"), FIX_THE_ARGUMENTS],
  ];

  it.each(causes)("for %s", async (_label, thrower, advice) => {
    const results = await answer(new SafeToolNode([throwing("remote", thrower)]), [call("remote", {}, "c1")]);
    expect(results[0]!.content).toMatch(/^Error: tool "remote" failed: /);
    expect(results[0]!.content).toMatch(advice);
  });

  it("tells handleToolErrors whether the failure looks transient", async () => {
    const seen: boolean[] = [];
    const node = new SafeToolNode(
      [throwing("flaky", () => networkError("ETIMEDOUT")), throwing("wrong", () => new Error("no such city"))],
      {
        handleToolErrors: (error) => (
          ToolExecutionError.isInstance(error) && seen.push(error.transient),
          error.message
        ),
      },
    );
    await answer(node, [call("flaky", {}, "c1"), call("wrong", {}, "c2")]);
    expect(seen.sort()).toEqual([false, true]);
  });
});
