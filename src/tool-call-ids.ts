/** Ids every provider accepts (Anthropic's rule is the strictest). */
export const PROVIDER_ID_PATTERN = /^[a-zA-Z0-9_-]+$/;

/** FNV-1a, 32 bit, in base 36: small, fast, stable across platforms. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

/**
 * Hands out call ids that are unique within one AIMessage. An id the model
 * gave is kept when it is valid and not taken; otherwise a deterministic one
 * is made from the message, the call's position and its name, so the same
 * input always yields the same ids (and a re-run after a crash agrees with
 * the first run).
 */
export class CallIdAllocator {
  /**
   * @param seed what made ids derive from (the AIMessage's id).
   * @param used ids already taken; share one set to keep ids unique across messages.
   */
  constructor(
    private readonly seed: string,
    private readonly used: Set<string> = new Set(),
  ) {}

  /** Reserve `id` as it is; false when it is missing, malformed or taken. */
  keep(id: string | undefined): id is string {
    if (!id || !PROVIDER_ID_PATTERN.test(id) || this.used.has(id)) return false;
    this.used.add(id);
    return true;
  }

  /** A fresh id for the call at `index`. */
  make(index: number, name: string, originalId: string | undefined): string {
    const base = `call_${shortHash(`${this.seed}\u0000${index}\u0000${name}\u0000${originalId ?? ""}`)}_${index}`;
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}_${n}`;
    this.used.add(id);
    return id;
  }
}
