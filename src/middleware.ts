/**
 * `safe-tool-node/middleware`: SafeToolNode's guarantees for agents built
 * with LangChain's `createAgent`. Kept out of the package root so that
 * `langchain` stays an optional peer dependency.
 */
import { AIMessage, RemoveMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { ToolCall } from "@langchain/core/messages/tool";
import { REMOVE_ALL_MESSAGES } from "@langchain/langgraph";
import { createMiddleware } from "langchain";
import { answerEndedTurn } from "./update/answer-ended-turn.js";
import { fitCommand } from "./update/assemble-update.js";
import {
  callMarkOf,
  copyToolMessage,
  invalidOfMark,
  usableName,
  type CallMark,
  type PlannedCall,
} from "./calls/call.js";
import { closestMatch } from "./util/closest-match.js";
import { isGraphControlFlow } from "./run/control-flow.js";
import { isRecord } from "./util/guards.js";
import { CallNotRunError, InvalidToolArgumentsError, ToolTimeoutError, UnknownToolError } from "./errors.js";
import { CallGates } from "./run/call-gates.js";
import { concurrencyKeyOf } from "./run/concurrency-key.js";
import { checkStandardArguments, uncheckedStandardSchema } from "./util/argument-issues.js";
import { refuseCall } from "./calls/refuse-call.js";
import { classifyThrown, type CallOutcome } from "./run/execute-tool-call.js";
import { resolveMiddlewareOptions } from "./node/options.js";
import { findAnsweredAI } from "./calls/plan-tool-calls.js";
import { nameFields } from "./calls/call-carriers.js";
import { repairToolResults } from "./history/repair-tool-results.js";
import { prepareTurn, preparedLastTurn, turnMarksOf } from "./calls/prepare-turn.js";
import { placeMedia, type ResultMedia } from "./update/result-media.js";
import { settleOutcome } from "./update/to-tool-message.js";
import type { SafeTool, ToolErrorHandling } from "./types.js";
import { validateToolResults } from "./history/validate-tool-results.js";

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
  /**
   * Per-tool limits on calls at once, `{ search: 4 }`, among the calls of one
   * turn (createAgent runs each call as its own task: see the README).
   */
  concurrency?: Readonly<Record<string, number>>;
  /**
   * Calls of one turn with the same key run one at a time, in call order;
   * other keys and no key run side by side. A function that throws or
   * returns no string answers that call as not run.
   */
  concurrencyKey?: (call: ToolCall) => string | undefined;
}

