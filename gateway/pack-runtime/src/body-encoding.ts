/**
 * Request bodies other than a JSON object: form (application/x-www-form-urlencoded), multipart/form-data with
 * file parts, and an `arg:<name>` body of a non-JSON media type. Pure apart from the random multipart
 * boundary (which callers may fix).
 *
 * Form and text parts put strings, numbers and booleans as their text, an array as one entry per item (the
 * key repeated) and an object as its JSON text. A file is an argument whose input schema says
 * `contentEncoding: base64`: its decoded bytes are sent, typed by its `contentMediaType`.
 */
import { randomBytes } from 'node:crypto';
import type { HttpTool, JsonSchema, Tool } from '@raku/config';

/** Largest decoded file a call may send when its input schema sets no maxLength: 10 MiB. */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

/** A body argument as it goes on the wire: its argument name (for its schema) and its wire name. */
export interface BodyField {
  arg: string;
  name: string;
  value: unknown;
}

export interface EncodedBody {
  body: string | Buffer;
  contentType: string;
}

/** A value that cannot be encoded (bad base64, a file over its size cap): the caller's mistake. */
export class BodyEncodingError extends Error {
  override readonly name = 'BodyEncodingError';
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function entries(field: BodyField): [string, string][] {
  const values = Array.isArray(field.value) ? field.value : [field.value];
  return values.map((v) => [field.name, text(v)]);
}

/** The argument's property schema in the tool's input schema, when it has one. */
function propertySchema(tool: Pick<Tool, 'inputSchema'>, arg: string): JsonSchema | undefined {
  const props = tool.inputSchema['properties'];
  if (props === null || typeof props !== 'object') return undefined;
  const schema = (props as Record<string, unknown>)[arg];
  return schema !== null && typeof schema === 'object' ? (schema as JsonSchema) : undefined;
}

/** Whether the argument is a file: its schema says `contentEncoding: base64`. */
export function isFileArgument(tool: Pick<Tool, 'inputSchema'>, arg: string): boolean {
  return propertySchema(tool, arg)?.['contentEncoding'] === 'base64';
}

/**
 * The decoded size cap of a file argument: what its schema's maxLength of base64 text can hold, else
 * {@link DEFAULT_MAX_FILE_BYTES}. Checked on the decoded bytes, so padding or whitespace tricks cannot pass
 * more than the cap.
 */
export function maxFileBytes(tool: Pick<Tool, 'inputSchema'>, arg: string): number {
  const maxLength = propertySchema(tool, arg)?.['maxLength'];
  return typeof maxLength === 'number' && maxLength >= 0
    ? Math.floor(maxLength / 4) * 3
    : DEFAULT_MAX_FILE_BYTES;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 (RFC 4648 §4, padded; line breaks allowed as MIME writes them) to bytes, within the cap. */
export function decodeBase64File(arg: string, value: unknown, maxBytes: number): Buffer {
  if (typeof value !== 'string') throw new BodyEncodingError(`argument "${arg}" must be a base64 string`);
  const compact = value.replace(/\r?\n/g, '');
  if (!BASE64.test(compact)) {
    throw new BodyEncodingError(
      `argument "${arg}" is not valid base64 (standard alphabet A-Z a-z 0-9 + /, padded with =)`,
    );
  }
  const size = (compact.length / 4) * 3 - (compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0);
  if (size > maxBytes) {
    throw new BodyEncodingError(`argument "${arg}" is ${size} bytes decoded; the limit is ${maxBytes} bytes`);
  }
  return Buffer.from(compact, 'base64');
}

/** application/x-www-form-urlencoded of the body fields. */
export function encodeForm(fields: readonly BodyField[]): EncodedBody {
  const form = new URLSearchParams();
  for (const field of fields) for (const [k, v] of entries(field)) form.append(k, v);
  return { body: form.toString(), contentType: 'application/x-www-form-urlencoded' };
}

/** A name or filename inside a Content-Disposition header, escaped as the HTML form serialiser does. */
function quoted(name: string): string {
  return `"${name.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22')}"`;
}

/** The media type a file part is sent as: the argument's contentMediaType, else application/octet-stream. */
function fileMediaType(tool: Pick<Tool, 'inputSchema'>, arg: string): string {
  const type = propertySchema(tool, arg)?.['contentMediaType'];
  return typeof type === 'string' && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[^\r\n]+$/.test(type)
    ? type
    : 'application/octet-stream';
}

/**
 * multipart/form-data of the body fields (RFC 7578): file arguments as file parts named after the argument,
 * the others as text parts. `boundary` is random unless given.
 */
export function encodeMultipart(
  tool: Pick<Tool, 'inputSchema'>,
  fields: readonly BodyField[],
  boundary = `raku-${randomBytes(16).toString('hex')}`,
): EncodedBody {
  const parts: Buffer[] = [];
  const part = (headers: string[], content: Buffer) => {
    parts.push(Buffer.from(`--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n`), content, Buffer.from('\r\n'));
  };
  for (const field of fields) {
    if (isFileArgument(tool, field.arg)) {
      const bytes = decodeBase64File(field.arg, field.value, maxFileBytes(tool, field.arg));
      part(
        [
          `Content-Disposition: form-data; name=${quoted(field.name)}; filename=${quoted(field.arg)}`,
          `Content-Type: ${fileMediaType(tool, field.arg)}`,
        ],
        bytes,
      );
      continue;
    }
    for (const [k, v] of entries(field)) {
      part([`Content-Disposition: form-data; name=${quoted(k)}`], Buffer.from(v, 'utf8'));
    }
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Whether a media type is JSON (application/json, anything+json). */
export function isJsonMediaType(type: string): boolean {
  return /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i.test(type.trim());
}

/**
 * The whole body from one argument (`body: arg:<name>`): JSON unless the mapping's `contentType` names
 * another type; then a string goes as it is (decoded first when its schema says base64) and anything
 * else as JSON text.
 */
export function encodeWholeBody(
  tool: Pick<HttpTool, 'http' | 'inputSchema'>,
  arg: string,
  value: unknown,
): EncodedBody {
  const type = tool.http.contentType;
  if (type === undefined || isJsonMediaType(type)) {
    if (type === undefined && typeof value === 'string') {
      // Before contentType existed a string body went as text: kept for packs written then.
      return { body: value, contentType: 'text/plain; charset=utf-8' };
    }
    return { body: JSON.stringify(value), contentType: type ?? 'application/json' };
  }
  if (isFileArgument(tool, arg)) {
    return { body: decodeBase64File(arg, value, maxFileBytes(tool, arg)), contentType: type };
  }
  return { body: text(value), contentType: type };
}

/** The body of the mapped fields by the tool's `http.body` ('json', 'form' or 'multipart'). */
export function encodeFields(
  tool: Pick<HttpTool, 'http' | 'inputSchema'>,
  fields: readonly BodyField[],
): EncodedBody {
  if (tool.http.body === 'form') return encodeForm(fields);
  if (tool.http.body === 'multipart') return encodeMultipart(tool, fields);
  const body: Record<string, unknown> = {};
  for (const field of fields) body[field.name] = field.value;
  return { body: JSON.stringify(body), contentType: 'application/json' };
}
