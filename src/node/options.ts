/**
 * Option checking for the node and the middleware. JavaScript callers get
 * no type errors, so every option that would silently do the wrong thing -
 * a misspelt key, a tool name that is no tool (a typo must not turn approval
 * off), a timer Node would fire at once - is refused at construction with
 * an {@link InvalidOptionsError} that names it.
 */
import type { ToolCall } from "@langchain/core/messages/tool";
import { closestMatch } from "../util/closest-match.js";
import { InvalidOptionsError, describeValue } from "../errors.js";
import type { ResultMedia } from "../update/result-media.js";
import type { SafeTool, ToolErrorHandling } from "../types.js";

/** The longest delay `setTimeout` honours; Node fires longer timers at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The options of the node, checked and filled in. */
export interface NodeSettings {
  tools: ReadonlyMap<string, SafeTool>;
  name: string;
  tags: string[] | undefined;
  handleToolErrors: ToolErrorHandling;
  timeoutMs(toolName: string): number | undefined;
  maxConcurrency: number;
  /** Per-tool limits on calls at once (undefined when none is set). */
  toolConcurrency: ((toolName: string) => number | undefined) | undefined;
  /** The user's key function: calls with the same key run one at a time. */
  concurrencyKey: ((call: ToolCall) => unknown) | undefined;
  repairHistory: boolean;
  durable: boolean | "auto";
  /** Undefined when no call needs approval. */
  needsApproval: ((call: ToolCall) => boolean) | undefined;
  cutOffCall: "error" | "run";
  resultMedia: ResultMedia;
}

/** The options of the middleware, checked and filled in. */
export interface MiddlewareSettings {
  handleToolErrors: ToolErrorHandling;
  timeoutMs: number | undefined;
  toolConcurrency: ((toolName: string) => number | undefined) | undefined;
  concurrencyKey: ((call: ToolCall) => unknown) | undefined;
  repairBeforeModel: boolean;
  cutOffCall: "error" | "run";
  resultMedia: ResultMedia;
}

const NODE_KEYS = [
  "name",
  "tags",
  "handleToolErrors",
  "timeoutMs",
  "toolTimeoutMs",
  "maxConcurrency",
  "concurrency",
  "concurrencyKey",
  "repairHistory",
  "durable",
  "requireApproval",
  "cutOffCall",
  "resultMedia",
] as const;
const MIDDLEWARE_KEYS = [
  "handleToolErrors",
  "timeoutMs",
  "concurrency",
  "concurrencyKey",
  "repairBeforeModel",
  "cutOffCall",
  "resultMedia",
] as const;

type Options = Record<string, unknown>;

function readOptions(who: string, options: unknown, allowed: readonly string[]): Options {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidOptionsError(
      `${who}: the options must be an object, received ${options === null ? "null" : typeof options}.`,
    );
  }
  // for...in: an option inherited through the prototype is read too, so it is checked too
  for (const key in options) {
    if (allowed.includes(key)) continue;
    const near = closestMatch(key, allowed);
    throw new InvalidOptionsError(
      `${who}: unknown option "${key}"${near ? ` (did you mean "${near}"?)` : ""}. Options: ${allowed.join(", ")}.`,
    );
  }
  return options as Options;
}

/** A rejected option value as the error quotes it: a string in quotes, so "1000" does not read as 1000. */
function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  return typeof value === "object" && value !== null ? describeValue(value) : String(value);
}

function duration(who: string, value: unknown, what: string): number | undefined {
  if (value === undefined || value === Infinity) return undefined;
  if (typeof value !== "number" || !(value > 0) || value > MAX_TIMER_MS) {
    throw new InvalidOptionsError(
      `${who}: ${what} must be a positive number of milliseconds up to ${MAX_TIMER_MS} (or Infinity for none), received ${shown(value)}.`,
    );
  }
  return value;
}

function oneOf<T extends string>(who: string, value: unknown, what: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new InvalidOptionsError(
      `${who}: ${what} must be ${allowed.map((v) => `"${v}"`).join(" or ")}, received ${shown(value)}.`,
    );
  }
  return value as T;
}

