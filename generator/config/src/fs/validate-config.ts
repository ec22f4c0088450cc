import path from 'node:path';
import { countBySeverity, type Diagnostic } from '../diagnostic.ts';
import { UserError } from '../errors.ts';
import type { RepoModel } from '../model/types.ts';
import { formatDiagnostics } from '../validate/format.ts';
import { validateRepo } from '../validate/validate-repo.ts';
import { readRepoFiles } from './read-repo.ts';

/** What `raku validate` and the validate action ask for. */
export interface ValidateConfigOptions {
  /** Repository root: its packs/, zones/ and policies/ are read (symbolic links not followed). */
  root: string;
  /**
   * Report only on these files or folders, relative to `root` (the whole repository is still loaded, for
   * references). Default: everything. One outside the repository or naming no config file is a UserError.
   */
  paths?: readonly string[];
}

/** What a validation found, counted. */
export interface ValidateConfigResult {
  /** The problems under `paths` (all of them without), sorted by file and position. */
  diagnostics: Diagnostic[];
  /** How many config files were examined (the whole repository). */
  fileCount: number;
  errors: number;
  warnings: number;
  /** The loaded model; only trustworthy when the whole repository has no errors. */
  model: RepoModel;
}

/** True when the repository path `file` is `filter` or under it ('' is the whole repository). */
function covers(filter: string, file: string): boolean {
  return filter === '' || file === filter || file.startsWith(`${filter}/`);
}

/**
 * The `paths` as repository paths. One outside the repository, or that names no config file, is a mistake to
 * report (all of them at once), not a pass.
 */
function reportFilters(root: string, given: readonly string[], files: readonly { path: string }[]): string[] {
  const problems: string[] = [];
  const filters = given.map((p) => {
    const rel = path.relative(root, path.resolve(root, p)).split(path.sep).join('/');
    if (rel === '..' || rel.startsWith('../') || path.isAbsolute(rel))
      problems.push(`${p}: outside the repository`);
    else if (!files.some((f) => covers(rel, f.path)))
      problems.push(`${p}: no pack, zone or policy file there`);
    return rel;
  });
  if (problems.length > 0) {
    throw new UserError(`${problems.join('; ')} (paths are relative to the repository root ${root})`);
  }
  return filters;
}

/**
 * Reads the repository's config files and validates them all (validateRepo): every problem at once, those
 * under `paths` kept, with their counts. Throws a UserError only for a bad `paths` entry.
 */
export async function validateConfig(options: ValidateConfigOptions): Promise<ValidateConfigResult> {
  const files = await readRepoFiles(options.root);
  const filters = reportFilters(options.root, options.paths ?? [], files);
  const result = validateRepo(files);
  const diagnostics = filters.length
    ? result.diagnostics.filter((d) => filters.some((f) => covers(f, d.file)))
    : result.diagnostics;
  return { diagnostics, fileCount: result.fileCount, ...countBySeverity(diagnostics), model: result.model };
}

/**
 * The repository's model when its config has no errors; otherwise a UserError showing the first five (what
 * policy, build, rollout and status start from: they refuse to act on a configuration with errors).
 */
export async function loadValidModel(root: string): Promise<RepoModel> {
  const result = await validateConfig({ root });
  if (result.errors > 0) {
    const shown = formatDiagnostics(
      result.diagnostics.filter((d) => d.severity === 'error').slice(0, 5),
      'text',
      result.fileCount,
    );
    throw new UserError(
      `configuration has ${result.errors} error${result.errors === 1 ? '' : 's'} (raku validate lists them all):\n${shown}`,
    );
  }
  return result.model;
}
