import { gzipSync } from 'fflate';
import { sha256Hex } from '../model/hash.ts';

/** One file of an image layer. Paths are relative to the root of the image ('app/gateway.mjs'). */
export interface LayerFile {
  path: string;
  content: Uint8Array | string;
  /** Permission bits. Default 0o644. */
  mode?: number;
}

/** A compressed layer with the two digests an image needs: `digest` of the gzip blob, `diffId` of the tar. */
export interface Layer {
  blob: Uint8Array;
  digest: string;
  diffId: string;
  size: number;
}

/**
 * The gzip level of every layer. Changing it changes every image digest, so it is fixed here rather than
 * an option. Compression runs in pure JS (fflate, pinned to an exact version) instead of Node's zlib: Node
 * bundles Chromium's zlib, whose output may depend on the CPU's SIMD features, and byte-reproducible layers
 * must not depend on the machine.
 */
export const LAYER_GZIP_LEVEL = 9;

const BLOCK = 512;
const DIR_MODE = 0o755;
const FILE_MODE = 0o644;

/**
 * Builds a byte-reproducible gzip'd tar layer: entries sorted by path, parent directories added, every entry
 * owned by 0:0 with empty user/group names and mtime 0, fixed modes, gzip header without time or name.
 * Same files ⇒ same bytes on any machine. Pure.
 */
export function buildLayer(files: readonly LayerFile[]): Layer {
  const tar = buildTar(files);
  const diffId = `sha256:${sha256Hex(tar)}`;
  const cached = compressed.get(diffId);
  if (cached) return cached;
  const blob = gzipSync(tar, { level: LAYER_GZIP_LEVEL, mtime: 0 });
  // The gzip OS byte: fix it to 255 ("unknown") so it cannot vary with the library's platform guess.
  blob[9] = 255;
  const layer = { blob, digest: `sha256:${sha256Hex(blob)}`, diffId, size: blob.length };
  remember(diffId, layer);
  return layer;
}

/**
 * Compressed layers by diffId, most recent last. Compression is the slow part of a build and its output only
 * depends on the tar, so a layer built again in the same process (the same workload in several zones, a warm
 * rebuild) is not compressed twice. Bounded so a long-running process does not keep every layer.
 */
const compressed = new Map<string, Layer>();
const MAX_CACHED_LAYERS = 16;

/** Forgets every compressed layer (benchmarks measure cold builds with it). */
export function clearLayerCache(): void {
  compressed.clear();
}

function remember(diffId: string, layer: Layer): void {
  compressed.set(diffId, layer);
  if (compressed.size > MAX_CACHED_LAYERS) compressed.delete(compressed.keys().next().value!);
}

/** The uncompressed tar stream of `files` (ustar), sorted and normalised as {@link buildLayer} describes. */
export function buildTar(files: readonly LayerFile[]): Uint8Array {
  const encoder = new TextEncoder();
  const entries = new Map<string, { dir: boolean; data: Uint8Array; mode: number }>();
  for (const file of files) {
    const path = normalisePath(file.path);
    if (entries.has(path)) throw new Error(`layer file ${path} is listed twice`);
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = `${parts.slice(0, i).join('/')}/`;
      if (!entries.has(dir)) entries.set(dir, { dir: true, data: new Uint8Array(0), mode: DIR_MODE });
    }
    const data = typeof file.content === 'string' ? encoder.encode(file.content) : file.content;
    entries.set(path, { dir: false, data, mode: (file.mode ?? FILE_MODE) & 0o7777 });
  }
  const names = [...entries.keys()].sort(byteOrder);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (const name of names) {
    const entry = entries.get(name)!;
    const header = tarHeader(name, entry.dir ? 0 : entry.data.length, entry.mode, entry.dir);
    chunks.push(header);
    total += BLOCK;
    if (!entry.dir && entry.data.length > 0) {
      chunks.push(entry.data);
      const padded = Math.ceil(entry.data.length / BLOCK) * BLOCK;
      if (padded > entry.data.length) chunks.push(new Uint8Array(padded - entry.data.length));
      total += padded;
    }
  }
  chunks.push(new Uint8Array(BLOCK * 2));
  total += BLOCK * 2;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function normalisePath(raw: string): string {
  const path = raw.replace(/^\.?\/+/, '');
  if (
    path === '' ||
    path.endsWith('/') ||
    path.split('/').some((p) => p === '' || p === '.' || p === '..') ||
    /[\u0000-\u001f\\]/.test(path)
  ) {
    throw new Error(`layer file path "${raw}" is not a clean relative path`);
  }
  return path;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function tarHeader(name: string, size: number, mode: number, dir: boolean): Uint8Array {
  const header = new Uint8Array(BLOCK);
  const [prefix, base] = splitName(name);
  writeString(header, 0, 100, base);
  writeOctal(header, 100, 8, mode);
  writeOctal(header, 108, 8, 0); // uid
  writeOctal(header, 116, 8, 0); // gid
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, 0); // mtime
  header.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  header[156] = dir ? 0x35 : 0x30; // '5' directory, '0' regular file
  writeString(header, 257, 6, 'ustar');
  writeString(header, 263, 2, '00');
  // uname, gname stay empty; devmajor/devminor are written as zeros like GNU tar does for files.
  writeOctal(header, 329, 8, 0);
  writeOctal(header, 337, 8, 0);
  writeString(header, 345, 155, prefix);
  let sum = 0;
  for (const byte of header) sum += byte;
  writeString(header, 148, 7, sum.toString(8).padStart(6, '0'));
  header[154] = 0;
  header[155] = 0x20;
  return header;
}

/** ustar stores names up to 100 bytes, or 255 split at a '/' into a 155-byte prefix and a 100-byte name. */
function splitName(name: string): [string, string] {
  const bytes = new TextEncoder().encode(name);
  if (bytes.length <= 100) return ['', name];
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (new TextEncoder().encode(prefix).length <= 155 && new TextEncoder().encode(base).length <= 100) {
      return [prefix, base];
    }
  }
  throw new Error(`layer file path "${name}" is too long for a tar header (at most 255 bytes)`);
}

function writeString(buf: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = new TextEncoder().encode(value);
  if (bytes.length > length) throw new Error(`tar field too long: ${value}`);
  buf.set(bytes, offset);
}

function writeOctal(buf: Uint8Array, offset: number, length: number, value: number): void {
  const text = value.toString(8).padStart(length - 1, '0');
  if (text.length > length - 1) throw new Error(`tar number ${value} does not fit in ${length} bytes`);
  writeString(buf, offset, length - 1, text);
}
