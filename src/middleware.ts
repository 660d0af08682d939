/**
 * `safe-tool-node/middleware`: SafeToolNode's guarantees for agents built
 * with LangChain's `createAgent`. Kept out of the package root so that
 * `langchain` stays an optional peer dependency.
 */
import { AIMessage, RemoveMessage, type BaseMessage } from "@langchain/core/messages";
import type { ToolCall } from "@langchain/core/messages/tool";
import { REMOVE_ALL_MESSAGES } from "@langchain/langgraph";
import { createMiddleware } from "langchain";
import { fitCommand } from "./assemble-update.js";
import { usableName, type PlannedCall } from "./call.js";
import { closestMatch } from "./closest-match.js";
import { isGraphControlFlow } from "./control-flow.js";
import { isRecord } from "./guards.js";
import { CutOffCallError, InvalidToolCallError, ToolTimeoutError, UnknownToolError } from "./errors.js";
import { classifyThrown, type CallOutcome } from "./execute-tool-call.js";
import { resolveMiddlewareOptions } from "./options.js";
import { findAnsweredAI, planCalls } from "./plan-tool-calls.js";
import { nameFields } from "./repair-ai-message.js";
import { repairToolResults } from "./repair-tool-results.js";
import { placeMedia, type ResultMedia } from "./result-media.js";
import { CallIdAllocator, EarlierCallIds } from "./tool-call-ids.js";
import { settleOutcome } from "./to-tool-message.js";
import type { SafeTool, ToolErrorHandling } from "./types.js";
import { validateToolResults } from "./validate-tool-results.js";

/**
 * Options of {@link safeToolMiddleware}; they mean what the options of
 * `SafeToolNode` of the same names mean.
 *
 * @example
 * ```ts
 * safeToolMiddleware({ timeoutMs: 30_000, handleToolErrors: (error) => error.message, resultMedia: "keep" });
 * ```
 */
export interface SafeToolMiddlewareOptions {
  /** How a failed call is described to the model. Default: the built-in texts. */
  handleToolErrors?: ToolErrorHandling;
  /** Per-call timeout in milliseconds, at most 2^31-1; `Infinity` means none. Default: none. */
  timeoutMs?: number;
  /** Repair the history before each model call when a provider would reject it. Default `true`. */
  repairBeforeModel?: boolean;
  /** The last call of a response cut off by the token limit: `"error"` (default) answers it without running it; `"run"` runs it. */
  cutOffCall?: "error" | "run";
  /**
   * Where media that tools return go: `"note"` (default) or `"keep"`.
   * `"user_message"` counts as `"note"` here: createAgent runs each call on
   * its own, so nothing can be placed after the whole batch.
   */
  resultMedia?: ResultMedia;
}

/** What the middleware writes into an AIMessage for its tool calls to read, under one key of `additional_kwargs` (never sent to a provider). */
const MARKS_KEY = "safe_tool_node";
interface CallMarks {
  /** Parser errors of the calls that were invalid, by (corrected) call id. */
  invalid?: Record<string, string>;
  /** The ids of calls whose arguments the token limit may have cut short. */
  cutOff?: string[];
  /** The ids of calls the model gave no tool name (the correction named them). */
  nameless?: string[];
  /** The tool names the model was given, recorded when it called one that is not among them. */
  tools?: string[];
  /** Set once the turn was prepared, so that afterModel does not prepare it again. */
  prepared?: true;
}

function marksOf(ai: AIMessage | undefined): CallMarks {
  const marks: unknown = ai?.additional_kwargs?.[MARKS_KEY];
  return isRecord(marks) ? (marks as CallMarks) : {};
}

function withMarks(ai: AIMessage, marks: CallMarks): AIMessage {
  return new AIMessage({
    content: ai.content,
    id: ai.id,
    name: ai.name,
    additional_kwargs: { ...ai.additional_kwargs, [MARKS_KEY]: { ...marksOf(ai), ...marks } },
    response_metadata: ai.response_metadata,
    usage_metadata: ai.usage_metadata,
    tool_calls: ai.tool_calls,
    invalid_tool_calls: ai.invalid_tool_calls,
  });
}

