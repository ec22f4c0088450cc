/**
 * An upstream answer as MCP tool-result content, chosen by its Content-Type: JSON as text plus
 * structuredContent; text/* and XML (and the other textual application types) as text; image/* as image
 * content and audio/* as audio content (base64); anything else (application/pdf, octet-stream, zip …) as an
 * embedded resource with a base64 blob, its MIME type and the URI `raku://<pack>/<tool>/response`. The size
 * is bounded before this by upstream.maxResponseBytes. Pure.
 */

/** One block of an MCP tool result (the kinds a pack tool returns). */
export type ToolContent =
  | { type: 'text'; text: string }
  | { type: 'image'; data: string; mimeType: string }
  | { type: 'audio'; data: string; mimeType: string }
  | { type: 'resource'; resource: { uri: string; mimeType: string; blob: string } };

/** Application types that are text although not text/*. */
const TEXTUAL_APPLICATION =
  /^application\/(?:[\w.-]+\+)?(?:json|xml)$|^application\/(?:javascript|ecmascript|x-www-form-urlencoded|yaml|x-yaml|x-ndjson|ndjson|graphql|sql|csv|toml|x-sh|jwt)$/;

/** The bare media type of a Content-Type header, lower case ('' when there is none). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export type ContentKind = 'json' | 'text' | 'image' | 'audio' | 'resource';

/**
 * How a body of this Content-Type is returned. A missing or unparsable type stays text, as pack results
 * always were.
 */
export function contentKind(contentType: string | undefined): ContentKind {
  const type = mediaType(contentType);
  if (!/^[\w.+-]+\/[\w.+-]+$/.test(type)) return 'text';
  if (/^application\/(?:[\w.-]+\+)?json$/.test(type)) return 'json';
  if (type.startsWith('text/') || TEXTUAL_APPLICATION.test(type)) return 'text';
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'audio';
  return 'resource';
}

/** The URI an embedded resource answer gets: the pack and tool that produced it. */
export function responseUri(pack: string, tool: string): string {
  return `raku://${encodeURIComponent(pack)}/${encodeURIComponent(tool)}/response`;
}

/** Content for a binary body; undefined when the body is text (JSON or textual) or empty (a 204, a HEAD). */
export function binaryContent(
  body: Buffer,
  contentType: string | undefined,
  uri: string,
): ToolContent | undefined {
  if (body.length === 0) return undefined;
  const kind = contentKind(contentType);
  const mimeType = mediaType(contentType);
  const data = body.toString('base64');
  if (kind === 'image') return { type: 'image', data, mimeType };
  if (kind === 'audio') return { type: 'audio', data, mimeType };
  if (kind === 'resource') return { type: 'resource', resource: { uri, mimeType, blob: data } };
  return undefined;
}

/** A body for an error message: text as it is, a binary one by its size and type (no bytes). */
export function bodyForMessage(body: Buffer, contentType: string | undefined): string {
  const kind = contentKind(contentType);
  if (kind === 'json' || kind === 'text') return body.toString('utf8');
  return body.length === 0 ? '' : `(${body.length} bytes of ${mediaType(contentType)})`;
}

/** The first text block of a result, e.g. for an error message. */
export function firstText(content: readonly ToolContent[]): string | undefined {
  for (const block of content) if (block.type === 'text') return block.text;
  return undefined;
}