function errorHandling(who: string, value: unknown): ToolErrorHandling {
  if (value === undefined || value === true) return true;
  if (value === false) {
    throw new InvalidOptionsError(
      `${who}: handleToolErrors: false is not supported: re-throwing a tool's error would leave every call of the batch without a result. Pass a function to control the error text instead.`,
    );
  }
  if (typeof value !== "string" && typeof value !== "function")
    throw new InvalidOptionsError(`${who}: handleToolErrors must be true, a string, or a function.`);
  // A blank text would be replaced by the built-in one for every error (as a handler's blank answer is).
  if (typeof value === "string" && value.trim() === "")
    throw new InvalidOptionsError(
      `${who}: handleToolErrors must not be a blank string: give the text the model reads.`,
    );
  return value as ToolErrorHandling;
}

/**
 * `concurrency` (per-tool limits) and `concurrencyKey`, checked; `tools` is
 * undefined where the tools are not known yet (the middleware), and then
 * any tool name is taken.
 */
function concurrencyOptions(
  who: string,
  o: Options,
  tools: ReadonlyMap<string, SafeTool> | undefined,
): Pick<NodeSettings, "toolConcurrency" | "concurrencyKey"> {
  const perTool = new Map<string, number>();
  if (o.concurrency !== undefined) {
    if (typeof o.concurrency !== "object" || o.concurrency === null || Array.isArray(o.concurrency)) {
      throw new InvalidOptionsError(`${who}: concurrency must be an object of tool names to a number of calls.`);
    }
    for (const [toolName, n] of Object.entries(o.concurrency)) {
      if (tools && !tools.has(toolName)) throw notATool(who, "concurrency", toolName, tools);
      if (typeof n !== "number" || !Number.isInteger(n) || n < 1)
        throw new InvalidOptionsError(
          `${who}: concurrency.${toolName} must be a whole number of at least 1, received ${shown(n)}.`,
        );
      perTool.set(toolName, n);
    }
  }
  if (o.concurrencyKey !== undefined && typeof o.concurrencyKey !== "function")
    throw new InvalidOptionsError(
      `${who}: concurrencyKey must be a function of the call that returns a string or undefined.`,
    );
  return {
    toolConcurrency: perTool.size > 0 ? (toolName) => perTool.get(toolName) : undefined,
    concurrencyKey: o.concurrencyKey as NodeSettings["concurrencyKey"],
  };
}

/** The error for a name in an option that is not a tool of the node. */
function notATool(
  who: string,
  option: string,
  name: string,
  tools: ReadonlyMap<string, SafeTool>,
): InvalidOptionsError {
  const near = closestMatch(name, tools.keys());
  return new InvalidOptionsError(
    `${who}: ${option} names "${name}", which is not a tool of this node${near ? ` (did you mean "${near}"?)` : ""}. Tools: ${[...tools.keys()].join(", ") || "(none)"}.`,
  );
}

/** The tools by name; each must be a tool, and names unique. */
export function indexTools(tools: unknown): Map<string, SafeTool> {
  if (!Array.isArray(tools)) throw new InvalidOptionsError("SafeToolNode: the first argument must be a list of tools.");
  const byName = new Map<string, SafeTool>();
  tools.forEach((tool: unknown, index) => {
    const name = (tool as { name?: unknown } | null)?.name;
    if (typeof name !== "string" || name === "" || typeof (tool as { invoke?: unknown }).invoke !== "function") {
      throw new InvalidOptionsError(
        `SafeToolNode: tools[${index}] is not a tool (it needs a name and an invoke method).`,
      );
    }
    if (byName.has(name))
      throw new InvalidOptionsError(`SafeToolNode: two tools are named "${name}"; tool names must be unique.`);
    byName.set(name, tool as SafeTool);
  });
  return byName;
}