/** The call createAgent's tool node hands the middleware, in the planner's shape. */
function requestCall(call: ToolCall, mark: Readonly<CallMark>): PlannedCall {
  const named = mark.nameless ? { name: call.name, nameless: true as const } : nameFields(call.name);
  return {
    id: call.id ?? "",
    ...named,
    args: isRecord(call.args) ? call.args : {},
    originalId: call.id,
    ...invalidOfMark(mark),
    ...(mark.cutOff ? { cutOff: true as const } : {}),
    ...(mark.unlisted ? { unlisted: true as const } : {}),
  };
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
  const media: ResultMedia =
    settings.resultMedia === "user_message"
      ? // Stryker disable next-line StringLiteral: placeMedia takes any mode but "keep" and "user_message" as "note"
        "note"
      : settings.resultMedia;
  const gates = new CallGates(settings.toolConcurrency ?? (() => undefined));
  // Without limits or keys the gates hold no call back: skipping them saves building the turn's key.
  // Stryker disable next-line ConditionalExpression: taken as true, every call passes gates that hold none back
  const gated = settings.toolConcurrency !== undefined || settings.concurrencyKey !== undefined;

  return createMiddleware({
    name: "SafeToolMiddleware",

    // A second chance for an AIMessage that did not come through wrapModelCall (another node wrote it).
    afterModel: (state: { messages: BaseMessage[] }) => {
      const prepared = preparedLastTurn(state.messages);
      return prepared ? { messages: [prepared] } : undefined;
    },

    wrapToolCall: async (request, next) => {
      // The AIMessage being answered: a tail scan, not a copy of the history per call.
      const messages = request.state.messages as BaseMessage[];
      const ai = messages[findAnsweredAI(messages)] as AIMessage | undefined;
      const mark = callMarkOf(request.toolCall);
      const tools = turnMarksOf(ai).tools;
      const call = requestCall(request.toolCall, mark);
      const tool = request.tool as SafeTool | undefined;
      // An unregistered name is not refused here: it goes down the chain (below).
      // A nameless call lists the tools the turn recorded; a turn prepared after
      // the model step (a cache answered for the model) recorded none, and the
      // answer then lists none rather than say there are none.
      const refusal = refuseCall(call, {
        cutOffCall: settings.cutOffCall,
        tools: call.nameless && tools ? new Set(tools) : undefined,
      });
      const key = settings.concurrencyKey && !refusal ? concurrencyKeyOf(call, settings.concurrencyKey) : undefined;
      let outcome: CallOutcome;
      if (refusal) outcome = { kind: "error", error: refusal };
      else if (key instanceof CallNotRunError) outcome = { kind: "error", error: key };
      else {
        // An unregistered name still goes down the chain: a later middleware may provide the tool (dynamic tools).
        // Valibot / ArkType arguments, which core does not check: checked here, the tool gets the schema's output.
        const schema = tool ? uncheckedStandardSchema((tool as { schema?: unknown }).schema) : undefined;
        const checked = schema
          ? await checkStandardArguments(schema, call.args).catch((thrown: unknown) => ({ thrown }))
          : undefined;
        if (checked && "issues" in checked)
          outcome = { kind: "error", error: new InvalidToolArgumentsError(call, checked.issues) };
        else if (checked && "thrown" in checked) outcome = classifyThrown(tool, call, checked.thrown);
        else {
          const sent = checked ? { ...request, toolCall: { ...request.toolCall, args: checked.args } } : request;
          const run = () => runWithTimeout(() => next(sent), tool, call, settings.timeoutMs);
          // The turn: the AIMessage's id and calls (each call's task sees the same AIMessage). The gates are per run
          // (its signal), and the turns of a run have AIMessages of different ids (the reducer keeps one per id).
          // Stryker disable next-line StringLiteral, ArrayDeclaration: any key that tells the turns of one run apart will do
          const turn = gated ? `${ai?.id ?? ""}|${(ai?.tool_calls ?? []).map((c) => c.id).join(",")}` : "";
          // Stryker disable next-line OptionalChaining: createAgent's tool node always hands the middleware a runtime
          const scope = (request.runtime as { signal?: AbortSignal } | undefined)?.signal;
          outcome = gated
            ? await gates.run({
                scope,
                turn,
                tool: call.name,
                key,
                body: run,
                paused: (o) => o.kind === "control",
                whenPaused: () => ({ kind: "error", error: new CallNotRunError(call, "key_paused") }),
              })
            : await run();
        }
        const registered = tool ? undefined : notAValidTool(outcome, call);
        if (registered) {
          const names = tools ?? registered;
          outcome = { kind: "error", error: new UnknownToolError(call, names, closestMatch(call.name, names)) };
        }
      }
      const settled = settleOutcome(outcome, call, settings.handleToolErrors);
      // createAgent runs each call as its own task, one Send per call in call order
      // (none found when a middleware's afterModel added a message after the turn)
      // Stryker disable next-line ArrayDeclaration: in any list without the call's id it is at -1, which has no siblings
      const turnCalls = ai?.tool_calls ?? [];
      // the found AIMessage is the one whose calls createAgent sent: the call is among them when there is one
      const position = turnCalls.findIndex((c) => c.id === call.id);
      const siblings = { before: position > 0, after: position < turnCalls.length - 1 };
      if (settled.kind === "command") return fitCommand(settled.command, call, ai, messages, siblings);
      if (settled.kind === "control") throw settled.thrown;
      const placed = placeMedia(settled.message, media).message;
      // sibling tasks' results cannot be seen: a message id of the tool's own could merge with one of them;
      // and under the id of a message of the history (a cached result), the reducer would replace that message
      return placed.id !== undefined && (siblings.before || siblings.after || messages.some((m) => m.id === placed.id))
        ? copyToolMessage(placed, { id: undefined })
        : placed;
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
      // repairToolResults checks the history first, and copies a valid one as it is
      const repaired = settings.repairBeforeModel
        ? { ...request, messages: repairToolResults(request.messages) }
        : request;
      const response = await next(repaired);
      const names = request.tools.flatMap((t) => {
        const name = usableName((t as { name?: unknown } | null)?.name);
        return name ? [name] : [];
      });
      const history = (request.state.messages ?? []) as BaseMessage[];
      if (AIMessage.isInstance(response)) return prepareTurn(response, history, names).ai;
      // A structured response (toolStrategy), or its retry: the turn's other calls never reach the tool node.
      return answerEndedTurn(response, {
        history,
        toolNames: names,
        handleToolErrors: settings.handleToolErrors,
      }) as typeof response;
    },
  });
}

/**
 * The registered tool names, when createAgent's tool node answered `call`
 * with its own "is not a valid tool" message (no middleware provided the
 * tool): the call is then answered like any unknown tool.
 */
function notAValidTool(outcome: CallOutcome, call: PlannedCall): string[] | undefined {
  // only an output has a value
  const value = (outcome as { value?: unknown }).value;
  if (!ToolMessage.isInstance(value) || value.status !== "error") return undefined;
  const text = value.content;
  const prefix = `Error: ${call.name} is not a valid tool, try one of [`;
  if (typeof text !== "string" || !text.startsWith(prefix) || !text.endsWith("].")) return undefined;
  const list = text.slice(prefix.length, -2);
  return list === "" ? [] : list.split(", ");
}

/** Runs the tool through createAgent's handler, answering on time when it takes longer than `timeoutMs`. */
async function runWithTimeout(
  run: () => unknown,
  tool: SafeTool | undefined,
  call: PlannedCall,
  timeoutMs: number | undefined,
): Promise<CallOutcome> {
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
    // Stryker disable next-line ConditionalExpression: clearTimeout(undefined) does nothing
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
