/**
 * The edge of the importer: reads an OpenAPI document from a file or (only when allowed) a URL, and bundles
 * local external `$ref`s into it. Everything after this is pure (build-pack.ts).
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { $RefParser } from '@apidevtools/json-schema-ref-parser';
import { sha256Hex, UserError } from '@raku/config';
import {
  DEFAULT_DOCUMENT_LIMITS,
  type DocumentLimits,
  isObject,
  type OpenApiDocument,
  parseBounded,
  parseDocument,
} from './openapi-document.ts';

export interface ReadDocumentOptions {
  /**
   * Allow reading the document, and `$ref`s inside it, from http(s) URLs. Default false: a URL in a
   * document can point anywhere, including internal services (SSRF), so fetching is opt-in.
   */
  allowRemote?: boolean;
  /** Size limits; default 32 MiB per file. */
  limits?: DocumentLimits;
  /** Deadline for fetching and bundling, in milliseconds. Default 30 000. */
  timeoutMs?: number;
}

export interface ReadDocument {
  doc: OpenApiDocument;
  /** The bytes the document was read from; for a document with external `$ref`s, the bundled JSON. */
  bytes: Uint8Array;
  sha256: string;
  /** Set when the document came from a URL. */
  url?: string;
  /** True when local external `$ref`s were bundled in. */
  bundled: boolean;
}

/** Reads, parses and (when it has external references) bundles a document. */
export async function readOpenApiDocument(
  source: string,
  opts: ReadDocumentOptions = {},
): Promise<ReadDocument> {
  const limits = opts.limits ?? DEFAULT_DOCUMENT_LIMITS;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const isUrl = /^https?:\/\//i.test(source);
  let bytes: Uint8Array;
  if (isUrl) {
    if (!opts.allowRemote) {
      throw new UserError(`${source} is a URL: pass --allow-remote to fetch it (off by default: SSRF)`);
    }
    bytes = await fetchBounded(source, limits.maxBytes, timeoutMs);
  } else {
    let size: number;
    try {
      size = (await stat(source)).size;
    } catch {
      throw new UserError(`${source}: no such file`);
    }
    if (size > limits.maxBytes)
      throw new UserError(`${source}: ${size} bytes is over the ${limits.maxBytes}-byte limit`);
    bytes = await readFile(source);
  }
  let doc = parseDocument(bytes, source, limits);
  let bundled = false;
  if (hasExternalRef(doc)) {
    doc = await bundle(source, doc, isUrl, opts.allowRemote === true, limits, timeoutMs);
    bytes = Buffer.from(JSON.stringify(doc));
    bundled = true;
  }
  return { doc, bytes, sha256: sha256Hex(bytes), ...(isUrl ? { url: source } : {}), bundled };
}

/** True when some `$ref` points outside the document. */
export function hasExternalRef(node: unknown): boolean {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) stack.push(...v);
    else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string' && !x.startsWith('#')) return true;
        if (typeof x === 'object') stack.push(x);
      }
    }
  }
  return false;
}

async function bundle(
  source: string,
  doc: OpenApiDocument,
  isUrl: boolean,
  allowRemote: boolean,
  limits: DocumentLimits,
  timeoutMs: number,
): Promise<OpenApiDocument> {
  // The folder's real path: symlinks in it are resolved once, here, and each referenced file's real path
  // must then lie below it (a symlink inside the folder cannot lead out of it).
  const root = isUrl ? undefined : await realpath(path.dirname(path.resolve(source)));
  // The library wraps a resolver's error in its own; keep ours to report it as it is.
  let refused: string | undefined;
  const parser = (order: number, canParse: RegExp) => ({
    order,
    canParse,
    parse: (file: { url: string; data: Buffer | string }) => {
      try {
        return parseDocumentFragment(file.data, file.url, limits);
      } catch (err) {
        refused = (err as Error).message;
        throw err;
      }
    },
  });
  try {
    return (await $RefParser.bundle(isUrl ? source : path.resolve(source), doc, {
      timeoutMs,
      resolve: {
        external: true,
        // Remote references only with --allow-remote, through the same bounded fetch as the document.
        http: allowRemote
          ? {
              canRead: /^https?:\/\//i,
              read: async (file: { url: string }) =>
                Buffer.from(await fetchBounded(file.url, limits.maxBytes, timeoutMs)),
            }
          : false,
        file: {
          // Local references only below the document's folder: a document cannot read /etc/passwd.
          canRead: (file: { url: string }) => !/^https?:/i.test(file.url),
          read: async (file: { url: string }) => {
            const full = path.resolve(decodeURIComponent(file.url.replace(/^file:\/\//, '')));
            // Contain the real path, not the spelled one: `./pw.yaml` may be a symlink to /etc/passwd.
            const real = root ? await realpathOrRefuse(full) : undefined;
            if (!root || !real || !isBelow(real, root)) {
              refused = real
                ? `${source}: $ref to ${full} leaves the document's folder${real !== full ? ` (it resolves to ${real})` : ''}`
                : `${source}: $ref to ${full}: no such file`;
              throw new UserError(refused);
            }
            const size = (await stat(real)).size;
            if (size > limits.maxBytes) {
              refused = `${full}: over the ${limits.maxBytes}-byte limit`;
              throw new UserError(refused);
            }
            // Read the checked real path, so a symlink swapped in after the check is not followed.
            return readFile(real);
          },
        },
      },
      // Our parser for JSON and YAML alike (the library's own would recurse into any nesting depth).
      parse: { json: parser(100, /\.json$/i), yaml: parser(200, /\.ya?ml$/i) },
    })) as OpenApiDocument;
  } catch (err) {
    if (refused !== undefined) throw new UserError(refused);
    if (err instanceof UserError) throw err;
    throw new UserError(`${source}: cannot resolve external $ref: ${(err as Error).message}`);
  }
}

/** A referenced file need not be a whole OpenAPI document (it may hold only schemas). */
function parseDocumentFragment(data: Buffer | string, name: string, limits: DocumentLimits): unknown {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  try {
    return parseDocument(Buffer.from(text), name, limits);
  } catch {
    // Not a full document: parse as plain YAML/JSON with the same limits.
  }
  return fragment(text, name, limits);
}

function fragment(text: string, name: string, limits: DocumentLimits): unknown {
  // The yaml package bounds alias expansion; js-yaml (the library's default) does not. Nesting is bounded too.
  return parseBounded(text, name, limits, /^\s*[{[]/.test(text));
}

async function realpathOrRefuse(file: string): Promise<string | undefined> {
  try {
    return await realpath(file);
  } catch {
    return undefined;
  }
}

function isBelow(file: string, root: string): boolean {
  return file === root || file.startsWith(root.endsWith(path.sep) ? root : `${root}${path.sep}`);
}

/** GETs `url` (no redirects) within `timeoutMs`, refusing a body over `maxBytes`; failures are UserErrors. */
export async function fetchBounded(
  url: string,
  maxBytes: number,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'error', headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new UserError(`${url}: cannot fetch: ${(err as Error).message}`);
  }
  if (!res.ok || !res.body) throw new UserError(`${url}: HTTP ${res.status}`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new UserError(`${url}: larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
