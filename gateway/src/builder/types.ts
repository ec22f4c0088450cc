/**
 * The import builder's settings and the shapes it answers (the Import section of the console's API: analysis,
 * drafts, AI suggestions). The HTTP layer (../admin/import-routes.ts) passes settings in and serialises these.
 */
import type { AiConfig } from '@raku/import';
import type { ChangeFile, ChangePreview } from '../config-repo/types.ts';

/** Default largest document an import route takes (its JSON body): 32 MiB, the CLI's document limit. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 32 * 1024 * 1024;

export interface ImportSettings {
  /** RAKU_IMPORT_URLS=1 or private: the gateway may fetch a document from a URL (off by default). */
  fetchUrls: boolean;
  /**
   * RAKU_IMPORT_URLS=private: private and loopback addresses may be fetched too. The import's own switch,
   * independent of the packs' allowPrivateNetworks; link-local and metadata addresses are refused always.
   */
  allowPrivateNetworks: boolean;
  /** OpenAI or Azure OpenAI, from the variables `raku import openapi --ai` reads; absent: no suggestions. */
  ai?: AiConfig;
  /** Largest body of an import route (the document inside it). Default DEFAULT_MAX_DOCUMENT_BYTES. */
  maxDocumentBytes?: number;
  /** Deadline of a URL fetch. Default 30 s. */
  fetchTimeoutMs?: number;
}

export interface ImportSource {
  document?: string;
  url?: string;
  name?: string;
  baseUrl?: string;
  includeDeprecated?: boolean;
}

export interface ImportCapabilities {
  fetchUrls: boolean;
  ai: { enabled: boolean; provider: 'openai' | 'azure' | null };
  maxDocumentBytes: number;
}

export interface ImportOperation {
  id: string;
  method: string;
  path: string;
  operationId: string | null;
  summary: string | null;
  tags: string[];
  deprecated: boolean;
  selected: boolean;
  tool: {
    name: string;
    description: string;
    inputSchema: Record<string, unknown>;
    annotations: Record<string, unknown> | null;
    sensitive: boolean;
  } | null;
  skipped: { code: string; reason: string } | null;
}

export interface ImportAnalysis {
  documentSha256: string;
  title: string;
  version: string;
  format: string;
  pack: { name: string; version: string; baseUrl: string | null };
  authSchemes: { name: string; type: string; description: string | null }[];
  operations: ImportOperation[];
  counts: { operations: number; importable: number; skipped: number; selected: number };
  existingPack: { name: string; version: string; zones: string[] } | null;
  warnings: string[];
}

export interface ImportDraftRequest {
  source: ImportSource;
  operations: { id: string; name?: string; description?: string; sensitive?: boolean }[];
  zone?: string;
  role?: { name: string; subjects: string[] };
  owner?: string;
}

export interface ImportDraft {
  pack: { name: string; version: string; tools: number };
  files: ChangeFile[];
  contractDiff: string | null;
  preview: ChangePreview;
  warnings: string[];
}

export interface ImportSuggestionsRequest {
  source: ImportSource;
  operations?: string[];
}

export interface ImportSuggestions {
  model: string;
  operations: {
    id: string;
    selected?: boolean;
    description?: string;
    sensitive?: boolean;
    reason?: string;
  }[];
  role: { name: string; subjects: string[] } | null;
}

/** Bad input an import route answers with 400 (the message names the field and the reason). */
export class ImportInputError extends Error {
  override readonly name = 'ImportInputError';
}

/** No OpenAI / Azure OpenAI configured: 409 ai_unavailable. */
export class AiUnavailableError extends Error {
  override readonly name = 'AiUnavailableError';
}