/** Checks the node's tools and options; throws {@link InvalidOptionsError} naming the first problem. */
export function resolveNodeOptions(toolList: unknown, options: unknown): NodeSettings {
  const who = "SafeToolNode";
  const tools = indexTools(toolList);
  const o = readOptions(who, options, NODE_KEYS);

  const defaultTimeout = duration(who, o.timeoutMs, "timeoutMs");
  const perTool = new Map<string, number | undefined>();
  if (o.toolTimeoutMs !== undefined) {
    if (typeof o.toolTimeoutMs !== "object" || o.toolTimeoutMs === null || Array.isArray(o.toolTimeoutMs)) {
      throw new InvalidOptionsError(`${who}: toolTimeoutMs must be an object of tool names to milliseconds.`);
    }
    for (const [toolName, ms] of Object.entries(o.toolTimeoutMs)) {
      if (!tools.has(toolName)) throw notATool(who, "toolTimeoutMs", toolName, tools);
      perTool.set(toolName, duration(who, ms, `toolTimeoutMs.${toolName}`));
    }
  }

  const limit = o.maxConcurrency ?? Infinity;
  if (typeof limit !== "number" || !(limit >= 1) || (Number.isFinite(limit) && !Number.isInteger(limit))) {
    throw new InvalidOptionsError(
      `${who}: maxConcurrency must be a whole number of at least 1, received ${shown(limit)}.`,
    );
  }
  const { toolConcurrency, concurrencyKey } = concurrencyOptions(who, o, tools);
  const durable = o.durable ?? "auto";
  if (durable !== "auto" && typeof durable !== "boolean")
    throw new InvalidOptionsError(`${who}: durable must be "auto", true or false, received ${shown(durable)}.`);

  const approval = o.requireApproval;
  let needsApproval: NodeSettings["needsApproval"];
  if (typeof approval === "function") needsApproval = approval as (call: ToolCall) => boolean;
  else if (Array.isArray(approval)) {
    for (const name of approval)
      if (typeof name !== "string" || !tools.has(name)) throw notATool(who, "requireApproval", String(name), tools);
    const names = new Set<string>(approval);
    needsApproval = (call) => names.has(call.name);
  } else if (approval !== undefined)
    throw new InvalidOptionsError(`${who}: requireApproval must be a list of tool names or a function of the call.`);
  if (needsApproval && (toolConcurrency || concurrencyKey)) {
    throw new InvalidOptionsError(
      `${who}: requireApproval cannot be combined with concurrency or concurrencyKey yet: with approvals each call is its own LangGraph task, which LangGraph tells apart by the order the tasks start in, and limits and keys change that order between a pause and its resume (an approval could reach another call). Use maxConcurrency, or approvals without them.`,
    );
  }
  if (needsApproval && durable === false) {
    throw new InvalidOptionsError(
      `${who}: requireApproval needs durable mode: each approval is an interrupt, and without a task per call the approved siblings would run again on resume. Remove durable: false.`,
    );
  }
  if (o.name !== undefined && (typeof o.name !== "string" || o.name === ""))
    throw new InvalidOptionsError(`${who}: name must be a non-empty string.`);
  if (o.tags !== undefined && (!Array.isArray(o.tags) || !o.tags.every((tag) => typeof tag === "string")))
    throw new InvalidOptionsError(`${who}: tags must be a list of strings.`);
  if (o.repairHistory !== undefined && typeof o.repairHistory !== "boolean")
    throw new InvalidOptionsError(`${who}: repairHistory must be true or false.`);

  return {
    tools,
    name: (o.name as string | undefined) ?? "tools",
    tags: o.tags as string[] | undefined,
    handleToolErrors: errorHandling(who, o.handleToolErrors),
    timeoutMs: (toolName) => (perTool.has(toolName) ? perTool.get(toolName) : defaultTimeout),
    maxConcurrency: limit,
    toolConcurrency,
    concurrencyKey,
    repairHistory: (o.repairHistory as boolean | undefined) ?? false,
    durable,
    needsApproval,
    cutOffCall: oneOf(who, o.cutOffCall, "cutOffCall", ["error", "run"], "error"),
    resultMedia: oneOf(who, o.resultMedia, "resultMedia", ["note", "user_message", "keep"], "note"),
  };
}

/** Checks the middleware's options; throws {@link InvalidOptionsError} naming the first problem. */
export function resolveMiddlewareOptions(options: unknown): MiddlewareSettings {
  const who = "safeToolMiddleware";
  const o = readOptions(who, options, MIDDLEWARE_KEYS);
  if (o.repairBeforeModel !== undefined && typeof o.repairBeforeModel !== "boolean")
    throw new InvalidOptionsError(`${who}: repairBeforeModel must be true or false.`);
  return {
    handleToolErrors: errorHandling(who, o.handleToolErrors),
    timeoutMs: duration(who, o.timeoutMs, "timeoutMs"),
    ...concurrencyOptions(who, o, undefined),
    repairBeforeModel: (o.repairBeforeModel as boolean | undefined) ?? true,
    cutOffCall: oneOf(who, o.cutOffCall, "cutOffCall", ["error", "run"], "error"),
    resultMedia: oneOf(who, o.resultMedia, "resultMedia", ["note", "user_message", "keep"], "note"),
  };
}
