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

type Item = Record<string, unknown>;
const CALL_BLOCK_TYPES = new Set(["tool_use", "tool_call", "invalid_tool_call"]);

/**
 * Calls `visit` with every call id an AIMessage-shaped value holds in any
 * form a converter sends: `tool_calls`, `invalid_tool_calls`, call content
 * blocks, OpenAI's raw `additional_kwargs.tool_calls` and stored Responses
 * `function_call` items. Plain property reads only: it runs over whole histories.
 */
function visitCallIds(message: unknown, visit: (id: string) => void): void {
  if (typeof message !== "object" || message === null || (message as { type?: unknown }).type !== "ai") return;
  const m = message as { tool_calls?: Item[]; invalid_tool_calls?: Item[]; content?: unknown; additional_kwargs?: Item; response_metadata?: Item };
  const lists: unknown[] = [m.tool_calls, m.invalid_tool_calls, m.additional_kwargs?.tool_calls];
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const call of list) if (typeof call?.id === "string") visit(call.id);
  }
  if (Array.isArray(m.content)) {
    for (const block of m.content as Item[]) {
      if (typeof block?.id === "string" && CALL_BLOCK_TYPES.has(block.type as string)) visit(block.id);
    }
  }
  const output = m.response_metadata?.output;
  if (Array.isArray(output)) {
    for (const item of output as Item[]) if (item?.type === "function_call" && typeof item.call_id === "string") visit(item.call_id);
  }
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

  prefetch(ids: readonly string[]): void {
    if (this.all) return;
    const asked = new Set(ids);
    const found = new Set<string>();
    for (let i = 0; i < this.end; i++) visitCallIds(this.messages[i], (id) => asked.has(id) && found.add(id));
    this.asked = asked;
    this.found = found;
  }

  has(id: string): boolean {
    if (this.asked?.has(id)) return this.found!.has(id);
    if (!this.all) {
      const all = new Set<string>();
      for (let i = 0; i < this.end; i++) visitCallIds(this.messages[i], (seen) => all.add(seen));
      this.all = all;
    }
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
