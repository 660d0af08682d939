/**
 * The Send protocol: what a `Send("tools", { ...state, lg_tool_call })`
 * payload carries, how SafeToolNode's own fan-out router fills it, and
 * which share of the turn the node answers for one Send - whether our
 * router or one the user wrote sent it.
 */
import type { BaseMessage } from "@langchain/core/messages";
import { END, Send } from "@langchain/langgraph";
import { INVALID_CALL_TYPE, NOT_AN_OBJECT, toolCallOf, type PlannedCall } from "../calls/call.js";
import { safeStringify } from "../util/describe-error.js";
import { InvalidNodeInputError, describeValue } from "../errors.js";
import { isRecord } from "../util/guards.js";
import {
  ALONE,
  findAnsweredAI,
  sameMessages,
  isAnsweredAfterLastAI,
  planNeedsWork,
  planToolCalls,
  type Batch,
  type CallPlan,
  type ResultSlot,
  type Siblings,
} from "../calls/plan-tool-calls.js";
import { nameFields } from "../calls/call-carriers.js";
import { CallIdAllocator } from "../calls/tool-call-ids.js";

/** The payload key of the Sends that `safeToolsFanOut` makes: their call is planned already. */
export const SEND_KEY = "safe_tool_node_send";

/** What `safeToolsFanOut` adds to a Send. */
export interface SendMarker {
  /** Messages this Send writes first (the AIMessage correction): on the first Send of a turn only. */
  prefix?: BaseMessage[];
  /** The call's arguments may be cut short by the token limit. */
  cutOff?: true;
  /** The model named no tool (the call carries a placeholder name). */
  nameless?: true;
  /** Only a content block or a raw call holds the call: it is answered, not run. */
  unlisted?: true;
}

/** A Send payload, read. */
export interface SendPayload {
  /** `lg_tool_call` as sent. */
  call: Record<string, unknown>;
  /** Set when `safeToolsFanOut` made the Send. */
  marker?: SendMarker;
  /** The payload without the Send keys: what tools see as `runtime.state`. */
  state: Record<string, unknown>;
}

/** Reads `{ ...state, lg_tool_call }`, or returns undefined when `record` is no Send payload. */
export function readSendPayload(record: Record<string, unknown>): SendPayload | undefined {
  if (!("lg_tool_call" in record)) return undefined;
  const { lg_tool_call: call, [SEND_KEY]: marker, ...state } = record;
  if (!isRecord(call)) {
    throw new InvalidNodeInputError(
      `SafeToolNode: "lg_tool_call" of the Send payload must be a tool call object, received ${describeValue(call)}.`,
    );
  }
  return { call, state, ...(isRecord(marker) ? { marker: marker as SendMarker } : {}) };
}

/** The call as a Send carries it: a tool call, or an invalid call with its parser error. */
function sentCall(call: PlannedCall) {
  if (!call.invalid) return toolCallOf(call);
  return {
    type: INVALID_CALL_TYPE,
    id: call.id,
    name: call.name,
    args: call.invalid.rawArgs,
    error: call.invalid.error,
  };
}

/**
 * The Sends of fan-out mode for the turn `state` ends with (see
 * `safeToolsFanOut`): one per call that needs an answer, each carrying its
 * planned call; the first also carries the AIMessage correction. A turn
 * whose existing results must be moved back into order is sent whole to one task.
 */
export function fanOutSends(state: unknown, nodeName: string): Send[] | typeof END {
  const messages = (Array.isArray(state) ? state : (state as { messages?: unknown } | null)?.messages) as
    readonly BaseMessage[] | undefined;
  const plan = planToolCalls(Array.isArray(messages) ? messages : []);
  if (!planNeedsWork(plan)) return END;
  const pending = plan.slots.filter((slot) => slot.answer === "run").map((slot) => slot.call);
  const moves = plan.slots.some((slot) => slot.answer === "moved");
  if (Array.isArray(state) || moves || pending.length === 0) return [new Send(nodeName, state)];
  return pending.map((call, index) => {
    const marker: SendMarker = {
      ...(index === 0 && plan.prefix.length > 0 ? { prefix: plan.prefix } : {}),
      ...(call.cutOff ? { cutOff: true as const } : {}),
      ...(call.nameless ? { nameless: true as const } : {}),
      ...(call.unlisted ? { unlisted: true as const } : {}),
    };
    return new Send(nodeName, { ...(state as object), lg_tool_call: sentCall(call), [SEND_KEY]: marker });
  });
}

