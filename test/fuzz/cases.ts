/**
 * Generated turns for the fuzz properties: what a case is (plain JSON, so a
 * failing case can be pasted into a test), how to generate it, and how to
 * build the history and tools it describes.
 */
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { InvalidToolCall, ToolCall } from "@langchain/core/messages/tool";
import { tool, type ToolRuntime } from "@langchain/core/tools";
import { Command, Send } from "@langchain/langgraph";
import fc from "fast-check";
import { z } from "zod";
import { responsesStyleAI } from "../helpers/fixtures.js";

/** What a generated tool does when called. */
export type Behaviour =
  | { kind: "return"; value: number }
  | { kind: "throw"; value: number }
  | { kind: "hang" }
  | { kind: "delay"; ms: number; value: number }
  /** Returns a `Command.PARENT` hand-off, in one of the shapes of `handOff`. */
  | { kind: "handoff"; via: number };

export interface CallSpec {
  /** "act" follows `behaviour`; "strict" wants { n: number }; "" names no tool; anything else is unknown. */
  tool: "act" | "strict" | "missing_tool" | "";
  id: string | null;
  invalid: boolean;
  behaviour: Behaviour;
  n: number | string;
}

export interface TurnCase {
  /** Complete earlier turns: how many calls each had (ids from `earlierIds`). */
  earlier: number[];
  /** Ids for earlier calls: "old_<k>" normally, or the current turn's ids (reused). */
  reuseIds: boolean;
  /** "openai-raw": `tool_calls` empty, the calls only in OpenAI's raw `additional_kwargs.tool_calls`. */
  shape: "plain" | "openai" | "openai-raw" | "responses" | "anthropic" | "v1";
  calls: CallSpec[];
  /** Results already after the AIMessage, by the ids the model gave, plus orphans. */
  answered: string[];
  answeredReversed: boolean;
  /** Run the node inside a graph with a checkpointer (each call a LangGraph task). */
  durable: boolean;
  /** The response was cut off by the token limit (its last call is not run). */
  cutOff: boolean;
}

const circular: Record<string, unknown> = { a: 1 };
circular.self = circular;

