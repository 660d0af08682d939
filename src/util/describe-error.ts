const MAX_REASON_LENGTH = 1000;

/**
 * Patterns of credentials that error messages of HTTP clients and SDKs tend
 * to echo (keys in URLs, auth headers). Whatever matches is replaced before
 * the text can reach the model.
 */
const AUTH_SCHEMES = "Bearer|Basic|Digest|Token|Negotiate|Bot";
const SECRET_PATTERNS: readonly [RegExp, string][] = [
  // An auth header keeps its scheme, which tells the model what kind of credential failed.
  [
    new RegExp(`\\b(authorization|proxy-authorization)(["']?\\s*[:=]\\s*["']?)(${AUTH_SCHEMES})\\s+[^\\s"'&,;]+`, "gi"),
    "$1$2$3 [redacted]",
  ],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 [redacted]"],
  [/\b(sk|pk|rk|xox[abpr]|ghp|gho|github_pat|AKIA|AIza)[-_A-Za-z0-9]{12,}/g, "[redacted]"],
  [
    new RegExp(
      `\\b(api[-_]?key|access[-_]?token|token|secret|password|passwd|pwd|authorization)(["']?\\s*[:=]\\s*["']?)(?!(?:${AUTH_SCHEMES})\\s+\\[redacted\\])[^\\s"'&,;]+`,
      "gi",
    ),
    "$1$2[redacted]",
  ],
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

/** The value of `read()`, or `fallback` when reading throws (a getter that throws, a revoked Proxy). */
export function readSafely<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

const UNREADABLE = "it threw a value that could not be read";

function reasonOf(thrown: unknown): string {
  if (typeof thrown === "string") return thrown || "an empty error";
  if (thrown === undefined || thrown === null) return `it threw ${String(thrown)}`;
  if (typeof thrown === "function") return "it threw a function";
  if (typeof thrown !== "object") return String(thrown);
  const message = readSafely(() => (thrown as { message?: unknown }).message, undefined);
  if (typeof message === "string") {
    const name = readSafely(() => (thrown as { name?: unknown }).name, undefined);
    return message || (typeof name === "string" && name) || "an error without a message";
  }
  return safeStringify(thrown) ?? readSafely(() => Object.prototype.toString.call(thrown), UNREADABLE);
}

/**
 * A one-line reason for whatever a tool threw: an Error, a string,
 * undefined, an object - also one whose properties or `toString` throw.
 */
export function describeThrown(thrown: unknown): string {
  return sanitizeReason(readSafely(() => reasonOf(thrown), UNREADABLE));
}

/** Error codes of network failures (Node's sockets and DNS, undici). */
const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EHOSTDOWN",
]);
/** Error class names that HTTP clients and model SDKs give failures of the service, not of the request. */
const TRANSIENT_NAMES = new Set([
  "TimeoutError",
  "FetchError",
  "ConnectTimeoutError",
  "HeadersTimeoutError",
  "BodyTimeoutError",
  "SocketError",
  "APIConnectionError",
  "APIConnectionTimeoutError",
  "RateLimitError",
  "InternalServerError",
  "ServiceUnavailableError",
  "ThrottlingException",
  "TooManyRequestsException",
  "ServiceUnavailableException",
]);
const TRANSIENT_TEXT = new RegExp(
  [
    "rate[ -]?limit(ed|s)?",
    "too many requests",
    "(insufficient |exceeded (your )?(current )?|exhausted )quota|quota (exceeded|exhausted|has been exceeded)",
    "timed out|time-?out (error|exceeded|expired)|request timeout|deadline exceeded",
    "(temporarily|service) unavailable|bad gateway|gateway time-?out|overloaded|throttl(ed|ing)|try again later",
    "socket hang up|network error|fetch failed|connection (reset|refused|closed|aborted)",
    "status( code)?:? (408|429|5\\d\\d)",
    "ECONN[A-Z]+|ETIMEDOUT|EAI_AGAIN|ENOTFOUND",
  ]
    .map((pattern) => `\\b(${pattern})\\b`)
    .join("|"),
  "i",
);

function isTransientStatus(status: unknown): boolean {
  const code = typeof status === "string" ? Number(status) : status;
  return (
    typeof code === "number" &&
    (code === 408 || code === 425 || code === 429 || (code >= 500 && code <= 599 && code !== 501 && code !== 505))
  );
}

function looksTransient(thrown: unknown, depth: number): boolean {
  if (typeof thrown === "string") return TRANSIENT_TEXT.test(thrown);
  if (typeof thrown !== "object" || thrown === null || depth > 3) return false;
  const error = thrown as Record<string, unknown>;
  const code = error.code;
  if (typeof code === "string" && (TRANSIENT_CODES.has(code) || code.startsWith("UND_ERR_"))) return true;
  if (typeof error.name === "string" && TRANSIENT_NAMES.has(error.name)) return true;
  const response = error.response as Record<string, unknown> | undefined;
  if (isTransientStatus(error.status) || isTransientStatus(error.statusCode) || isTransientStatus(response?.status))
    return true;
  if (typeof error.message === "string" && TRANSIENT_TEXT.test(error.message)) return true;
  return looksTransient(error.cause, depth + 1);
}

/**
 * True when a tool's failure looks temporary and unrelated to its arguments:
 * a network error, an HTTP 408, 429 or 5xx, a rate limit, an exhausted
 * quota, a timeout inside the tool. Reads the error's code, name, status,
 * message and cause chain; never throws.
 */
export function isTransientFailure(thrown: unknown): boolean {
  return readSafely(() => looksTransient(thrown, 0), false);
}
