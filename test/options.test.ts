import { describe, expect, it } from "vitest";
import { InvalidOptionsError, SafeToolNode } from "../src/index.js";
import { safeToolMiddleware } from "../src/middleware.js";
import { add, weather } from "./helpers/fixtures.js";

/** Options as a JavaScript caller passes them: no type checks. */
const untyped = (options: Record<string, unknown>) => options as never;
const tools = [weather, add];

function refusal(make: () => unknown): string {
  try {
    make();
  } catch (error) {
    expect(InvalidOptionsError.isInstance(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error("the options were accepted");
}

describe("options that would silently do the wrong thing are refused at construction", () => {
  it.each([
    ["a misspelt option", { timeoutMS: 1000 }, /unknown option "timeoutMS" \(did you mean "timeoutMs"\?\)/],
    ["an option of another library", { handle_tool_errors: true }, /unknown option "handle_tool_errors"/],
    [
      "a requireApproval name that is no tool (a typo would turn approval off)",
      { requireApproval: ["get_wether"] },
      /requireApproval names "get_wether", which is not a tool of this node \(did you mean "get_weather"\?\)/,
    ],
    [
      "a toolTimeoutMs name that is no tool",
      { toolTimeoutMs: { ad: 100 } },
      /toolTimeoutMs names "ad", which is not a tool of this node \(did you mean "add"\?\)/,
    ],
    [
      "a timeout Node would fire at once",
      { timeoutMs: 2 ** 31 },
      /timeoutMs must be a positive number of milliseconds up to 2147483647/,
    ],
    [
      "a per-tool timeout Node would fire at once",
      { toolTimeoutMs: { add: 1e12 } },
      /toolTimeoutMs\.add must be a positive number/,
    ],
    ["a timeout that is not a number", { timeoutMs: "30s" }, /timeoutMs must be a positive number/],
    // a number in a string is quoted, so it does not read as a valid number refused
    ["a timeout given as text", { timeoutMs: "1000" }, /\(or Infinity for none\), received "1000"\.$/],
    [
      "a maxConcurrency given as text",
      { maxConcurrency: "2" },
      /maxConcurrency must be a whole number of at least 1, received "2"\.$/,
    ],
    [
      "a per-tool concurrency that is a list",
      { concurrency: { add: [2] } },
      /concurrency\.add must be .*, received an array\.$/,
    ],
    ["a durable given as text", { durable: "true" }, /durable must be "auto", true or false, received "true"\.$/],
    ["a blank handleToolErrors text", { handleToolErrors: "  " }, /handleToolErrors must not be a blank string/],
    [
      "approvals where the node cannot interrupt",
      { requireApproval: ["add"], durable: false },
      /requireApproval needs durable mode/,
    ],
    [
      "approval by predicate where the node cannot interrupt",
      { requireApproval: () => true, durable: false },
      /requireApproval needs durable mode/,
    ],
    ["an unknown cutOffCall", { cutOffCall: "skip" }, /cutOffCall must be "error" or "run", received "skip"/],
    ["an unknown resultMedia", { resultMedia: "drop" }, /resultMedia must be "note" or "user_message" or "keep"/],
    ["handleToolErrors: false", { handleToolErrors: false }, /handleToolErrors: false is not supported/],
    ["a repairHistory that is not a boolean", { repairHistory: "yes" }, /repairHistory must be true or false/],
    ["options that are not an object", null, /the options must be an object/],
    ["toolTimeoutMs as a list", { toolTimeoutMs: [] }, /toolTimeoutMs must be an object of tool names to milliseconds/],
    [
      "a misspelt option inherited through the prototype",
      Object.create({ timeoutMS: 5 }),
      /unknown option "timeoutMS"/,
    ],
  ])("%s", (_label, options, message) => {
    expect(refusal(() => new SafeToolNode(tools, untyped(options as Record<string, unknown>)))).toMatch(message);
  });

  it("accepts every documented option, and Infinity as 'no timeout'", () => {
    const node = new SafeToolNode(tools, {
      name: "tools",
      tags: ["t"],
      handleToolErrors: (error) => error.message,
      timeoutMs: 2 ** 31 - 1,
      toolTimeoutMs: { add: Infinity },
      maxConcurrency: 4,
      repairHistory: true,
      durable: "auto",
      requireApproval: ["add"],
      cutOffCall: "run",
      resultMedia: "user_message",
    });
    expect(node).toBeInstanceOf(SafeToolNode);
  });

  it("refuses the middleware's misspelt or out-of-range options the same way", () => {
    expect(refusal(() => safeToolMiddleware(untyped({ timeoutMS: 5 })))).toMatch(
      /safeToolMiddleware: unknown option "timeoutMS" \(did you mean "timeoutMs"\?\)/,
    );
    expect(refusal(() => safeToolMiddleware({ timeoutMs: 2 ** 31 }))).toMatch(/timeoutMs must be a positive number/);
    expect(refusal(() => safeToolMiddleware(untyped({ handleToolErrors: false })))).toMatch(
      /handleToolErrors: false is not supported/,
    );
  });
});
