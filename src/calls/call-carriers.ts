import { AIMessage } from "@langchain/core/messages";
import { INVALID_CALL_TYPE, NOT_AN_OBJECT, UNNAMED_CALL, toolCallOf, usableName, type PlannedCall } from "./call.js";
import { safeStringify } from "../util/describe-error.js";
import { isRecord } from "../util/guards.js";

type Item = Record<string, unknown>;

/**
 * Besides `tool_calls`, an AIMessage may carry its calls in a list that a
 * converter sends as is, so that list must agree with `tool_calls`:
 * - content blocks: Anthropic `tool_use`, LangChain standard (v1)
 *   `tool_call` / `invalid_tool_call` blocks (sent by the Anthropic
 *   converter, and by every converter for v1 messages);
 * - `response_metadata.output`: the Responses API items that `ChatOpenAI`
 *   in Responses mode re-sends verbatim, `function_call` items included;
 * - `additional_kwargs.tool_calls`: OpenAI's raw calls, which both OpenAI
 *   converters send whenever `tool_calls` is empty.
 */
interface CallReader {
  isCall(item: Item): boolean;
  /** Streaming leftovers that mean nothing once the call is repaired (only content blocks have them). */
  isFragment?(item: Item): boolean;
  idOf(item: Item): string | undefined;
  nameOf(item: Item): unknown;
  /** The raw arguments: an object, or a JSON string. */
  argsOf(item: Item): unknown;
  /** Set when the carrier itself marks the call as unparsable. */
  invalidOf(item: Item): PlannedCall["invalid"] | undefined;
}

/** A list rewritten item by item (content blocks, Responses items); OpenAI's raw calls are rebuilt whole instead. */
interface CallCarrier extends CallReader {
  /** The item rewritten to carry `call`. */
  rewrite(item: Item, call: PlannedCall): Item;
  /** A new item for a call that has none; without it, none is needed. */
  create?(call: PlannedCall): Item;
}

const CONTENT_CALL_TYPES = new Set(["tool_use", "tool_call", INVALID_CALL_TYPE]);
const CONTENT_FRAGMENT_TYPES = new Set(["input_json_delta", "tool_call_chunk"]);
const nonEmpty = (value: unknown) => (typeof value === "string" && value ? value : undefined);

const CONTENT_BLOCKS: CallCarrier = {
  isCall: (item) => CONTENT_CALL_TYPES.has(item.type as string),
  isFragment: (item) => CONTENT_FRAGMENT_TYPES.has(item.type as string),
  idOf: (item) => nonEmpty(item.id),
  nameOf: (item) => item.name,
  argsOf: (item) => (item.type === "tool_use" ? item.input : item.args),
  invalidOf: (item) =>
    item.type === INVALID_CALL_TYPE
      ? {
          error: typeof item.error === "string" ? item.error : undefined,
          rawArgs: typeof item.args === "string" ? item.args : undefined,
        }
      : undefined,
  rewrite: (item, call) => {
    if (item.type === "tool_use") return { ...item, id: call.id, name: call.name, input: call.args };
    const { error: _error, ...rest } = item;
    return { ...rest, ...toolCallOf(call) };
  },
  // No create: the Anthropic converter appends calls that have no block by
  // itself, and core's AIMessage constructor gives a standard-content (v1)
  // message, which is sent from its blocks alone, a block for each call.
};

const RESPONSES_OUTPUT: CallCarrier = {
  isCall: (item) => item.type === "function_call",
  idOf: (item) => nonEmpty(item.call_id),
  nameOf: (item) => item.name,
  argsOf: (item) => item.arguments,
  invalidOf: () => undefined,
  rewrite: (item, call) => ({ ...item, call_id: call.id, name: call.name, arguments: JSON.stringify(call.args) }),
  create: (call) => ({
    type: "function_call",
    call_id: call.id,
    name: call.name,
    arguments: JSON.stringify(call.args),
    status: "completed",
  }),
};

/** OpenAI's raw call as `additional_kwargs.tool_calls` holds it. */
const rawOpenAICall = (call: PlannedCall): Item => ({
  id: call.id,
  type: "function",
  function: { name: call.name, arguments: JSON.stringify(call.args) },
});

const RAW_OPENAI_CALLS: CallReader = {
  isCall: (item) => item.type === "function" || isRecord(item.function),
  idOf: (item) => nonEmpty(item.id),
  nameOf: (item) => (isRecord(item.function) ? item.function.name : undefined),
  argsOf: (item) => (isRecord(item.function) ? item.function.arguments : undefined),
  invalidOf: () => undefined,
};

/** The Responses output items the converter will re-send, when it will. */
function storedOutput(ai: AIMessage): Item[] | undefined {
  const output: unknown = ai.response_metadata?.output;
  if (!Array.isArray(output) || output.length === 0 || !output.every((item) => isRecord(item) && "type" in item))
    return undefined;
  return output as Item[];
}

