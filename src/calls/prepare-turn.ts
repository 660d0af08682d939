/**
 * What the createAgent middleware does to each model response before it is
 * stored: the AIMessage corrected the way the node corrects it, and marks
 * on its calls that tell the middleware's tool wrapper how to answer them.
 */
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { CALL_MARK, markOf, toolCallOf, type PlannedCall } from "./call.js";
import { isRecord } from "../util/guards.js";
import { findAnsweredAI, planCalls } from "./plan-tool-calls.js";
import { CallIdAllocator, EarlierCallIds } from "./tool-call-ids.js";

/** What the middleware writes into the AIMessage itself, under the same key of `additional_kwargs` (never sent). */
export interface TurnMarks {
  /** The tool names the model was given, recorded when it called one that is not among them. */
  tools?: string[];
  /** Set once the turn was prepared, so that afterModel does not prepare it again. */
  prepared?: true;
}

export function turnMarksOf(ai: AIMessage | undefined): TurnMarks {
  // an AIMessage always has its additional_kwargs (the constructor sets {} for none)
  const marks: unknown = ai?.additional_kwargs[CALL_MARK];
  return isRecord(marks) ? (marks as TurnMarks) : {};
}

/** A model response as the middleware stores it, and its calls as planned. */
export interface PreparedTurn {
  /** The AIMessage itself when nothing needed to change. */
  ai: AIMessage;
  calls: PlannedCall[];
}

/**
 * The AIMessage as createAgent should store it: corrected where its calls
 * would not pair up with their results (ids unique across `history`, the
 * turns before it), each call that must not simply run marked (invalid,
 * cut-off and nameless calls), and the tool names recorded when a call
 * names none of them. The message itself when nothing is needed. Done when
 * the model answers (wrapModelCall), so that the other middleware's
 * afterModel hooks - which run before this one's when this one is listed
 * first - already see the final ids.
 */
export function prepareTurn(
  ai: AIMessage,
  history: readonly BaseMessage[],
  toolNames: readonly string[] | undefined,
): PreparedTurn {
  const { calls, corrected } = planCalls(
    ai,
    new CallIdAllocator(ai.id ?? "", new EarlierCallIds(history, history.length)),
  );
  const marked = calls.some((call) => markOf(call));
  const unknown = toolNames !== undefined && calls.some((call) => !toolNames.includes(call.name));
  if (!corrected && !marked && !unknown) return { ai, calls };
  const base = corrected ?? ai;
  const prepared = new AIMessage({
    content: base.content,
    id: base.id,
    name: base.name,
    additional_kwargs: {
      ...base.additional_kwargs,
      [CALL_MARK]: { ...(unknown ? { tools: [...toolNames] } : {}), prepared: true } satisfies TurnMarks,
    },
    response_metadata: base.response_metadata,
    usage_metadata: base.usage_metadata,
    tool_calls: calls.map((call) => {
      const mark = markOf(call);
      // Stryker disable next-line ConditionalExpression: taken as true, an unmarked call gets the mark key set to undefined, which callMarkOf reads as no mark and serialization drops
      return mark ? { ...toolCallOf(call), [CALL_MARK]: mark } : toolCallOf(call);
    }),
    invalid_tool_calls: [],
  });
  return { ai: prepared, calls };
}

/**
 * The answered AIMessage of `messages` as it should be stored (see
 * {@link prepareTurn}), when it needs preparing and has not been prepared
 * yet; undefined otherwise. The copy keeps the message id, so the messages
 * reducer replaces the original in place - which a message without an id
 * cannot be (it would be added a second time), so such a turn is left alone.
 */
export function preparedLastTurn(messages: readonly BaseMessage[]): AIMessage | undefined {
  const index = findAnsweredAI(messages);
  if (index < 0) return undefined;
  const ai = messages[index] as AIMessage;
  if (ai.id === undefined || turnMarksOf(ai).prepared) return undefined;
  const prepared = prepareTurn(ai, messages.slice(0, index), undefined).ai;
  return prepared === ai ? undefined : prepared;
}
