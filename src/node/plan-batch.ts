import { ALONE, planNeedsWork, planToolCalls, type Batch } from "../calls/plan-tool-calls.js";
import type { NodeInput } from "./read-input.js";
import { planSend, sendTaskOf } from "../routing/send.js";

/**
 * What one node run answers, in one shape for every input: the whole turn
 * of the last AIMessage, or one Send's share of it. Undefined when there is
 * nothing to do (every call answered, the AIMessage consistent).
 */
export function planBatch(
  read: NodeInput,
  config: { metadata?: Record<string, unknown>; configurable?: Record<string, unknown> },
): Batch | undefined {
  if (read.send) return planSend(read.messages, read.source, read.send, sendTaskOf(config));
  const plan = planToolCalls(read.messages, read.source);
  if (!planNeedsWork(plan)) return undefined;
  return { prefix: plan.prefix, slots: plan.slots, aiMessageId: plan.ai.id, siblings: ALONE };
}
