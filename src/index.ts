export { SafeToolNode } from "./safe-tool-node.js";
export { safeToolsCondition, type RoutableState } from "./safe-tools-condition.js";
export type {
  MessagesUpdate,
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
  type ToolCallErrorKind,
  type FailedCall,
  type ArgumentIssue,
} from "./errors.js";
