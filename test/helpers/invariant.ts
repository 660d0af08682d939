import { AIMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { isCommand, messagesStateReducer, type Command } from "@langchain/langgraph";
import { expect } from "vitest";
import { sendThroughProviders, type Provider } from "./wire.js";

type Output = unknown;

/** The message writes of a node output, in the order LangGraph applies them (Command.PARENT excluded). */
export function messageWrites(output: Output): BaseMessage[] {
  if (
    Array.isArray(output) &&
    output.every(
      (item) =>
        !isCommand(item) && !Array.isArray(item) && typeof item === "object" && item !== null && "lc_namespace" in item,
    )
  ) {
    return output as BaseMessage[];
  }
  const items = Array.isArray(output) ? output : [output];
  const writes: BaseMessage[] = [];
  for (const item of items) {
    if (isCommand(item)) {
      const command = item as Command;
      if (command.graph === "__parent__") continue;
      for (const [key, value] of command._updateAsTuples()) {
        if (key === "messages" || key === "__root__")
          writes.push(...((Array.isArray(value) ? value : [value]) as BaseMessage[]));
      }
    } else if (Array.isArray(item)) {
      writes.push(...(item as BaseMessage[]));
    } else if (item && typeof item === "object" && "messages" in item) {
      const value = (item as { messages: unknown }).messages;
      writes.push(...((Array.isArray(value) ? value : [value]) as BaseMessage[]));
    }
  }
  return writes;
}

/** The history after the node's output is applied through LangGraph's own messages reducer. */
export function applyOutput(history: readonly BaseMessage[], output: Output): BaseMessage[] {
  return messagesStateReducer([...history], messageWrites(output)) as BaseMessage[];
}

function contentIsUsable(content: unknown): boolean {
  if (typeof content === "string") return content.length > 0;
  return (
    Array.isArray(content) &&
    content.length > 0 &&
    content.every((b) => typeof b === "object" && b !== null && typeof (b as { type?: unknown }).type === "string")
  );
}

/**
 * The one-result-per-call invariant on a whole history, checked on the
 * LangChain messages and on the requests the real provider clients build:
 * every call of every AIMessage has exactly one ToolMessage with its id,
 * directly after it, in call order; ids match `^[a-zA-Z0-9_-]{1,40}$` and
 * are unique across the history; calls are named; no other ToolMessage exists; every
 * result has a name, a valid status (or none) and non-empty content.
 */
export function invariantProblems(history: readonly BaseMessage[]): string[] {
  const problems: string[] = [];
  const earlierIds = new Set<string>();
  for (let i = 0; i < history.length; i++) {
    const message = history[i]!;
    if (ToolMessage.isInstance(message)) {
      problems.push(`message ${i}: ToolMessage ${message.tool_call_id} answers no call directly before it`);
      continue;
    }
    if (!AIMessage.isInstance(message)) continue;
    const ids = (message.tool_calls ?? []).map((call) => call.id);
    if ((message.invalid_tool_calls ?? []).length > 0)
      problems.push(`message ${i}: AIMessage still has invalid_tool_calls`);
    if (Array.isArray(message.content)) {
      const blockIds = (message.content as { type?: string; id?: string }[])
        .filter((b) => b?.type === "tool_use" || b?.type === "tool_call")
        .map((b) => b.id);
      for (const id of blockIds)
        if (!ids.includes(id)) problems.push(`message ${i}: content block ${id} is not a tool call`);
    }
    for (const id of ids) {
      if (!id || !/^[a-zA-Z0-9_-]{1,40}$/.test(id))
        problems.push(`message ${i}: call id ${String(id)} is missing, malformed or longer than 40`);
      else if (earlierIds.has(id)) problems.push(`message ${i}: call id ${id} is used by an earlier AIMessage`);
    }
    for (const id of ids) if (id) earlierIds.add(id);
    for (const call of message.tool_calls ?? [])
      if (!call.name) problems.push(`message ${i}: call ${String(call.id)} has no name`);
    if (new Set(ids).size !== ids.length) problems.push(`message ${i}: duplicate call ids ${ids.join(",")}`);
    for (let k = 0; k < ids.length; k++) {
      const result = history[i + 1 + k];
      if (!result || !ToolMessage.isInstance(result) || result.tool_call_id !== ids[k]) {
        problems.push(`message ${i}: call ${k} (${ids[k]}) is not answered at position ${i + 1 + k}`);
        continue;
      }
      if (!result.name) problems.push(`result for ${ids[k]} has no name`);
      // A tool's own ToolMessage is passed on as ToolNode passes it, status unset included.
      if (result.status !== undefined && result.status !== "success" && result.status !== "error")
        problems.push(`result for ${ids[k]} has status ${String(result.status)}`);
      if (!contentIsUsable(result.content))
        problems.push(`result for ${ids[k]} has unusable content ${JSON.stringify(result.content)}`);
    }
    i += ids.filter((_, k) => ToolMessage.isInstance(history[i + 1 + k])).length;
  }
  return problems;
}

/**
 * Asserts the invariant on `history`, then that the real clients' requests
 * are accepted by the local provider server (all four APIs unless `providers`
 * narrows them).
 */
export async function expectValidHistory(
  history: readonly BaseMessage[],
  providers?: readonly Provider[],
): Promise<void> {
  expect(invariantProblems(history)).toEqual([]);
  const wire = await sendThroughProviders(history, providers);
  expect(wire.filter((r) => r.error)).toEqual([]);
}

/** Applies the output, asserts the invariant on the result, and returns it. */
export async function expectValidAfter(history: readonly BaseMessage[], output: Output): Promise<BaseMessage[]> {
  const after = applyOutput(history, output);
  await expectValidHistory(after);
  return after;
}

/** The ToolMessages that the output adds, by call id. */
export function resultsById(history: readonly BaseMessage[]): Map<string, ToolMessage> {
  const map = new Map<string, ToolMessage>();
  for (const message of history) if (ToolMessage.isInstance(message)) map.set(message.tool_call_id, message);
  return map;
}
