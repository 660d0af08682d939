/**
 * Named error classes. Each has a stable `name` and a static `isInstance`
 * check that works across duplicate copies of this package (it tests a global
 * symbol marker, not the prototype chain).
 *
 * Two families:
 * - {@link InvalidNodeInputError} and {@link InvalidOptionsError} are *thrown*
 *   to the caller: the graph is wired wrongly, and no answer to the model can
 *   fix that.
 * - {@link ToolCallError} and its subclasses are *never thrown* by the node:
 *   they describe why one tool call failed, are handed to a custom error
 *   formatter, and become that call's error ToolMessage.
 */

const MARKER = Symbol.for("safe-tool-node.error");

function hasMarker(value: unknown, name?: string): boolean {
  if (typeof value !== "object" || value === null) return false;
  const marker = (value as Record<symbol, unknown>)[MARKER];
  if (typeof marker !== "string") return false;
  return name === undefined || marker.split(" ").includes(name);
}

/**
 * Base class of every error this package defines.
 *
 * @example
 * ```ts
 * import { SafeToolNodeError } from "safe-tool-node";
 * try { await node.invoke({ foo: 1 }); } catch (e) {
 *   if (SafeToolNodeError.isInstance(e)) console.error(e.name, e.message);
 * }
 * ```
 */
export class SafeToolNodeError extends Error {
  /** Stable class name; unaffected by minification. */
  static readonly errorName: string = "SafeToolNodeError";
  /** @internal The class chain, read by `isInstance` across package copies. */
  declare readonly [MARKER]: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    const chain: string[] = [];
    for (
      let ctor = new.target as unknown as typeof SafeToolNodeError | undefined;
      ctor && ctor.errorName;
      ctor = Object.getPrototypeOf(ctor) as typeof SafeToolNodeError | undefined
    ) {
      if (!chain.includes(ctor.errorName)) chain.push(ctor.errorName);
      if (ctor === SafeToolNodeError) break;
    }
    this.name = chain[0] ?? "SafeToolNodeError";
    Object.defineProperty(this, MARKER, { value: chain.join(" ") });
  }

  /**
   * True when `error` is an instance of the class this is called on, made by
   * any copy of this package: `ToolTimeoutError.isInstance(e)`.
   */
  static isInstance<T extends abstract new (...args: never[]) => SafeToolNodeError>(
    this: T & { errorName: string },
    error: unknown,
  ): error is InstanceType<T> {
    return hasMarker(error, this.errorName);
  }
}

/**
 * Thrown when the node is given input it cannot read: no messages list, a
 * state without the `messages` key, or a list holding something that is not a
 * message. The message names what was wrong.
 *
 * @example
 * ```ts
 * import { InvalidNodeInputError } from "safe-tool-node";
 * await node.invoke({ msgs: [] }).catch((e) => {
 *   InvalidNodeInputError.isInstance(e); // true
 * });
 * ```
 */
export class InvalidNodeInputError extends SafeToolNodeError {
  static override readonly errorName: string = "InvalidNodeInputError";
}

/**
 * Thrown by the constructor when an option or a tool is unusable (for example
 * a negative timeout, two tools with the same name, or `handleToolErrors: false`).
 *
 * @example
 * ```ts
 * import { InvalidOptionsError, SafeToolNode } from "safe-tool-node";
 * try { new SafeToolNode([search], { timeoutMs: -1 }); }
 * catch (e) { InvalidOptionsError.isInstance(e); } // true
 * ```
 */
export class InvalidOptionsError extends SafeToolNodeError {
  static override readonly errorName: string = "InvalidOptionsError";
}

/**
 * What kind of failure a {@link ToolCallError} describes.
 *
 * @example
 * ```ts
 * const handler = (error: ToolCallError) => (error.kind === "timeout" ? "Too slow." : error.message);
 * ```
 */
export type ToolCallErrorKind =
  | "unknown_tool"
  | "invalid_arguments"
  | "invalid_tool_call"
  | "execution"
  | "timeout"
  | "cancelled"
  | "rejected"
  | "cut_off"
  | "not_run";

/**
 * The call a {@link ToolCallError} is about, as the node answered it.
 *
 * @example
 * ```ts
 * const call: FailedCall = { name: "search", id: "call_1", args: { q: "x" } };
 * new ToolTimeoutError(call, 5_000).message; // 'Error: tool "search" timed out after 5000 ms ...'
 * ```
 */
