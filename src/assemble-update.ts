import { coerceMessageLikeToMessage, isBaseMessage, ToolMessage, type BaseMessage, type BaseMessageLike } from "@langchain/core/messages";
import { Command } from "@langchain/langgraph";
import type { CallOutcome } from "./execute-tool-call.js";
import type { PlannedCall } from "./plan-tool-calls.js";
import { outputToToolMessage, settleOutcome } from "./to-tool-message.js";
import type { SafeToolNodeOutput, ToolErrorHandler } from "./types.js";

type UpdateTuple = [string, unknown];

/** A Command's update as `[key, value]` pairs, and how to rebuild it. */
interface UpdateParts {
  tuples: UpdateTuple[];
  shape: "object" | "tuples" | "root";
}

function isTupleList(update: unknown[]): boolean {
  return update.every((t) => Array.isArray(t) && t.length === 2 && typeof t[0] === "string");
}

function readUpdate(update: unknown): UpdateParts {
  if (update === undefined || update === null) return { tuples: [], shape: "object" };
  if (Array.isArray(update)) {
    if (update.length > 0 && isTupleList(update)) return { tuples: update as UpdateTuple[], shape: "tuples" };
    return { tuples: [["messages", update]], shape: "root" };
  }
  if (typeof update === "object") return { tuples: Object.entries(update), shape: "object" };
  return { tuples: [["__root__", update]], shape: "tuples" };
}

function writeUpdate(parts: UpdateParts): unknown {
  if (parts.shape === "root") return parts.tuples.flatMap(([, value]) => (Array.isArray(value) ? value : [value]));
  if (parts.shape === "tuples") return parts.tuples;
  return Object.fromEntries(parts.tuples);
}

function commandWith(command: Command, update: unknown): Command {
  return new Command({
    graph: command.graph,
    goto: command.goto,
    resume: command.resume,
    update: update as Record<string, unknown>,
  });
}

/** What the node knows while it sorts one Command's messages. */
class BatchView {
  private historyIds: Set<string> | undefined;
  readonly batchIds: ReadonlySet<string>;

  /** The corrected AIMessage this update writes, if any. */
  readonly corrected: BaseMessage | undefined;

  constructor(
    prefix: readonly BaseMessage[],
    calls: readonly PlannedCall[],
    private readonly history: readonly BaseMessage[],
  ) {
    this.batchIds = new Set(calls.map((call) => call.id));
    this.corrected = prefix.find((m) => m.getType() === "ai" && m.id !== undefined);
  }

