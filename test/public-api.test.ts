import { describe, expect, it } from "vitest";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import * as api from "../src/index.js";

describe("public API", () => {
  it("exports the node, the router and the error classes, nothing else", () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        "CallNotRunError",
        "CutOffCallError",
        "InvalidNodeInputError",
        "InvalidOptionsError",
        "InvalidToolArgumentsError",
        "InvalidToolCallError",
        "SafeToolNode",
        "SafeToolNodeError",
        "ToolCallError",
        "ToolCancelledError",
        "ToolExecutionError",
        "ToolRejectedError",
        "ToolTimeoutError",
        "UnknownToolError",
        "safeToolsCondition",
        "safeToolsFanOut",
        "safePostModelHook",
        "validateToolResults",
        "repairToolResults",
      ].sort(),
    );
  });

  it("is a ToolNode, so code typed for ToolNode takes it", () => {
    const node: ToolNode = new api.SafeToolNode([]);
    expect(node).toBeInstanceOf(ToolNode);
    expect(node.tools).toEqual([]);
  });

  it("error classes have stable names and isInstance checks that follow the hierarchy", () => {
    const call = { name: "t", id: "c1", args: {} };
    const timeout = new api.ToolTimeoutError(call, 5);
    expect(timeout.name).toBe("ToolTimeoutError");
    expect(timeout.kind).toBe("timeout");
    expect(api.ToolTimeoutError.isInstance(timeout)).toBe(true);
    expect(api.ToolCallError.isInstance(timeout)).toBe(true);
    expect(api.SafeToolNodeError.isInstance(timeout)).toBe(true);
    expect(api.UnknownToolError.isInstance(timeout)).toBe(false);
    expect(api.InvalidNodeInputError.isInstance(timeout)).toBe(false);
    expect(api.SafeToolNodeError.isInstance(new Error("x"))).toBe(false);
    expect(api.SafeToolNodeError.isInstance(undefined)).toBe(false);
    // a structurally identical error from another copy of the package
    const foreign = Object.assign(new Error("t"), {
      [Symbol.for("safe-tool-node.error")]: "ToolTimeoutError ToolCallError SafeToolNodeError",
    });
    expect(api.ToolTimeoutError.isInstance(foreign)).toBe(true);
    expect(new api.InvalidOptionsError("x").name).toBe("InvalidOptionsError");
  });
});