/** Values tools return; the index is what a case records. */
export function returnValue(index: number, runtime: ToolRuntime, siblingId: string | undefined): unknown {
  const own = runtime.toolCallId;
  const values: (() => unknown)[] = [
    () => "plain text",
    () => "",
    () => undefined,
    () => null,
    () => [],
    () => [{ a: 1 }, { b: 2 }],
    () => 12345678901234567890n,
    () => circular,
    () => ({ nested: { list: [1, "two", null] } }),
    () => [{ type: "text", text: "a text block" }],
    () => new ToolMessage({ content: "own message", tool_call_id: own }),
    () => new ToolMessage({ content: "misaddressed", tool_call_id: "someone_else" }),
    () => new ToolMessage({ content: "", tool_call_id: own, status: "error" }),
    () => new Command({ update: { messages: [new ToolMessage({ content: "from a command", tool_call_id: own })] } }),
    () => new Command({ update: { note: "no message" } }),
    () =>
      new Command({
        update: { messages: [new ToolMessage({ content: "for a sibling", tool_call_id: siblingId ?? "x" })] },
      }),
    () =>
      new Command({
        update: {
          messages: [
            new ToolMessage({ content: "twice 1", tool_call_id: own }),
            new ToolMessage({ content: "twice 2", tool_call_id: own }),
          ],
        },
      }),
    () => "x".repeat(5000),
    () => [
      { type: "text", text: "a screenshot:" },
      { type: "image", source_type: "base64", mime_type: "image/png", data: "iVBORw0KGgo=" },
    ],
    () => revokedProxy(),
  ];
  return values[index % values.length]!();
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** Hand-offs to the parent graph's "elsewhere" node, in the shapes tools return them. */
export function handOff(via: number, runtime: ToolRuntime): Command {
  const result = new ToolMessage({ content: "handed off", tool_call_id: runtime.toolCallId, name: "act" });
  const state = runtime.state as { messages: BaseMessage[] };
  const shapes: (() => Command)[] = [
    () => new Command({ graph: Command.PARENT, goto: "elsewhere", update: { messages: [result] } }),
    () =>
      new Command({ graph: Command.PARENT, goto: "elsewhere", update: { messages: state.messages.concat(result) } }),
    () => new Command({ graph: Command.PARENT, goto: "elsewhere" }),
    () => new Command({ graph: Command.PARENT, goto: [new Send("elsewhere", { messages: [result] })] }),
  ];
  return shapes[via % shapes.length]!();
}

const thrown: (() => unknown)[] = [
  () => new Error("boom"),
  () => "a string",
  () => undefined,
  () => null,
  () => ({ code: 500, detail: "plain object" }),
  () => circular,
  () => new TypeError("token sk-abcdefghijklmnopqrstuvwxyz leaked"),
  () => 42,
  () => revokedProxy(),
  () =>
    Object.defineProperty({}, "message", {
      get() {
        throw new Error("a getter that throws");
      },
    }),
  () => Object.assign(new Error("connect ECONNRESET"), { code: "ECONNRESET" }),
];

const behaviourArb: fc.Arbitrary<Behaviour> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("return" as const), value: fc.nat(40) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("throw" as const), value: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("hang" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delay" as const), ms: fc.nat(12), value: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("handoff" as const), via: fc.nat(3) }) },
);

const callArb: fc.Arbitrary<CallSpec> = fc.record({
  tool: fc.constantFrom("act" as const, "act" as const, "strict" as const, "missing_tool" as const, "" as const),
  id: fc.constantFrom(
    "call_a",
    "call_b",
    "call_c",
    "call_d",
    null,
    "",
    "bad id!",
    "call.1",
    "functions.read:0",
    `fc_${"0123456789abcdef".repeat(3)}ab`,
  ),
  invalid: fc.nat(3).map((n) => n === 0), // one call in four is unparsable
  behaviour: behaviourArb,
  n: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constant("NaN")),
});

export const turnCaseArb: fc.Arbitrary<TurnCase> = fc.record({
  earlier: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
  reuseIds: fc.boolean(),
  shape: fc.constantFrom(
    "plain" as const,
    "openai" as const,
    "openai-raw" as const,
    "responses" as const,
    "anthropic" as const,
    "v1" as const,
  ),
  calls: fc.array(callArb, { minLength: 1, maxLength: 6 }),
  answered: fc.subarray(["call_a", "call_b", "call_c", "call_d", "orphan_1"]),
  answeredReversed: fc.boolean(),
  durable: fc.boolean(),
  cutOff: fc.nat(4).map((n) => n === 0),
});

/** The tools a case runs against. */
export function fuzzTools() {
  const act = tool(
    async ({ b, sibling }: { b: Behaviour; sibling?: string }, runtime: ToolRuntime) => {
      if (b.kind === "throw") throw thrown[b.value % thrown.length]!();
      if (b.kind === "hang") return new Promise<string>(() => {}); // ignores its signal
      if (b.kind === "handoff") return handOff(b.via, runtime) as never;
      if (b.kind === "delay") await new Promise((r) => setTimeout(r, b.ms));
      return returnValue(b.value, runtime, sibling) as string;
    },
    {
      name: "act",
      description: "Does what its arguments say.",
      schema: z.object({ b: z.any(), sibling: z.string().optional() }),
    },
  );
  const strict = tool(async ({ n }: { n: number }) => `n=${n}`, {
    name: "strict",
    description: "Wants a number.",
    schema: z.object({ n: z.number() }),
  });
  return [act, strict];
}

function argsOf(spec: CallSpec, sibling: string | undefined): Record<string, unknown> {
  if (spec.tool === "strict") return { n: spec.n };
  return { b: spec.behaviour, ...(sibling ? { sibling } : {}) };
}

