import type { ArgumentIssue } from "./errors.js";

const MAX_REASON_LENGTH = 1000;

/**
 * Patterns of credentials that error messages of HTTP clients and SDKs tend
 * to echo (keys in URLs, auth headers). Whatever matches is replaced before
 * the text can reach the model.
 */
const SECRET_PATTERNS: readonly [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 [redacted]"],
  [/\b(sk|pk|rk|xox[abpr]|ghp|gho|github_pat|AKIA|AIza)[-_A-Za-z0-9]{12,}/g, "[redacted]"],
  [/\b(api[-_]?key|access[-_]?token|token|secret|password|passwd|pwd|authorization)(["']?\s*[:=]\s*["']?)[^\s"'&,;]+/gi, "$1$2[redacted]"],
];

/** Removes stack frames, redacts credentials and bounds the length. */
export function sanitizeReason(text: string): string {
  let clean = text
    .split("\n")
    .filter((line) => !/^\s+at\s/.test(line))
    .join("\n")
    .trim();
  for (const [pattern, replacement] of SECRET_PATTERNS) clean = clean.replace(pattern, replacement);
  return clean.length > MAX_REASON_LENGTH ? `${clean.slice(0, MAX_REASON_LENGTH)}… (truncated)` : clean;
}

/**
 * JSON that never throws: BigInts become strings, repeated references become
 * "[Circular]", and a value JSON cannot express yields undefined.
 */
export function safeStringify(value: unknown): string | undefined {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, (_key, item: unknown) => {
      if (typeof item === "bigint") return item.toString();
      if (typeof item === "object" && item !== null) {
        if (seen.has(item)) return "[Circular]";
        seen.add(item);
      }
      return item;
    });
  } catch {
    return undefined;
  }
}

/** A one-line reason for whatever a tool threw: an Error, a string, undefined, an object. */
export function describeThrown(thrown: unknown): string {
  let reason: string;
  if (typeof thrown === "string") reason = thrown || "an empty error";
  else if (thrown === undefined || thrown === null) reason = `it threw ${String(thrown)}`;
  else if (typeof thrown === "object" && typeof (thrown as { message?: unknown }).message === "string") {
    const { message, name } = thrown as { message: string; name?: unknown };
    reason = message || (typeof name === "string" && name) || "an error without a message";
  } else if (typeof thrown === "object") reason = safeStringify(thrown) ?? Object.prototype.toString.call(thrown);
  else reason = String(thrown);
  return sanitizeReason(reason);
}

interface SafeParseSchema {
  safeParse(value: unknown): { success: boolean; error?: { issues?: { path?: readonly PropertyKey[]; message?: string }[] } };
}

function hasSafeParse(schema: unknown): schema is SafeParseSchema {
  return typeof schema === "object" && schema !== null && typeof (schema as SafeParseSchema).safeParse === "function";
}

/**
 * The issues of `args` against a tool's schema, by field path. Works with Zod
 * v3 and v4 schemas (both have `safeParse`); for a JSON schema, where only a
 * summary is known, returns one issue on the arguments object.
 */
export function argumentIssues(schema: unknown, args: unknown, fallback: string): ArgumentIssue[] {
  if (hasSafeParse(schema)) {
    try {
      const result = schema.safeParse(args);
      const issues = result.error?.issues ?? [];
      if (!result.success && issues.length > 0) {
        return issues.map((issue) => ({
          path: (issue.path ?? []).map(String).join("."),
          message: sanitizeReason(issue.message ?? "invalid value"),
        }));
      }
    } catch {
      // a schema that throws while validating: fall through to the summary
    }
  }
  return [{ path: "", message: sanitizeReason(fallback.split("\n")[0] ?? fallback) }];
}
