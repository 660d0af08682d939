/**
 * What the node knows while it sorts the messages a tool's Command carries:
 * which ToolMessage is the call's result, which belong to the history or to
 * an AIMessage the Command carries itself, and which are strays.
 */
import {
  AIMessage,
  coerceMessageLikeToMessage,
  isBaseMessage,
  ToolMessage,
  type BaseMessage,
  type BaseMessageLike,
} from "@langchain/core/messages";
import type { PlannedCall } from "../calls/call.js";
import { isRecord } from "../util/guards.js";

/** What the node knows while it sorts the messages a Command carries. */
export class BatchView {
  private historyIds: Set<string> | undefined;
  private historyObjects: Set<BaseMessage> | undefined;
  readonly batchIds: ReadonlySet<string>;

  constructor(
    readonly calls: readonly PlannedCall[],
    /** The answered AIMessage as the update leaves it: its correction, or the original. */
    readonly ai: AIMessage | undefined,
    private readonly history: readonly BaseMessage[],
  ) {
    // Ids a result of this batch may carry: the final ones, and those the model gave (which an earlier turn may share).
    this.batchIds = new Set(
      calls.flatMap((call) => (call.originalId === undefined ? [call.id] : [call.id, call.originalId])),
    );
  }

  /**
   * True for a message that already stands in the history - the same
   * object, or one with the same message id - as when a Command re-sends
   * `[...state.messages, result]`. A new ToolMessage for an earlier turn's
   * call id is not: it would be an orphan. Built on first use only, so the
   * history is read only when a Command carries foreign messages or a result
   * has a message id of its own.
   */
  inHistory(message: unknown): boolean {
    if (!this.historyIds) {
      this.historyIds = new Set();
      this.historyObjects = new Set(this.history);
      for (const m of this.history) if (m.id !== undefined) this.historyIds.add(m.id);
    }
    if (this.historyObjects!.has(message as BaseMessage)) return true;
    return isBaseMessage(message) && message.id !== undefined && this.historyIds.has(message.id);
  }

  /**
   * True for a copy of the answered AIMessage: its message id, or, for an
   * AIMessage without one, the same call ids in the same order (a compaction
   * that writes the turn back rebuilt, as a dict or a new AIMessage, whose
   * message id the reducer would make up, adding the turn a second time).
   */
  isAnsweredAI(entry: unknown): boolean {
    const ai = this.ai;
    if (ai === undefined) return false;
    if (ai.id !== undefined && isBaseMessage(entry) && entry.id === ai.id) return true;
    if (isBaseMessage(entry) ? entry.id !== undefined || !AIMessage.isInstance(entry) : !isRecord(entry)) return false;
    const message = asMessage(entry);
    if (!AIMessage.isInstance(message) || message.id !== undefined) return false;
    const ids = (message.tool_calls ?? []).map((call) => call.id);
    const same = (calls: readonly { id?: string | undefined }[]) =>
      ids.length > 0 && ids.length === calls.length && calls.every((call, k) => call.id === ids[k]);
    return same(ai.tool_calls ?? []) || same(this.originalCalls());
  }

  /** The calls of the answered AIMessage as the model gave them (before any correction). */
  private originalCalls(): readonly { id?: string | undefined }[] {
    const id = this.ai?.id;
    let original: BaseMessage | undefined;
    for (let i = this.history.length - 1; i >= 0 && id !== undefined && !original; i--)
      if (this.history[i]!.id === id) original = this.history[i];
    return original && AIMessage.isInstance(original) ? (original.tool_calls ?? []) : [];
  }
}

/**
 * A message-like from a Command's update (`{ role: "tool", ... }`, a
 * `[role, content]` pair) as the messages reducer will read it, so that a
 * result written as a plain object is recognised too.
 */
export function asMessage(entry: unknown): unknown {
  if (isBaseMessage(entry) || typeof entry !== "object" || entry === null) return entry;
  try {
    return coerceMessageLikeToMessage(entry as BaseMessageLike);
  } catch {
    return entry; // not a message-like: passed on untouched
  }
}

/**
 * Picks the one result of `call` out of a list of messages a Command
 * carries: the first ToolMessage with the call's id; failing that, the first
 * one with no id, another call's id of this batch, or an id that answers
 * nothing in the history (it gets re-addressed). Other such messages are
 * dropped, so no call gets two results. ToolMessages already in the history
 * (earlier turns, as in `[...state.messages, result]`), and those that
 * answer an AIMessage the list carries itself, are left alone. A
 * stale copy of the answered AIMessage is swapped for its correction, so it
 * cannot undo it.
 */
export function takeResult(messages: readonly unknown[], call: PlannedCall, view: BatchView) {
  let own: { message: ToolMessage; at: number } | undefined;
  let stray: { message: ToolMessage; at: number } | undefined;
  const rest: unknown[] = [];
  // Results of an AIMessage the list carries itself (an agent's turn written into the state) stay with it.
  const carried = new Set<string>();
  for (const entry of messages) {
    const message = asMessage(entry);
    if (AIMessage.isInstance(message) && !view.isAnsweredAI(message))
      for (const c of message.tool_calls ?? []) if (c.id) carried.add(c.id);
  }
  for (const entry of messages) {
    const message = asMessage(entry);
    if (ToolMessage.isInstance(message)) {
      const id = message.tool_call_id;
      if (id === call.id) {
        own ??= { message, at: rest.length };
        continue;
      }
      if (!carried.has(id) && (!id || view.batchIds.has(id) || !(view.inHistory(entry) || view.inHistory(message)))) {
        stray ??= { message, at: rest.length };
        continue;
      }
    }
    rest.push(view.isAnsweredAI(message) ? view.ai : entry);
  }
  return { found: own ?? stray, rest };
}

/** The result for a tool that returned a Command carrying none. */
export function stateUpdateResult(call: PlannedCall): ToolMessage {
  return new ToolMessage({
    content: `Tool "${call.name}" ran and updated the graph state.`,
    tool_call_id: call.id,
    name: call.name,
    status: "success",
  });
}
