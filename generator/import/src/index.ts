export {
  CARD_SNAPSHOT,
  type ImportA2aOptions,
  type ImportA2aResult,
  importA2aPack,
} from './a2a/import-a2a-pack.ts';
export type { AiEnrichment } from './ai/enrich-pack.ts';
export { type AiConfig, requestSuggestions } from './ai/openai-enricher.ts';
export { applySuggestions } from './ai/suggestions.ts';
export {
  type AnalyzedOperation,
  type AnalyzeOptions,
  analyzeOpenApi,
  type OpenApiAnalysis,
} from './analyze.ts';
export {
  DEFAULT_MAX_TOOLS,
  type ImportOptions,
  type ImportReport,
  importOpenApi,
} from './build-pack.ts';
export { formatContractDiff } from './contract-diff.ts';
export {
  type DraftImport,
  type DraftImportInput,
  type DraftOperation,
  draftImport,
  snapshotFileName,
} from './import-draft.ts';
export {
  type ImportedPack,
  type ImportOpenApiOptions,
  type ImportOpenApiResult,
  importOpenApiPacks,
} from './import-openapi-packs.ts';
export { checkPack, checkPacks, generatePack } from './import-pack.ts';
export {
  byReason,
  formatReport,
  formatWarnings,
  type ImportReportJson,
  type ReportedPack,
} from './import-report.ts';
export {
  DEFAULT_DOCUMENT_LIMITS,
  documentFormat,
  type OpenApiDocument,
  parseDocument,
} from './openapi-document.ts';
export { isJson } from './operation-tool.ts';
export { listOperations } from './operations.ts';
export {
  type ImportWritten,
  packFolderFiles,
  parseCommittedPack,
  snapshotDocument,
  writeImport,
} from './pack-folder.ts';
export { readOpenApiDocument } from './read-document.ts';
export { serializePolicy } from './serialize-pack.ts';
export { importOpenApiSplit, SMALL_TAG_OPERATIONS, type SplitPack } from './split-by-tag.ts';
export { documentForPack } from './split-document.ts';
