/**
 * Hand-offs: the `Command.PARENT` results of a batch, taken apart so that
 * every result of the turn reaches the parent graph, and merged into one.
 */
import { ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { Command, Send } from "@langchain/langgraph";
import { stateUpdateResult, takeResult, type BatchView } from "./batch-view.js";
import type { PlannedCall } from "../calls/call.js";
import {
  commandWith,
  gotoList,
  readUpdate,
  writeUpdate,
  type Destination,
  type UpdateParts,
  type UpdateTuple,
} from "./command-update.js";
import { dropReconciled, holdsNoHistory, placeTurn, withId, withParentIds, type ParentList } from "./place-turn.js";
import { outputToToolMessage } from "./to-tool-message.js";

/** The messages of a Send's payload as a list, recognised by shape (also from another copy of `@langchain/langgraph`). */
export function sendMessages(destination: Destination): unknown[] | undefined {
  // A node name has no payload; LangGraph runs any goto entry with a node and a payload as a Send.
  // Stryker disable next-line OptionalChaining: a goto entry is a node name or a Send: LangGraph refuses any other, null included
  const messages = (destination as { args?: { messages?: unknown } } | null)?.args?.messages;
  if (messages === undefined) return undefined;
  // a message not in a list, as the messages reducer takes it
  return Array.isArray(messages) ? messages : [messages];
}

/** A `Command.PARENT` of the batch, its message lists taken apart. */
export interface HandOff {
  command: Command;
  parts: UpdateParts;
  /** The lists of its update's `messages` entries, by tuple index. */
  updateLists: Map<number, ParentList>;
  /** The lists of its Sends' payloads, by goto index. */
  sendLists: Map<number, ParentList>;
}

/** Takes the call's result out of every message list a `Command.PARENT` carries. */
export function takeHandOff(
  command: Command,
  call: PlannedCall,
  view: BatchView,
): { handOff: HandOff; answer: ToolMessage } {
  let answer: ToolMessage | undefined;
  const take = (messages: readonly unknown[]): ParentList => {
    const { found, rest } = takeResult(messages, call, view);
    if (!found) return { messages: rest };
    answer ??= outputToToolMessage(found.message, call);
    return { messages: rest, resultAt: found.at };
  };
  const parts = readUpdate(command.update);
  const updateLists = new Map<number, ParentList>();
  parts.tuples.forEach(
    ([key, value], index) => key === "messages" && updateLists.set(index, take(Array.isArray(value) ? value : [value])),
  );
  const sendLists = new Map<number, ParentList>();
  gotoList(command).forEach((destination, index) => {
    const messages = sendMessages(destination);
    if (messages) sendLists.set(index, take(messages));
  });
  return { handOff: { command, parts, updateLists, sendLists }, answer: answer ?? stateUpdateResult(call) };
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
export function placeResults(handOffs: readonly HandOff[], results: readonly BaseMessage[], view: BatchView): void {
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
  const turn =
    view.ai?.id !== undefined && homes.some((home) => holdsNoHistory(home, view))
      ? withParentIds(view.ai, results)
      : { ai: view.ai, results: [...results] };
  // Stryker disable next-line StringLiteral: with no AIMessage, any fixed text names the media alike
  const turnId = view.ai?.id ?? "turn";
  const identified =
    homes.length > 1
      ? turn.results.map((message) =>
          withId(message, ToolMessage.isInstance(message) ? `result-${message.tool_call_id}` : `${turnId}-media`),
        )
      : turn.results;
  for (const home of homes) placeTurn(home, identified, view, { ai: turn.ai });
  // Every list that re-sends the AIMessage must re-send the same version, or it would undo the ids.
  for (const list of [...updateLists, ...sendLists])
    list.messages.splice(
      0,
      list.messages.length,
      ...list.messages.map((entry) => (view.isAnsweredAI(entry) ? turn.ai : entry)),
    );
}

/** A hand-off rebuilt from its taken-apart lists. */
export function rebuild(handOff: HandOff): { parts: UpdateParts; goto: Destination[] } {
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
export function mergeHandOffs(handOffs: readonly HandOff[]): Command {
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