/**
 * The AIMessage as createAgent should store it: corrected where its calls
 * would not pair up with their results (ids unique across `history`, the
 * turns before it), and marked with what the tool calls need to be answered
 * in the node's words (invalid, cut-off and nameless calls; the tool names,
 * when a call names none of them). The message itself when nothing is
 * needed. Done when the model answers (wrapModelCall), so that the other
 * middleware's afterModel hooks - which run before this one's when this one
 * is listed first - already see the final ids.
 */
function prepareTurn(ai: AIMessage, history: readonly BaseMessage[], toolNames: readonly string[] | undefined): AIMessage {
  const { calls, corrected } = planCalls(ai, new CallIdAllocator(ai.id ?? "", new EarlierCallIds(history, history.length)));
  const invalid = Object.fromEntries(calls.filter((c) => c.invalid).map((c) => [c.id, c.invalid!.error ?? "invalid JSON"]));
  const cutOff = calls.filter((c) => c.cutOff).map((c) => c.id);
  const nameless = calls.filter((c) => c.nameless).map((c) => c.id);
  const unknown = toolNames !== undefined && calls.some((c) => !toolNames.includes(c.name));
  const marks: CallMarks = {
    ...(Object.keys(invalid).length ? { invalid } : {}),
    ...(cutOff.length ? { cutOff } : {}),
    ...(nameless.length ? { nameless } : {}),
    ...(unknown ? { tools: [...toolNames] } : {}),
  };
  if (!corrected && Object.keys(marks).length === 0) return ai;
  return withMarks(corrected ?? ai, { ...marks, prepared: true });
}

/** The call createAgent's tool node hands the middleware, in the planner's shape. */
function requestCall(call: ToolCall, marks: CallMarks): PlannedCall {
  const named = marks.nameless?.includes(call.id ?? "") ? { name: call.name, nameless: true as const } : nameFields(call.name);
  return { id: call.id ?? "", ...named, args: isRecord(call.args) ? call.args : {}, originalId: call.id };
}

/**
 * A `createAgent` middleware with SafeToolNode's guarantees, in the same
 * words as the node:
 * - after each model call, an AIMessage whose calls would not pair up with
 *   their results (invalid calls, missing, duplicate, over-long or
 *   reused ids, missing names) is corrected in place, with ids unique across
 *   the whole request, so that every call - invalid ones included - reaches
 *   the tool node and is answered;
 * - each tool call is wrapped: errors, unknown tools (with the closest
 *   name), schema errors (by field path), invalid and cut-off calls and
 *   timeouts become one error ToolMessage for that call (no stack traces,
 *   no argument values), a Command without a result gets one, odd return
 *   values and media become valid content, and graph control flow
 *   (`interrupt()`, `ParentCommand`) passes through untouched;
 * - before each model call, a history that a provider would reject (a call
 *   left without a result by another middleware, a crash, trimming) is
 *   repaired with `repairToolResults`.
 *
 * @example
 * ```ts
 * import { createAgent } from "langchain";
 * import { safeToolMiddleware } from "safe-tool-node/middleware";
 *
 * const agent = createAgent({ model, tools, middleware: [safeToolMiddleware({ timeoutMs: 30_000 })] });
 * ```
 */
