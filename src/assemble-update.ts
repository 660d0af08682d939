import { AIMessage, coerceMessageLikeToMessage, HumanMessage, isBaseMessage, RemoveMessage, ToolMessage, type BaseMessage, type BaseMessageLike } from "@langchain/core/messages";
import { Command, REMOVE_ALL_MESSAGES, Send } from "@langchain/langgraph";
import { copyToolMessage, type PlannedCall } from "./call.js";
import { rewriteAIMessage } from "./repair-ai-message.js";
import { shortHash } from "./tool-call-ids.js";
import type { ResultSlot } from "./plan-tool-calls.js";
import { mediaMessage, placeMedia, type ResultMedia } from "./result-media.js";
import { outputToToolMessage, type SettledCall } from "./to-tool-message.js";
import type { SafeToolNodeOutput } from "./types.js";
import { commandWith, gotoList, isEmptyCommand, readUpdate, writeUpdate, type Destination, type UpdateParts, type UpdateTuple } from "./command-update.js";

/** What the node knows while it sorts the messages a Command carries. */
class BatchView {
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
    this.batchIds = new Set(calls.flatMap((call) => (call.originalId === undefined ? [call.id] : [call.id, call.originalId])));
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

  /** True for a copy of the answered AIMessage (its message id). */
  isAnsweredAI(message: unknown): boolean {
    return this.ai?.id !== undefined && isBaseMessage(message) && message.id === this.ai.id;
  }
}

/**
 * A message-like from a Command's update (`{ role: "tool", ... }`, a
 * `[role, content]` pair) as the messages reducer will read it, so that a
 * result written as a plain object is recognised too.
 */