/** The AIMessage of the turn, in the case's shape, and the history around it. */
export function buildHistory(c: TurnCase): BaseMessage[] {
  const history: BaseMessage[] = [];
  // Only well-formed ids of the current turn are reused.
  const currentIds = [
    ...new Set(c.calls.map((s) => s.id).filter((id): id is string => !!id && /^[a-zA-Z0-9_-]{1,40}$/.test(id))),
  ];
  // Earlier turns are valid: each id of the current turn is reused by at most one earlier call.
  let reused = 0;
  c.earlier.forEach((count, t) => {
    history.push(new HumanMessage({ content: `turn ${t}`, id: `eh-${t}` }));
    const ids = Array.from({ length: count }, (_, k) =>
      c.reuseIds && currentIds[reused] ? currentIds[reused++]! : `old_${t}_${k}`,
    );
    history.push(
      new AIMessage({
        content: count ? "" : "just talking",
        id: `ea-${t}`,
        tool_calls: ids.map((id) => ({ type: "tool_call" as const, id, name: "strict", args: { n: 1 } })),
      }),
    );
    for (const id of ids)
      history.push(
        new ToolMessage({ content: "n=1", tool_call_id: id, name: "strict", status: "success", id: `et-${t}-${id}` }),
      );
  });
  history.push(new HumanMessage({ content: "now", id: "h-now" }));

  const valid: ToolCall[] = [];
  const invalid: InvalidToolCall[] = [];
  const blocks: Record<string, unknown>[] = [{ type: "text", text: "working on it" }];
  c.calls.forEach((spec, k) => {
    const id = spec.id ?? undefined;
    const sibling = c.calls[(k + 1) % c.calls.length]!.id ?? undefined;
    const args = argsOf(spec, sibling);
    if (spec.invalid) {
      invalid.push({
        type: "invalid_tool_call",
        id,
        name: spec.tool,
        args: '{"b": {"kind": ',
        error: "Unexpected end of JSON input",
      });
      blocks.push(
        c.shape === "v1"
          ? { type: "invalid_tool_call", id, name: spec.tool, args: "{" }
          : { type: "tool_use", id, name: spec.tool, input: '{"b": ' },
      );
    } else {
      valid.push({ type: "tool_call", id, name: spec.tool, args });
      blocks.push(
        c.shape === "v1"
          ? { type: "tool_call", id, name: spec.tool, args }
          : { type: "tool_use", id, name: spec.tool, input: args },
      );
    }
  });
  let ai: AIMessage;
  const cutOff = c.cutOff ? { finish_reason: "length" } : {};
  if (c.shape === "responses") {
    ai = responsesStyleAI(valid, invalid);
    if (c.cutOff)
      ai.response_metadata = {
        ...ai.response_metadata,
        status: "incomplete",
        incomplete_details: { reason: "max_output_tokens" },
      };
  } else {
    const raw = c.shape === "openai-raw";
    const fields: ConstructorParameters<typeof AIMessage>[0] & object = {
      content: "",
      id: "a-now",
      tool_calls: raw ? [] : valid,
      invalid_tool_calls: raw ? [] : invalid,
      response_metadata: cutOff,
    };
    if (c.shape === "openai" || raw) {
      fields.additional_kwargs = {
        tool_calls: c.calls.map((s, k) => ({
          id: s.id ?? "",
          type: "function",
          function: {
            name: s.tool,
            arguments: s.invalid
              ? "{"
              : raw
                ? JSON.stringify(argsOf(s, c.calls[(k + 1) % c.calls.length]!.id ?? undefined))
                : "{}",
          },
        })),
      };
    }
    if (c.shape === "anthropic" || c.shape === "v1") fields.content = blocks as never;
    if (c.shape === "v1") fields.response_metadata = { ...cutOff, output_version: "v1" };
    ai = new AIMessage(fields);
  }
  history.push(ai);

  const given = new Set(c.calls.map((s) => s.id));
  const answers = c.answered
    .filter((id) => given.has(id) || id.startsWith("orphan"))
    .map(
      (id, k) =>
        new ToolMessage({
          content: `earlier result ${id}`,
          tool_call_id: id,
          name: "act",
          status: "success",
          id: `pre-${k}`,
        }),
    );
  if (c.answeredReversed) answers.reverse();
  history.push(...answers);
  return history;
}
