import { AIMessage } from "@langchain/core/messages";
import type { PlannedCall } from "./plan-tool-calls.js";

/**
 * Content block types that carry a call. `tool_use` is Anthropic's block,
 * `tool_call` / `invalid_tool_call` are LangChain's standard (v1) blocks.
 * The converters send these whatever `tool_calls` says, so they must agree
 * with it.
 */
const CALL_BLOCK_TYPES = new Set(["tool_use", "tool_call", "invalid_tool_call"]);
/** Streaming fragments of a `tool_use` input; meaningless once the input is set. */
const FRAGMENT_BLOCK_TYPES = new Set(["input_json_delta", "tool_call_chunk"]);

type Block = Record<string, unknown>;

interface BlockCall {
  id: string | undefined;
  call: { id: string | undefined; name: string; args: Record<string, unknown>; invalid?: PlannedCall["invalid"] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function blocksOf(ai: AIMessage): Block[] {
  return Array.isArray(ai.content) ? (ai.content as unknown[]).filter(isRecord) : [];
}

function parseBlockInput(raw: unknown): { args: Record<string, unknown> } | { error: string; rawArgs: string } {
  if (isRecord(raw)) return { args: raw };
  if (raw === undefined || raw === null || raw === "") return { args: {} };
  const text = typeof raw === "string" ? raw : String(raw);
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) return { args: parsed };
    return { error: "the arguments are not a JSON object", rawArgs: text };
  } catch (e) {
    return { error: e instanceof Error ? e.message : "invalid JSON", rawArgs: text };
  }
}

/** The calls that the AIMessage's content blocks carry, in content order. */
export function toolUseBlocks(ai: AIMessage): BlockCall[] {
  const found: BlockCall[] = [];
  for (const block of blocksOf(ai)) {
    if (typeof block.type !== "string" || !CALL_BLOCK_TYPES.has(block.type)) continue;
    const id = typeof block.id === "string" && block.id ? block.id : undefined;
    const name = typeof block.name === "string" && block.name ? block.name : "invalid_tool_call";
    const parsed = parseBlockInput(block.type === "tool_use" ? block.input : block.args);
    const invalid =
      block.type === "invalid_tool_call"
        ? { error: typeof block.error === "string" ? block.error : undefined, rawArgs: typeof block.args === "string" ? block.args : undefined }
        : "error" in parsed
          ? { error: parsed.error, rawArgs: parsed.rawArgs }
          : undefined;
    found.push({
      id,
      call: { id, name, args: "args" in parsed && !invalid ? parsed.args : {}, ...(invalid ? { invalid } : {}) },
    });
  }
  return found;
}

/** What each content item becomes: kept as is, dropped, or the block of a call. */
type BlockMatch = { item: unknown; call?: PlannedCall; drop?: boolean };

/**
 * Pairs each call block of the content with a call, in content order: the
 * k-th block with id X gets the k-th call whose original id is X. Blocks
 * with no call left are dropped (they would be sent and never answered);
 * streaming fragments are dropped too.
 */
function matchBlocks(content: readonly unknown[], calls: readonly PlannedCall[]): { matches: BlockMatch[]; unclaimed: PlannedCall[] } {
  const unclaimed = [...calls];
  const matches = content.map((item): BlockMatch => {
    if (!isRecord(item) || typeof item.type !== "string") return { item };
    if (FRAGMENT_BLOCK_TYPES.has(item.type)) return { item, drop: true };
    if (!CALL_BLOCK_TYPES.has(item.type)) return { item };
    const blockId = typeof item.id === "string" && item.id ? item.id : undefined;
    const index = unclaimed.findIndex((call) => call.originalId === blockId);
    if (index < 0) return { item, drop: true };
    return { item, call: unclaimed.splice(index, 1)[0]! };
  });
  return { matches, unclaimed };
}

/**
 * The calls in the order the provider will see them: content-block order
 * first (Anthropic and standard-content messages are sent from their
 * blocks), then calls without a block, in their original order.
 */
export function orderAsSent(ai: AIMessage, calls: PlannedCall[]): PlannedCall[] {
  if (!Array.isArray(ai.content)) return calls;
  const { matches, unclaimed } = matchBlocks(ai.content as unknown[], calls);
  return [...matches.flatMap((m) => (m.call ? [m.call] : [])), ...unclaimed];
}

function rewriteContent(ai: AIMessage, calls: readonly PlannedCall[]): AIMessage["content"] {
  if (!Array.isArray(ai.content)) return ai.content;
  const { matches, unclaimed } = matchBlocks(ai.content as unknown[], calls);
  const content: unknown[] = [];
  for (const { item, call, drop } of matches) {
    if (drop) continue;
    if (!call) {
      content.push(item);
      continue;
    }
    const block = item as Block;
    if (block.type === "tool_use") {
      content.push({ ...block, id: call.id, name: call.name, input: call.args });
    } else {
      const { error: _error, ...rest } = block;
      content.push({ ...rest, type: "tool_call", id: call.id, name: call.name, args: call.args });
    }
  }
  // Standard-content (v1) messages are sent from their content blocks alone,
  // so a call without a block would be answered but never sent.
  if (ai.response_metadata?.output_version === "v1") {
    for (const call of unclaimed) content.push({ type: "tool_call", id: call.id, name: call.name, args: call.args });
  }
  return content as AIMessage["content"];
}

/**
 * A corrected copy of `ai` (same message `id`, so the messages reducer
 * replaces it in place) whose every representation of its calls - the
 * `tool_calls` list, Anthropic / standard content blocks and OpenAI's raw
 * `additional_kwargs.tool_calls` - holds exactly `calls`: invalid calls become
 * ordinary calls with empty arguments (their error result explains), and
 * missing, malformed or duplicate ids are replaced.
 */
export function rewriteAIMessage(ai: AIMessage, calls: readonly PlannedCall[]): AIMessage {
  const additional_kwargs = { ...ai.additional_kwargs };
  if (Array.isArray(additional_kwargs.tool_calls)) {
    additional_kwargs.tool_calls = calls.map((call) => ({
      id: call.id,
      type: "function" as const,
      function: { name: call.name, arguments: JSON.stringify(call.args) },
    }));
  }
  return new AIMessage({
    content: rewriteContent(ai, calls),
    id: ai.id,
    name: ai.name,
    additional_kwargs,
    response_metadata: ai.response_metadata,
    usage_metadata: ai.usage_metadata,
    tool_calls: calls.map((call) => ({ type: "tool_call" as const, id: call.id, name: call.name, args: call.args })),
    invalid_tool_calls: [],
  });
}
