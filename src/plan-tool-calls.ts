import { AIMessage, RemoveMessage, ToolMessage, isBaseMessage, type BaseMessage } from "@langchain/core/messages";
import type { ToolCall } from "@langchain/core/messages/tool";
import { safeStringify } from "./describe-error.js";
import { isRecord } from "./guards.js";
import { notAMessage } from "./read-input.js";
import { CallIdAllocator } from "./tool-call-ids.js";
import { carriedCalls, orderAsSent, rewriteAIMessage, type CarriedCall } from "./repair-ai-message.js";

/** One call of the AIMessage as the node answers it. */
export interface PlannedCall {
  /** The id the result carries (repaired when missing, malformed or duplicated). */
  id: string;
  name: string;
  args: Record<string, unknown>;
  /** The id the model gave, if any. */
  originalId: string | undefined;
  /** Set for calls the model's output parser could not read. */
  invalid?: { error: string | undefined; rawArgs: string | undefined };
}

/** The call as LangChain's `ToolCall`, as tools, handlers and AIMessages take it. */
export function toolCallOf(call: PlannedCall): ToolCall {
  return { type: "tool_call", id: call.id, name: call.name, args: call.args };
}

/** Where the result of one call comes from. */
export type ResultSlot =
  | { call: PlannedCall; existing: ToolMessage; reemit: boolean }
  | { call: PlannedCall; existing?: undefined };

/** What the node must do for the last AIMessage. */
export interface CallPlan {
  ai: AIMessage;
  /** Every call of the (corrected) AIMessage, in call order. */
  calls: PlannedCall[];
  /** One slot per call, in call order. */
  slots: ResultSlot[];
  /** Messages that go first in the update: the corrected AIMessage, removals, in-place fixes. */
  prefix: BaseMessage[];
}

const INVALID_CALL_NAME = "invalid_tool_call";

/**
 * Index of the AIMessage whose calls are still being answered: the last
 * message, or the last message before a run of ToolMessages at the end.
 * -1 when the history ends otherwise (a human turn, a final answer).
 */
export function findAnsweredAI(messages: readonly BaseMessage[], source?: string): number {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message: unknown = messages[i];
    // Only the tail the node reads is checked, so the cost stays flat in history length.
    if (source !== undefined && !isBaseMessage(message)) throw notAMessage(source, i, message);
    if (ToolMessage.isInstance(message)) continue;
    return AIMessage.isInstance(message) ? i : -1;
  }
  return -1;
}

/** The calls as the model made them, before ids are repaired. */
type RawCall = CarriedCall;

function collectRawCalls(ai: AIMessage): RawCall[] {
  const raw: RawCall[] = [];
  for (const call of ai.tool_calls ?? []) {
    const id = call.id || undefined;
    if (isRecord(call.args)) raw.push({ id, name: call.name, args: call.args });
    // Arguments that are not an object cannot be passed to a tool: answered like a parse failure.
    else raw.push({ id, name: call.name, args: {}, invalid: { error: "the arguments are not a JSON object", rawArgs: safeStringify(call.args) } });
  }
  for (const call of ai.invalid_tool_calls ?? []) {
    raw.push({
      id: call.id || undefined,
      name: call.name || INVALID_CALL_NAME,
      args: {},
      invalid: { error: call.error, rawArgs: call.args },
    });
  }
  // An item of a list the converters send verbatim (content blocks, stored
  // Responses output) with no matching call is still a call the provider
  // sees, so it needs an answer too.
  for (const list of carriedCalls(ai)) {
    const unmatched = new Map<string, number>();
    for (const call of raw) unmatched.set(call.id ?? "", (unmatched.get(call.id ?? "") ?? 0) + 1);
    for (const item of list) {
      const left = unmatched.get(item.id ?? "") ?? 0;
      if (left > 0) unmatched.set(item.id ?? "", left - 1);
      else raw.push(item);
    }
  }
  return raw;
}

/** The calls of one AIMessage as they will be answered, and its corrected copy when one is needed. */
export interface MessageCalls {
  /** Every call, with repaired ids, in the order the provider will see them. */
  calls: PlannedCall[];
  /** A copy of the AIMessage that agrees with `calls`; undefined when the original already does. */
  corrected?: AIMessage;
}

/**
 * The calls of `ai` as the converters will send them - `tool_calls`,
 * invalid calls, and calls that only a content block or a stored Responses
 * item carries - with ids made present, well-formed and unique (`ids` says
 * which are taken), and the corrected AIMessage when anything differs from
 * what `ai` holds.
 */