  /**
   * True for a ToolMessage that already stands in the history (a Command
   * that re-sends `[...state.messages, result]`). Built on first use only, so
   * the history is never scanned unless a Command carries foreign results.
   */
  isHistorical(message: ToolMessage): boolean {
    if (!this.historyIds) {
      this.historyIds = new Set();
      for (const m of this.history) {
        if (!ToolMessage.isInstance(m)) continue;
        this.historyIds.add(`call:${m.tool_call_id}`);
        if (m.id) this.historyIds.add(`message:${m.id}`);
      }
    }
    return (message.id !== undefined && this.historyIds.has(`message:${message.id}`)) || this.historyIds.has(`call:${message.tool_call_id}`);
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
 * Picks the one result of `call` out of the messages a Command carries:
 * the first ToolMessage with the call's id; failing that, the first one with
 * no id, another call's id of this batch, or an id that answers nothing in
 * the history (it gets re-addressed). Other such messages are dropped, so no
 * call gets two results. ToolMessages already in the history (earlier turns,
 * as in `[...state.messages, result]`) are left alone. A stale copy of the
 * answered AIMessage is swapped for the corrected one, so it cannot undo the
 * correction.
 */
function takeResult(messages: readonly unknown[], call: PlannedCall, view: BatchView) {
  let own: { message: ToolMessage; at: number } | undefined;
  let stray: { message: ToolMessage; at: number } | undefined;
  const rest: unknown[] = [];
  const corrected = view.corrected;
  for (const entry of messages) {
    const message = asMessage(entry);
    if (ToolMessage.isInstance(message)) {
      const id = message.tool_call_id;
      if (id === call.id) {
        own ??= { message, at: rest.length };
        continue;
      }
      if (!id || view.batchIds.has(id) || !view.isHistorical(message)) {
        stray ??= { message, at: rest.length };
        continue;
      }
    }
    rest.push(corrected && isBaseMessage(message) && message.id === corrected.id ? corrected : entry);
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

/**
 * Splits a Command into the call's one result and the rest of its update.
 * With `keepResultInside` (a Command.PARENT, whose update is all the parent
 * sees) the result stays in the Command's messages, where it stood.
 */
function splitCommand(command: Command, call: PlannedCall, view: BatchView, keepResultInside: boolean) {
  const parts = readUpdate(command.update);
  let answer: ToolMessage | undefined;
  const tuples: UpdateTuple[] = [];
  for (const [key, value] of parts.tuples) {
    if (key !== "messages") {
      tuples.push([key, value]);
      continue;
    }
    const { found, rest } = takeResult(Array.isArray(value) ? value : [value], call, view);
    if (found && !answer) {
      answer = outputToToolMessage(found.message, call);
      if (keepResultInside) rest.splice(found.at, 0, answer);
    }
    tuples.push([key, rest]);
  }
  if (!answer) {
    answer = stateUpdateResult(call);
    if (keepResultInside) tuples.push(["messages", [answer]]);
  }
  return { answer, parts: { tuples, shape: parts.shape } satisfies UpdateParts };
}

/** A Command's destinations as a list (it may hold one, several or none). */
type Destination = Exclude<NonNullable<Command["goto"]>, readonly unknown[]>;
function gotoList(command: Command): Destination[] {
  const goto = command.goto;
  if (goto === undefined) return [];
  return Array.isArray(goto) ? (goto as Destination[]) : [goto as Destination];
}

function isEmptyCommand(command: Command, parts: UpdateParts): boolean {
  const noUpdate = parts.tuples.every(([, value]) => Array.isArray(value) && value.length === 0);
  return noUpdate && gotoList(command).length === 0 && command.resume === undefined;
}

function mergeParentCommands(commands: { command: Command; parts: UpdateParts }[]): Command | undefined {
  if (commands.length === 0) return undefined;
  if (commands.length === 1) return commandWith(commands[0]!.command, writeUpdate(commands[0]!.parts));
  // Several hand-offs in one batch: one command, every update kept (as
  // ordered pairs, so the parent's reducers see each write) and every goto.
  return new Command({
    graph: Command.PARENT,
    goto: commands.flatMap(({ command }) => gotoList(command)),
    resume: commands.find(({ command }) => command.resume !== undefined)?.command.resume,
    update: commands.flatMap(({ parts }) => parts.tuples) as unknown as Record<string, unknown>,
  });
}

export interface AssembleInput {
  /** Messages that open the update: the plan's corrections, or those a fan-out Send carries. */
  prefix: readonly BaseMessage[];
  /** The input history, consulted only when a Command carries ToolMessages for unknown ids. */
  history: readonly BaseMessage[];
  calls: readonly PlannedCall[];
  /** The outcome of each call in `calls` that ran; undefined for calls already answered. */
  outcomes: readonly (CallOutcome | undefined)[];
  /** Results that already exist and are re-emitted (moved), by call index. */
  reemitted: readonly (ToolMessage | undefined)[];
  handleToolErrors: true | string | ToolErrorHandler;
  listInput: boolean;
}

/**
 * Builds the node's one update: the prefix (corrected AIMessage, removals),
 * then one result per call in call order, then what Commands carry beyond
 * their result, then one merged `Command.PARENT`.
 */
export function assembleUpdate(input: AssembleInput): SafeToolNodeOutput {
  const { calls, outcomes, reemitted, handleToolErrors, listInput } = input;
  const view = new BatchView(input.prefix, calls, input.history);
  const messages: BaseMessage[] = [...input.prefix];
  const localCommands: Command[] = [];
  const parentCommands: { command: Command; parts: UpdateParts }[] = [];

  calls.forEach((call, index) => {
    const moved = reemitted[index];
    if (moved) {
      messages.push(moved);
      return;
    }
    const outcome = outcomes[index];
    if (!outcome || outcome.kind === "control") return;
    const settled = settleOutcome(outcome, call, handleToolErrors);
    if (ToolMessage.isInstance(settled)) {
      messages.push(settled);
      return;
    }
    const command = settled;
    if (command.graph === Command.PARENT) {
      parentCommands.push({ command, parts: splitCommand(command, call, view, true).parts });
      return;
    }
    const { answer, parts } = splitCommand(command, call, view, false);
    messages.push(answer);
    if (!isEmptyCommand(command, parts)) localCommands.push(commandWith(command, writeUpdate(parts)));
  });

  const parent = mergeParentCommands(parentCommands);
  const update = listInput ? messages : { messages };
  if (localCommands.length === 0 && !parent) return update;
  return [update, ...localCommands, ...(parent ? [parent] : [])];
}
