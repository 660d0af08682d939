/**
 * A Command's update, taken apart into `[key, value]` pairs and put back in
 * the shape it came in (an object, a list of pairs, or a bare message list),
 * and the other small reads of a Command the node needs.
 */
import { Command } from "@langchain/langgraph";
import { asMessage } from "./batch-view.js";

export type UpdateTuple = [string, unknown];

/** A Command's update as `[key, value]` pairs, and how to rebuild it. */
export interface UpdateParts {
  tuples: UpdateTuple[];
  shape: "object" | "tuples" | "root";
}

function isTupleList(update: unknown[]): boolean {
  return update.every((t) => Array.isArray(t) && t.length === 2 && typeof t[0] === "string");
}

/** The update as LangGraph reads it: an empty list, like a list of `[key, value]` pairs, writes nothing. */
export function readUpdate(update: unknown): UpdateParts {
  // Stryker disable next-line StringLiteral: writeUpdate writes any shape but "root" and "tuples" as an object
  if (update === undefined || update === null) return { tuples: [], shape: "object" };
  if (Array.isArray(update)) {
    if (isTupleList(update)) return { tuples: update as UpdateTuple[], shape: "tuples" };
    return { tuples: [["messages", update]], shape: "root" };
  }
  if (typeof update === "object") return { tuples: Object.entries(update), shape: "object" };
  // anything else (one message, not in a list): LangGraph writes it to the state's root
  const root: UpdateTuple = ["__root__", update];
  // Stryker disable next-line StringLiteral: as pairs or as an object, LangGraph reads the update as the same one pair
  return { tuples: [root], shape: "tuples" };
}

/**
 * The update in the shape it came in. An empty one is still written (`{}`),
 * since a Command without an update writes `undefined` to a list state's
 * root, which its reducer cannot take.
 */
export function writeUpdate(parts: UpdateParts): unknown {
  if (parts.shape === "root") {
    // flatMap takes a value that is not a list as one message
    const messages = parts.tuples.flatMap(([, value]) => value);
    // left with [role, content] pairs only, LangGraph would read the list as [key, value] pairs
    // Stryker disable next-line ConditionalExpression: taken as true, it makes messages of message-likes, as the messages reducer does
    return isTupleList(messages) ? messages.map(asMessage) : messages;
  }
  if (parts.shape === "tuples") return parts.tuples;
  return Object.fromEntries(parts.tuples);
}

/** A Command like `command`, with another update and destinations. */
export function commandWith(command: Command, update: unknown, goto: Command["goto"] = command.goto): Command {
  return new Command({ graph: command.graph, goto, resume: command.resume, update: update as Record<string, unknown> });
}

/** A Command's destinations as a list (it may hold one, several or none). */
export type Destination = Exclude<NonNullable<Command["goto"]>, readonly unknown[]>;
export function gotoList(command: Command): Destination[] {
  // LangGraph's Command makes its goto a list: [] when it has none, [destination] for one
  return command.goto as Destination[];
}

export function isEmptyCommand(command: Command, parts: UpdateParts): boolean {
  const noUpdate = parts.tuples.every(([, value]) => Array.isArray(value) && value.length === 0);
  return noUpdate && gotoList(command).length === 0 && command.resume === undefined;
}