export function safeToolMiddleware(options: SafeToolMiddlewareOptions = {}) {
  const settings = resolveMiddlewareOptions(options);
  const media: ResultMedia = settings.resultMedia === "user_message" ? "note" : settings.resultMedia;

  return createMiddleware({
    name: "SafeToolMiddleware",

    // A second chance for an AIMessage that did not come through wrapModelCall (another node wrote it).
    afterModel: (state: { messages: BaseMessage[] }) => {
      const index = findAnsweredAI(state.messages);
      if (index < 0) return undefined;
      const ai = state.messages[index] as AIMessage;
      if (marksOf(ai).prepared) return undefined;
      const prepared = prepareTurn(ai, state.messages.slice(0, index), undefined);
      return prepared === ai ? undefined : { messages: [prepared] };
    },

    wrapToolCall: async (request, next) => {
      // The AIMessage being answered: a tail scan, not a copy of the history per call.
      const messages = request.state.messages as BaseMessage[];
      const ai = messages[findAnsweredAI(messages)] as AIMessage | undefined;
      const marks = marksOf(ai);
      const call = requestCall(request.toolCall, marks);
      const tool = call.nameless ? undefined : (request.tool as SafeTool | undefined);
      let outcome: CallOutcome;
      if (marks.cutOff?.includes(call.id) && settings.cutOffCall === "error") outcome = { kind: "error", error: new CutOffCallError(call) };
      else if (marks.invalid?.[call.id] !== undefined) outcome = { kind: "error", error: new InvalidToolCallError(call, marks.invalid[call.id], undefined) };
      else if (!tool) {
        const near = call.nameless || !marks.tools ? undefined : closestMatch(call.name, marks.tools);
        outcome = { kind: "error", error: new UnknownToolError(call, marks.tools, near) };
      } else outcome = await runWithTimeout(() => next(request), tool, call, settings.timeoutMs);
      if (outcome.kind === "control") throw outcome.thrown;
      const settled = settleOutcome(outcome, call, settings.handleToolErrors);
      // createAgent runs each call as its own task: with siblings, the turn is shared
      if (settled.kind === "command") return fitCommand(settled.command, call, ai, messages, (ai?.tool_calls?.length ?? 0) > 1);
      if (settled.kind === "control") throw settled.thrown;
      return placeMedia(settled.message, media).message;
    },

    beforeModel: (state: { messages: BaseMessage[] }) => {
      if (!settings.repairBeforeModel) return undefined;
      if (validateToolResults(state.messages).length === 0) return undefined;
      return { messages: [new RemoveMessage({ id: REMOVE_ALL_MESSAGES }), ...repairToolResults(state.messages)] };
    },

    // Records the tool names the model was given when it called one that is
    // not among them, so the unknown call is answered with the closest name.
    // Some middleware jump straight to the model (human-in-the-loop after a
    // rejection), past beforeModel: the request itself is repaired too.
    wrapModelCall: async (request, next) => {
      const repaired =
        settings.repairBeforeModel && validateToolResults(request.messages).length > 0 ? { ...request, messages: repairToolResults(request.messages) } : request;
      const response = await next(repaired);
      if (!AIMessage.isInstance(response)) return response;
      const names = request.tools.flatMap((t) => {
        const name = usableName((t as { name?: unknown } | null)?.name);
        return name ? [name] : [];
      });
      return prepareTurn(response, (request.state.messages ?? []) as BaseMessage[], names);
    },
  });
}

/** Runs the tool through createAgent's handler, answering on time when it takes longer than `timeoutMs`. */
async function runWithTimeout(run: () => unknown, tool: SafeTool, call: PlannedCall, timeoutMs: number | undefined): Promise<CallOutcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const running = Promise.resolve().then(run);
    const value =
      timeoutMs === undefined
        ? await running
        : await Promise.race([
            running,
            new Promise<never>((_, reject) => {
              // createAgent's tool node gives the tool its own signal, not one the middleware controls
              timer = setTimeout(() => reject(new ToolTimeoutError(call, timeoutMs, { cancelled: false })), timeoutMs);
            }),
          ]);
    return { kind: "output", value };
  } catch (thrown) {
    if (ToolTimeoutError.isInstance(thrown)) return { kind: "error", error: thrown };
    return classifyThrown(tool, call, thrown);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * For `toolRetryMiddleware({ retryOn })`: retry every error except graph
 * control flow. With its default, `toolRetryMiddleware` catches the
 * `GraphInterrupt` of `interrupt()` and turns it into a failure.
 *
 * @example
 * ```ts
 * toolRetryMiddleware({ retryOn: isRetryableToolError, onFailure: "error" });
 * ```
 */
export function isRetryableToolError(error: unknown): boolean {
  return !isGraphControlFlow(error);
}
