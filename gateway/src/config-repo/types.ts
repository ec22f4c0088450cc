/**
 * The config repository as the gateway sees it: the packs/, zones/, policies/ and tenants/ files the console's builder
 * views read (import drafts, policy explorer) and the changes they propose as pull requests. The gateway never
 * writes config in place: a change leaves as a pull request (or a patch to download), reviewed by a person.
 *
 * Two adapters: the checkout local mode serves (./local-config-repository.ts) and a GitHub repository read
 * through the REST API (gateway role).
 */
import type { Diagnostic, Environment, SourceFile } from '@raku/config';

/** The config files at the head of the base branch. */
export interface ConfigSnapshot {
  /** The commit the files were read at, or 'working-tree' for an uncommitted local checkout. */
  revision: string;
  /** packs/**, zones/*.yaml, policies/*.yaml, tenants/*.yaml, sorted by path (readRepoFiles' shape). */
  files: SourceFile[];
}

export interface ConfigRepositoryInfo {
  source: 'local' | 'github';
  /** A local folder, or 'owner/name'. */
  location: string;
  /** The base branch changes are proposed against ('' for a local folder that is not a git checkout). */
  branch: string;
}

export interface ConfigRepository {
  readonly info: ConfigRepositoryInfo;
  /** Reads the config files; each call reads afresh (callers must not keep snapshots across requests). */
  snapshot(): Promise<ConfigSnapshot>;
}

/**
 * One file of a proposed change: its full new content, or null to delete it. `path` is repository-relative and
 * names a config file the loader reads (`packs/<name>/pack.yaml`, `zones/<name>.yaml`, `policies/<name>.yaml`,
 * `tenants/<name>.yaml`, `.yml` too): see checkChangeFiles in ./change-files.ts.
 */
export interface ChangeFile {
  path: string;
  content: string | null;
}

/** A change proposed by a builder view: what `POST /v1/changes/preview` and `POST /v1/changes` take. */
export interface ChangeRequest {
  /** 1–200 characters on one line (no control characters): the pull request's title and the commit's first line. */
  title: string;
  /** Up to 20,000 characters: the pull request's body. */
  description?: string;
  /** 1–200 files, each at most 1 MiB of UTF-8. */
  files: ChangeFile[];
  /**
   * What each changed file was when the person saw it: path → the sha-256 (hex, of the UTF-8 text) of its
   * `before` as the preview showed it (`PreviewFile.beforeSha256`), null when it did not exist. POST /v1/changes
   * refuses the change (409 base_changed) when a file differs on the pull request's base, so a pull request
   * never silently reverts what others changed since the preview. Without it (scripts) the whole files are
   * written over whatever the base holds.
   */
  base?: Record<string, string | null>;
}

export type ChangeFileStatus = 'added' | 'modified' | 'deleted' | 'unchanged';

export interface PreviewFile {
  path: string;
  status: ChangeFileStatus;
  before: string | null;
  after: string | null;
  /** sha256Hex of `before` (null when the file does not exist): what ChangeRequest.base carries back. */
  beforeSha256: string | null;
}

/**
 * Who gains or loses which tools in one environment (and tenant), as `raku plan` shows it (@raku/render's accessChanges):
 * `before`/`after` are describeAccess lines ('allowed if …; approval …'), `zones` the zones of the
 * environment where it happens.
 */
export interface AccessChange {
  /**
   * The tenant whose callers gain or lose the access (IMPLICIT_TENANT: callers of no tenant); absent when
   * neither side has tenants (AccessPlanChange.tenant of @raku/render).
   */
  tenant?: string;
  environment: Environment;
  subject: string;
  tool: string;
  change: 'gained' | 'lost' | 'conditions-changed';
  before?: string;
  after?: string;
  zones: string[];
}

export interface ChangePreview {
  /** The snapshot's revision the change was applied over. */
  baseRevision: string;
  /** The request's files in request order, with what the base holds. */
  files: PreviewFile[];
  /** Unified diff of the changed files, `git apply`-able from the repository root (a/ b/ prefixes). */
  patch: string;
  /** validateRepo of the base with the change applied: errors and warnings, every file. */
  diagnostics: Diagnostic[];
  /** No error diagnostic. */
  valid: boolean;
  /** Empty when the base or the changed config has errors (no bundle can be built to compare). */
  access: AccessChange[];
}

/** The pull request that carries a change (`POST /v1/changes`). */
export interface ChangePullRequest {
  number: number;
  url: string;
  branch: string;
  headSha: string;
  /** False when an open pull request of the same branch existed (the same change proposed again). */
  created: boolean;
}

/** What the gateway says when it cannot open pull requests (GET /v1/config-repository's reason, the 409). */
export const PULL_REQUESTS_SETTINGS =
  'set RAKU_CONFIG_REPOSITORY (owner/name) and RAKU_GITHUB_TOKEN, or RAKU_GITHUB_APP_ID and RAKU_GITHUB_APP_PRIVATE_KEY, to open pull requests';

/**
 * Opens pull requests on the config repository (./github-config-repository.ts). Absent when the gateway has
 * no GitHub settings: the console offers the patch only.
 */
export interface PullRequestOpener {
  /** 'owner/name' and the base branch. */
  readonly repository: string;
  readonly branch: string;
  /** The base branch's config as read now: what a change is validated against before it is pushed. */
  snapshot(): Promise<ConfigSnapshot>;
  /**
   * Commits the change on a branch of its own (derived from its content) and opens or finds its pull request.
   * `base` is the snapshot the change was validated against: the commit is built on `base.revision`, and when
   * the base branch has moved since, nothing is pushed (ChangeConflictError 'base_moved'). `proposedBy` (the
   * caller's subject) is written in the commit and the pull request's body.
   */
  open(change: ChangeRequest, base: ConfigSnapshot, proposedBy?: string): Promise<ChangePullRequest>;
}

/**
 * A change that cannot be proposed as things stand on GitHub (409): `base_changed` (a file differs from what
 * the preview showed), `base_moved` (the base branch moved while the change was being pushed),
 * `branch_conflict` (the change's branch exists and holds something else).
 */
export class ChangeConflictError extends Error {
  readonly status = 409;
  constructor(
    readonly code: 'base_changed' | 'base_moved' | 'branch_conflict',
    message: string,
  ) {
    super(message);
  }
}

/** GET /v1/config-repository. */
export interface ConfigRepositoryStatus {
  source: 'local' | 'github';
  location: string;
  branch: string;
  revision: string | null;
  /** When enabled, where pull requests open (in local mode not the checkout: the GitHub repository). */
  pullRequests: { enabled: boolean; reason: string | null; repository?: string; branch?: string };
}

/** How the gateway reaches the config repository on GitHub (parsed from the environment in server/options.ts). */
export interface GitHubConfigSettings {
  /** 'owner/name' (RAKU_CONFIG_REPOSITORY). */
  repository: string;
  /** The base branch (RAKU_CONFIG_BRANCH, default 'main'). */
  branch: string;
  /** REST API root (GITHUB_API_URL, default https://api.github.com). */
  apiUrl: string;
  auth:
    | { kind: 'token'; token: string }
    | { kind: 'app'; appId: string; privateKey: string; installationId?: number };
}
