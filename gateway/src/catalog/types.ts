/**
 * The catalog's shapes (GET /v1/catalog, POST /v1/tools/{tool}/call) and what it needs from the running
 * gateway (`CatalogRuntime`, built by ../server/gateway-server.ts on its current state). Declared here so the
 * admin routes and the server wiring share them without this folder importing either.
 */
import type { CallToolResult } from '@raku/pack-runtime';
import type { GatewayBundle } from '@raku/render';

/** Where a pack tool's HTTP call goes. The bundle keeps the tool's HTTP mapping, not the OpenAPI operation id. */
export interface CatalogSourceOperation {
  method: string;
  path: string;
  /** Always null today: the bundle does not carry the pack's `source.operations`. */
  operationId: string | null;
}

export interface CatalogTool {
  /** Exposed name ('petstore.get_pet'): what agents and policies call it. */
  name: string;
  /** Name inside the pack. */
  tool: string;
  title: string | null;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown> | null;
  annotations: Record<string, unknown> | null;
  sensitive: boolean;
  contentHash: string;
  source: CatalogSourceOperation | null;
}

export interface CatalogPack {
  name: string;
  /** The version this gateway's zone serves. */
  version: string;
  workload: string;
  tools: CatalogTool[];
  /** Every zone of the pipeline whose config runs this pack, with the version it runs. */
  zones: { zone: string; environment: string; version: string }[];
}

export interface CatalogRemoteTool {
  /** Tool name on the third-party server. */
  name: string;
  /** The exposed names it serves: its own ('partner.search') or the pack tools it is a fallback for. */
  servesAs: string[];
  /** The committed `descriptionSha256`. */
  reviewedSha256: string;
  /** Hash of the live definition as last read; null when not read yet or the server does not list it. */
  liveSha256: string | null;
  /** true: live = reviewed; false: it differs or is missing (hidden, never called); null: not checked yet. */
  matches: boolean | null;
  checkedAt: string | null;
  /** The live definition, only while it matches the reviewed hash (what agents see); null otherwise. */
  definition: CatalogToolDefinition | null;
  /** The zone marks the exposed tool sensitive (calls need an approval rule). */
  sensitive: boolean;
}

/** A tool definition as the catalog shows it. */
export interface CatalogToolDefinition {
  title: string | null;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown> | null;
  annotations: Record<string, unknown> | null;
}

export interface CatalogRemote {
  name: string;
  /** Where it is; null for callers without the admin role (GET /v1/routes keeps addresses to admins too). */
  url: string | null;
  /**
   * Why the last read failed or the server cannot be used (its credential is missing); null otherwise, and
   * always null for callers without the admin role (the reason may name secrets' variables or internal hosts).
   */
  error: string | null;
  tools: CatalogRemoteTool[];
}

export interface Catalog {
  zone: string;
  environment: string;
  revision: string;
  packs: CatalogPack[];
  remotes: CatalogRemote[];
}

/** The caller of a catalog request: the admin API's caller (../admin/types.ts ApiCaller has these). */
export interface CatalogCaller {
  subject: string;
  subjectKind: string;
  groups: string[];
  claims: Record<string, unknown>;
  principal?: string;
  admin: boolean;
  /**
   * The tenant the admin API chose for the request from the whole token and X-Raku-Tenant (ApiCaller.tenant),
   * or why it could not (`tenantProblem`); the catalog uses these rather than choosing again.
   */
  tenant?: string;
  tenantProblem?: string;
}

/** What the route table knows of a third-party server (../routing/route-table.ts RemoteStatus). */
export interface RemoteStatusView {
  remote: string;
  url: string;
  checkedAt: Date | null;
  error: string | null;
  read: boolean;
  /** A2A packs ('a2a:<pack>'): the live card as last read (names and versions, never a credential). */
  card?: {
    name: string | null;
    protocolVersions: string[];
    securitySchemes: { name: string; kind: string }[];
  };
  tools: {
    tool: string;
    reviewed: string;
    live: string | null;
    /** The live definition when it hashes to `reviewed`; null otherwise. */
    definition: {
      title?: string;
      description?: string;
      inputSchema: unknown;
      outputSchema?: unknown;
      annotations?: unknown;
    } | null;
  }[];
}

export interface ToolCallOutcome {
  result: CallToolResult;
  /** The id of the call's trace (GET /v1/traces/{id}); null when the gateway could not name it. */
  traceId: string | null;
}

/** A tool the bundle in use does not have. */
export class UnknownToolError extends Error {
  override readonly name = 'UnknownToolError';
}

/** The tenant a catalog request acts in, or why it may not act in the one it named. */
export type CatalogTenant = { ok: true; tenant: string } | { ok: false; message: string };

/** The running gateway, as the catalog reads and calls it; every method reads the state in use at the time. */
export interface CatalogRuntime {
  /**
   * The tenant a request acts in, chosen as for MCP (its only tenant; with several, the X-Raku-Tenant header
   * `requested`; none: IMPLICIT_TENANT). An organisation admin may name any tenant of the bundle.
   */
  tenantOf(caller: CatalogCaller, requested: string | undefined): CatalogTenant;
  /** The bundle in use as `tenant` sees it: its view's tools and their routes only. */
  bundleOf(tenant: string): GatewayBundle;
  /** The exposed tool names of `tenant`'s view the caller's policy lets it see (`toolsVisibleTo`), of `names`. */
  visibleTools(caller: CatalogCaller, tenant: string, names: readonly string[]): readonly string[];
  /** The route table's view of the third-party servers (no request is sent). */
  remotes(): RemoteStatusView[];
  /**
   * Runs a call as `caller` in `tenant` through the gateway's pipeline (policy, quota, approval, rate limit,
   * routing, trace), as an MCP tools/call would. Throws UnknownToolError for a tool the tenant's view does
   * not have.
   */
  callTool(
    tool: string,
    args: Record<string, unknown>,
    caller: CatalogCaller,
    tenant: string,
    signal: AbortSignal,
  ): Promise<ToolCallOutcome>;
}
