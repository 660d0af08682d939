import {
  RemoveMessage,
  coerceMessageLikeToMessage,
  type BaseMessage,
  type BaseMessageLike,
} from "@langchain/core/messages";
import { Command, REMOVE_ALL_MESSAGES, isCommand } from "@langchain/langgraph";
import { commandWith, isEmptyCommand, readUpdate, writeUpdate } from "../update/command-update.js";
import { repairToolResults } from "./repair-tool-results.js";
import type { MessagesUpdate, SafeToolNodeOutput } from "../types.js";
import { validateToolResults } from "./validate-tool-results.js";

/**
 * `history` with message writes applied as the messages reducer would
 * (replace by id, remove by id, remove all, append the rest), without
 * touching the caller's message objects.
 */
function applyWrites(history: readonly BaseMessage[], writes: readonly BaseMessage[]): BaseMessage[] {
  let result = [...history];
  let at = new Map<string, number>();
  result.forEach((m, i) => m.id !== undefined && at.set(m.id, i));
  let removed = new Set<string>();
  for (const write of writes) {
    // Stryker disable next-line ConditionalExpression: only a RemoveMessage carries the reserved REMOVE_ALL_MESSAGES id
    if (RemoveMessage.isInstance(write) && write.id === REMOVE_ALL_MESSAGES) {
      result = [];
      at = new Map();
      removed = new Set();
      continue;
    }
    // `at` holds no entry for a message without an id: a write without one replaces nothing.
    const index = at.get(write.id!);
    if (RemoveMessage.isInstance(write)) {
      // Stryker disable next-line ConditionalExpression: a RemoveMessage has an id, and the filter below keeps id-less messages anyway
      if (write.id !== undefined) removed.add(write.id);
    } else if (index !== undefined) {
      result[index] = write;
      removed.delete(write.id!);
    } else {
      if (write.id !== undefined) at.set(write.id, result.length);
      result.push(write);
    }
  }
  // Stryker disable next-line ConditionalExpression: `removed` holds ids only, so has(undefined) is false too
  return result.filter((m) => m.id === undefined || !removed.has(m.id));
}

function asMessages(value: unknown): BaseMessage[] {
  return (Array.isArray(value) ? value : [value]).flatMap((entry) => {
    try {
      return [coerceMessageLikeToMessage(entry as BaseMessageLike)];
    } catch {
      return [];
    }
  });
}

/** The message writes of one output item that land in this graph (a `Command.PARENT`'s go to the parent). */
function messageWrites(item: unknown): BaseMessage[] {
  if (isCommand(item)) {
    const command = item as Command;
    if (command.graph === Command.PARENT) return [];
    return readUpdate(command.update).tuples.flatMap(([key, value]) => (key === "messages" ? asMessages(value) : []));
  }
  // A tool's Command may have written message dicts, which the node passes on as they came.
  return asMessages(Array.isArray(item) ? item : (item as MessagesUpdate).messages);
}

/** A local Command without its messages (the repaired history holds them), or undefined when nothing is left. */
function withoutMessages(command: Command): Command | undefined {
  if (command.graph === Command.PARENT) return command;
  const parts = readUpdate(command.update);
  // A bare message list (root shape) leaves no pairs, and so no update.
  const rest = { ...parts, tuples: parts.tuples.filter(([key]) => key !== "messages") };
  return isEmptyCommand(command, rest) ? undefined : commandWith(command, writeUpdate(rest));
}

/**
 * The `repairHistory` option: when the history that every message write of
 * the output leaves behind - the messages update, and what local Commands
 * write (a compaction that removes all messages, a tool that removes some) -
 * still breaks a pairing rule somewhere (an earlier turn cut short by a
 * crash, trimmed, summarised), the output becomes "remove all, then the
 * repaired history", followed by the Commands without their messages.
 * Otherwise `output` is returned as it is. Reads the whole history: its
 * cost grows with history length.
 */
export function withRepairedHistory(
  history: readonly BaseMessage[],
  output: SafeToolNodeOutput,
  listInput: boolean,
): SafeToolNodeOutput {
  const items: unknown[] = Array.isArray(output) && output.some(isCommand) ? [...output] : [output];
  const after = applyWrites(history, items.flatMap(messageWrites));
  if (validateToolResults(after).length === 0) return output;
  const messages = [new RemoveMessage({ id: REMOVE_ALL_MESSAGES }), ...repairToolResults(after)];
  const commands = items.flatMap((item) => {
    // Stryker disable next-line ConditionalExpression: withoutMessages finds nothing left of the plain messages update: undefined too
    const kept = isCommand(item) ? withoutMessages(item as Command) : undefined;
    return kept ? [kept] : [];
  });
  const update = listInput ? messages : { messages };
  return (commands.length === 0 ? update : [update, ...commands]) as SafeToolNodeOutput;
}
