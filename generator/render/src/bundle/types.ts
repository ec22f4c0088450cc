/**
 * The gateway bundle: everything a zone's gateway needs to serve agents, as one versioned JSON document.
 * Built by `buildBundle` (pure), shipped in the gateway ConfigMap (mounted at /etc/raku/bundle/bundle.json,
 * named by RAKU_BUNDLE) and built in memory by local mode. Changing this shape means bumping `bundleVersion`.
 */
import type {
  A2aSkillMapping,
  Environment,
  HttpMapping,
  JsonSchema,
  TenantMember,
  TenantQuotas,
  ToolAnnotations,
  ToolCache,
} from '@raku/config';
import type { CompiledPolicy } from '@raku/policy';

export const BUNDLE_VERSION = 1;

/**
 * The version of a bundle with tenants. A gateway that predates tenancy reads version 1 only, so it refuses such
 * a bundle (and keeps the one it runs) instead of serving every tenant's tools to every caller and routing two
 * tenants' same-named tools to one pack: a ConfigMap updated under running pods of an older image must not
 * mix tenants. A bundle without tenants stays version 1, byte for byte.
 */
export const TENANT_BUNDLE_VERSION = 2;

/** The bundle versions this release reads. */
export const BUNDLE_VERSIONS: readonly number[] = [BUNDLE_VERSION, TENANT_BUNDLE_VERSION];

/** Where an exposed tool comes from: a pack deployed in the zone, or a reviewed tool of a third-party server. */
export type ToolSource =
  | { kind: 'pack'; pack: string; version: string; workload: string; tool: string }
  | { kind: 'remote'; remote: string; tool: string };

/** A tool as agents see it through the gateway. */
export interface BundleTool {
  /** Exposed name: '<toolPrefix ?? pack>.<tool>' for pack tools, '<remote>.<tool>' for remote tools. */
  name: string;
  source: ToolSource;
  /**
   * The definition. Pack tools carry it in full (the gateway lists it without asking the pack server);
   * remote tools carry none: the gateway fetches it live and serves it only when it hashes to `contentHash`.
   */
  definition?: {
    title?: string;
    description: string;
    inputSchema: JsonSchema;
    outputSchema?: JsonSchema;
    annotations?: ToolAnnotations;
    /** The HTTP request (HTTP packs) or the A2A skill (A2A packs) the tool is mapped to. */
    http?: HttpMapping;
    a2a?: A2aSkillMapping;
    timeoutMs?: number;
    /** The pack's opt-in answer cache (read-only tools only); the gateway serves hits for ttlSeconds. */
    cache?: ToolCache;
  };
  sensitive: boolean;
  /** toolContentHash of the definition; for remote tools the reviewed `descriptionSha256`. */
  contentHash: string;
  /**
   * The pack's owning tenant: only that tenant's callers see and call the tool. Absent: shared (remote tools
   * are always shared), seen by the tenants that grant it and by IMPLICIT_TENANT. Names are unique per tenant
   * view, not across the bundle: two tenants may expose the same name.
   */
  tenant?: string;
}

/** One place a call to an exposed tool may be sent. */
export type RouteTarget =
  | {
      kind: 'pack';
      /** Deployment/Service base name: the zone pack entry's group, or the pack name. */
      workload: string;
      pack: string;
      version: string;
      /** Tool name inside the pack (the pack server exposes it under the same exposed name). */
      tool: string;
      /** In-cluster MCP endpoint of the pack server. */
      url: string;
      /**
       * A2A packs: the Agent Card as reviewed (upstream.a2a). The gateway reads the live card and refuses the
       * target, and hides the tool, while its hash differs (as for a third-party tool's descriptionSha256).
       */
      a2aCard?: { url: string; sha256: string };
    }
  | {
      kind: 'remote';
      remote: string;
      /** Tool name on the third-party server. */
      tool: string;
      /** The reviewed toolContentHash; the gateway refuses the target when the live definition differs. */
      descriptionSha256: string;
    };