export interface FailedCall {
  /** The tool name the model asked for (`"invalid_tool_call"` when it gave none). */
  name: string;
  /** The id the node answered (after repairing missing or duplicate ids). */
  id: string;
  /** The parsed arguments (`{}` for an invalid call). */
  args: Record<string, unknown>;
  /** True when the model named no tool (its name was empty or missing); `name` is then a placeholder. */
  nameless?: boolean;
}

/**
 * Why one tool call failed. Never thrown by the node: it is passed to
 * `handleToolErrors` (when that is a function) and turned into the call's
 * error ToolMessage. `message` is the default text sent to the model; it never
 * contains a stack trace.
 *
 * @example
 * ```ts
 * import { SafeToolNode, ToolCallError, ToolTimeoutError } from "safe-tool-node";
 * const node = new SafeToolNode(tools, {
 *   handleToolErrors: (error: ToolCallError) =>
 *     ToolTimeoutError.isInstance(error) ? "Too slow, try a narrower query." : error.message,
 * });
 * ```
 */
export class ToolCallError extends SafeToolNodeError {
  static override readonly errorName: string = "ToolCallError";
  /** What kind of failure this is; each subclass has one. */
  readonly kind: ToolCallErrorKind;
  /** The tool the model asked for. */
  readonly toolName: string;
  /** The id of the call (as answered, after id repairs). */
  readonly toolCallId: string;

  constructor(kind: ToolCallErrorKind, call: FailedCall, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.toolName = call.name;
    this.toolCallId = call.id;
  }
}

/**
 * The model asked for a tool that is not registered, or named no tool at all.
 *
 * @example
 * ```ts
 * // Model calls "serch" while "search" is registered; the call is answered:
 * // Error: tool "serch" does not exist. Did you mean "search"? Available tools: search, fetch_page. Call one of these tools instead.
 * // A call without a name (a streamed call cut short) is answered:
 * // Error: the call names no tool. Available tools: search, fetch_page. Call one of these tools by its name.
 * ```
 */
export class UnknownToolError extends ToolCallError {
  static override readonly errorName: string = "UnknownToolError";
  /** Always `"unknown_tool"`. */
  declare readonly kind: "unknown_tool";
  /** The names of the registered tools. */
  readonly availableTools: readonly string[];
  /** The registered name closest to the one asked for, when one is close enough to be a typo. */
  readonly closestMatch: string | undefined;

  /** @param availableTools the registered names; undefined when the caller cannot know them (the text then lists none). */
  constructor(call: FailedCall, availableTools: readonly string[] | undefined, closestMatch: string | undefined) {
    const hint = closestMatch ? ` Did you mean "${closestMatch}"?` : "";
    const list =
      availableTools === undefined
        ? ""
        : ` Available tools: ${availableTools.length ? availableTools.join(", ") : "(none)"}.`;
    const these = availableTools === undefined ? "one of the tools you were given" : "one of these tools";
    super(
      "unknown_tool",
      call,
      call.nameless
        ? `Error: the call names no tool.${list} Call ${these} by its name.`
        : `Error: tool "${call.name}" does not exist.${hint}${list} Call ${these} instead.`,
    );
    this.availableTools = availableTools ?? [];
    this.closestMatch = closestMatch;
  }
}

/**
 * One schema violation, located by the path of the offending field.
 *
 * @example
 * ```ts
 * if (InvalidToolArgumentsError.isInstance(error)) {
 *   error.issues; // [{ path: "guest.age", message: "Invalid input: expected number, received string" }]
 * }
 * ```
 */
export interface ArgumentIssue {
  /** Field path such as `"filters.0.date"`; `""` for the arguments object itself. */
  path: string;
  /** What is wrong with the field, as the schema library words it. */
  message: string;
}

/**
 * The arguments did not match the tool's schema. Lists each issue by field
 * path; never echoes argument values or a stack trace.
 *
 * @example
 * ```ts
 * // Error: invalid arguments for tool "get_weather":
 * // - location: Invalid input: expected string, received number
 * // Fix these arguments and call the tool again.
 * ```
 */
export class InvalidToolArgumentsError extends ToolCallError {
  static override readonly errorName: string = "InvalidToolArgumentsError";
  /** Always `"invalid_arguments"`. */
  declare readonly kind: "invalid_arguments";
  /** Each schema violation, by field path. */
  readonly issues: readonly ArgumentIssue[];

