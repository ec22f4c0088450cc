/**
 * The config repository as the gateway sees it: the packs/, zones/ and policies/ files the console's builder
 * views read (import drafts, policy explorer) and the changes they propose as pull requests. The gateway never
 * writes config in place: a change leaves as a pull request (or a patch to download), reviewed by a person.
 *
 * Two adapters: the checkout local mode serves (./local-config-repository.ts) and a GitHub repository read
 * through the REST API (gateway role).
 */
import type { SourceFile } from '@raku/config';

/** The config files at the head of the base branch. */
export interface ConfigSnapshot {
  /** The commit the files were read at, or 'working-tree' for an uncommitted local checkout. */
  revision: string;
  /** packs/**, zones/*.yaml, policies/*.yaml, sorted by path (readRepoFiles' shape). */
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
