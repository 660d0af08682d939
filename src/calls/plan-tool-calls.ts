import { AIMessage, RemoveMessage, ToolMessage, isBaseMessage, type BaseMessage } from "@langchain/core/messages";
import { NOT_AN_OBJECT, callMarkOf, copyToolMessage, invalidOfMark, type PlannedCall } from "./call.js";
import { markCutOffCalls } from "./cut-off.js";
import { safeStringify } from "../util/describe-error.js";
import { isRecord } from "../util/guards.js";
import { InvalidNodeInputError, describeValue, notAMessage } from "../errors.js";
import {
  carriedCalls,
  nameFields,
  orderAsSent,
  pairCalls,
  parseArgs,
  rewriteAIMessage,
  type CarriedCall,
} from "./call-carriers.js";
import { CallIdAllocator, EarlierCallIds } from "./tool-call-ids.js";

/**
 * Where the result of one call comes from: the tool is to run; a result
 * already follows the AIMessage where it should (kept); or one exists but
 * out of place, and a copy is written in order (moved).
 */
export type ResultSlot =
  | { call: PlannedCall; answer: "run" }
  | { call: PlannedCall; answer: "kept"; existing: ToolMessage }
  | { call: PlannedCall; answer: "moved"; existing: ToolMessage };

/** What the node must do for the last AIMessage. */
export interface CallPlan {
  ai: AIMessage;
  /** Every call of the (corrected) AIMessage, in call order. */
  calls: PlannedCall[];
  /** One slot per call, in call order. */
  slots: ResultSlot[];
  /** Messages that go first in the update: the corrected AIMessage, removals, in-place fixes. */
  prefix: BaseMessage[];
  /** The corrected AIMessage, when the original would be sent with calls its results cannot pair with. */
  corrected?: AIMessage;
}

/** Whether other tasks answer calls of the same turn, before or after this one. */
export interface Siblings {
  before: boolean;
  after: boolean;
}

/** No other task answers a call of this turn. */
// Stryker disable next-line ObjectLiteral: every reader tests the fields for truth, and an absent field is false as well
export const ALONE: Siblings = { before: false, after: false };

/** The share of a turn that one node run answers. */
export interface Batch {
  /** Messages the update starts with: the AIMessage correction, removals, in-place fixes. */
  prefix: BaseMessage[];
  /** The calls this run answers, in the order their results are written. */
  slots: ResultSlot[];
  /** The id of the AIMessage being answered, for idempotency keys. */
  aiMessageId: string | undefined;
  /**
   * Other calls of the turn that other tasks of the step answer (Sends),
   * before and after this share in the order LangGraph applies their
   * writes: a rewrite of the history would wipe the results written before
   * it, and a message written after this share's results would come between
   * the turn's results.
   */
  siblings: Siblings;
}

/**
 * Throws InvalidNodeInputError when `tool_calls` or `invalid_tool_calls` of
 * `ai` is not a list of calls: core's constructor takes anything, and no
 * converter could send such a message either.
 */
function checkCallLists(ai: AIMessage): void {
  for (const field of ["tool_calls", "invalid_tool_calls"] as const) {
    const list: unknown = ai[field];
    const at = `the AIMessage${ai.id === undefined ? "" : ` "${ai.id}"`}`;
    if (list === undefined) continue;
    if (!Array.isArray(list))
      throw new InvalidNodeInputError(`${at} has ${field} that is ${describeValue(list)}, not a list of calls.`);
    list.forEach((entry: unknown, k) => {
      if (!isRecord(entry))
        throw new InvalidNodeInputError(`${at} has ${field}[${k}] that is ${describeValue(entry)}, not a call.`);
    });
  }
}

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

/** The arguments of an invalid call when its text is in fact a whole JSON object. */
function parsedObject(text: unknown): Record<string, unknown> | undefined {
  // An empty text is no arguments at all, not `{}`; a blank one fails to parse.
  if (typeof text !== "string" || text === "") return undefined;
  const parsed = parseArgs(text);
  return "args" in parsed ? parsed.args : undefined;
}

