import { RemoveMessage, type BaseMessage } from "@langchain/core/messages";
import { REMOVE_ALL_MESSAGES, isCommand } from "@langchain/langgraph";
import { repairToolResults } from "./repair-tool-results.js";
import type { MessagesUpdate, SafeToolNodeOutput } from "./types.js";
import { validateToolResults } from "./validate-tool-results.js";

/**
 * `history` with the node's message writes applied as the messages reducer
 * would (replace by id, remove by id, append the rest), without touching
 * the caller's message objects.
 */
function applyWrites(history: readonly BaseMessage[], writes: readonly BaseMessage[]): BaseMessage[] {
  const result = [...history];
  const at = new Map<string, number>();
  result.forEach((m, i) => m.id !== undefined && at.set(m.id, i));
  const removed = new Set<string>();
  for (const write of writes) {
    const index = write.id === undefined ? undefined : at.get(write.id);
    if (RemoveMessage.isInstance(write)) {
      if (write.id !== undefined) removed.add(write.id);
    } else if (index !== undefined) {
      result[index] = write;
      removed.delete(write.id!);
    } else {
      if (write.id !== undefined) at.set(write.id, result.length);
      result.push(write);
    }
  }
  return result.filter((m) => m.id === undefined || !removed.has(m.id));
}

/**
 * The `repairHistory` option: when the history the update leaves behind
 * still breaks a pairing rule somewhere (an earlier turn cut short by a
 * crash, trimmed, summarised), the messages update becomes "remove all, then
 * the repaired history". Otherwise `output` is returned as it is. Reads the
 * whole history: its cost grows with history length.
 */
export function withRepairedHistory(history: readonly BaseMessage[], output: SafeToolNodeOutput, listInput: boolean): SafeToolNodeOutput {
  const items: unknown[] = Array.isArray(output) && output.some(isCommand) ? [...output] : [output];
  // The messages update comes first, when there is one: an output of Commands alone (a hand-off) writes none.
  const at = isCommand(items[0]) ? -1 : 0;
  const first = items[at] as MessagesUpdate | BaseMessage[] | undefined;
  const writes = first === undefined ? [] : Array.isArray(first) ? first : first.messages;
  const after = applyWrites(history, writes);
  if (validateToolResults(after).length === 0) return output;
  const messages = [new RemoveMessage({ id: REMOVE_ALL_MESSAGES }), ...repairToolResults(after)];
  const update = listInput ? messages : { messages };
  if (at < 0) items.unshift(update);
  else items[0] = update;
  return (items.length === 1 ? items[0] : items) as SafeToolNodeOutput;
}
