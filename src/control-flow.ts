/**
 * Graph control flow (interrupts, parent commands) travels as thrown values.
 * It must reach LangGraph untouched, never become a tool result.
 *
 * Tested by shape, not by `instanceof`, so that errors thrown by a second copy
 * of `@langchain/langgraph` (a nested node_modules, a bundled tool) are still
 * recognised.
 */
const CONTROL_FLOW_NAMES = new Set(["GraphInterrupt", "NodeInterrupt", "ParentCommand", "GraphBubbleUp"]);

export function isGraphControlFlow(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const candidate = error as { is_bubble_up?: unknown; name?: unknown };
  if (candidate.is_bubble_up === true) return true;
  return typeof candidate.name === "string" && CONTROL_FLOW_NAMES.has(candidate.name);
}
