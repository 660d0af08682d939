/**
 * What was wrong with a call's arguments, by field path, read from the
 * tool's own schema: Standard Schema (Zod 3.24+ and 4, Valibot, ArkType),
 * JSON schema (MCP tools) through `@cfworker/json-schema` - the validator
 * `@langchain/core` itself uses - and `safeParse` as a fallback.
 */
import { Validator, type OutputUnit, type Schema } from "@cfworker/json-schema";
import { sanitizeReason } from "./describe-error.js";
import type { ArgumentIssue } from "../errors.js";
import { isRecord } from "./guards.js";

/** Standard Schema v1, as much of it as is read here. */
interface StandardSchema {
  "~standard": {
    validate(value: unknown): StandardResult | Promise<StandardResult>;
  };
}
type StandardPathSegment = PropertyKey | { key: PropertyKey };
type StandardResult =
  | { value: unknown; issues?: undefined }
  | { issues: readonly { message: string; path?: readonly StandardPathSegment[] }[] };

function isStandardSchema(schema: unknown): schema is StandardSchema {
  if ((typeof schema !== "object" && typeof schema !== "function") || schema === null) return false;
  const standard = (schema as Partial<StandardSchema>)["~standard"];
  return isRecord(standard) && typeof standard.validate === "function";
}

/** Zod (3 or 4): `@langchain/core` validates a tool's Zod schema itself. */
function isZodSchema(schema: unknown): boolean {
  return isRecord(schema) && ("_zod" in schema || "_def" in schema);
}

function isPromise(value: unknown): value is Promise<unknown> {
  return isRecord(value) && typeof value.then === "function";
}

function standardIssues(result: StandardResult, args: unknown): ArgumentIssue[] {
  return (result.issues ?? []).map((issue) => {
    const path = (issue.path ?? []).map((segment) => (isRecord(segment) ? segment.key : segment));
    return {
      path: path.map(String).join("."),
      message: withoutValue(issue.message || "invalid value", valueAt(args, path)),
    };
  });
}

