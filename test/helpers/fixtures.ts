import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { InvalidToolCall, ToolCall } from "@langchain/core/messages/tool";
import { tool } from "@langchain/core/tools";
import { convertResponsesMessageToAIMessage } from "@langchain/openai";
import { z } from "zod";

export const weather = tool(async ({ city }) => `Sunny in ${city}`, {
  name: "get_weather",
  description: "Weather for a city.",
  schema: z.object({ city: z.string() }),
});

export const add = tool(async ({ a, b }) => a + b, {
  name: "add",
  description: "Add two numbers.",
  schema: z.object({ a: z.number(), b: z.number() }),
});

export const failing = tool(
  async (): Promise<string> => {
    throw new Error("database unreachable");
  },
  { name: "failing", description: "Always fails.", schema: z.object({}) },
);

export function call(name: string, args: Record<string, unknown>, id?: string): ToolCall {
  return { type: "tool_call", name, args, ...(id === undefined ? {} : { id }) } as ToolCall;
}

export function invalidCall(
  name: string | undefined,
  args: string,
  id: string | undefined,
  error = "Unexpected end of JSON input",
): InvalidToolCall {
  return { type: "invalid_tool_call", name, args, id, error };
}

let counter = 0;
/** An AIMessage with a message id, as it would sit in a StateGraph's state. */
export function aiWith(
  calls: ToolCall[],
  invalid: InvalidToolCall[] = [],
  extra: Partial<ConstructorParameters<typeof AIMessage>[0] & object> = {},
): AIMessage {
  counter += 1;
  return new AIMessage({ content: "", id: `ai-${counter}`, tool_calls: calls, invalid_tool_calls: invalid, ...extra });
}

/** A history as a graph holds it: a human turn, then `ai`. Every message has an id. */
export function historyWith(ai: AIMessage, before: BaseMessage[] = []): BaseMessage[] {
  return [...before, new HumanMessage({ content: "please help", id: `human-${ai.id}` }), ai];
}

/**
 * An AIMessage shaped as `ChatOpenAI` (Chat Completions) returns it: every
 * call, parsed or not, is also in `additional_kwargs.tool_calls`, which the
 * converter sends whenever `tool_calls` is empty.
 */
export function openAIStyleAI(calls: ToolCall[], invalid: InvalidToolCall[] = []): AIMessage {
  const raw = [
    ...calls.map((c) => ({
      id: c.id,
      type: "function",
      function: { name: c.name, arguments: JSON.stringify(c.args) },
    })),
    ...invalid.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.args } })),
  ];
  return aiWith(calls, invalid, { additional_kwargs: { tool_calls: raw as never } });
}

/**
 * An AIMessage shaped as `ChatAnthropic` returns it: a text block and one
 * `tool_use` block per call, parsed or not; the converter sends all of them.
 */
export function anthropicStyleAI(calls: ToolCall[], invalid: InvalidToolCall[] = []): AIMessage {
  const content = [
    { type: "text", text: "Let me check." },
    ...calls.map((c) => ({ type: "tool_use", id: c.id, name: c.name, input: c.args })),
    ...invalid.map((c) => ({ type: "tool_use", id: c.id, name: c.name, input: c.args })),
  ];
  return aiWith(calls, invalid, { content: content as never });
}

let responseCounter = 0;
/**
 * An AIMessage exactly as `ChatOpenAI` in Responses mode builds it, made by
 * `@langchain/openai`'s own converter from a Responses API reply: its
 * `response_metadata.output` keeps every `function_call` item, and the
 * converter re-sends those items verbatim, broken ones included.
 */
export function responsesStyleAI(calls: ToolCall[], invalid: InvalidToolCall[] = []): AIMessage {
  responseCounter += 1;
  const items = [
    ...calls.map((c) => ({ name: c.name, call_id: c.id, arguments: JSON.stringify(c.args) })),
    ...invalid.map((c) => ({ name: c.name, call_id: c.id, arguments: c.args ?? "" })),
  ].map((item, k) => ({ type: "function_call", id: `fc_${responseCounter}_${k}`, status: "completed", ...item }));
  const message = convertResponsesMessageToAIMessage({
    id: `resp_${responseCounter}`,
    object: "response",
    created_at: 0,
    model: "gpt-local",
    status: "completed",
    output: items,
  } as never);
  return message as AIMessage;
}