function asMessage(entry: unknown): unknown {
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
function takeResult(messages: readonly unknown[], call: PlannedCall, view: BatchView) {
  let own: { message: ToolMessage; at: number } | undefined;
  let stray: { message: ToolMessage; at: number } | undefined;
  const rest: unknown[] = [];
  // Results of an AIMessage the list carries itself (an agent's turn written into the state) stay with it.
  const carried = new Set<string>();
  for (const entry of messages) {
    const message = asMessage(entry);
    if (AIMessage.isInstance(message) && !view.isAnsweredAI(message)) for (const c of message.tool_calls ?? []) if (c.id) carried.add(c.id);
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
function stateUpdateResult(call: PlannedCall): ToolMessage {
  return new ToolMessage({
    content: `Tool "${call.name}" ran and updated the graph state.`,
    tool_call_id: call.id,
    name: call.name,
    status: "success",
  });
}

/** A local Command split into the call's one result and the rest of its update. */
function splitLocalCommand(command: Command, call: PlannedCall, view: BatchView): { answer: ToolMessage; parts: UpdateParts } {
  const parts = readUpdate(command.update);
  let answer: ToolMessage | undefined;
  const tuples = parts.tuples.map(([key, value]): UpdateTuple => {
    if (key !== "messages") return [key, value];
    const { found, rest } = takeResult(Array.isArray(value) ? value : [value], call, view);
    if (found && !answer) answer = outputToToolMessage(found.message, call);
    return [key, rest];
  });
  return { answer: answer ?? stateUpdateResult(call), parts: { tuples, shape: parts.shape } };
}

function removesAll(entry: unknown): boolean {
  return RemoveMessage.isInstance(entry) && entry.id === REMOVE_ALL_MESSAGES;
}

/**
 * Takes out of a local Command's update the message lists that rewrite the
 * history (they remove all messages, then write a new history, as a
 * compacting tool does), so that the node writes them ahead of the turn
 * instead of after it, where they would wipe it. In a `partial` share of a
 * turn (one Send among several), other tasks write the turn's other results
 * before or after this one, and a rewrite would wipe those: it is left out,
 * and the call keeps its result.
 */
function takeRewrites(parts: UpdateParts, partial: boolean): ParentList[] {
  const rewrites: ParentList[] = [];
  parts.tuples = parts.tuples.filter(([key, value]) => {
    if (key !== "messages" || !Array.isArray(value) || !value.some(removesAll)) return true;
    if (!partial) rewrites.push({ messages: [...value] });
    return false;
  });
  return rewrites;
}

/** A Send, recognised by shape (also from another copy of `@langchain/langgraph`), whose payload holds a messages list. */
function sendMessages(destination: Destination): unknown[] | undefined {
  const send = destination as { lg_name?: unknown; args?: { messages?: unknown } };
  return send?.lg_name === "Send" && Array.isArray(send.args?.messages) ? send.args!.messages : undefined;
}

/**
 * One message list of a hand-off that goes to the parent graph: a
 * `messages` entry of a `Command.PARENT` update, or the `messages` of a Send
 * payload in its goto (the Send's target writes them to the parent).
 */
interface ParentList {
  messages: unknown[];
  /** Where a batch call's result stood in the list before it was taken out. */
  resultAt?: number;
}

/** A `Command.PARENT` of the batch, its message lists taken apart. */
interface HandOff {
  command: Command;
  parts: UpdateParts;
  /** The lists of its update's `messages` entries, by tuple index. */
  updateLists: Map<number, ParentList>;
  /** The lists of its Sends' payloads, by goto index. */
  sendLists: Map<number, ParentList>;
}

/** Takes the call's result out of every message list a `Command.PARENT` carries. */
function takeHandOff(command: Command, call: PlannedCall, view: BatchView): { handOff: HandOff; answer: ToolMessage } {
  let answer: ToolMessage | undefined;
  const take = (messages: readonly unknown[]): ParentList => {
    const { found, rest } = takeResult(messages, call, view);
    if (!found) return { messages: rest };
    answer ??= outputToToolMessage(found.message, call);
    return { messages: rest, resultAt: found.at };
  };
  const parts = readUpdate(command.update);
  const updateLists = new Map<number, ParentList>();
  parts.tuples.forEach(([key, value], index) => key === "messages" && updateLists.set(index, take(Array.isArray(value) ? value : [value])));
  const sendLists = new Map<number, ParentList>();
  gotoList(command).forEach((destination, index) => {
    const messages = sendMessages(destination);
    if (messages) sendLists.set(index, take(messages));
  });
  return { handOff: { command, parts, updateLists, sendLists }, answer: answer ?? stateUpdateResult(call) };
}

/**
 * The turn as the parent graph must see it in one list: after the answered
 * AIMessage when the list holds it (`[...state.messages, result]`, as
 * LangGraph's multi-agent docs show); nowhere when the list holds messages
 * of the history but not the AIMessage (the tool left this turn out of the
 * parent's history on purpose); else the AIMessage (when it has an id, so
 * the parent's reducer cannot duplicate it) and the results where the
 * result stood.
 */
function placeTurn(list: ParentList, results: readonly BaseMessage[], view: BatchView, ai: AIMessage | undefined = view.ai): void {
  const aiAt = list.messages.findIndex((entry) => view.isAnsweredAI(entry));
  if (aiAt >= 0) {
    list.messages.splice(aiAt, 1, ai, ...results);
    return;
  }
  if (list.messages.some((entry) => view.inHistory(entry))) return;
  const turn = ai?.id !== undefined ? [ai, ...results] : results;
  list.messages.splice(list.resultAt ?? list.messages.length, 0, ...turn);
}

/** True when a list brings the turn to a parent whose history the node cannot see (it holds neither the AIMessage nor any message of the history). */
function holdsNoHistory(list: ParentList, view: BatchView): boolean {
  return !list.messages.some((entry) => view.isAnsweredAI(entry) || view.inHistory(entry));
}

/**
 * The turn with ids no parent history can already hold. Its ids are unique
 * across the history the node read; a parent that gave this graph a fresh
 * history (a sub-agent run on one task) holds turns of its own, which may
 * use the same ids (`call_0`). So a turn carried to such a parent gets ids
 * made from the AIMessage's message id (64 bits of hash: deterministic, and
 * practically unique), under the same message id, its results re-addressed.
 */
function withParentIds(ai: AIMessage, results: readonly BaseMessage[]): { ai: AIMessage; results: BaseMessage[] } {
  const renamed = new Map<string, string>();
  const calls = (ai.tool_calls ?? []).map((call, index): PlannedCall => {
    const seed = `${ai.id}\u0000${index}\u0000${call.id ?? ""}`;
    const id = `call_${shortHash(seed)}${shortHash(`\u0001${seed}`)}_${index}`;
    renamed.set(call.id ?? "", id);
    return { id, name: call.name, args: call.args, originalId: call.id };
  });
  const moved = results.map((message) => {
    const id = ToolMessage.isInstance(message) ? renamed.get(message.tool_call_id) : undefined;
    return id === undefined ? message : copyToolMessage(message as ToolMessage, { tool_call_id: id });
  });
  return { ai: rewriteAIMessage(ai, calls), results: moved };
}

/**
 * In a list that re-sends the history (`[...state.messages, result]`), the
 * ToolMessages that stood after the answered AIMessage are reconciled
 * already: the kept ones are among the batch's results, the strays must not
 * reach the parent.
 */
function dropReconciled(list: ParentList, view: BatchView): void {
  const aiAt = list.messages.findIndex((entry) => view.isAnsweredAI(entry));
  if (aiAt < 0) return;
  const stale = (entry: unknown) => ToolMessage.isInstance(asMessage(entry)) && view.inHistory(entry);
  const kept = list.messages.filter((entry, index) => index <= aiAt || !stale(entry));
  list.messages.splice(0, list.messages.length, ...kept);
}

/** A message with an id, so that copies of it in several lists are one message in the parent. */
function withId(message: BaseMessage, id: string): BaseMessage {
  if (message.id !== undefined) return message;
  if (ToolMessage.isInstance(message)) return copyToolMessage(message, { id });
  return new HumanMessage({ content: message.content, id });
}

/**
 * Puts every result of the batch where the parent graph will see it, since
 * the subgraph's own update is dropped on hand-off, in call order (see
 * {@link placeTurn}): into the first update list that carried a result of
 * the batch, since every update reaches the parent's state, and into each
 * Send payload that carried one, since each reaches its own target (else
 * into the first list a hand-off carries, else a new one in the first
 * hand-off's update). When the turn goes to several places, the results
 * carry message ids, so the parent's reducer keeps one copy of each when
 * the targets write them back.
 */
function placeResults(handOffs: readonly HandOff[], results: readonly BaseMessage[], view: BatchView): void {
  const carried = (list: ParentList) => list.resultAt !== undefined;
  const updateLists = handOffs.flatMap((handOff) => [...handOff.updateLists.values()]);
  const sendLists = handOffs.flatMap((handOff) => [...handOff.sendLists.values()]);
  for (const list of [...updateLists, ...sendLists]) dropReconciled(list, view);
  // Every update reaches the parent's state, so one of them carries the turn; each Send reaches its own target.
  const carriers = [...updateLists.filter(carried).slice(0, 1), ...sendLists.filter(carried)];
  let homes = carriers.length > 0 ? carriers : [...updateLists, ...sendLists].slice(0, 1);
  if (homes.length === 0) {
    const first = handOffs[0]!;
    const created: ParentList = { messages: [] };
    first.updateLists.set(first.parts.tuples.length, created);
    first.parts.tuples.push(["messages", created.messages]);
    homes = [created];
  }
  const turn = view.ai?.id !== undefined && homes.some((home) => holdsNoHistory(home, view)) ? withParentIds(view.ai, results) : { ai: view.ai, results: [...results] };
  const turnId = view.ai?.id ?? "turn";
  const identified =
    homes.length > 1 ? turn.results.map((message) => withId(message, ToolMessage.isInstance(message) ? `result-${message.tool_call_id}` : `${turnId}-media`)) : turn.results;
  for (const home of homes) placeTurn(home, identified, view, turn.ai);
}

/** A hand-off rebuilt from its taken-apart lists. */
function rebuild(handOff: HandOff): { parts: UpdateParts; goto: Destination[] } {
  const tuples = handOff.parts.tuples.map(([key, value], index): UpdateTuple => {
    const list = handOff.updateLists.get(index);
    return list ? [key, list.messages] : [key, value];
  });
  const goto = gotoList(handOff.command).map((destination, index) => {
    const list = handOff.sendLists.get(index);
    if (!list) return destination;
    const send = destination as Send;
    return new Send(send.node, { ...(send.args as object), messages: list.messages });
  });
  return { parts: { tuples, shape: handOff.parts.shape }, goto };
}

/** One `Command.PARENT` for the whole batch: every update kept (as ordered pairs, so the parent's reducers see each write) and every goto. */
function mergeHandOffs(handOffs: readonly HandOff[]): Command {
  const rebuilt = handOffs.map(rebuild);
  if (handOffs.length === 1) return commandWith(handOffs[0]!.command, writeUpdate(rebuilt[0]!.parts), rebuilt[0]!.goto);
  const tuples = rebuilt.flatMap(({ parts }) => parts.tuples);
  return new Command({
    graph: Command.PARENT,
    goto: rebuilt.flatMap(({ goto }) => goto),
    resume: handOffs.find(({ command }) => command.resume !== undefined)?.command.resume,
    ...(tuples.length ? { update: tuples as unknown as Record<string, unknown> } : {}),
  });
}

/**
 * A Command that one call's tool returned, fitted to that call alone (as
 * createAgent's tool node, which runs each call on its own, needs it): its
 * messages hold exactly one result for the call, first. A `Command.PARENT`
 * carries the answered AIMessage and the result to the parent, as in
 * {@link assembleUpdate}.
 */
export function fitCommand(command: Command, call: PlannedCall, ai: AIMessage | undefined, history: readonly BaseMessage[], partial: boolean): Command {
  const view = new BatchView([call], ai, history);
  if (command.graph === Command.PARENT) {
    const { handOff, answer } = takeHandOff(command, call, view);
    placeResults([handOff], [answer], view);
    return mergeHandOffs([handOff]);
  }
  const { answer, parts } = splitLocalCommand(command, call, view);
  const rewrites = takeRewrites(parts, partial);
  if (rewrites.length > 0) {
    for (const rewrite of rewrites) dropReconciled(rewrite, view);
    placeTurn(rewrites.at(-1)!, [answer], view);
    parts.tuples.push(...rewrites.map((rewrite): UpdateTuple => ["messages", rewrite.messages]));
    return commandWith(command, writeUpdate(parts));
  }
  const at = parts.tuples.findIndex(([key]) => key === "messages");
  if (at < 0) parts.tuples.push(["messages", [answer]]);
  else parts.tuples[at] = ["messages", [answer, ...(parts.tuples[at]![1] as unknown[])]];
  return commandWith(command, writeUpdate(parts));
}

export interface AssembleInput {
  /** Messages that open the update: the plan's corrections, or those a fan-out Send carries. */
  prefix: readonly BaseMessage[];
  /** The answered AIMessage as the update leaves it (its correction, or the original). */
  ai: AIMessage | undefined;
  /** The input history, consulted only when a Command carries ToolMessages for unknown ids, or on hand-off. */
  history: readonly BaseMessage[];
  /** The calls this run answers, in the order their results are written. */
  slots: readonly ResultSlot[];
  /** How each call that ran ended, by slot; undefined for results that already existed. */
  settled: readonly (SettledCall | undefined)[];
  resultMedia: ResultMedia;
  /** Other tasks answer the turn's other calls (see `Batch.partial`). */
  partial: boolean;
  listInput: boolean;
}

/**
 * Builds the node's one update: the prefix (corrected AIMessage, removals),
 * then one result per call in call order (and the media moved out of them),
 * then what local Commands carry beyond their result, then one merged
 * `Command.PARENT` that carries every result of the batch to the parent.
 */
export function assembleUpdate(input: AssembleInput): SafeToolNodeOutput {
  const { slots, settled, listInput } = input;
  const view = new BatchView(
    slots.map((slot) => slot.call),
    input.ai,
    input.history,
  );
  const results: ToolMessage[] = [];
  const local: BaseMessage[] = [];
  const localCommands: Command[] = [];
  const handOffs: HandOff[] = [];
  const rewrites: ParentList[] = [];
  const moved: { call: PlannedCall; blocks: Record<string, unknown>[] }[] = [];
  const resultIds = new Set<string>();
  // Two results under one message id would be merged by the messages reducer,
  // and one under the id of a message in the history would replace that message.
  const distinct = (message: ToolMessage) => {
    if (message.id === undefined) return message;
    if (resultIds.has(message.id) || view.inHistory(message)) return copyToolMessage(message, { id: undefined });
    resultIds.add(message.id);
    return message;
  };

  slots.forEach((slot, index) => {
    if (slot.answer !== "run") {
      results.push(slot.existing);
      if (slot.answer === "moved") local.push(slot.existing);
      return;
    }
    const outcome = settled[index];
    if (!outcome || outcome.kind === "control") return;
    let answer: ToolMessage;
    let handedOff = false;
    if (outcome.kind === "message") answer = outcome.message;
    else if (outcome.command.graph === Command.PARENT) {
      const taken = takeHandOff(outcome.command, slot.call, view);
      handOffs.push(taken.handOff);
      answer = taken.answer;
      handedOff = true;
    } else {
      const split = splitLocalCommand(outcome.command, slot.call, view);
      answer = split.answer;
      rewrites.push(...takeRewrites(split.parts, input.partial));
      if (!isEmptyCommand(outcome.command, split.parts)) localCommands.push(commandWith(outcome.command, writeUpdate(split.parts)));
    }
    const placed = placeMedia(distinct(answer), input.resultMedia);
    if (placed.moved.length > 0) moved.push({ call: slot.call, blocks: placed.moved });
    results.push(placed.message);
    if (!handedOff) local.push(placed.message);
  });

  const media = moved.length > 0 ? mediaMessage(moved) : undefined;
  const turn = media ? [...results, media] : results;
  let messages: BaseMessage[];
  if (rewrites.length === 0) messages = [...input.prefix, ...local, ...(media ? [media] : [])];
  else {
    // A tool that rewrote the history (RemoveMessage of all messages, then a
    // new history): the turn goes into the last rewrite, so it is not wiped.
    for (const rewrite of rewrites) dropReconciled(rewrite, view);
    placeTurn(rewrites.at(-1)!, turn, view);
    messages = [...input.prefix, ...(rewrites.flatMap((rewrite) => rewrite.messages) as BaseMessage[])];
  }
  if (handOffs.length > 0) placeResults(handOffs, turn, view);
  const parent = handOffs.length > 0 ? mergeHandOffs(handOffs) : undefined;
  const update = listInput ? messages : { messages };
  if (localCommands.length === 0 && !parent) return update;
  return [...(messages.length > 0 ? [update] : []), ...localCommands, ...(parent ? [parent] : [])];
}
