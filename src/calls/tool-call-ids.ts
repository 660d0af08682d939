/**
 * Call ids that every provider accepts at once: OpenAI Chat Completions
 * wants at most 40 characters, Anthropic wants `^[a-zA-Z0-9_-]+$` and ids
 * unique across the whole request (not only within one message).
 */
export const PROVIDER_ID_PATTERN = /^[a-zA-Z0-9_-]{1,40}$/;

/** FNV-1a, 32 bit, in base 36: small, fast, stable across platforms. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

/** Ids taken before the message being planned; a plain `Set` will do. */
export interface TakenIds {
  has(id: string): boolean;
  /** Optional: a chance to look up many ids in one pass before `has` is asked about them. */
  prefetch?(ids: readonly string[]): void;
}

type Item = { id?: unknown; call_id?: unknown; type?: unknown };
type AIMessageLike = {
  type?: unknown;
  tool_calls?: unknown;
  invalid_tool_calls?: unknown;
  content?: unknown;
  additional_kwargs?: { tool_calls?: unknown };
  response_metadata?: { output?: unknown };
};
const CALL_BLOCK_TYPES = new Set(["tool_use", "tool_call", "invalid_tool_call"]);

/** The ids of a list of calls (`tool_calls`, `invalid_tool_calls`, raw OpenAI calls); how many entries it has. */
function visitIds(list: unknown, visit: (id: string) => void): number {
  if (!Array.isArray(list)) return 0;
  // Stryker disable next-line EqualityOperator: one step past the end reads undefined, which holds no id
  for (let k = 0; k < list.length; k++) {
    const id = (list[k] as Item | null | undefined)?.id;
    // Stryker disable next-line ConditionalExpression: an id that is no string is never asked about (has() takes strings)
    if (typeof id === "string") visit(id);
  }
  return list.length;
}

/** The lists converters send whatever `tool_calls` holds: call content blocks, stored Responses items. */
function visitSentIds(m: AIMessageLike, visit: (id: string) => void): void {
  // Stryker disable next-line ConditionalExpression: a message's content is a list or a string, whose characters hold no ids
  if (Array.isArray(m.content)) {
    for (const block of m.content as (Item | null)[])
      if (typeof block?.id === "string" && CALL_BLOCK_TYPES.has(block.type as string)) visit(block.id);
  }
  const output = m.response_metadata?.output;
  if (Array.isArray(output)) {
    for (const item of output as (Item | null)[]) {
      if (item?.type !== "function_call") continue;
      // Stryker disable next-line ConditionalExpression: a call_id that is no string is never asked about (has() takes strings)
      if (typeof item.call_id === "string") visit(item.call_id);
    }
  }
}

/**
 * Calls `visit` with every call id the AIMessages of `messages[0, end)` hold
 * in a form a converter sends: `tool_calls` and `invalid_tool_calls`, call
 * content blocks and stored Responses items (sent whatever `tool_calls`
 * holds: a block a guard took out of `tool_calls` is still sent), and OpenAI's
 * raw calls when `tool_calls` is empty. A consistent message holds the same
 * ids in all of them. One tight loop of plain property reads: it runs over
 * whole histories.
 */
function visitCallIds(messages: readonly unknown[], end: number, visit: (id: string) => void): void {
  for (let i = 0; i < end; i++) {
    const m = messages[i] as AIMessageLike | null | undefined;
    if (typeof m !== "object" || m === null) continue;
    // Stryker disable next-line ConditionalExpression: other messages hold no calls (no tool_calls, no call blocks)
    if (m.type !== "ai") continue;
    const tracked = visitIds(m.tool_calls, visit);
    visitIds(m.invalid_tool_calls, visit);
    // OpenAI's raw calls are sent only while `tool_calls` is empty; blocks and stored items always are.
    if (tracked === 0) visitIds(m.additional_kwargs?.tool_calls, visit);
    visitSentIds(m, visit);
  }
}

function allCallIds(messages: readonly unknown[], end: number): Set<string> {
  const all = new Set<string>();
  visitCallIds(messages, end, (id) => all.add(id));
  return all;
}

/**
 * The call ids that the AIMessages before `end` use, as the converters send
 * them. Anthropic rejects a request in which a `tool_use` id repeats in any
 * turn, so a call whose id an earlier turn used must get a new one.
 *
 * Cost: `prefetch` answers the ids a message needs in one pass over the
 * history without building a set of every id; only an id it was not asked
 * about (a rare fallback of the allocator) makes it collect them all.
 */
export class EarlierCallIds implements TakenIds {
  private asked: Set<string> | undefined;
  private found: Set<string> | undefined;
  private all: Set<string> | undefined;

  constructor(
    private readonly messages: readonly unknown[],
    private readonly end: number,
  ) {}

  // Stryker disable next-line BlockStatement: without it, has() collects every id itself: the same answers, more slowly
  prefetch(ids: readonly string[]): void {
    const asked = new Set(ids);
    const found = new Set<string>();
    visitCallIds(this.messages, this.end, (id) => asked.has(id) && found.add(id));
    this.asked = asked;
    this.found = found;
  }

  has(id: string): boolean {
    // Stryker disable next-line OptionalChaining: the allocator calls prefetch before it asks (assign), so asked is set
    if (this.asked?.has(id)) return this.found!.has(id);
    this.all ??= allCallIds(this.messages, this.end);
    return this.all.has(id);
  }
}

/**
 * Hands out the call ids of one AIMessage. An id the model gave is kept when
 * every provider accepts it and no earlier call took it; otherwise a
 * deterministic one is made from the message, the call's position, its name
 * and its original id, so the same history always yields the same ids (a
 * re-run after a crash, a router and the node it routes to all agree).
 */
export class CallIdAllocator {
  private readonly used = new Set<string>();

  /**
   * @param seed what made ids derive from (the AIMessage's id).
   * @param taken ids used before this message (earlier turns); every id handed out is added to it when it is a `Set`.
   */
  constructor(
    private readonly seed: string,
    private readonly taken?: TakenIds,
  ) {}

  /** The final id of each call, in order. */
  assign(calls: readonly { id: string | undefined; name: string }[]): string[] {
    const made = calls.map((call, index) => this.madeId(index, call.name, call.id));
    // Stryker disable next-line ArrayDeclaration,ConditionalExpression,ArrowFunction: what prefetch is told only saves time; has answers any id
    this.taken?.prefetch?.([...calls.flatMap((call) => (call.id ? [call.id] : [])), ...made]);
    // Every id the model gave that can stay is kept before any is made, so a made id never displaces one.
    const kept = calls.map((call) => this.keep(call.id));
    const ids = calls.map((call, index) => (kept[index] ? call.id! : this.make(made[index]!)));
    if (this.taken instanceof Set) for (const id of ids) this.taken.add(id);
    return ids;
  }

  private isTaken(id: string): boolean {
    return this.used.has(id) || (this.taken?.has(id) ?? false);
  }

  private keep(id: string | undefined): id is string {
    if (!id || !PROVIDER_ID_PATTERN.test(id) || this.isTaken(id)) return false;
    this.used.add(id);
    return true;
  }

  private madeId(index: number, name: string, originalId: string | undefined): string {
    return `call_${shortHash(`${this.seed}\u0000${index}\u0000${name}\u0000${originalId ?? ""}`)}_${index}`;
  }

  private make(base: string): string {
    let id = base;
    for (let n = 2; this.isTaken(id); n++) id = `${base}_${n}`;
    this.used.add(id);
    return id;
  }
}
