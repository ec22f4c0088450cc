import { UserError } from '@raku/config';

/** What `raku init` writes depends on these, and on nothing else (same options ⇒ byte-identical files). */
export interface ScaffoldOptions {
  /** The repository's name, used in package.json and the README (default: the folder's name). */
  name: string;
  /**
   * The team's GitHub organisation: the zones' image repository (ghcr.io/<org>/raku) and GitOps repository
   * (<org>/raku-gitops). Default `acme`, an example to replace.
   */
  org: string;
  /**
   * The GitHub owner of the Raku repository whose actions the workflows call (`<owner>/raku/actions/<name>@v1`).
   * Default {@link ACTIONS_OWNER_PLACEHOLDER}: the workflows fail until it is replaced, and the README says so.
   */
  actionsOwner: string;
  /** The npm package that holds the raku command, and its exact version (package.json pins it). */
  rakuPackage: { name: string; version: string };
}

/**
 * The owner the workflows name until the team gives its own. GitHub account names cannot hold '_', so nobody can
 * register this one and run code in a workflow whose owner was never replaced: the job fails to resolve it.
 */
export const ACTIONS_OWNER_PLACEHOLDER = 'your_org';

/** GitHub user and organisation names: letters, digits and single hyphens, at most 39 characters. */
const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** npm package names (lower case; a scope allowed), which package.json's `name` must be. */
const NPM_NAME = /^(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;
/** An exact semantic version: package.json pins Raku, it does not float. */
const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/**
 * Checks the options a user gave; throws one UserError naming every bad option at once (the option as the
 * user typed it, the value, and what is allowed).
 */
export function checkScaffoldOptions(options: ScaffoldOptions): ScaffoldOptions {
  const problems: string[] = [];
  if (!GITHUB_OWNER.test(options.org))
    problems.push(
      `--org "${options.org}" is not a GitHub organisation name (letters, digits, single hyphens)`,
    );
  if (options.actionsOwner !== ACTIONS_OWNER_PLACEHOLDER && !GITHUB_OWNER.test(options.actionsOwner))
    problems.push(
      `--actions-owner "${options.actionsOwner}" is not a GitHub owner name (letters, digits, single hyphens)`,
    );
  if (options.name.length > 214 || !NPM_NAME.test(options.name))
    problems.push(
      `--name "${options.name}" is not a package name (lower-case letters, digits, '.', '_' and '-', at most 214)`,
    );
  if (!NPM_NAME.test(options.rakuPackage.name))
    problems.push(`the raku package name "${options.rakuPackage.name}" is not an npm package name`);
  if (!EXACT_VERSION.test(options.rakuPackage.version))
    problems.push(`the raku version "${options.rakuPackage.version}" is not an exact version (e.g. 1.2.3)`);
  if (problems.length > 0) throw new UserError(problems.join('; '));
  return options;
}

/** A package name from a folder name: lower case, anything else becomes '-' (e.g. "My Config" → "my-config"). */
export function packageNameFor(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-._]+|-+$/g, '');
  return name === '' ? 'raku-config' : name;
}
