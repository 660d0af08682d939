/**
 * The call model every stage shares: one tool call as the node answers it.
 * Imports nothing else from `src/`, so any module may depend on it.
 */
import { ToolMessage } from "@langchain/core/messages";
import type { ToolCall } from "@langchain/core/messages/tool";

/** One call of the AIMessage as the node answers it. */
export interface PlannedCall {
  /** The id the result carries (repaired when missing, malformed, too long or already used). */
  id: string;
  /** The tool's name; {@link UNNAMED_CALL} when the model gave no usable name. */
  name: string;
  args: Record<string, unknown>;
  /** The id the model gave, if any. */
  originalId: string | undefined;
  /** Its index in the AIMessage's `tool_calls`, for calls that come from there (a router's Sends follow that list). */
  toolCallsIndex?: number;
  /** Set when the model named no tool (an empty or missing name). */
  nameless?: true;
  /** Set for calls the model's output parser could not read. */
  invalid?: { error: string | undefined; rawArgs: string | undefined };
  /** Set on a call whose arguments the output token limit may have cut short. */
  cutOff?: true;
  /** Set on a call that only a content block, a raw OpenAI call or a stored Responses item holds: it is answered, never run. */
  unlisted?: true;
}

/** The name a call gets in the corrected AIMessage when the model gave it none (providers reject empty names). */
export const UNNAMED_CALL = "invalid_tool_call";

/** The parse error of a call whose arguments are valid JSON but not an object. */
export const NOT_AN_OBJECT = "the arguments are not a JSON object";

/** The `type` LangChain gives an unparsable call (in `invalid_tool_calls`, content blocks and Sends). */
export const INVALID_CALL_TYPE = "invalid_tool_call";

/** A tool name a provider accepts: a non-empty string (surrounding blanks do not count). */
export function usableName(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** The call as LangChain's `ToolCall`, as tools, handlers and AIMessages take it. */
export function toolCallOf(call: PlannedCall): ToolCall {
  return { type: "tool_call", id: call.id, name: call.name, args: call.args };
}

/** A copy of a ToolMessage with some fields replaced. */
export function copyToolMessage(
  message: ToolMessage,
  overrides: Partial<Pick<ToolMessage, "tool_call_id" | "name" | "id" | "content" | "status">>,
): ToolMessage {
  return new ToolMessage({
    content: message.content,
    tool_call_id: message.tool_call_id,
    name: message.name,
    id: message.id,
    status: message.status,
    artifact: message.artifact,
    additional_kwargs: message.additional_kwargs,
    response_metadata: message.response_metadata,
    ...overrides,
  });
}