  constructor(call: FailedCall, issues: readonly ArgumentIssue[], options?: { cause?: unknown }) {
    const lines = issues.map((i) => `- ${i.path || "(arguments)"}: ${i.message}`);
    super(
      "invalid_arguments",
      call,
      `Error: invalid arguments for tool "${call.name}":\n${lines.join("\n")}\nFix these arguments and call the tool again.`,
      options,
    );
    this.issues = issues;
  }
}

/**
 * The model's call could not be parsed (an `InvalidToolCall`, typically JSON
 * cut off by the token limit). Quotes the parser's error.
 *
 * @example
 * ```ts
 * // Error: the call to "search" could not be parsed: Unexpected end of JSON input.
 * // Resend the call with valid JSON arguments.
 * ```
 */
export class InvalidToolCallError extends ToolCallError {
  static override readonly errorName: string = "InvalidToolCallError";
  /** Always `"invalid_tool_call"`. */
  declare readonly kind: "invalid_tool_call";
  /** The parser's error, as reported on the `InvalidToolCall`. */
  readonly parseError: string | undefined;
  /** The raw argument string the model produced. */
  readonly rawArgs: string | undefined;

  constructor(call: FailedCall, parseError: string | undefined, rawArgs: string | undefined) {
    const why = parseError ? `: ${parseError}` : " (the arguments were not valid JSON)";
    super(
      "invalid_tool_call",
      call,
      `Error: the call to "${call.name}" could not be parsed${why}. Resend the call with valid JSON arguments.`,
    );
    this.parseError = parseError;
    this.rawArgs = rawArgs;
  }
}

/**
 * The tool threw. `cause` holds the thrown value exactly as thrown. When the
 * failure looks unrelated to the arguments - a network error, an HTTP 5xx,
 * 429 or 408, a rate limit, an exhausted quota, a timeout inside the tool -
 * `transient` is true and the text tells the model to try again later or
 * another way, instead of asking it to fix its arguments.
 *
 * @example
 * ```ts
 * // Error: tool "lookup_order" failed: invalid order number. Fix the arguments or try a different approach.
 * // Error: tool "fetch_page" failed: ECONNRESET. The failure is not caused by the arguments: try again later, or take another approach.
 * ```
 */
export class ToolExecutionError extends ToolCallError {
  static override readonly errorName: string = "ToolExecutionError";
  /** Always `"execution"`. */
  declare readonly kind: "execution";
  /** True when the failure looks temporary and unrelated to the arguments (network, 5xx, rate limit, quota, timeout). */
  readonly transient: boolean;
  constructor(call: FailedCall, reason: string, cause: unknown, options: { transient?: boolean } = {}) {
    const advice = options.transient
      ? "The failure is not caused by the arguments: try again later, or take another approach."
      : "Fix the arguments or try a different approach.";
    super("execution", call, `Error: tool "${call.name}" failed: ${reason}. ${advice}`, { cause });
    this.transient = options.transient ?? false;
  }
}

/**
 * The tool did not finish within its timeout. Its `AbortSignal` was fired
 * (in the node; under createAgent the middleware cannot stop a tool, and the
 * text says the call may still finish).
 *
 * @example
 * ```ts
 * // Error: tool "slow_search" timed out after 5000 ms and was cancelled. Try again with a smaller request, or use another tool.
 * ```
 */
export class ToolTimeoutError extends ToolCallError {
  static override readonly errorName: string = "ToolTimeoutError";
  /** Always `"timeout"`. */
  declare readonly kind: "timeout";
  /** The timeout that applied to the call. */
  readonly timeoutMs: number;
  /** True when the tool was told to stop (its signal fired); false when it could not be (createAgent gives the middleware no signal), so it may still finish. */
  readonly cancelled: boolean;
  constructor(call: FailedCall, timeoutMs: number, options: { cancelled?: boolean } = {}) {
    const cancelled = options.cancelled ?? true;
    super(
      "timeout",
      call,
      cancelled
        ? `Error: tool "${call.name}" timed out after ${timeoutMs} ms and was cancelled. Try again with a smaller request, or use another tool.`
        : `Error: tool "${call.name}" timed out after ${timeoutMs} ms; it could not be stopped and may still finish. Check whether it took effect before calling it again.`,
    );
    this.timeoutMs = timeoutMs;
    this.cancelled = cancelled;
  }
}

/**
 * The run was aborted (its `config.signal` fired) before the tool finished.
 *
 * @example
 * ```ts
 * // Error: tool "search" was cancelled before it finished. Its outcome is unknown.
 * ```
 */