function collectRawCalls(ai: AIMessage): CarriedCall[] {
  const raw: CarriedCall[] = [];
  (ai.tool_calls ?? []).forEach((call, toolCallsIndex) => {
    const id = call.id || undefined;
    const named = nameFields(call.name);
    const mark = callMarkOf(call);
    // A turn prepared before the router (safePostModelHook) keeps in its marks what the calls were.
    if (mark.invalid !== undefined || mark.nameless || mark.unlisted || mark.cutOff) {
      raw.push({
        id,
        ...(mark.nameless ? { name: named.name, nameless: true as const } : named),
        toolCallsIndex,
        args: isRecord(call.args) ? call.args : {},
        ...invalidOfMark(mark),
        ...(mark.unlisted ? { unlisted: true as const } : {}),
        ...(mark.cutOff ? { cutOff: true as const } : {}),
        marked: true,
      });
      return;
    }
    if (isRecord(call.args)) raw.push({ id, ...named, toolCallsIndex, args: call.args });
    // Arguments that are not an object cannot be passed to a tool: answered like a parse failure.
    else
      raw.push({
        id,
        ...named,
        toolCallsIndex,
        args: {},
        invalid: { error: NOT_AN_OBJECT, rawArgs: safeStringify(call.args) },
      });
  });
  for (const call of ai.invalid_tool_calls ?? []) {
    const id = call.id || undefined;
    const args = parsedObject(call.args);
    // Core marks a streamed call without an id invalid ("Malformed args.") though its JSON is whole: it runs.
    if (args) raw.push({ id, ...nameFields(call.name), args });
    else raw.push({ id, ...nameFields(call.name), args: {}, invalid: { error: call.error, rawArgs: call.args } });
  }
  // An item of a list the converters send verbatim (content blocks, stored
  // Responses output, raw OpenAI calls) with no matching call is still a
  // call the provider sees, so it needs an answer too.
  // What a converter sends beyond the parsed lists is answered but never run:
  // it may be a call something took out of tool_calls on purpose (a guard).
  for (const list of carriedCalls(ai)) {
    const pairs = pairCalls(list, raw);
    list.forEach((item, k) => pairs[k]! < 0 && raw.push({ ...item, unlisted: true }));
  }
  return raw;
}

/** The calls of one AIMessage as they will be answered, and its corrected copy when one is needed. */
export interface MessageCalls {
  /** Every call, with repaired ids and names, in the order the provider will see them. */
  calls: PlannedCall[];
  /** A copy of the AIMessage that agrees with `calls`; undefined when the original already does. */
  corrected?: AIMessage;
}

/**
 * The calls of `ai` as the converters will send them - `tool_calls`,
 * invalid calls, and calls that only a content block, a stored Responses
 * item or a raw OpenAI call carries - with ids made valid for every
 * provider and unique (`ids` knows which earlier turns took), names made
 * non-empty, and the corrected AIMessage when anything differs from what
 * `ai` holds. Calls whose arguments may be cut short by the token limit are
 * marked `cutOff` (see `markCutOffCalls`).
 */
export function planCalls(ai: AIMessage, ids: CallIdAllocator): MessageCalls {
  checkCallLists(ai);
  const raw = collectRawCalls(ai);
  const finalIds = ids.assign(raw);
  let calls: PlannedCall[] = raw.map((call, index) => ({
    id: finalIds[index]!,
    name: call.name,
    args: call.args,
    originalId: call.id,
    // Every reader compares it with undefined: an absent key and an undefined one are the same.
    toolCallsIndex: call.toolCallsIndex,
    ...(call.nameless ? { nameless: true as const } : {}),
    ...(call.unlisted && !call.invalid ? { unlisted: true as const } : {}),
    ...(call.invalid ? { invalid: call.invalid } : {}),
    ...(call.cutOff ? { cutOff: true as const } : {}),
  }));
  let corrected: AIMessage | undefined;
  const needsRewrite =
    calls.length !== (ai.tool_calls?.length ?? 0) ||
    calls.some(
      (call, index) => (!raw[index]!.marked && (call.invalid || call.nameless)) || call.id !== call.originalId,
    );
  if (needsRewrite) {
    calls = orderAsSent(ai, calls);
    corrected = rewriteAIMessage(ai, calls);
  }
  markCutOffCalls(ai, calls);
  return corrected ? { calls, corrected } : { calls };
}

