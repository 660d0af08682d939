/**
 * A Command's update, taken apart into `[key, value]` pairs and put back in
 * the shape it came in (an object, a list of pairs, or a bare message list),
 * and the other small reads of a Command the node needs.
 */
import { Command } from "@langchain/langgraph";

export type UpdateTuple = [string, unknown];

/** A Command's update as `[key, value]` pairs, and how to rebuild it. */
export interface UpdateParts {
  tuples: UpdateTuple[];
  shape: "object" | "tuples" | "root";
}

function isTupleList(update: unknown[]): boolean {
  return update.every((t) => Array.isArray(t) && t.length === 2 && typeof t[0] === "string");
}

export function readUpdate(update: unknown): UpdateParts {
  if (update === undefined || update === null) return { tuples: [], shape: "object" };
  if (Array.isArray(update)) {
    if (update.length > 0 && isTupleList(update)) return { tuples: update as UpdateTuple[], shape: "tuples" };
    return { tuples: [["messages", update]], shape: "root" };
  }
  if (typeof update === "object") return { tuples: Object.entries(update), shape: "object" };
  return { tuples: [["__root__", update]], shape: "tuples" };
}

export function writeUpdate(parts: UpdateParts): unknown {
  if (parts.tuples.length === 0) return undefined;
  // flatMap takes a value that is not a list as one message
  if (parts.shape === "root") return parts.tuples.flatMap(([, value]) => value);
  if (parts.shape === "tuples") return parts.tuples;
  return Object.fromEntries(parts.tuples);
}

/** A Command like `command`, with another update and destinations. */
export function commandWith(command: Command, update: unknown, goto: Command["goto"] = command.goto): Command {
  return new Command({
    graph: command.graph,
    goto,
    resume: command.resume,
    ...(update === undefined ? {} : { update: update as Record<string, unknown> }),
  });
}

/** A Command's destinations as a list (it may hold one, several or none). */
export type Destination = Exclude<NonNullable<Command["goto"]>, readonly unknown[]>;
export function gotoList(command: Command): Destination[] {
  const goto = command.goto;
  if (goto === undefined) return [];
  return Array.isArray(goto) ? (goto as Destination[]) : [goto as Destination];
}

export function isEmptyCommand(command: Command, parts: UpdateParts): boolean {
  const noUpdate = parts.tuples.every(([, value]) => Array.isArray(value) && value.length === 0);
  return noUpdate && gotoList(command).length === 0 && command.resume === undefined;
}