export class ToolCancelledError extends ToolCallError {
  static override readonly errorName: string = "ToolCancelledError";
  /** Always `"cancelled"`. */
  declare readonly kind: "cancelled";
  constructor(call: FailedCall, options?: { cause?: unknown }) {
    super(
      "cancelled",
      call,
      `Error: tool "${call.name}" was cancelled before it finished. Its outcome is unknown.`,
      options,
    );
  }
}

/**
 * A human rejected the call when asked for approval (see the
 * `requireApproval` option). The tool did not run.
 *
 * @example
 * ```ts
 * // Error: the user rejected this call to "send_email": wrong recipient. Do not call it again unless the user asks for it.
 * ```
 */
export class ToolRejectedError extends ToolCallError {
  static override readonly errorName: string = "ToolRejectedError";
  /** Always `"rejected"`. */
  declare readonly kind: "rejected";
  /** The reason the human gave, if any. */
  readonly reason: string | undefined;
  constructor(call: FailedCall, reason: string | undefined) {
    super(
      "rejected",
      call,
      `Error: the user rejected this call to "${call.name}"${reason ? `: ${reason}` : ""}. Do not call it again unless the user asks for it.`,
    );
    this.reason = reason;
  }
}

/**
 * The model's response was cut off by its output token limit, and this was
 * its last call: its arguments may be incomplete even when they parse (the
 * streamed chunks are joined leniently), so it was not run. The calls
 * before it ran as usual. The `cutOffCall: "run"` option turns this off.
 *
 * @example
 * ```ts
 * // Error: your response was cut off by the output token limit, so this call to "write_file" may be
 * // incomplete; it was not run. Send the call again with shorter arguments (split long content over several calls).
 * ```
 */
export class CutOffCallError extends ToolCallError {
  static override readonly errorName: string = "CutOffCallError";
  /** Always `"cut_off"`. */
  declare readonly kind: "cut_off";
  constructor(call: FailedCall) {
    super(
      "cut_off",
      call,
      `Error: your response was cut off by the output token limit, so this call to "${call.name}" may be incomplete; it was not run. ` +
        "Send the call again with shorter arguments (split long content over several calls).",
    );
  }
}

/**
 * A call that is answered without running, for a reason that is neither a
 * failure nor a human's rejection: it is missing from the message's parsed
 * `tool_calls` (only a content block, a raw OpenAI call or a stored
 * Responses item holds it - as when a guard removed it from `tool_calls`),
 * or the agent ended before running it (createAgent returned its
 * structured response).
 *
 * @example
 * ```ts
 * // Error: the call to "delete_file" was not run: it is missing from the message's parsed tool calls. Call the tool again if it is still needed.
 * ```
 */
export class CallNotRunError extends ToolCallError {
  static override readonly errorName: string = "CallNotRunError";
  /** Always `"not_run"`. */
  declare readonly kind: "not_run";
  /** Why the call did not run. */
  readonly reason: "unlisted" | "ended" | "concurrency_key" | "key_paused";
  constructor(
    call: FailedCall,
    reason: "unlisted" | "ended" | "concurrency_key" | "key_paused",
    options?: { cause?: unknown },
  ) {
    const why =
      reason === "unlisted"
        ? "it is missing from the message's parsed tool calls. Call the tool again if it is still needed."
        : reason === "ended"
          ? "the agent ended with its structured response before running it."
          : reason === "key_paused"
            ? "it must run after an earlier call that is paused, waiting for an answer. Call the tool again once that call has its result."
            : "the node could not tell which calls it must wait for. Call the tool again if it is still needed.";
    super("not_run", call, `Error: the call to "${call.name}" was not run: ${why}`, options);
    this.reason = reason;
  }
}

/** A short description of a value for error messages: its kind, never its content. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  try {
    if (Array.isArray(value)) return "an array";
    if (typeof value === "object") {
      const name: unknown = (value as object).constructor?.name;
      return typeof name === "string" && name !== "" && name !== "Object" ? `a ${name}` : "an object";
    }
  } catch {
    // A revoked Proxy, or one whose traps throw: it cannot be looked at.
    return "an object that cannot be read";
  }
  return `a ${typeof value}`;
}

/** The error for a list entry that is not a message. */
export function notAMessage(source: string, index: number, value: unknown): InvalidNodeInputError {
  return new InvalidNodeInputError(
    `SafeToolNode: ${source}[${index}] is ${describeValue(value)}, not a message. ` +
      `Use LangChain message objects (a StateGraph with MessagesAnnotation converts them for you).`,
  );
}
