import type { ToolMessage } from "@langchain/core/messages";
import { safeStringify } from "../util/describe-error.js";

/** What an empty result becomes: some providers reject empty tool content. */
export const EMPTY_RESULT = "(no output)";

/** Block types that the converters know how to send as tool result content. */
const CONTENT_BLOCK_TYPES = new Set(["text", "image_url", "image", "file", "audio", "video"]);

function isContentBlock(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const block = value as { type?: unknown; text?: unknown };
  // The set holds only strings: a type that is not one is not in it.
  if (!CONTENT_BLOCK_TYPES.has(block.type as string)) return false;
  return block.type !== "text" || typeof block.text === "string";
}

const isBlank = (text: string) => text.trim() === "";

/**
 * A text block with nothing but its text (no cache marker, no annotations;
 * LangChain's `source_type: "text"` says only that): joining it into a
 * string loses nothing.
 */
function isPlainText(block: unknown): block is { type: "text"; text: string } {
  if (!isContentBlock(block) || (block as { type: string }).type !== "text") return false;
  return Object.entries(block as object).every(
    ([key, value]) => key === "type" || key === "text" || (key === "source_type" && value === "text"),
  );
}

/** Content as a list of blocks (what `joinPlainText` takes). */
export type ContentBlocks = Exclude<ToolMessage["content"], string>;

/**
 * A non-empty list of content blocks with no blank text among them (what
 * `toResultContent` makes, media notes added), joined into one string when
 * they are all plain text; as it is otherwise. Every converter takes a
 * string, and Ollama's takes nothing else in a tool message ("Non string
 * tool message content is not supported"), so a list of text blocks is sent
 * as its text.
 */
export function joinPlainText(content: ContentBlocks): ToolMessage["content"] {
  if (!content.every(isPlainText)) return content;
  return content.map((block) => block.text).join("\n");
}

const isBlankText = (block: unknown) =>
  (block as { type?: unknown }).type === "text" && isBlank((block as { text: string }).text);

/**
 * Whether the converters send `content` as a tool result that every
 * provider takes (media aside, see result-media.ts): text that is not
 * blank, or a list of content blocks with no blank text among them.
 */
export function isUsableContent(content: unknown): boolean {
  if (typeof content === "string") return !isBlank(content);
  return Array.isArray(content) && content.length > 0 && content.every((b) => isContentBlock(b) && !isBlankText(b));
}

/**
 * Message content that every provider accepts, for any value a tool returns:
 * strings stay (blank ones get a placeholder: Bedrock rejects blank text),
 * lists of real content blocks stay (blank text blocks dropped, whatever
 * they carry; plain text joined into a string), everything else (plain objects, arrays of them,
 * numbers, BigInts, circular structures, undefined) becomes JSON or a placeholder.
 */
export function toResultContent(value: unknown): ToolMessage["content"] {
  if (typeof value === "string") return isBlank(value) ? EMPTY_RESULT : value;
  // An empty list is a list of blocks too: nothing is left of it.
  if (Array.isArray(value) && value.every(isContentBlock)) {
    // Blank text is dropped, whatever else the block carries (a cache marker): Bedrock rejects it.
    const blocks = value.filter((block) => !isBlankText(block));
    return blocks.length === 0 ? EMPTY_RESULT : joinPlainText(blocks as ContentBlocks);
  }
  if (value === null) return EMPTY_RESULT;
  // undefined, a function or a symbol has no JSON; JSON is never the empty string
  return safeStringify(value) ?? EMPTY_RESULT;
}