/** OpenAI's raw calls, when a converter will send them: only while `tool_calls` is empty (an empty list holds none to read). */
function sentRawCalls(ai: AIMessage): unknown[] | undefined {
  const raw: unknown = ai.additional_kwargs?.tool_calls;
  return Array.isArray(raw) && (ai.tool_calls?.length ?? 0) === 0 ? raw : undefined;
}

/** Each list that carries calls besides `tool_calls`, with its carrier. */
function carriedLists(ai: AIMessage): [CallReader, unknown[]][] {
  const lists: [CallReader, unknown[]][] = [];
  if (Array.isArray(ai.content)) lists.push([CONTENT_BLOCKS, ai.content as unknown[]]);
  const output = storedOutput(ai);
  if (output) lists.push([RESPONSES_OUTPUT, output]);
  const raw = sentRawCalls(ai);
  if (raw) lists.push([RAW_OPENAI_CALLS, raw]);
  return lists;
}

/** A call's arguments as a converter holds them (an object, or JSON text), parsed strictly; no arguments are `{}`. */
export function parseArgs(raw: unknown): { args: Record<string, unknown> } | { error: string; rawArgs: string } {
  if (isRecord(raw)) return { args: raw };
  // Stryker disable next-line ObjectLiteral: a result with neither args nor error is read as no arguments ({}) too
  if (raw === undefined || raw === null || raw === "") return { args: {} };
  // Other values (an array, a number) as JSON, as a call of `tool_calls` with such arguments is quoted.
  const text = typeof raw === "string" ? raw : (safeStringify(raw) ?? String(raw));
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) return { args: parsed };
    return { error: NOT_AN_OBJECT, rawArgs: text };
  } catch (e) {
    // JSON.parse throws nothing but a SyntaxError.
    return { error: (e as SyntaxError).message, rawArgs: text };
  }
}

/** A call as the model made it, before its id is repaired. */
export interface CarriedCall {
  id: string | undefined;
  name: string;
  unlisted?: true;
  toolCallsIndex?: number;
  args: Record<string, unknown>;
  nameless?: true;
  invalid?: PlannedCall["invalid"];
  cutOff?: true;
  /** The call's mark (a prepared turn) says what it is; its entry needs no correction for that. */
  marked?: true;
}

/** The name a call is answered under, and whether the model gave none. */
export function nameFields(name: unknown): { name: string; nameless?: true } {
  const usable = usableName(name);
  return usable === undefined ? { name: UNNAMED_CALL, nameless: true } : { name: usable };
}

/**
 * The calls that each carrier list holds, per list, in list order. A
 * converter sends them whatever `tool_calls` says, so the planner answers
 * the ones that `tool_calls` lacks.
 */
export function carriedCalls(ai: AIMessage): CarriedCall[][] {
  return carriedLists(ai).map(([carrier, list]) =>
    list
      .filter(isRecord)
      .filter(carrier.isCall)
      .map((item) => {
        const id = carrier.idOf(item);
        const named = nameFields(carrier.nameOf(item));
        const parsed = parseArgs(carrier.argsOf(item));
        const invalid =
          carrier.invalidOf(item) ?? ("error" in parsed ? { error: parsed.error, rawArgs: parsed.rawArgs } : undefined);
        return invalid
          ? { id, ...named, args: {}, invalid }
          : { id, ...named, args: "args" in parsed ? parsed.args : {} };
      }),
  );
}

/** One side of a pairing: a call's id (as the model gave it) and its arguments. */
interface CallKey {
  id: string | undefined;
  args: Record<string, unknown>;
}

/**
 * Pairs each item with a call: an unpaired call with the same id and the
 * same arguments, else the first unpaired call with the same id. Ids repeat
 * (a model that reuses them, a list that lost an entry), so the arguments
 * tell such calls apart. Returns each item's call index, or -1.
 */
export function pairCalls(items: readonly (CallKey | undefined)[], calls: readonly CallKey[]): number[] {
  // A -1 (no call) may go in too: no call has that index.
  const paired = new Set<number>();
  // Stryker disable next-line StringLiteral: any one text for arguments that cannot be stringified compares them the same
  const argsOf = (args: Record<string, unknown>) => safeStringify(args) ?? "";
  const pairs = items.map((item) => {
    if (!item) return -1;
    const index = calls.findIndex(
      (call, k) => !paired.has(k) && call.id === item.id && argsOf(call.args) === argsOf(item.args),
    );
    paired.add(index);
    return index;
  });
  return pairs.map((pair, i) => {
    const item = items[i];
    if (pair >= 0 || !item) return pair;
    const index = calls.findIndex((call, k) => !paired.has(k) && call.id === item.id);
    paired.add(index);
    return index;
  });
}

/** What each list item becomes: kept as is, dropped, or the carrier of a call. */
type Match = { item: unknown; call?: PlannedCall; drop?: boolean };

