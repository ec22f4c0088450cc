export { A2A_FOLLOW_TIMEOUT_MS, A2A_META, SKILL_METADATA } from './a2a-call.ts';
export type { A2aProgress, A2aProgressListener } from './a2a-events.ts';
export { a2aTaskRunning } from './a2a-outcome.ts';
export {
  type BoundViolation,
  DEFAULT_JSON_BOUNDS,
  depthMessage,
  illFormedEscape,
  jsonBounds,
  jsonBoundsFromEnv,
  measureJson,
  pruneDeepText,
  setJsonBounds,
  textDepth,
  tooDeep,
  violationMessage,
} from './json-bounds.ts';
export { readPacksDir } from './load-packs.ts';
export {
  type CallExtras,
  type CallToolResult,
  errorResult,
  type McpToolDefinition,
  PackExecutor,
  STATUS_META,
  UnknownToolError,
} from './pack-executor.ts';
export { firstText, type ToolContent } from './response-content.ts';
export {
  checkLiteralHost,
  guardedLookup,
  isPrivateAddress,
  SsrfBlockedError,
} from './ssrf-guard.ts';
export type { SecretSource } from './upstream-auth.ts';