export interface BundleRoute {
  /** Exposed tool name. */
  tool: string;
  /** The owning tenant of the tool (BundleTool.tenant); absent: shared. */
  tenant?: string;
  environment: Environment;
  /** Candidates in order of preference: the zone's pack server first, then third-party fallbacks. */
  targets: RouteTarget[];
}

export interface BundleRemote {
  name: string;
  url: string;
  timeoutMs: number;
  auth:
    | { type: 'none' }
    | {
        type: 'bearer' | 'apiKey';
        /** apiKey: the header carrying the key. bearer: Authorization. */
        header: string;
        /** The secret reference and the env var it arrives in (secretEnvName); never the value. */
        secretRef?: { name: string; key: string };
        secretEnv?: string;
      };
}

export interface BundleAuth {
  issuer?: string;
  audience?: string;
  jwksUrl?: string;
  /** Claim listing the caller's groups. Default 'groups'. */
  groupsClaim: string;
  /** Claim that marks the caller as an agent. Default 'agent'. */
  agentClaim: string;
}

/**
 * A tenant as the gateway needs it at run time (tenants/<name>.yaml without its owners and description):
 * who its members are, who administers it and sees its approvals, which shared packs and remotes it may use, and its
 * quotas. Sorted by name in the bundle.
 */
export interface BundleTenant {
  name: string;
  members: TenantMember[];
  /** Principals ('user:…', 'agent:…', 'group:…') administering the tenant's rows; empty when none. */
  admins: string[];
  /** Principals that see the tenant's approval requests besides its admins; empty when none. */
  approvers: string[];
  /** Names of shared packs (and zone remotes) the tenant may use; ['*'] for all; empty when none. */
  shared: string[];
  quotas?: TenantQuotas;
}

/** One zone of the repository's promotion pipeline as the bundle carries it (see buildPipeline). */
export interface PipelineZone {
  name: string;
  environment: Environment;
  namespace: string;
  /** The zone's `promotion` as configured: the upstream zone and its health gate (defaults not filled in). */
  promotion?: { from: string; healthGate?: { minReadyMinutes?: number; maxErrorRate?: number } };
  /** Sorted by name; packs sorted by name, each at the version this commit defines. */
  workloads: { name: string; packs: { name: string; version: string }[] }[];
}

export interface GatewayBundle {
  /** BUNDLE_VERSION, or TENANT_BUNDLE_VERSION when the bundle lists tenants. */
  bundleVersion: typeof BUNDLE_VERSION | typeof TENANT_BUNDLE_VERSION;
  zone: string;
  environment: Environment;
  namespace: string;
  /** Config revision of the zone ('sha256:…' of its rendered files; see renderZone); traces record it. */
  revision: string;
  /** Sorted by exposed name. */
  tools: BundleTool[];
  /** Sorted by exposed tool name. */
  routes: BundleRoute[];
  /** Sorted by name. */
  remotes: BundleRemote[];
  /** Every policy of the repository compiled for the zone's environment (compilePolicies). */
  policies: CompiledPolicy;
  /** The repository's tenants (sorted by name); absent or empty: one implicit tenant (IMPLICIT_TENANT). */
  tenants?: BundleTenant[];
  auth: BundleAuth;
  /** Origins browsers may call the gateway from (zone gateway.cors); absent: none. */
  cors?: { allowedOrigins: string[] };
  /** The gateway as an A2A agent (zone gateway.a2a); absent: off (the card and /a2a answer 404). */
  a2a?: { enabled: true };
  /**
   * Header and query names that carry a credential of the zone's packs (`apiKey` auth) or remotes (`header`),
   * sorted: traces mask their values wherever they appear (an upstream may echo them). Absent: none.
   */
  secretNames?: string[];
  /**
   * Every zone of the repository in pipeline order (dev → staging → prod: promotion.from chains), with what
   * each should run at the commit this bundle was built from. Absent in bundles built before it existed.
   */
  pipeline?: PipelineZone[];
}