/**
 * Pairs each call item of a list with a call (see {@link pairCalls});
 * streaming fragments are dropped. Every call item finds one: the planner
 * made a call of each item that no parsed call matched, and a corrected
 * AIMessage's items carry its calls.
 */
function matchItems(carrier: CallReader, list: readonly unknown[], calls: readonly PlannedCall[]) {
  const keys = list.map((item) =>
    isRecord(item) && carrier.isCall(item) ? { id: carrier.idOf(item), args: argsOfItem(carrier, item) } : undefined,
  );
  const pairs = pairCalls(
    keys,
    calls.map((call) => ({ id: call.originalId, args: call.args })),
  );
  const matches = list.map((item, i): Match => {
    if (!isRecord(item)) return { item };
    if (carrier.isFragment?.(item)) return { item, drop: true };
    if (!carrier.isCall(item)) return { item };
    return { item, call: calls[pairs[i]!]! };
  });
  const claimed = new Set(pairs);
  return { matches, unclaimed: calls.filter((_, k) => !claimed.has(k)) };
}

/** The parsed arguments of a carrier item (`{}` when they do not parse). */
function argsOfItem(carrier: CallReader, item: Item): Record<string, unknown> {
  const parsed = parseArgs(carrier.argsOf(item));
  return "args" in parsed ? parsed.args : {};
}

function rewriteList(carrier: CallCarrier, list: readonly unknown[], calls: readonly PlannedCall[]): unknown[] {
  const { matches, unclaimed } = matchItems(carrier, list, calls);
  const rewritten = matches.flatMap(({ item, call, drop }) =>
    drop ? [] : [call ? carrier.rewrite(item as Item, call) : item],
  );
  if (carrier.create) for (const call of unclaimed) rewritten.push(carrier.create(call));
  return rewritten;
}

/**
 * The calls in call order: the calls of `tool_calls` in their own order (a
 * router that sends one Send per entry writes their results in that order),
 * each other call (invalid, or carried only by a content block, a stored
 * Responses item or a raw OpenAI call) right after the `tool_calls` entry
 * that precedes it in the list the converters send, and calls that no list
 * places at the end.
 */
export function orderAsSent(ai: AIMessage, calls: PlannedCall[]): PlannedCall[] {
  const lists = carriedLists(ai);
  const holdsCalls = ([carrier, list]: [CallReader, unknown[]]) =>
    list.some((item) => isRecord(item) && carrier.isCall(item));
  const sent = lists.find(([carrier]) => carrier === RESPONSES_OUTPUT) ?? lists.find(holdsCalls);
  const tracked = calls.filter((call) => call.toolCallsIndex !== undefined);
  if (!sent) return calls;
  // Stryker disable next-line ConditionalExpression: only a saving: with every call in tool_calls, the loop below keeps their order
  if (tracked.length === calls.length) return calls;
  const { matches, unclaimed } = matchItems(sent[0], sent[1], calls);
  const leading: PlannedCall[] = [];
  const following = new Map<PlannedCall, PlannedCall[]>();
  let previous: PlannedCall | undefined;
  for (const { call } of matches) {
    if (!call) continue;
    if (call.toolCallsIndex !== undefined) previous = call;
    else if (previous) following.set(previous, [...(following.get(previous) ?? []), call]);
    else leading.push(call);
  }
  const trailing = unclaimed.filter((call) => call.toolCallsIndex === undefined);
  return [...leading, ...tracked.flatMap((call) => [call, ...(following.get(call) ?? [])]), ...trailing];
}

/**
 * A corrected copy of `ai` (same message `id`, so the messages reducer
 * replaces it in place) whose every representation of its calls - the
 * `tool_calls` list, content blocks, stored Responses output items and
 * OpenAI's raw `additional_kwargs.tool_calls` - holds exactly `calls`:
 * invalid calls become ordinary calls with empty arguments (their error
 * result explains), nameless calls get a name, and missing, malformed,
 * over-long or already used ids are replaced.
 */
export function rewriteAIMessage(ai: AIMessage, calls: readonly PlannedCall[]): AIMessage {
  const additional_kwargs = { ...ai.additional_kwargs };
  if (Array.isArray(additional_kwargs.tool_calls)) additional_kwargs.tool_calls = calls.map(rawOpenAICall) as never;
  const output = storedOutput(ai);
  const response_metadata = output
    ? { ...ai.response_metadata, output: rewriteList(RESPONSES_OUTPUT, output, calls) }
    : ai.response_metadata;
  const content = Array.isArray(ai.content)
    ? (rewriteList(CONTENT_BLOCKS, ai.content as unknown[], calls) as AIMessage["content"])
    : ai.content;
  return new AIMessage({
    content,
    id: ai.id,
    name: ai.name,
    additional_kwargs,
    response_metadata,
    usage_metadata: ai.usage_metadata,
    tool_calls: calls.map(toolCallOf),
    invalid_tool_calls: [],
  });
}
