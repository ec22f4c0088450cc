export { type AiConfig, requestSuggestions } from './ai/openai-enricher.ts';
export { applySuggestions } from './ai/suggestions.ts';
export {
  DEFAULT_MAX_TOOLS,
  type ImportOptions,
  type ImportReport,
  importOpenApi,
} from './build-pack.ts';
export { formatContractDiff } from './contract-diff.ts';
export { checkPack, checkPacks, generatePack } from './import-pack.ts';
export {
  byReason,
  formatReport,
  formatWarnings,
  type ImportReportJson,
  type ReportedPack,
} from './import-report.ts';
export { documentFormat, type OpenApiDocument, parseDocument } from './openapi-document.ts';
export { isJson } from './operation-tool.ts';
export { listOperations } from './operations.ts';
export { readOpenApiDocument } from './read-document.ts';
export { serializePolicy } from './serialize-pack.ts';
export { importOpenApiSplit, SMALL_TAG_OPERATIONS, type SplitPack } from './split-by-tag.ts';
export { documentForPack } from './split-document.ts';
