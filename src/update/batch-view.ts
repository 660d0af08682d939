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
    // The final ids only: an id the model gave and the node replaced may be an earlier turn's, whose results stay.
    this.batchIds = new Set(calls.map((call) => call.id));
  }

  /**
   * True for a message that already stands in the history - the same
   * object, or one with the same message id (also written as a message
   * dict) - as when a Command re-sends `[...state.messages, result]`. A new
   * ToolMessage for an earlier turn's call id is not: it would be an orphan.
   * Built on first use only, so the history is read only when a Command
   * carries foreign messages or a result has a message id of its own.
   */
  inHistory(entry: unknown): boolean {
    // Stryker disable next-line ConditionalExpression: taken as true, the sets are only built again from the same history
    if (!this.historyIds) {
      this.historyIds = new Set();
      this.historyObjects = new Set(this.history);
      for (const m of this.history) if (m.id !== undefined) this.historyIds.add(m.id);
    }
    if (this.historyObjects!.has(entry as BaseMessage)) return true;
    const message = asMessage(entry);
    return (
      // Stryker disable next-line ConditionalExpression: what asMessage leaves as no message is a value the reducer cannot read, with no id that historyIds (never undefined) holds
      isBaseMessage(message) && this.historyIds.has(message.id!)
    );
  }

  /**
   * True for a copy of the answered AIMessage: its message id, or the same
   * call ids in the same order (a compaction that writes the turn back
   * rebuilt, as a dict or a new AIMessage, without a message id or under a
   * new one: the reducer would add the turn a second time), unless it is
   * another message of the history.
   */
  isAnsweredAI(entry: unknown): boolean {
    const ai = this.ai;
    if (ai === undefined) return false;
    if (
      ai.id !== undefined &&
      // Stryker disable next-line ConditionalExpression: a dict under the AIMessage's id is recognised below, as the message it coerces to; takeResult swaps such entries before any other caller reads them
      isBaseMessage(entry) &&
      entry.id === ai.id
    )
      return true;
    const message = asMessage(entry);
    // Stryker disable next-line ConditionalExpression: taken as false, any other message has no tool_calls, so its ids are empty and it matches no turn (taken as true, every test of a rebuilt turn fails)
    if (!AIMessage.isInstance(message)) return false;
    // an earlier turn the history holds is itself, though it may hold the ids the model gave this turn
    if (message.id !== undefined && this.inHistory(message)) return false;
    // Stryker disable next-line ArrayDeclaration: an AIMessage always has a tool_calls list
    const ids = (message.tool_calls ?? []).map((call) => call.id);
    const same = (calls: readonly { id?: string | undefined }[]) =>
      ids.length > 0 && ids.length === calls.length && calls.every((call, k) => call.id === ids[k]);
    // Stryker disable next-line ArrayDeclaration: an AIMessage always has a tool_calls list
    return same(ai.tool_calls ?? []) || same(this.originalCalls(ai));
  }

  /** The calls of the answered AIMessage as the model gave them (before any correction). */
  private originalCalls(ai: AIMessage): readonly { id?: string | undefined }[] {
    const id = ai.id;
    let original: BaseMessage | undefined;
    for (let i = this.history.length - 1; i >= 0 && id !== undefined && !original; i--)
      if (this.history[i]!.id === id) original = this.history[i];
    if (!AIMessage.isInstance(original)) return [];
    // Stryker disable next-line ArrayDeclaration: an AIMessage always has a tool_calls list
    return original.tool_calls ?? [];
  }
}

/**
 * A message-like from a Command's update (`{ role: "tool", ... }`, a
 * `[role, content]` pair) as the messages reducer will read it, so that a
 * result written as a plain object is recognised too.
 */
export function asMessage(entry: unknown): unknown {
  // Stryker disable next-line ConditionalExpression,LogicalOperator: a fast path: coerceMessageLikeToMessage returns a message as it is, a string becomes a HumanMessage (no caller reads it as another kind), and null throws, which the catch answers with the entry
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
 * new one (not in the history) with no id, another id of this batch, or an
 * id no AIMessage the list carries itself holds (it gets re-addressed).
 * Other such messages are dropped, so no call gets two results. Results that
 * stand in the history are the history's: left alone (earlier turns, as in
 * `[...state.messages, result]`), or, for those of this turn (after the
 * answered AIMessage, or under an id of this batch), dropped, since the node
 * has kept, moved or removed them already. Results of an AIMessage the list
 * carries itself are left alone too. A stale copy of the answered AIMessage
 * is swapped for its correction, so it cannot undo it.
 */
export function takeResult(messages: readonly unknown[], call: PlannedCall, view: BatchView) {
  let own: { message: ToolMessage; at: number } | undefined;
  let stray: { message: ToolMessage; at: number } | undefined;
  const rest: unknown[] = [];
  // Results of an AIMessage the list carries itself (an agent's turn written into the state) stay with it.
  // An AIMessage of the history the list re-sends is not one: a new result for its calls would be an orphan.
  const carried = new Set<string>();
  for (const entry of messages) {
    const message = asMessage(entry);
    if (AIMessage.isInstance(message) && !view.isAnsweredAI(message) && !view.inHistory(entry))
      // Stryker disable next-line ArrayDeclaration: an AIMessage always has a tool_calls list
      for (const c of message.tool_calls ?? []) if (c.id) carried.add(c.id);
  }
  // After the answered AIMessage, a re-sent history holds results the node has reconciled already (kept, moved or removed).
  let afterTurn = false;
  for (const entry of messages) {
    const message = asMessage(entry);
    const answered = view.isAnsweredAI(message);
    afterTurn ||= answered;
    if (ToolMessage.isInstance(message)) {
      const id = message.tool_call_id;
      if (id === call.id) {
        own ??= { message, at: rest.length };
        continue;
      }
      if (view.inHistory(entry)) {
        if (afterTurn || view.batchIds.has(id)) continue;
      } else if (!carried.has(id)) {
        stray ??= { message, at: rest.length };
        continue;
      }
    }
    rest.push(answered ? view.ai : entry);
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
