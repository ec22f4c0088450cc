/**
 * `raku import a2a`: reads an Agent Card from a file or URL, builds the pack (build-a2a-pack.ts), merges it
 * with the committed one and validates the repository with it in place. Writes nothing: the caller writes
 * the result with writeImport (the card as the snapshot beside pack.yaml, for reviewers to diff).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { countBySeverity, type Diagnostic, type Pack, readRepoFiles, UserError } from '@raku/config';
import { type ContractDiff, contractDiff } from '../contract-diff.ts';
import { checkPack } from '../import-pack.ts';
import { type PackFolderWrite, readCommittedPack } from '../pack-folder.ts';
import { fetchBounded } from '../read-document.ts';
import { readAgentCard } from './agent-card.ts';
import { buildA2aPack } from './build-a2a-pack.ts';

/** Largest Agent Card read: 1 MiB (cards are a few kilobytes). */
const MAX_CARD_BYTES = 1024 * 1024;
const CARD_TIMEOUT_MS = 30_000;
/** The card file written beside pack.yaml. */
export const CARD_SNAPSHOT = 'agent-card.json';

export interface ImportA2aOptions {
  /** A file path, or an http(s) URL of the card. */
  source: string;
  root: string;
  cwd: string;
  name: string;
  owner?: string;
  toolPrefix?: string;
  /** Where the card is published, when `source` is a file. Default: <agent origin>/.well-known/agent-card.json. */
  cardUrl?: string;
  out?: string;
}

export interface ImportA2aResult {
  pack: Pack;
  packPath: string;
  /** The interface the pack calls: 'JSONRPC 1.0 at https://…'. */
  interface: string;
  warnings: string[];
  diagnostics: Diagnostic[];
  errors: number;
  diff?: ContractDiff;
  committedVersion?: string;
  /** What writeImport writes. */
  packs: { pack: Pack; write: PackFolderWrite }[];
}

export async function importA2aPack(opts: ImportA2aOptions): Promise<ImportA2aResult> {
  const isUrl = /^https?:\/\//i.test(opts.source);
  // A2A-Version 1.0: an agent speaking both versions serves its 1.0 card (the gateway asks the same way).
  const bytes = isUrl
    ? await fetchBounded(opts.source, MAX_CARD_BYTES, CARD_TIMEOUT_MS, { 'A2A-Version': '1.0' })
    : await readCardFile(path.resolve(opts.cwd, opts.source));
  let card: unknown;
  try {
    card = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new UserError(`${opts.source}: not JSON: ${(err as Error).message}`);
  }
  const summary = readAgentCard(card, opts.source);
  const dir = path.resolve(opts.cwd, opts.out ?? path.join(opts.root, 'packs', opts.name));
  const committed = await readCommittedPack(path.join(dir, 'pack.yaml'));
  // A file names no URL of itself: --card-url, else the committed pack's, else the interface's well-known path.
  const cardUrl = isUrl ? opts.source : (opts.cardUrl ?? committed?.upstream.a2a?.cardUrl);
  const built = buildA2aPack(summary, card, {
    name: opts.name,
    ...(cardUrl ? { cardUrl } : {}),
    ...(opts.owner ? { owner: opts.owner } : {}),
    ...(opts.toolPrefix ? { toolPrefix: opts.toolPrefix } : {}),
    ...(committed ? { committed } : {}),
  });
  const packPath = `packs/${opts.name}/pack.yaml`;
  const check = checkPack(built.pack, packPath, await readRepoFiles(opts.root));
  return {
    pack: built.pack,
    packPath,
    interface: `${built.chosen.binding} ${built.chosen.protocolVersion} at ${built.chosen.url}`,
    warnings: [...built.warnings, ...check.warnings],
    diagnostics: check.diagnostics,
    errors: countBySeverity(check.diagnostics).errors,
    ...(committed ? { diff: contractDiff(committed, built.pack), committedVersion: committed.version } : {}),
    packs: [{ pack: built.pack, write: { dir, yaml: check.yaml, snapshot: { name: CARD_SNAPSHOT, bytes } } }],
  };
}

async function readCardFile(file: string): Promise<Uint8Array> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new UserError(`${file}: no such file`);
  }
  if (size > MAX_CARD_BYTES)
    throw new UserError(`${file}: ${size} bytes is over the ${MAX_CARD_BYTES}-byte limit`);
  return readFile(file);
}
