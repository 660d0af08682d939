import { RemoveMessage, ToolMessage, type AIMessage, type BaseMessage } from "@langchain/core/messages";
import { Command, REMOVE_ALL_MESSAGES } from "@langchain/langgraph";
import { BatchView, stateUpdateResult, takeResult } from "./batch-view.js";
import { copyToolMessage, type PlannedCall } from "../calls/call.js";
import {
  commandWith,
  isEmptyCommand,
  readUpdate,
  writeUpdate,
  type UpdateParts,
  type UpdateTuple,
} from "./command-update.js";
import { mergeHandOffs, placeResults, takeHandOff, type HandOff } from "./hand-off.js";
import { dropReconciled, placeTurn, type ParentList } from "./place-turn.js";
import type { ResultSlot, Siblings } from "../calls/plan-tool-calls.js";
import { mediaMessage, placeMedia, type ResultMedia } from "./result-media.js";
import { outputToToolMessage, type SettledCall } from "./to-tool-message.js";
import type { SafeToolNodeOutput } from "../types.js";

/** A local Command split into the call's one result and the rest of its update. */
function splitLocalCommand(
  command: Command,
  call: PlannedCall,
  view: BatchView,
): { answer: ToolMessage; parts: UpdateParts } {
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
 * instead of after it, where they would wipe it. When other tasks wrote
 * results of the turn before this share (Sends), a rewrite would wipe
 * those: it is left out, and the call keeps its result.
 */
function takeRewrites(parts: UpdateParts, siblings: Siblings): ParentList[] {
  const rewrites: ParentList[] = [];
  parts.tuples = parts.tuples.filter(([key, value]) => {
    if (key !== "messages" || !Array.isArray(value) || !value.some(removesAll)) return true;
    if (!siblings.before) rewrites.push({ messages: [...value] });
    return false;
  });
  return rewrites;
}

/** The turn goes into the last rewrite of the history, so that it is not wiped. */
function placeInRewrites(
  rewrites: ParentList[],
  turn: readonly BaseMessage[],
  view: BatchView,
  siblings: Siblings,
): void {
  for (const rewrite of rewrites) dropReconciled(rewrite, view);
  // Stryker disable next-line StringLiteral: placeTurn appends only on "append"; any other value drops, as "drop" does
  placeTurn(rewrites.at(-1)!, turn, view, { leftOut: siblings.after ? "append" : "drop" });
}

/**
 * When other tasks write results of the turn after this share (Sends), a
 * new message a Command writes would land between the turn's results: such
 * messages are left out. Removals, and messages that replace one of the
 * history in place, stay.
 */
function keepInPlaceWrites(parts: UpdateParts, view: BatchView): void {
  parts.tuples = parts.tuples.map(([key, value]): UpdateTuple => {
    if (key !== "messages" || !Array.isArray(value)) return [key, value];
    return [
      key,
      value.filter((entry) => RemoveMessage.isInstance(entry) || view.inHistory(entry) || view.isAnsweredAI(entry)),
    ];
  });
}

/**
 * A Command that one call's tool returned, fitted to that call alone (as
 * createAgent's tool node, which runs each call on its own, needs it): its
 * messages hold exactly one result for the call, first. A `Command.PARENT`
 * carries the answered AIMessage and the result to the parent, as in
 * {@link assembleUpdate}.
 */
export function fitCommand(
  command: Command,
  call: PlannedCall,
  ai: AIMessage | undefined,
  history: readonly BaseMessage[],
  siblings: Siblings,
): Command {
  // Stryker disable next-line ArrayDeclaration: the call's ids are its own id twice (createAgent's call is not renamed), which takeResult matches as the call's result before it reads the view's batch ids
  const view = new BatchView([call], ai, history);
  if (command.graph === Command.PARENT) {
    const { handOff, answer } = takeHandOff(command, call, view);
    placeResults([handOff], [answer], view);
    return mergeHandOffs([handOff]);
  }
  const split = splitLocalCommand(command, call, view);
  const { parts } = split;
  // sibling tasks' results cannot be seen: a message id of the tool's own could merge with one of them
  // Stryker disable next-line ConditionalExpression: taken as true, it only copies a result that has no message id, into an equal message
  const ownId = split.answer.id !== undefined;
  // under the id of a message of the history (a cached result), the reducer would replace that message
  const answer =
    ownId && (siblings.before || siblings.after || view.inHistory(split.answer))
      ? copyToolMessage(split.answer, { id: undefined })
      : split.answer;
  const rewrites = takeRewrites(parts, siblings);
  if (siblings.after) keepInPlaceWrites(parts, view);
  if (rewrites.length > 0) {
    placeInRewrites(rewrites, [answer], view, siblings);
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
  /** Other tasks answer the turn's other calls (see `Batch.siblings`). */
  siblings: Siblings;
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
  const shared = input.siblings.before || input.siblings.after;
  // Two results under one message id would be merged by the messages reducer,
  // and one under the id of a message in the history would replace that
  // message; the results other tasks write (Sends) cannot be seen from here.
  const distinct = (message: ToolMessage) => {
    if (message.id === undefined) return message;
    if (shared || resultIds.has(message.id) || view.inHistory(message))
      return copyToolMessage(message, { id: undefined });
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
    // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: every call that ran has its outcome here, and the node throws before it assembles when one paused (control flow); this only narrows the type
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
      rewrites.push(...takeRewrites(split.parts, input.siblings));
      if (input.siblings.after) keepInPlaceWrites(split.parts, view);
      if (!isEmptyCommand(outcome.command, split.parts))
        localCommands.push(commandWith(outcome.command, writeUpdate(split.parts)));
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
    placeInRewrites(rewrites, turn, view, input.siblings);
    messages = [...input.prefix, ...(rewrites.flatMap((rewrite) => rewrite.messages) as BaseMessage[])];
  }
  if (handOffs.length > 0) placeResults(handOffs, turn, view);
  const parent = handOffs.length > 0 ? mergeHandOffs(handOffs) : undefined;
  const update = listInput ? messages : { messages };
  if (localCommands.length === 0 && !parent) return update;
  return [...(messages.length > 0 ? [update] : []), ...localCommands, ...(parent ? [parent] : [])];
}
