import { type Diagnostic, dottedPath } from '../diagnostic.ts';
import type { DocumentKind, Loaded, Pack, Policy, RepoModel, Tenant, Zone } from '../model/types.ts';
import { explainSchemaErrors, schemaValidators } from './schemas.ts';
import {
  DEFAULT_YAML_LIMITS,
  type PositionIndex,
  parseYamlSource,
  type SourceFile,
  type YamlLimits,
} from './yaml-source.ts';

/** The result of loading a repository: the documents that passed the schema, and every problem found. */
export interface LoadedRepo {
  model: RepoModel;
  diagnostics: Diagnostic[];
  /** Source positions per file, for rules that report on loaded documents. */
  positions: Map<string, PositionIndex>;
  /** Files that were recognised as config but failed to parse or validate. */
  rejected: { file: string; kind: DocumentKind; value?: unknown }[];
}

/**
 * Which kind of config document a repository path holds, or undefined when it is not config:
 * `packs/<name>/pack.yaml`, `zones/<name>.yaml`, `policies/<name>.yaml`, `tenants/<name>.yaml` (`.yml` too).
 */
export function documentKind(path: string): DocumentKind | undefined {
  if (/^packs\/[^/]+\/pack\.ya?ml$/.test(path)) return 'pack';
  if (/^zones\/[^/]+\.ya?ml$/.test(path)) return 'zone';
  if (/^policies\/[^/]+\.ya?ml$/.test(path)) return 'policy';
  if (/^tenants\/[^/]+\.ya?ml$/.test(path)) return 'tenant';
  return undefined;
}

/** Parses and schema-validates every config file. Pure over file contents: the caller reads the files. */
export function loadRepo(files: readonly SourceFile[], limits: YamlLimits = DEFAULT_YAML_LIMITS): LoadedRepo {
  const validators = schemaValidators();
  const model: RepoModel = { packs: [], zones: [], policies: [], tenants: [] };
  const diagnostics: Diagnostic[] = [];
  const positions = new Map<string, PositionIndex>();
  const rejected: LoadedRepo['rejected'] = [];

  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (file.refused) {
      // Nothing of it was read; what it points to is neither loaded nor quoted.
      diagnostics.push(refusedEntry(file.path, file.refused));
      rejected.push({ file: file.path, kind: FOLDER_KINDS[file.path.split('/')[0] ?? ''] ?? 'pack' });
      continue;
    }
    const kind = documentKind(file.path);
    if (!kind) continue;
    const parsed = parseYamlSource(file, limits);
    positions.set(file.path, parsed.positions);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.value == null && parsed.diagnostics.length === 0) {
      // An emptied file must not pass: zones would still deploy the pack it no longer describes.
      diagnostics.push({
        file: file.path,
        line: 1,
        column: 1,
        path: '',
        rule: 'empty-document',
        message: `holds no ${kind}: the file is empty, only comments or null (delete it to remove the ${kind})`,
        severity: 'error',
      });
    }
    if (parsed.value == null) {
      rejected.push({ file: file.path, kind });
      continue;
    }
    const validate = validators[kind];
    if (!validate(parsed.value)) {
      for (const problem of explainSchemaErrors(validate.errors ?? [], parsed.value)) {
        const pos = problem.atKey ? parsed.positions.keyAt(problem.path) : parsed.positions.at(problem.path);
        diagnostics.push({
          file: file.path,
          ...pos,
          path: dottedPath(problem.path),
          rule: 'schema',
          message: problem.message,
          severity: 'error',
        });
      }
      rejected.push({ file: file.path, kind, value: parsed.value });
      continue;
    }
    const loaded = { file: file.path, value: parsed.value };
    if (kind === 'pack') model.packs.push(loaded as Loaded<Pack>);
    else if (kind === 'zone') model.zones.push(loaded as Loaded<Zone>);
    else if (kind === 'policy') model.policies.push(loaded as Loaded<Policy>);
    else model.tenants.push(loaded as Loaded<Tenant>);
  }
  return { model, diagnostics, positions, rejected };
}

const FOLDER_KINDS: Record<string, DocumentKind> = {
  packs: 'pack',
  zones: 'zone',
  policies: 'policy',
  tenants: 'tenant',
};

/** The diagnostic for an entry a reader refused to read (see SourceFile.refused). */
function refusedEntry(file: string, why: NonNullable<SourceFile['refused']>): Diagnostic {
  const message =
    why === 'symlink'
      ? 'is a symbolic link; links are not followed in packs/, zones/, policies/ or tenants/ (config cannot come from outside the repository): commit the files themselves'
      : 'must be a folder';
  return { file, line: 0, column: 0, path: '', rule: why, message, severity: 'error' };
}
