import { HumanMessage, type ToolMessage } from "@langchain/core/messages";
import { copyToolMessage, type PlannedCall } from "../calls/call.js";
import { joinPlainText, type ContentBlocks } from "./result-content.js";

/**
 * Where images, audio, video and files that a tool returns go:
 * - `"note"` (default): each is replaced in the ToolMessage by a short text
 *   note. Valid for every provider: OpenAI Chat Completions takes only text
 *   in a tool message, and Bedrock Converse rejects two user turns in a row.
 * - `"user_message"`: the ToolMessage gets the note, and the media follow in
 *   one user message right after the batch's results (OpenAI, Anthropic and
 *   Gemini take media there). In fan-out mode each call is its own task, so
 *   nothing can come after the whole batch: the media become notes.
 * - `"keep"`: left in the ToolMessage, for Anthropic, Gemini and Bedrock,
 *   which take media in tool results.
 *
 * @example
 * ```ts
 * // An agent on Claude that should see the screenshots its tools take:
 * const node = new SafeToolNode(tools, { resultMedia: "keep" satisfies ResultMedia });
 * ```
 */
export type ResultMedia = "note" | "user_message" | "keep";

type Block = Record<string, unknown>;
const MEDIA_TYPES = new Set(["image_url", "image", "file", "audio", "video"]);

function isMedia(block: unknown): block is Block {
  return typeof block === "object" && block !== null && MEDIA_TYPES.has((block as Block).type as string);
}

/** "an image (image/png)": what the block holds, never its data. */
function describeMedia(block: Block): string {
  const kind = block.type === "image_url" ? "image" : (block.type as string);
  const url =
    block.type === "image_url"
      ? typeof block.image_url === "string"
        ? block.image_url
        : (block.image_url as Block | undefined)?.url
      : block.url;
  const dataType = typeof url === "string" ? /^data:([^;,]+)/.exec(url)?.[1] : undefined;
  const declared = block.mime_type ?? block.mimeType;
  const mime = typeof declared === "string" ? declared : dataType;
  const noun = ({ image: "an image", audio: "audio", video: "a video" } as Record<string, string>)[kind] ?? "a file";
  return `${noun}${mime ? ` (${mime})` : ""}`;
}

/** The media a result holds, once placed as `mode` asks: the result to write, and the blocks to move. */
export function placeMedia(message: ToolMessage, mode: ResultMedia): { message: ToolMessage; moved: Block[] } {
  const content = message.content;
  if (mode === "keep" || !Array.isArray(content) || !content.some(isMedia)) return { message, moved: [] };
  const where = mode === "user_message" ? "it follows in the next message" : "it cannot be passed on in a tool result";
  const replaced = content.map((block) =>
    isMedia(block) ? { type: "text", text: `[The tool returned ${describeMedia(block)}; ${where}.]` } : block,
  );
  return {
    message: copyToolMessage(message, { content: joinPlainText(replaced as ContentBlocks) }),
    moved: mode === "user_message" ? content.filter(isMedia) : [],
  };
}

/** The user message that carries the media moved out of a batch's results, each under the call it came from. */
export function mediaMessage(moved: readonly { call: PlannedCall; blocks: readonly Block[] }[]): HumanMessage {
  const content = moved.flatMap(({ call, blocks }) => [
    { type: "text", text: `Returned by ${call.name} (call ${call.id}):` },
    ...blocks,
  ]);
  return new HumanMessage({ content: content as HumanMessage["content"] });
}
