import type { AIMessage } from "@langchain/core/messages";
import type { PlannedCall } from "./call.js";
import { parseArgs } from "./call-carriers.js";

type Metadata = Record<string, unknown> | undefined;
type Item = {
  id?: unknown;
  index?: unknown;
  call_id?: unknown;
  type?: unknown;
  args?: unknown;
  input?: unknown;
  arguments?: unknown;
  function?: { arguments?: unknown };
  isCustomTool?: unknown;
};

/** `[field, values]`: how each provider (as its LangChain client stores it) says the output token limit ended the response. */
const LIMIT_REASONS: readonly [string, readonly string[]][] = [
  // OpenAI Chat Completions, Mistral, Groq and the v1 standard `finish_reason`; Gemini/Vertex under either spelling
  ["finish_reason", ["length", "max_tokens"]],
  ["finishReason", ["max_tokens", "length"]],
  // Anthropic (response_metadata when invoked, additional_kwargs when streamed)
  ["stop_reason", ["max_tokens", "model_context_window_exceeded"]],
  // Bedrock Converse
  ["stopReason", ["max_tokens", "model_context_window_exceeded"]],
  // Ollama
  ["done_reason", ["length"]],
];

function saysCutOff(metadata: Metadata): boolean {
  if (!metadata) return false;
  for (const [field, reasons] of LIMIT_REASONS) {
    const value = metadata[field];
    if (typeof value === "string" && reasons.includes(value.toLowerCase())) return true;
  }
  // OpenAI Responses: an incomplete response, for lack of output tokens
  const details = metadata.incomplete_details as Metadata;
  return metadata.status === "incomplete" && details?.reason === "max_output_tokens";
}

/** True when the AIMessage says the output token limit stopped the model. */
function wasCutOff(ai: AIMessage): boolean {
  return saysCutOff(ai.response_metadata as Metadata) || saysCutOff(ai.additional_kwargs as Metadata);
}

const list = (value: unknown): Item[] => (Array.isArray(value) ? (value as Item[]) : []);

/**
 * Each call's id with the argument text the model produced, in the order it
 * produced them: OpenAI's raw calls, else stored Responses items, else
 * call content blocks (Anthropic `tool_use` with its streamed parts, v1),
 * else streamed chunks. Empty when the message keeps no such text (Gemini,
 * a message built by hand).
 */
function generated(ai: AIMessage): { id: string | undefined; text: string | undefined }[] {
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  const id = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  const raw = list(ai.additional_kwargs?.tool_calls);
  if (raw.length > 0) return raw.map((c) => ({ id: id(c?.id), text: text(c?.function?.arguments) }));
  const output = list(ai.response_metadata?.output).filter((item) => item?.type === "function_call");
  if (output.length > 0) return output.map((item) => ({ id: id(item.call_id), text: text(item.arguments) }));
  const content = list(ai.content);
  const blocks = content.filter(
    (block) => block?.type === "tool_use" || block?.type === "tool_call" || block?.type === "invalid_tool_call",
  );
  // Streamed, a `tool_use` block's input is "" and its text follows in `input_json_delta` parts at its index.
  const toolUseText = (block: Item) =>
    block.input !== ""
      ? text(block.input)
      : content
          .filter((part) => part?.type === "input_json_delta" && part.index === block.index)
          .reduce((joined, part) => joined + String(part.input), "");
  if (blocks.length > 0)
    return blocks.map((block) => ({
      id: id(block.id),
      text: block.type === "tool_use" ? toolUseText(block) : text(block.args),
    }));
  return callsOfChunks(list((ai as { tool_call_chunks?: unknown }).tool_call_chunks)).map((pieces) => ({
    id: pieces.map((piece) => id(piece?.id)).find((found) => found !== undefined),
    // A custom tool's input is raw text, never JSON.
    text: pieces.some((piece) => piece?.isCustomTool === true)
      ? undefined
      : pieces.reduce((joined, piece) => joined + (text(piece?.args) ?? ""), ""),
  }));
}

/**
 * Streamed chunks grouped into the calls core builds from them: a chunk joins
 * the first call whose first chunk has its id and index (its id, or its index,
 * when it has only one), so pieces never joined by `concat` are checked as the
 * one text they are.
 */
function callsOfChunks(chunks: readonly Item[]): Item[][] {
  const calls: Item[][] = [];
  for (const chunk of chunks) {
    const own = calls.find(([first]) => sameCall(chunk, first));
    if (own) own.push(chunk);
    else calls.push([chunk]);
  }
  return calls;
}

function sameCall(chunk: Item | undefined, first: Item | undefined): boolean {
  if (!chunk || !first) return false;
  const hasIndex = chunk.index !== undefined;
  if (chunk.id) return chunk.id === first.id && (!hasIndex || chunk.index === first.index);
  return hasIndex && chunk.index === first.index;
}

/**
 * Marks the calls of `ai` whose arguments may be cut short, so they are not
 * run: a parsed call whose argument text does not parse as JSON (streamed
 * chunks are joined and parsed leniently, so a call cut off mid-string still
 * has arguments - and a streamed message keeps no `finish_reason`); and,
 * when the message says the output token limit stopped it, the last call it
 * generated (in the order of the argument texts it keeps, else the last of
 * `tool_calls`).
 */
export function markCutOffCalls(ai: AIMessage, calls: readonly PlannedCall[]): void {
  const texts = generated(ai);
  // The k-th text with id X belongs to the k-th call the model gave id X (ids may be missing or repeat).
  const seen = new Map<string | undefined, number>();
  const owners = texts.map(({ id }) => {
    const k = seen.get(id) ?? 0;
    seen.set(id, k + 1);
    return calls.filter((call) => call.originalId === id)[k];
  });
  texts.forEach(({ text }, index) => {
    const owner = owners[index];
    if (
      owner &&
      owner.toolCallsIndex !== undefined &&
      !owner.invalid &&
      text !== undefined &&
      text.trim() !== "" &&
      !("args" in parseArgs(text))
    )
      owner.cutOff = true;
  });
  if (!wasCutOff(ai)) return;
  const last = owners.at(-1) ?? [...calls].reverse().find((call) => call.toolCallsIndex !== undefined) ?? calls.at(-1);
  if (last) last.cutOff = true;
}
