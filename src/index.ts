/**
 * safe-tool-node: the node, its routers, the history checks and the errors.
 *
 * How a batch flows, by folder:
 * - node/      read the input, plan the batch (`SafeToolNode`, options)
 * - calls/     the call model: the AIMessage's calls in every form, ids made valid and unique
 * - routing/   `safeToolsCondition`, `safeToolsFanOut`, the Send protocol, `safePostModelHook`
 * - run/       run each call: timeouts, concurrency, durable tasks, graph control flow
 * - update/    settle each call into its ToolMessage, and assemble the one update
 * - history/   `validateToolResults`, `repairToolResults` and the `repairHistory` option
 * - util/      small helpers: guards, error texts, argument issues
 */
export { SafeToolNode } from "./node/safe-tool-node.js";
export { safeToolsCondition, type RoutableState } from "./routing/safe-tools-condition.js";
export { safeToolsFanOut } from "./routing/fan-out.js";
export {
  safePostModelHook,
  type PostModelHookState,
  type PostModelHookUpdate,
} from "./routing/safe-post-model-hook.js";
export type { ToolBatchSummary, ToolCallFinished } from "./node/report.js";
export {
  validateToolResults,
  type ToolResultProblem,
  type ToolResultProblemKind,
} from "./history/validate-tool-results.js";
export { repairToolResults, type RepairOptions } from "./history/repair-tool-results.js";
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