/** A call read from a Send payload on its own, its id made valid like the planner's. */
function callFromPayload(call: Record<string, unknown>, marker: SendMarker | undefined): PlannedCall {
  const cutOff = marker?.cutOff === true;
  const originalId = typeof call.id === "string" && call.id !== "" ? call.id : undefined;
  const named = marker?.nameless ? { name: String(call.name), nameless: true as const } : nameFields(call.name);
  const [id] = new CallIdAllocator("send").assign([{ id: originalId, name: named.name }]);
  const base = {
    id: id!,
    ...named,
    originalId,
    ...(cutOff ? { cutOff: true as const } : {}),
    ...(marker?.unlisted ? { unlisted: true as const } : {}),
  };
  const raw: unknown = call.args;
  // An InvalidToolCall sent on its own (fan-out routers send those too), or arguments that are no object.
  if (call.type === INVALID_CALL_TYPE || !isRecord(raw)) {
    const error = typeof call.error === "string" ? call.error : NOT_AN_OBJECT;
    return { ...base, args: {}, invalid: { error, rawArgs: typeof raw === "string" ? raw : safeStringify(raw) } };
  }
  return { ...base, args: raw };
}

const callKey = (call: { id?: unknown; name?: unknown; args?: unknown }, withId = true) =>
  `${withId ? String(call.id ?? "") : ""}\u0000${String(call.name ?? "")}\u0000${safeStringify(call.args) ?? ""}`;

/**
 * The calls that Sends already took, by position, to tell identical twins
 * apart: per answered AIMessage and the history it stands in. Not per plan:
 * the plan cache may drop a thread's plan between two Sends of one step
 * when many threads run at once, and the second twin would lose its claim.
 */
const taken = new WeakMap<BaseMessage, { messages: readonly BaseMessage[]; claims: Set<number> }>();

function claimsIn(messages: readonly BaseMessage[]): Set<number> {
  const ai = messages[findAnsweredAI(messages)]!;
  const entry = taken.get(ai);
  if (entry && sameMessages(entry.messages, messages)) return entry.claims;
  const claims = new Set<number>();
  taken.set(ai, { messages, claims });
  return claims;
}

/**
 * The position in `plan.calls` of the call a user's router sent. A
 * `tool_calls` entry with the same id, name and arguments (LangGraph hands
 * each Send a copy of its payload); failing that, with the same id and
 * name, or the same id (a router that adds arguments, a state value say);
 * then an invalid or untracked call with the Send's id and name (a router
 * that sends `invalid_tool_calls` too); last, an entry with the same name
 * and arguments (a router that filled in or changed the id: the call is
 * answered under the id the AIMessage carries). Identical twins - entries
 * alike in what matched - go to the Sends in the order they reach the node,
 * which is the order LangGraph starts them in; on a resume, when each Send
 * brings its own copy of the history, by the Send's position among the
 * step's Sends (`sendIndex`), which is the entry's index when the router
 * sends one Send per entry and nothing before them. Undefined when nothing matches.
 */
function sentCallAt(
  messages: readonly BaseMessage[],
  plan: CallPlan,
  sent: Record<string, unknown>,
  sendIndex: number | undefined,
  resuming: boolean,
): number | undefined {
  const entries = plan.ai.tool_calls ?? [];
  const positions = (same: (entry: (typeof entries)[number]) => boolean) =>
    plan.calls.flatMap((call, at) =>
      call.toolCallsIndex !== undefined && same(entries[call.toolCallsIndex]!) ? [at] : [],
    );
  const key = callKey(sent);
  let matching = positions((entry) => callKey(entry) === key);
  if (matching.length === 0) matching = positions((entry) => entry.id === sent.id && entry.name === sent.name);
  if (matching.length === 0) matching = positions((entry) => entry.id === sent.id);
  if (matching.length === 0) {
    matching = plan.calls.flatMap((call, at) =>
      call.toolCallsIndex === undefined &&
      (call.originalId ?? call.id) === (sent.id || undefined) &&
      call.name === sent.name
        ? [at]
        : [],
    );
  }
  if (matching.length === 0) matching = positions((entry) => callKey(entry, false) === callKey(sent, false));
  if (matching.length <= 1) return matching[0];
  const atSendIndex = plan.calls.findIndex((call) => call.toolCallsIndex === sendIndex);
  if (resuming && matching.includes(atSendIndex)) return atSendIndex;
  const claims = claimsIn(messages);
  const at = matching.find((k) => !claims.has(k)) ?? matching[0]!;
  claims.add(at);
  return at;
}

