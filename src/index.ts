export { SafeToolNode } from "./safe-tool-node.js";
export { safeToolsCondition, type RoutableState } from "./safe-tools-condition.js";
export { safeToolsFanOut } from "./fan-out.js";
export { safePostModelHook, type PostModelHookState, type PostModelHookUpdate } from "./safe-post-model-hook.js";
export type { ToolBatchSummary, ToolCallFinished } from "./report.js";
export { validateToolResults, type ToolResultProblem, type ToolResultProblemKind } from "./validate-tool-results.js";
export { repairToolResults, type RepairOptions } from "./repair-tool-results.js";
export type {
  ApprovalDecision,
  ApprovalRequest,
  MessagesUpdate,
  ResultMedia,
  SafeToolRuntime,
  SafeTool,
  SafeToolNodeOptions,
  SafeToolNodeOutput,
  ToolErrorHandler,
} from "./types.js";
export {
  SafeToolNodeError,
  InvalidNodeInputError,
  InvalidOptionsError,
  ToolCallError,
  UnknownToolError,
  InvalidToolArgumentsError,
  InvalidToolCallError,
  ToolExecutionError,
  ToolTimeoutError,
  ToolCancelledError,
  ToolRejectedError,
  CutOffCallError,
  CallNotRunError,
  type ToolCallErrorKind,
  type FailedCall,
  type ArgumentIssue,
} from "./errors.js";
