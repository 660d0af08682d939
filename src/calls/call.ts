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

/**
 * The key under which a tool call carries how it must be answered, once a
 * hook before the router (the createAgent middleware, `safePostModelHook`)
 * prepared the turn. Converters build requests from the fields they know, so
 * it is never sent. It sits on the call itself, because other middleware
 * rebuild the AIMessage (LangChain's PII middleware keeps only content, id,
 * name and the calls), and a human's edit makes a new call, which then runs.
 */
export const CALL_MARK = "safe_tool_node";

/** What a prepared turn records on a call that must not simply run. */
export interface CallMark {
  /** The parser's error of a call that was invalid; "" when the parser gave none. */
  invalid?: string;
  /** The token limit may have cut the call's arguments short. */
  cutOff?: true;
  /** The model named no tool (the correction named it). */
  nameless?: true;
  /** Only a content block or a raw call held the call (something took it out of tool_calls): answered, not run. */
  unlisted?: true;
}

/** What {@link callMarkOf} returns for a call that carries no mark. */
export const NO_MARK: Readonly<CallMark> = Object.freeze({});

/** The mark on a tool call; {@link NO_MARK} for a call nothing prepared. */
export function callMarkOf(call: ToolCall): Readonly<CallMark> {
  const mark: unknown = (call as unknown as Record<string, unknown>)[CALL_MARK];
  return typeof mark === "object" && mark !== null && !Array.isArray(mark) ? (mark as CallMark) : NO_MARK;
}

/** The mark a prepared turn gives `call`; undefined for a call that simply runs. */
export function markOf(call: PlannedCall): CallMark | undefined {
  if (!(call.invalid || call.cutOff || call.nameless || call.unlisted)) return undefined;
  return {
    ...(call.invalid ? { invalid: call.invalid.error ?? "" } : {}),
    ...(call.cutOff ? { cutOff: true as const } : {}),
    ...(call.nameless ? { nameless: true as const } : {}),
    ...(call.unlisted ? { unlisted: true as const } : {}),
  };
}

/** The parse failure a marked call stands for, as the planner keeps it. */
export function invalidOfMark(mark: Readonly<CallMark>): Pick<PlannedCall, "invalid"> {
  return mark.invalid === undefined ? {} : { invalid: { error: mark.invalid || undefined, rawArgs: undefined } };
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
    metadata: message.metadata,
    additional_kwargs: message.additional_kwargs,
    response_metadata: message.response_metadata,
    ...overrides,
  });
}
