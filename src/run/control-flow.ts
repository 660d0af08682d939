import { GraphInterrupt } from "@langchain/langgraph";

/**
 * Graph control flow (interrupts, parent commands) travels as thrown values.
 * It must reach LangGraph untouched, never become a tool result.
 *
 * Tested by shape, not by `instanceof`, so that errors thrown by a second copy
 * of `@langchain/langgraph` (a nested node_modules, a bundled tool) are still
 * recognised. A value whose properties cannot be read is no control flow.
 */
const CONTROL_FLOW_NAMES = new Set(["GraphInterrupt", "NodeInterrupt", "ParentCommand", "GraphBubbleUp"]);

export function isGraphControlFlow(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  try {
    const candidate = error as { is_bubble_up?: unknown; name?: unknown };
    if (candidate.is_bubble_up === true) return true;
    return typeof candidate.name === "string" && CONTROL_FLOW_NAMES.has(candidate.name);
  } catch {
    return false;
  }
}

const INTERRUPT_NAMES = new Set(["GraphInterrupt", "NodeInterrupt"]);

/**
 * What to throw when calls of one batch raised graph control flow: all their
 * interrupts together in one GraphInterrupt, so the caller sees every
 * question at once (LangGraph would otherwise surface only the first); any
 * other control flow (a ParentCommand) as it was, the first in call order.
 */
export function combineControlFlow(thrown: readonly unknown[]): unknown {
  const other = thrown.find((t) => !INTERRUPT_NAMES.has((t as { name?: unknown })?.name as string));
  if (other !== undefined || thrown.length === 1) return other ?? thrown[0];
  const interrupts = thrown.flatMap((t) => ((t as { interrupts?: unknown[] }).interrupts ?? []) as never[]);
  return new GraphInterrupt(interrupts);
}

/** The id of the first interrupt a thrown GraphInterrupt holds, or "" (read safely). */
export function interruptIdOf(thrown: unknown): string {
  try {
    const id = (thrown as { interrupts?: { id?: unknown }[] } | null)?.interrupts?.[0]?.id;
    return typeof id === "string" ? id : "";
  } catch {
    return "";
  }
}

/** What {@link singleInterruptValue} returns for any other control flow. */
export const NOT_AN_INTERRUPT: unique symbol = Symbol("not an interrupt");

/**
 * The value of the one `interrupt()` a call raised (a GraphInterrupt holding
 * a single interrupt); NOT_AN_INTERRUPT for several at once, a ParentCommand,
 * or a value whose properties cannot be read.
 */
export function singleInterruptValue(thrown: unknown): unknown {
  try {
    const interrupts = (thrown as { interrupts?: unknown } | null)?.interrupts;
    if (!Array.isArray(interrupts) || interrupts.length !== 1) return NOT_AN_INTERRUPT;
    const only: unknown = interrupts[0];
    return typeof only === "object" && only !== null && "value" in only
      ? (only as { value: unknown }).value
      : NOT_AN_INTERRUPT;
  } catch {
    return NOT_AN_INTERRUPT;
  }
}
