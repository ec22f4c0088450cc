/**
 * An import's document: the text the request carries, or (when the operator allows it) the bytes fetched
 * from its URL; parsed as `raku import openapi` parses a file (same limits), with the pack name it gets.
 */
import { sha256Hex, UserError } from '@raku/config';
import {
  analyzeOpenApi,
  DEFAULT_DOCUMENT_LIMITS,
  type OpenApiDocument,
  parseDocument,
  snapshotFileName,
} from '@raku/import';
import { parseDocument as parseYamlDocument } from 'yaml';
import { ImportInputError, type ImportSettings, type ImportSource } from './types.ts';
import { DocumentFetchError, fetchDocument } from './url-fetch.ts';

export interface ReadSource {
  doc: OpenApiDocument;
  bytes: Uint8Array;
  sha256: string;
  url?: string;
  /** The pack name: the one asked for, else derived from the document's title. */
  name: string;
  baseUrl?: string;
  includeDeprecated: boolean;
}

/** The document's operations as `raku import openapi` sees them with the request's options (analyzeOpenApi). */
export function analyzeSource(read: ReadSource): ReturnType<typeof analyzeOpenApi> {
  return analyzeOpenApi(read.doc, {
    name: read.name,
    sourceDocument: snapshotFileName(read.bytes),
    sha256: read.sha256,
    ...(read.baseUrl !== undefined ? { baseUrl: read.baseUrl } : {}),
    ...(read.url ? { documentUrl: read.url } : {}),
    ...(read.includeDeprecated ? { includeDeprecated: true } : {}),
  });
}

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

export async function readImportSource(source: ImportSource, settings: ImportSettings): Promise<ReadSource> {
  const maxBytes = settings.maxDocumentBytes ?? DEFAULT_DOCUMENT_LIMITS.maxBytes;
  if ((source.document === undefined) === (source.url === undefined)) {
    throw new ImportInputError('give exactly one of document (the OpenAPI text) and url');
  }
  if (source.name !== undefined && !DNS_LABEL.test(source.name)) {
    throw new ImportInputError(
      `name: "${source.name}" is not a pack name (a DNS label: lowercase letters, digits and '-', starting with a letter, at most 63)`,
    );
  }
  let bytes: Uint8Array;
  let url: string | undefined;
  if (source.url !== undefined) {
    if (!settings.fetchUrls) {
      throw new ImportInputError(
        'url: this gateway does not fetch documents (RAKU_IMPORT_URLS is off); send the document text instead',
      );
    }
    try {
      bytes = await fetchDocument(source.url, {
        maxBytes,
        timeoutMs: settings.fetchTimeoutMs ?? 30_000,
        allowPrivateNetworks: settings.allowPrivateNetworks,
      });
    } catch (err) {
      if (err instanceof DocumentFetchError) throw new ImportInputError(err.message);
      throw err;
    }
    url = source.url;
  } else {
    bytes = Buffer.from(source.document as string, 'utf8');
  }
  const where = url ? 'url' : 'document';
  let doc: OpenApiDocument;
  try {
    doc = parseDocument(bytes, where, { ...DEFAULT_DOCUMENT_LIMITS, maxBytes });
  } catch (err) {
    if (err instanceof UserError) throw new ImportInputError(withPosition(err.message, bytes));
    throw err;
  }
  return {
    doc,
    bytes,
    sha256: sha256Hex(bytes),
    ...(url ? { url } : {}),
    name: source.name ?? nameFromTitle(doc),
    ...(source.baseUrl !== undefined ? { baseUrl: source.baseUrl } : {}),
    includeDeprecated: source.includeDeprecated === true,
  };
}

/**
 * JSON.parse gives a character position at best, and names no line or column: the position is turned into
 * them, and when there is none the YAML parser (JSON is YAML) is asked where the first error is. Only on the
 * error path.
 */
function withPosition(message: string, bytes: Uint8Array): string {
  if (!/cannot parse: /.test(message) || /line \d+, column \d+/.test(message)) return message;
  const text = Buffer.from(bytes).toString('utf8');
  const at = /at position (\d+)/.exec(message);
  if (at) {
    const offset = Math.min(Number(at[1]), text.length);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    return `${message} (line ${line}, column ${offset - before.lastIndexOf('\n')})`;
  }
  try {
    const pos = parseYamlDocument(text, { prettyErrors: false }).errors[0]?.linePos?.[0];
    if (pos) return `${message} (line ${pos.line}, column ${pos.col})`;
  } catch {
    // no position then
  }
  return message;
}

/** A pack name from the document's title ('Swagger Petstore - OpenAPI 3.0' → 'swagger-petstore-openapi-3-0'). */
export function nameFromTitle(doc: OpenApiDocument): string {
  const info = doc['info'];
  const title =
    info && typeof info === 'object' && typeof (info as Record<string, unknown>)['title'] === 'string'
      ? ((info as Record<string, unknown>)['title'] as string)
      : '';
  const slug = title
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return slug || 'api';
}
