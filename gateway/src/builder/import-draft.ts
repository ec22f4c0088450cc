/**
 * POST /v1/imports/openapi/draft: the change an import proposes. The pack file is @raku/import's draftImport
 * (what `raku import openapi` writes for that selection, merged with the committed pack on re-import), the
 * zone file gains the pack (edited through the yaml Document API, so its comments and order stay), a policy
 * file binds a role to the pack's tools, and the whole is previewed on the current snapshot (validation,
 * patch, access diff) with the config-repo's previewChange.
 */
import type { Pack, Policy, SourceFile } from '@raku/config';
import { exposedToolName, UserError } from '@raku/config';
import {
  draftImport,
  formatContractDiff,
  parseCommittedPack,
  serializePolicy,
  snapshotFileName,
} from '@raku/import';
import { isMap, isSeq, parseDocument as parseYamlDocument } from 'yaml';
import { MAX_CHANGE_FILE_BYTES } from '../config-repo/change-files.ts';
import { previewChange } from '../config-repo/preview.ts';
import type { ChangeFile, ConfigSnapshot } from '../config-repo/types.ts';
import { committedPackFile } from './import-analysis.ts';
import type { ReadSource } from './import-source.ts';
import { type ImportDraft, type ImportDraftRequest, ImportInputError } from './types.ts';

const decoder = new TextDecoder('utf-8');

export function draftImportChange(
  read: ReadSource,
  request: ImportDraftRequest,
  snapshot: ConfigSnapshot,
  callerSubject: string,
): ImportDraft {
  const name = read.name;
  const committedFile = committedPackFile(name, snapshot.files);
  let committed: Pack | undefined;
  if (committedFile) {
    try {
      committed = parseCommittedPack(committedFile.bytes, committedFile.path);
    } catch (err) {
      throw new ImportInputError(`source.name: ${(err as Error).message}`);
    }
  }
  const owner = request.owner ?? committed?.owner ?? callerSubject.replace(/^[a-z]+:/, '');
  const snapshotName = snapshotFileName(read.bytes);
  let drafted: ReturnType<typeof draftImport>;
  try {
    drafted = draftImport({
      doc: read.doc,
      bytes: read.bytes,
      sha256: read.sha256,
      snapshotName,
      name,
      owner,
      ...(read.baseUrl !== undefined ? { baseUrl: read.baseUrl } : {}),
      ...(read.url ? { documentUrl: read.url } : {}),
      operations: request.operations,
      ...(committed ? { committed: { pack: committed } } : {}),
      repoFiles: snapshot.files,
    });
  } catch (err) {
    if (err instanceof UserError) throw new ImportInputError(err.message);
    throw err;
  }
  const { pack } = drafted;
  const warnings = [...drafted.warnings];
  // A change carries config files only (and at most 1 MiB each): the pack file, not the document snapshot.
  const packFile = committedFile?.path ?? `packs/${name}/pack.yaml`;
  const files: ChangeFile[] = [];
  for (const file of drafted.files) {
    if (file.path.endsWith('/pack.yaml')) {
      files.push({ path: packFile, content: decoder.decode(file.bytes as Uint8Array) });
    } else if (file.bytes) {
      warnings.push(
        `${file.path}: the document snapshot the pack names (source.document) is not part of the change (a change holds config files only); commit it beside the pack with \`raku import openapi\` if later re-imports should keep hand edits`,
      );
    }
  }
  if (request.zone !== undefined) files.push(zoneWithPack(snapshot, request.zone, name));
  if (request.role !== undefined) files.push(policyFor(snapshot, pack, request.role));
  const packBytes = Buffer.byteLength(files[0]?.content ?? '');
  if (packBytes > MAX_CHANGE_FILE_BYTES) {
    throw new ImportInputError(
      `operations: the pack file for these ${pack.tools.length} tools is ${packBytes} bytes, over the ${MAX_CHANGE_FILE_BYTES} (1 MiB) a change file may hold; choose fewer operations (or split by tag with raku import openapi)`,
    );
  }
  const preview = previewChange(snapshot, {
    title: `Import ${name} (${pack.tools.length} tools)`,
    files,
  });
  return {
    pack: { name, version: pack.version, tools: pack.tools.length },
    files,
    contractDiff: drafted.diff ? formatContractDiff(drafted.diff) : null,
    preview,
    warnings,
  };
}

/**
 * The file of the zone named `zone` (its `name:`, as GET /v1/zones and the analysis name zones; a file named
 * after the zone when no file says so), parsed.
 */
function zoneFile(snapshot: ConfigSnapshot, zone: string) {
  let byPath: { file: SourceFile; doc: ReturnType<typeof parseYamlDocument> } | undefined;
  for (const file of snapshot.files) {
    const m = /^zones\/([^/]+)\.ya?ml$/.exec(file.path);
    if (!m || file.refused) continue;
    const doc = parseYamlDocument(decoder.decode(file.bytes));
    const name = isMap(doc.contents) ? doc.get('name') : undefined;
    if (name === zone) return { file, doc };
    if (m[1] === zone) byPath = { file, doc };
  }
  return byPath;
}

/** The zone's file with `{ name: <pack> }` appended to its packs list; 400 when absent or already there. */
function zoneWithPack(snapshot: ConfigSnapshot, zone: string, pack: string): ChangeFile {
  const found = zoneFile(snapshot, zone);
  if (!found) throw new ImportInputError(`zone: no zone "${zone}" in the config repository`);
  const { file, doc } = found;
  if (doc.errors.length > 0 || !isMap(doc.contents)) {
    throw new ImportInputError(`zone: ${file.path} does not parse; fix it before adding packs to it`);
  }
  const packs = doc.get('packs', true);
  if (packs !== undefined && !isSeq(packs))
    throw new ImportInputError(`zone: ${file.path}: packs is not a list`);
  const listed = (packs?.items ?? []).some((item: unknown) => isMap(item) && item.get('name') === pack);
  if (listed) throw new ImportInputError(`zone: pack "${pack}" is already in zone "${zone}"`);
  if (packs) packs.add(doc.createNode({ name: pack }));
  else doc.set('packs', doc.createNode([{ name: pack }]));
  return { path: file.path, content: doc.toString({ lineWidth: 0 }) };
}

/** policies/<pack>.yaml: one role over the pack's tools ('<prefix>.*'), bound to the subjects. */
function policyFor(
  snapshot: ConfigSnapshot,
  pack: Pack,
  role: NonNullable<ImportDraftRequest['role']>,
): ChangeFile {
  const path = `policies/${pack.name}.yaml`;
  if (snapshot.files.some((f) => f.path === path || f.path === `policies/${pack.name}.yml`)) {
    throw new ImportInputError(
      `role: ${path} already exists; grant the role by editing it (the policies view) instead`,
    );
  }
  const policy: Policy = {
    name: pack.name,
    description: `Who may call the ${pack.name} tools (from the console's import).`,
    roles: [{ name: role.name, tools: [exposedToolName(pack, '*')] }],
    bindings: [{ role: role.name, subjects: role.subjects }],
  };
  return { path, content: serializePolicy(policy) };
}