/**
 * The share of the turn answered for the call at `at`, when a user's router
 * sends one Send per `tool_calls` entry in order - every entry, or only
 * those still unanswered, as createReactAgent does after a post-model hook.
 * A Send for an entry whose tool runs answers that call and the calls that
 * follow it up to the next such entry: invalid and untracked calls, which a
 * router of `tool_calls` does not send, and calls answered already, whose
 * results are rewritten there when they must move back into order. The
 * first such Send (the lead) answers the calls before it too, and writes the
 * removals and in-place fixes, which the messages reducer must see once.
 * Concatenated in Send order, the shares are the turn in call order. A Send
 * for any other call (answered already, or an invalid call a router sent
 * beside the entries) answers nothing. Every Send that answers writes the
 * corrected AIMessage (the same message id, so the copies agree).
 */
function shareOf(plan: CallPlan, at: number, sent: Record<string, unknown>): Batch {
  const anchors = plan.calls.flatMap((call, k) => (call.toolCallsIndex !== undefined ? [k] : []));
  // A turn with no tool_calls entries at all (only invalid calls): each call is its own entry.
  if (anchors.length === 0) anchors.push(...plan.calls.keys());
  const running = anchors.filter((k) => plan.slots[k]!.answer === "run");
  const lead = running[0] ?? anchors[0]!;
  const owners = running.includes(lead) ? running : [lead, ...running];
  if (!owners.includes(at)) return { prefix: [], slots: [], aiMessageId: plan.ai.id, siblings: ALONE };
  const next = owners.find((k) => k > at) ?? plan.calls.length;
  // The router may have changed the call's arguments (added a state value): those are what run.
  const sentArgs = isRecord(sent.args) ? sent.args : undefined;
  const slots = plan.slots.slice(at === lead ? 0 : at, next).map((slot): ResultSlot => {
    if (
      slot.call !== plan.calls[at] ||
      slot.answer !== "run" ||
      slot.call.invalid ||
      !sentArgs ||
      safeStringify(sentArgs) === safeStringify(slot.call.args)
    )
      return slot;
    return { call: { ...slot.call, args: sentArgs }, answer: "run" };
  });
  return {
    prefix: at === lead ? plan.prefix : plan.corrected ? [plan.corrected] : [],
    slots,
    aiMessageId: plan.ai.id,
    siblings: siblingsOf(plan, slots),
  };
}

/** Which calls of the turn outside `own` still run - other Sends of the step answer them - before and after it, in call order. */
function siblingsOf(plan: CallPlan | undefined, own: readonly ResultSlot[]): Siblings {
  if (!plan) return ALONE;
  const mine = (slot: ResultSlot) => own.some((o) => o.call.id === slot.call.id);
  const first = plan.slots.findIndex(mine);
  let last = plan.slots.length - 1;
  while (last >= 0 && !mine(plan.slots[last]!)) last--;
  const pending = (slot: ResultSlot) => slot.answer === "run" && !mine(slot);
  if (first < 0) return { before: plan.slots.some(pending), after: false };
  return { before: plan.slots.slice(0, first).some(pending), after: plan.slots.slice(last + 1).some(pending) };
}

/** The running task, when a Send started it: its position among the step's Sends, and whether the step is being resumed. */
export interface SendTask {
  index?: number;
  resuming?: boolean;
}

/** The Send task of a node run's config (LangGraph's `["__pregel_push", index, ...]` task path, and its resuming flag). */
export function sendTaskOf(config: {
  metadata?: Record<string, unknown>;
  configurable?: Record<string, unknown>;
}): SendTask {
  const path = config.metadata?.langgraph_path;
  const index = Array.isArray(path) && path[0] === "__pregel_push" && typeof path[1] === "number" ? path[1] : undefined;
  return { ...(index === undefined ? {} : { index }), resuming: config.configurable?.__pregel_resuming === true };
}

/** What one Send asks the node to answer; `sendIndex` is its position among the step's Sends. */
export function planSend(
  messages: readonly BaseMessage[],
  source: string,
  payload: SendPayload,
  task: SendTask = {},
): Batch {
  const { call, marker } = payload;
  if (!marker) {
    // A router the user wrote: the call as the model made it, planned with the whole turn.
    const plan = planToolCalls(messages, source);
    const at = plan && sentCallAt(messages, plan, call, task.index, task.resuming ?? false);
    if (plan && at !== undefined) return shareOf(plan, at, call);
  }
  const planned = callFromPayload(call, marker);
  const aiMessageId = messages[findAnsweredAI(messages)]?.id;
  // A Send re-delivered after a resume must not run a call twice.
  if (isAnsweredAfterLastAI(messages, planned.id)) return { prefix: [], slots: [], aiMessageId, siblings: ALONE };
  const slots: ResultSlot[] = [{ call: planned, answer: "run" }];
  return { prefix: marker?.prefix ?? [], slots, aiMessageId, siblings: siblingsOf(planToolCalls(messages), slots) };
}