export function planCalls(ai: AIMessage, ids: CallIdAllocator): MessageCalls {
  const raw = collectRawCalls(ai);
  const kept = raw.map((call) => ids.keep(call.id));
  const calls: PlannedCall[] = raw.map((call, index) => ({
    id: kept[index] ? call.id! : ids.make(index, call.name, call.id),
    name: call.name,
    args: call.args,
    originalId: call.id,
    ...(call.invalid ? { invalid: call.invalid } : {}),
  }));
  const needsRewrite =
    calls.some((call) => call.invalid) ||
    calls.length !== (ai.tool_calls?.length ?? 0) ||
    calls.some((call) => call.id !== call.originalId);
  if (!needsRewrite) return { calls };
  const ordered = orderAsSent(ai, calls);
  return { calls: ordered, corrected: rewriteAIMessage(ai, ordered) };
}

/**
 * Decides which calls of the last AIMessage need a result, repairs the
 * AIMessage where the provider converters would otherwise send calls and
 * results that do not pair up, and reconciles the ToolMessages already after
 * it. Costs O(calls + trailing ToolMessages), never O(history).
 *
 * Returns undefined when there is nothing to answer. With `source` (how
 * the caller names the list in errors), a non-message in the tail it reads
 * raises InvalidNodeInputError; without, it counts as "nothing to answer".
 */
export function planToolCalls(messages: readonly BaseMessage[], source?: string): CallPlan | undefined {
  const aiIndex = findAnsweredAI(messages, source);
  if (aiIndex < 0) return undefined;
  const ai = messages[aiIndex] as AIMessage;
  const { calls, corrected } = planCalls(ai, new CallIdAllocator(ai.id ?? ""));
  if (calls.length === 0 && aiIndex === messages.length - 1) return undefined;
  const prefix: BaseMessage[] = corrected ? [corrected] : [];

  // Reconcile the ToolMessages already after the AIMessage: the first result
  // per call is kept, where it stands; the rest are orphans or duplicates.
  const byId = new Map(calls.map((call) => [call.id, call]));
  const answered = new Map<string, ToolMessage>();
  const keptAt: { position: number; id: string }[] = [];
  const leftovers: { position: number; message: ToolMessage }[] = [];
  for (let position = aiIndex + 1; position < messages.length; position++) {
    const message = messages[position] as ToolMessage;
    if (byId.has(message.tool_call_id) && !answered.has(message.tool_call_id)) {
      answered.set(message.tool_call_id, message);
      keptAt.push({ position, id: message.tool_call_id });
    } else {
      leftovers.push({ position, message });
    }
  }
  // A result addressed to a call's original id (e.g. the second of two
  // duplicate ids) is re-addressed in place to the renamed call, instead of
  // running that call again.
  const inPlace: ToolMessage[] = [];
  const removals: ToolMessage[] = [];
  for (const { position, message } of leftovers) {
    const owner = calls.find((call) => !answered.has(call.id) && call.originalId === message.tool_call_id);
    if (owner && message.id) {
      const readdressed = copyToolMessage(message, { tool_call_id: owner.id, name: message.name ?? owner.name });
      answered.set(owner.id, readdressed);
      keptAt.push({ position, id: owner.id });
      inPlace.push(readdressed);
    } else {
      removals.push(message);
    }
  }

  // Kept results stay where they are when they come first and in call order;
  // otherwise they are moved: removed, and re-added in order under new ids.
  keptAt.sort((a, b) => a.position - b.position);
  const inOrder = keptAt.every(({ id }, index) => calls[index]?.id === id);
  const reemit = !inOrder && [...answered.values()].every((message) => message.id !== undefined);

  if (!reemit) prefix.push(...inPlace);
  for (const message of removals) if (message.id) prefix.push(new RemoveMessage({ id: message.id }));
  if (reemit) for (const message of answered.values()) prefix.push(new RemoveMessage({ id: message.id! }));

  const slots: ResultSlot[] = calls.map((call) => {
    const existing = answered.get(call.id);
    if (!existing) return { call };
    if (!reemit) return { call, existing, reemit: false };
    return { call, existing: copyToolMessage(existing, { id: `${existing.id}-moved` }), reemit: true };
  });
  return { ai, calls, slots, prefix };
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

/** True when a ToolMessage for `id` already follows the last AIMessage (reads only that tail). */
export function isAnsweredAfterLastAI(messages: readonly BaseMessage[], id: string): boolean {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (!ToolMessage.isInstance(message)) return false;
    if (message.tool_call_id === id) return true;
  }
  return false;
}

/** True when the plan changes anything: a call to run, or a message to fix. */
export function planNeedsWork(plan: CallPlan | undefined): boolean {
  return plan !== undefined && (plan.prefix.length > 0 || plan.slots.some((slot) => !slot.existing || slot.reemit));
}
