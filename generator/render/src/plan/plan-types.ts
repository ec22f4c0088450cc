import type { Environment } from '@raku/config';
import type { AccessChangeKind } from '@raku/policy';

export interface FileChange {
  path: string;
  change: 'added' | 'removed' | 'changed';
  /** Compact unified diff ('' for added/removed files, which are listed only). */
  diff: string;
}

export interface ZonePlan {
  zone: string;
  environment?: Environment;
  /** 'added' / 'removed' when the whole zone is new or gone. */
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  files: FileChange[];
  /** Files whose only difference is the config revision they record. */
  revisionOnly: number;
  /** Workload folders whose image is referenced by tag (no digest known yet). */
  imagesByTag: string[];
}

export interface AccessPlanChange {
  /**
   * The tenant whose callers gain or lose the access (IMPLICIT_TENANT: callers of no tenant). Absent when
   * neither side of the plan has tenants: one implicit tenant, as before tenancy.
   */
  tenant?: string;
  environment: Environment;
  subject: string;
  tool: string;
  change: AccessChangeKind;
  before?: string;
  after?: string;
  /** Zones (of this environment) where it happens. */
  zones: string[];
}

export interface ContractPlanChange {
  pack: string;
  versionBefore?: string;
  versionAfter?: string;
  kind: 'tool-added' | 'tool-removed' | 'schema-breaking' | 'description-changed';
  tool: string;
  details: string[];
  /** True when the change breaks callers but the version bump does not say so (semver). */
  unversionedBreak: boolean;
}

export interface RemotePlanChange {
  zone: string;
  remote: string;
  tool: string;
  /** 'live-differs': the server's current definition hashes differently from the reviewed hash. */
  change: 'added' | 'removed' | 'hash-changed' | 'live-differs' | 'live-missing';
  hashBefore?: string;
  hashAfter?: string;
  /** live-differs: the hash of the definition the server serves now. */
  hashLive?: string;
}

export interface Plan {
  base: { label: string; revision: string };
  head: { label: string; revision: string };
  zones: ZonePlan[];
  access: AccessPlanChange[];
  contracts: ContractPlanChange[];
  remotes: RemotePlanChange[];
}