/** The value at `path` in the arguments; undefined when the path leads nowhere. */
function valueAt(args: unknown, path: readonly PropertyKey[]): unknown {
  let node = args;
  for (const key of path) {
    if (!isRecord(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[String(key)];
  }
  return node;
}

/**
 * A schema library's issue text without the argument's value: the model's
 * arguments may hold what must not be echoed (a secret pasted into the
 * wrong field). Valibot ends its texts with "but received <value>", ArkType
 * with "(was <value>)", zod/v3 with ", received '<value>'"; any other
 * occurrence of the value itself is replaced too.
 */
function withoutValue(message: string, value: unknown): string {
  let text = message
    .replace(/,? but received [\s\S]*$/, "")
    .replace(/\s*\(was [^)]*\)/g, "")
    .replace(/,\s*received\s+'[^']*'/g, "");
  if (typeof value === "string" && value.length >= 3) {
    for (const form of [JSON.stringify(value), `'${value}'`, value]) text = text.split(form).join("the given value");
  }
  return sanitizeReason(text.trim() || "invalid value");
}

/**
 * The schema of a tool that `@langchain/core` accepts but does not check: a
 * Standard Schema that is not Zod (Valibot, ArkType). Core validates such a
 * schema as if it were a JSON schema, which checks next to nothing, so the
 * node checks the arguments itself before the tool runs.
 */
export function uncheckedStandardSchema(schema: unknown): StandardSchema | undefined {
  return isStandardSchema(schema) && !isZodSchema(schema) ? schema : undefined;
}

/** The arguments as `schema` parses them (its output, transforms applied), or its issues. */
export async function checkStandardArguments(
  schema: StandardSchema,
  args: Record<string, unknown>,
): Promise<{ args: Record<string, unknown> } | { issues: ArgumentIssue[] }> {
  const result = await schema["~standard"].validate(args);
  if (result.issues) {
    const issues = standardIssues(result, args);
    return { issues: issues.length > 0 ? issues : [{ path: "", message: "the arguments do not match the schema" }] };
  }
  return { args: isRecord(result.value) ? result.value : args };
}

/** The JSON-schema drafts the validator knows, by `$schema` URI. */
function draftOf(schema: Record<string, unknown>): "4" | "7" | "2019-09" | "2020-12" {
  const uri = typeof schema.$schema === "string" ? schema.$schema : "";
  if (uri.includes("draft-04")) return "4";
  if (uri.includes("draft-06") || uri.includes("draft-07")) return "7";
  if (uri.includes("2019-09")) return "2019-09";
  return "2020-12";
}

/** Keywords whose failure only says that something below them failed; the failures below say what. */
const APPLICATORS = new Set([
  "properties",
  "patternProperties",
  "items",
  "prefixItems",
  "additionalItems",
  "allOf",
  "$ref",
  "$dynamicRef",
  "dependentSchemas",
  "unevaluatedProperties",
  "unevaluatedItems",
  "then",
  "else",
  "false",
]);

/** The value at a JSON pointer (`#/properties/n/minimum`) in `schema`, following local `$ref`s on the way. */
function atPointer(schema: unknown, pointer: string, depth = 0): unknown {
  let node = schema;
  for (const raw of pointer.replace(/^#\/?/, "").split("/").filter(Boolean)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isRecord(node) && !Array.isArray(node)) return undefined;
    const next = (node as Record<string, unknown>)[key];
    // A keyword location runs through "$ref" as if the referenced schema stood there.
    node =
      key === "$ref" && typeof next === "string" && next.startsWith("#") && depth < 8
        ? atPointer(schema, next, depth + 1)
        : next;
  }
  return node;
}

function pathOf(instanceLocation: string): string[] {
  return instanceLocation
    .replace(/^#\/?/, "")
    .split("/")
    .filter(Boolean)
    .map((part) => decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** What a failed keyword asks for, in words, from the schema's own value (never the argument's). */
function describeKeyword(keyword: string, expected: unknown, error: string): string {
  const shown = JSON.stringify(expected) ?? String(expected);
  const needsValue = !["type", "uniqueItems", "contains", "oneOf", "anyOf", "not"].includes(keyword);
  if (expected === undefined && needsValue) return `fails the schema's "${keyword}" rule`;
  switch (keyword) {
    case "contains":
      return "must contain an item of the required form";
    case "type":
      return `expected ${Array.isArray(expected) ? expected.join(" or ") : String(expected)}, received ${/Instance type "([^"]+)"/.exec(error)?.[1] ?? "another type"}`;
    case "enum":
      return `must be one of ${shown}`;
    case "const":
      return `must be ${shown}`;
    case "minimum":
      return `must be at least ${shown}`;
    case "maximum":
      return `must be at most ${shown}`;
    case "exclusiveMinimum":
      return `must be greater than ${shown}`;
    case "exclusiveMaximum":
      return `must be less than ${shown}`;
    case "multipleOf":
      return `must be a multiple of ${shown}`;
    case "minLength":
      return `must be at least ${shown} characters long`;
    case "maxLength":
      return `must be at most ${shown} characters long`;
    case "pattern":
      return `must match the pattern ${String(expected)}`;
    case "format":
      return `must be a valid ${String(expected)}`;
    case "minItems":
      return `must have at least ${shown} items`;
    case "maxItems":
      return `must have at most ${shown} items`;
    case "uniqueItems":
      return "must not repeat items";
    case "minProperties":
      return `must have at least ${shown} fields`;
    case "maxProperties":
      return `must have at most ${shown} fields`;
    case "oneOf":
      return "must match exactly one of the allowed forms";
    case "anyOf":
      return "must match one of the allowed forms";
    case "not":
      return "must not match the excluded form";
    default:
      return `fails the schema's "${keyword}" rule`;
  }
}

function jsonSchemaIssue(schema: Record<string, unknown>, unit: OutputUnit): ArgumentIssue | undefined {
  if (APPLICATORS.has(unit.keyword)) return undefined;
  // The branches of a oneOf / anyOf / not / if each fail on their own; the combinator's own failure says it.
  if (/\/(oneOf|anyOf)\/\d+\/|\/(not|if)\//.test(unit.keywordLocation)) return undefined;
  const path = pathOf(unit.instanceLocation);
  const property = /Property "([^"]+)"/.exec(unit.error)?.[1] ?? /property "([^"]+)"/.exec(unit.error)?.[1];
  if (unit.keyword === "required" && property !== undefined)
    return { path: [...path, property].join("."), message: "required field is missing" };
  if (unit.keyword === "additionalProperties" && property !== undefined)
    return { path: [...path, property].join("."), message: "is not a field of this tool" };
  const dependent = /does not have "([^"]+)"/.exec(unit.error)?.[1];
  if (unit.keyword === "dependentRequired" && dependent !== undefined)
    return { path: [...path, dependent].join("."), message: "required field is missing" };
  return {
    path: path.join("."),
    message: describeKeyword(unit.keyword, atPointer(schema, unit.keywordLocation), unit.error),
  };
}

function jsonSchemaIssues(schema: Record<string, unknown>, args: unknown): ArgumentIssue[] {
  const { valid, errors } = new Validator(schema as Schema, draftOf(schema), false).validate(args);
  if (valid) return [];
  const issues: ArgumentIssue[] = [];
  const seen = new Set<string>();
  for (const unit of errors) {
    const issue = jsonSchemaIssue(schema, unit);
    const key = issue && `${issue.path}\u0000${issue.message}`;
    if (issue && !seen.has(key!)) {
      seen.add(key!);
      issues.push({ path: issue.path, message: sanitizeReason(issue.message) });
    }
  }
  return issues;
}

interface SafeParseSchema {
  safeParse(value: unknown): {
    success: boolean;
    error?: { issues?: { path?: readonly PropertyKey[]; message?: string }[] };
  };
}

function hasSafeParse(schema: unknown): schema is SafeParseSchema {
  return isRecord(schema) && typeof schema.safeParse === "function";
}

function safeParseIssues(schema: SafeParseSchema, args: unknown): ArgumentIssue[] {
  const result = schema.safeParse(args);
  if (result.success) return [];
  return (result.error?.issues ?? []).map((issue) => ({
    path: (issue.path ?? []).map(String).join("."),
    message: withoutValue(issue.message ?? "invalid value", valueAt(args, issue.path ?? [])),
  }));
}

/**
 * The issues of `args` against a tool's schema, by field path: through
 * Standard Schema when the schema implements it (and validates synchronously),
 * else `@cfworker/json-schema` for a JSON schema, else `safeParse`. When none
 * of them names an issue, one issue on the arguments object, from `fallback`
 * (the error's own text). Never throws.
 */
export function argumentIssues(schema: unknown, args: unknown, fallback: string): ArgumentIssue[] {
  const readers: (() => ArgumentIssue[])[] = [];
  if (isStandardSchema(schema)) {
    readers.push(() => {
      const result = schema["~standard"].validate(args);
      return isPromise(result) ? (result.catch(() => undefined), []) : standardIssues(result, args);
    });
  }
  // Core checks any schema that is not Zod as a JSON schema: read what it found the same way.
  if (isRecord(schema) && !hasSafeParse(schema)) readers.push(() => jsonSchemaIssues(schema, args));
  if (hasSafeParse(schema)) readers.push(() => safeParseIssues(schema, args));
  for (const read of readers) {
    try {
      const issues = read();
      if (issues.length > 0) return issues;
    } catch {
      // a schema that throws while validating: try the next reader, then the summary
    }
  }
  return [{ path: "", message: sanitizeReason(fallback.split("\n")[0] ?? fallback) }];
}