/**
 * The last plans made, by answered AIMessage, so that a router and the nodes
 * it routes to (one per Send, each handed its own copy of the list by
 * LangGraph) read the history once per step. An entry counts only for a
 * list holding the very same messages: comparing references is cheap next
 * to reading every call id. The entry keeps the list it was made from, not
 * a copy (LangGraph never changes a state's list in place; it makes a new
 * one). A few entries (one per graph running at once) are enough; more
 * would keep old histories alive.
 */
const planCache = new Map<
  AIMessage,
  { messages: readonly BaseMessage[]; fingerprint: unknown[]; plan: CallPlan | undefined }
>();
const PLAN_CACHE_SIZE = 16;

/** The same message objects, in the same order. */
export function sameMessages(a: readonly BaseMessage[], b: readonly BaseMessage[]): boolean {
  if (a.length !== b.length) return false;
  // Stryker disable next-line ArithmeticOperator: starting past the end only compares two undefined entries more
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * What the plan of a turn is made from: the AIMessage's calls in every form,
 * and the results after it, as the objects and the fields the plan reads. A
 * node may edit a message in place between a router and the node it routes
 * to (LangChain's human-in-the-loop middleware sets `tool_calls` on the
 * AIMessage; a guard may replace a call's arguments), so an entry counts
 * only while every one of these is the same. Arguments edited inside their
 * object need no check: the plan holds that very object. Comparing
 * references keeps this cheap for every Send of a large fan-out (a text
 * of every call, made once per Send, cost O(calls²) per step).
 */
function fingerprint(messages: readonly BaseMessage[], aiIndex: number): unknown[] {
  const ai = messages[aiIndex] as AIMessage;
  const print: unknown[] = [ai.tool_calls, ai.invalid_tool_calls];
  // A missing list is pushed above as undefined; what the fallback below adds is the same in every print.
  // Stryker disable next-line ArrayDeclaration: see above
  for (const call of ai.tool_calls ?? []) print.push(call, call.id, call.name, call.args);
  // Stryker disable next-line ArrayDeclaration: see above
  for (const call of ai.invalid_tool_calls ?? []) print.push(call, call.id, call.name, call.args);
  const list = (value: unknown) => {
    print.push(value);
    if (!Array.isArray(value)) return;
    print.push(value.length);
    for (const item of value)
      print.push(
        item,
        isRecord(item) ? item.id : undefined,
        isRecord(item) ? (item.input ?? item.args ?? item.arguments) : undefined,
      );
  };
  list(ai.additional_kwargs?.tool_calls);
  list(Array.isArray(ai.content) ? ai.content : undefined);
  list(ai.response_metadata?.output);
  for (let i = aiIndex + 1; i < messages.length; i++) {
    const message = messages[i]!;
    print.push(message, message.id, (message as ToolMessage).tool_call_id);
  }
  return print;
}

function samePrint(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  // Stryker disable next-line EqualityOperator: with equal lengths, one step past the end compares undefined with undefined
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/**
 * Decides which calls of the last AIMessage need a result, repairs the
 * AIMessage where the provider converters would otherwise send calls and
 * results that do not pair up (ids made unique across the whole request),
 * and reconciles the ToolMessages already after it. Reads the history's
 * call ids once; everything else costs O(calls + trailing ToolMessages).
 *
 * Returns undefined when the history ends with no AIMessage to answer (a
 * text-only AIMessage gets a plan with no slots). With `source` (how
 * the caller names the list in errors), a non-message in the tail it reads
 * raises InvalidNodeInputError; without, it counts as "nothing to answer".
 */
export function planToolCalls(messages: readonly BaseMessage[], source?: string): CallPlan | undefined {
  const aiIndex = findAnsweredAI(messages, source);
  if (aiIndex < 0) return undefined;
  const ai = messages[aiIndex] as AIMessage;
  checkCallLists(ai);
  const cached = planCache.get(ai);
  const print = fingerprint(messages, aiIndex);
  if (cached && samePrint(cached.fingerprint, print) && sameMessages(cached.messages, messages)) return cached.plan;
  const plan = computePlan(messages, aiIndex, ai);
  planCache.delete(ai);
  // Evicting later (`>`) or never (`false`) keeps more entries, which costs memory, not results; the
  // mutants that shrink the cache to one entry lose identical twins' claims and are killed by
  // "answers identical twins each once when another thread's turn is planned between their Sends".
  // Stryker disable next-line ConditionalExpression,EqualityOperator: see above
  if (planCache.size >= PLAN_CACHE_SIZE) planCache.delete(planCache.keys().next().value!);
  planCache.set(ai, { messages, fingerprint: print, plan });
  return plan;
}

function computePlan(messages: readonly BaseMessage[], aiIndex: number, ai: AIMessage): CallPlan {
  // Any constant seeds the made ids of an AIMessage without an id: they are valid, unique and the same on every run.
  // Stryker disable next-line StringLiteral: see above
  const { calls, corrected } = planCalls(ai, new CallIdAllocator(ai.id ?? "", new EarlierCallIds(messages, aiIndex)));
  const prefix: BaseMessage[] = corrected ? [corrected] : [];

  // Reconcile the ToolMessages already after the AIMessage: the first result
  // per call is kept, where it stands; the rest are orphans or duplicates.
  const byId = new Map(calls.map((call) => [call.id, call]));
  const answered = new Map<string, ToolMessage>();
  const keptAt: { position: number; id: string }[] = [];
  const leftovers: { position: number; message: ToolMessage }[] = [];
  // When the model repeated an id, a result's tool name tells which of the calls it answers (a guard's answer to the second).
  // Asked only about a named result whose name is not that of the call its id names: a call of its name is a twin.
  const twinNamed = (message: ToolMessage) =>
    calls.some((call) => call.originalId === message.tool_call_id && call.name === message.name);
  for (let position = aiIndex + 1; position < messages.length; position++) {
    const message = messages[position] as ToolMessage;
    const call = byId.get(message.tool_call_id);
    if (call && !answered.has(call.id) && !(message.name && message.name !== call.name && twinNamed(message))) {
      answered.set(message.tool_call_id, message);
      keptAt.push({ position, id: message.tool_call_id });
    } else {
      leftovers.push({ position, message });
    }
  }
  // A result addressed to a call's original id (the second of two
  // duplicate ids, an id reused from an earlier turn) is re-addressed in
  // place to the renamed call, instead of running that call again.
  const inPlace: ToolMessage[] = [];
  // Stryker disable next-line ArrayDeclaration: an entry that is no message has no id, so no removal is written for it
  const removals: ToolMessage[] = [];
  for (const { position, message } of leftovers) {
    const candidates = calls.filter((call) => !answered.has(call.id) && call.originalId === message.tool_call_id);
    const owner = candidates.find((call) => call.name === message.name) ?? candidates[0];
    if (owner && message.id) {
      const readdressed = copyToolMessage(message, { tool_call_id: owner.id, name: message.name || owner.name });
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
  // One entry per answered call, so never more entries than calls.
  const inOrder = keptAt.every(({ id }, index) => calls[index]!.id === id);
  const move = !inOrder && [...answered.values()].every((message) => message.id !== undefined);

  if (!move) prefix.push(...inPlace);
  for (const message of removals) if (message.id) prefix.push(new RemoveMessage({ id: message.id }));
  if (move) for (const message of answered.values()) prefix.push(new RemoveMessage({ id: message.id! }));

  const slots = calls.map((call): ResultSlot => {
    const existing = answered.get(call.id);
    if (!existing) return { call, answer: "run" };
    if (!move) return { call, answer: "kept", existing };
    return { call, answer: "moved", existing: copyToolMessage(existing, { id: `${existing.id}-moved` }) };
  });
  return { ai, calls, slots, prefix, ...(corrected ? { corrected } : {}) };
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
export function planNeedsWork(plan: CallPlan | undefined): plan is CallPlan {
  return plan !== undefined && (plan.prefix.length > 0 || plan.slots.some((slot) => slot.answer !== "kept"));
}
