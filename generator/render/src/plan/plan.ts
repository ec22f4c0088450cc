import type { Environment } from '@raku/config';
import { IMPLICIT_TENANT, toolContentHash, UserError } from '@raku/config';
import { accessMatrix, describeAccess, diffAccess } from '@raku/policy';
import semver from 'semver';
import { parseAllDocuments } from 'yaml';
import { bundleTenantNames, toolsOfTenant } from '../bundle/tenant-view.ts';
import { BUNDLE_VERSIONS, type BundleTool, type GatewayBundle } from '../bundle/types.ts';
import type { ChangeSet } from '../generate/change-set.ts';
import { imagesByTag } from '../generate/generate-zones.ts';
import { configRevision } from '../generate/render-zone.ts';
import { defaultTag } from '../generate/workload-spec.ts';
import { unifiedDiff } from './line-diff.ts';
import type {
  AccessPlanChange,
  ContractPlanChange,
  FileChange,
  Plan,
  RemotePlanChange,
  ZonePlan,
} from './plan-types.ts';
import { inputSchemaBreaks } from './schema-compat.ts';

/** One side of a plan: the rendered files of each zone, and the config revision they were rendered at. */
export interface PlanSide {
  label: string;
  revision: string;
  zones: Map<string, ChangeSet>;
}

/** Where the gateway bundle sits in a rendered zone. */
export const BUNDLE_FILE = 'gateway/manifests.yaml';

/**
 * Compares two renderings, zone by zone: file changes, who gains or loses which tools per environment
 * (the policy engine's accessMatrix/diffAccess over each zone's compiled policies and tools), tool contract
 * changes per pack, and changed reviewed hashes of third-party tools. Pure: both sides are data.
 * Everything the access, contract and remote diffs need is read from the gateway bundles, so a base read
 * from a GitOps folder and one rendered from a git revision are compared the same way.
 */
/** Tool definitions third-party servers serve now (their `tools/list`), by remote name. */
export type LiveRemoteTools = Record<
  string,
  { name: string; description?: string; inputSchema?: unknown; outputSchema?: unknown }[]
>;

export function planChanges(base: PlanSide, head: PlanSide, live?: LiveRemoteTools): Plan {
  const zoneNames = [...new Set([...base.zones.keys(), ...head.zones.keys()])].sort();
  const bundles = { base: new Map<string, GatewayBundle>(), head: new Map<string, GatewayBundle>() };
  const zones: ZonePlan[] = [];
  for (const zone of zoneNames) {
    const before = base.zones.get(zone);
    const after = head.zones.get(zone);
    const bBefore = before && bundleOf(before, `${base.label}: ${zone}/${BUNDLE_FILE}`);
    const bAfter = after && bundleOf(after, `${head.label}: ${zone}/${BUNDLE_FILE}`);
    if (bBefore) bundles.base.set(zone, bBefore);
    if (bAfter) bundles.head.set(zone, bAfter);
    zones.push(zonePlan(zone, before, after, base.revision, head.revision, (bAfter ?? bBefore)?.environment));
  }
  return {
    base: { label: base.label, revision: base.revision },
    head: { label: head.label, revision: head.revision },
    zones,
    access: accessChanges(bundles.base, bundles.head),
    contracts: contractChanges(bundles.base, bundles.head),
    remotes: [...remoteChanges(bundles.base, bundles.head), ...(live ? liveChanges(bundles.head, live) : [])],
  };
}

function zonePlan(
  zone: string,
  before: ChangeSet | undefined,
  after: ChangeSet | undefined,
  baseRevision: string,
  headRevision: string,
  environment: Environment | undefined,
): ZonePlan {
  const files: FileChange[] = [];
  let revisionOnly = 0;
  // The zone's config revision of each side is masked, and each side's commit (the image tag of images
  // referenced by tag) when both sides know theirs (a GitOps folder knows none), so the diff shows what
  // changed besides the revisions the files record.
  const commits = baseRevision !== '' && headRevision !== '';
  const masks = {
    before: [commits ? baseRevision : '', before ? configRevision(before) : ''].filter((r) => r !== ''),
    after: [commits ? headRevision : '', after ? configRevision(after) : ''].filter((r) => r !== ''),
  };
  const masked = masks.before.length > 0 && masks.after.length > 0;
  const paths = [...new Set([...(before?.keys() ?? []), ...(after?.keys() ?? [])])].sort();
  for (const path of paths) {
    const a = before?.get(path);
    const b = after?.get(path);
    if (a === b) continue;
    if (a === undefined) files.push({ path, change: 'added', diff: '' });
    else if (b === undefined) files.push({ path, change: 'removed', diff: '' });
    else if (masked && withoutRevisions(a, masks.before) === withoutRevisions(b, masks.after)) {
      revisionOnly++;
    } else {
      const keys = masked
        ? {
            before: (line: string) => withoutRevisions(line, masks.before),
            after: (line: string) => withoutRevisions(line, masks.after),
          }
        : undefined;
      files.push({ path, change: 'changed', diff: unifiedDiff(a, b, keys ? { keys } : {}) });
    }
  }
  const status = !before ? 'added' : !after ? 'removed' : files.length > 0 ? 'changed' : 'unchanged';
  return {
    zone,
    ...(environment && { environment }),
    status,
    files,
    revisionOnly,
    imagesByTag: after ? imagesByTag(after) : [],
  };
}

/**
 * The text with every mention of the revisions — quoted or not, as YAML may write it, and as the image tag
 * of images referenced by tag — replaced by a marker.
 */
function withoutRevisions(text: string, revisions: readonly string[]): string {
  let out = text;
  for (const revision of revisions) {
    // The image tag of a revision ('rev-<first 12>') first: it may contain a short revision whole.
    out = out
      .replaceAll(defaultTag(revision), REVISION_MARK)
      .replaceAll(`"${revision}"`, REVISION_MARK)
      .replaceAll(revision, REVISION_MARK);
  }
  return out;
}

const REVISION_MARK = '\u0000revision\u0000';

/** The gateway bundle inside a rendered zone (the raku-gateway-bundle ConfigMap). */
export function bundleOf(cs: ChangeSet, where: string): GatewayBundle | undefined {
  const text = cs.get(BUNDLE_FILE);
  if (text === undefined) return undefined;
  for (const doc of parseAllDocuments(text, { version: '1.1' })) {
    if (doc.errors.length > 0) throw new UserError(`${where}: not valid YAML (${doc.errors[0]?.message})`);
    const obj = doc.toJS() as { kind?: string; data?: Record<string, string> } | null;
    const json = obj?.kind === 'ConfigMap' ? obj.data?.['bundle.json'] : undefined;
    if (json === undefined) continue;
    let bundle: GatewayBundle;
    try {
      bundle = JSON.parse(json) as GatewayBundle;
    } catch (err) {
      throw new UserError(`${where}: bundle.json is not valid JSON (${(err as Error).message})`);
    }
    if (!BUNDLE_VERSIONS.includes(bundle?.bundleVersion)) {
      throw new UserError(
        `${where}: bundleVersion ${String(bundle?.bundleVersion)} is not supported (expected ${BUNDLE_VERSIONS.join(' or ')})`,
      );
    }
    return bundle;
  }
  return undefined;
}

/**
 * Who gains or loses which tools, base vs head, from each zone's gateway bundle (its compiled policies and
 * tools): accessMatrix and diffAccess per zone and per tenant, the same change in several zones of an
 * environment merged. Exported for the gateway's change previews, so they show what `raku plan` shows.
 *
 * Per tenant: each tenant's matrix is built from its view of the bundle's tools (toolsOfTenant) and the
 * organisation's and its own rules, so a grant in one tenant's policy shows up for that tenant only, and
 * a tenant added or removed gains or loses all it can call. The implicit tenant (callers of no tenant) is
 * one of them. When neither side has tenants the changes carry no `tenant` and read as before tenancy;
 * otherwise every change names its tenant. Sorted by tenant (the implicit one first), then environment (prod
 * first), subject and tool.
 */
export function accessChanges(
  base: Map<string, GatewayBundle>,
  head: Map<string, GatewayBundle>,
): AccessPlanChange[] {
  const merged = new Map<string, AccessPlanChange>();
  const zones = [...new Set([...base.keys(), ...head.keys()])].sort();
  const tenanted = [...base.values(), ...head.values()].some((b) => (b.tenants ?? []).length > 0);
  for (const zone of zones) {
    const b = base.get(zone);
    const h = head.get(zone);
    const environment = (h ?? b)?.environment as Environment;
    const matrix = (bundle: GatewayBundle | undefined, tenant: string) =>
      bundle
        ? accessMatrix(
            bundle.policies,
            toolsOfTenant(bundle, tenant).map((t) => t.name),
            tenant,
          )
        : [];
    const tenants = new Set([...(b ? bundleTenantNames(b) : []), ...(h ? bundleTenantNames(h) : [])]);
    for (const tenant of tenants) {
      for (const change of diffAccess(matrix(b, tenant), matrix(h, tenant))) {
        const before = change.before && describeAccess(change.before);
        const after = change.after && describeAccess(change.after);
        const key = JSON.stringify([
          tenant,
          environment,
          change.subject,
          change.tool,
          change.change,
          before,
          after,
        ]);
        const existing = merged.get(key);
        if (existing) existing.zones.push(zone);
        else {
          merged.set(key, {
            ...(tenanted && { tenant }),
            environment,
            subject: change.subject,
            tool: change.tool,
            change: change.change,
            ...(before !== undefined && { before }),
            ...(after !== undefined && { after }),
            zones: [zone],
          });
        }
      }
    }
  }
  const envRank = { dev: 0, staging: 1, prod: 2 } as const;
  const tenantRank = (c: AccessPlanChange) => (c.tenant === IMPLICIT_TENANT ? '' : (c.tenant ?? ''));
  return [...merged.values()].sort(
    (x, y) =>
      cmp(tenantRank(x), tenantRank(y)) ||
      envRank[y.environment] - envRank[x.environment] ||
      cmp(x.subject, y.subject) ||
      cmp(x.tool, y.tool),
  );
}

interface PackTools {
  version: string;
  tools: Map<string, BundleTool>;
}

/** Per pack, the highest version any zone's bundle carries, with its tools. */
function packsOf(bundles: Map<string, GatewayBundle>): Map<string, PackTools> {
  const out = new Map<string, PackTools>();
  for (const bundle of bundles.values()) {
    for (const tool of bundle.tools) {
      if (tool.source.kind !== 'pack') continue;
      const { pack, version } = tool.source;
      const known = out.get(pack);
      if (
        !known ||
        (semver.valid(version) && semver.valid(known.version) && semver.gt(version, known.version))
      ) {
        out.set(pack, { version, tools: new Map([[tool.name, tool]]) });
      } else if (known.version === version) {
        known.tools.set(tool.name, tool);
      }
    }
  }
  return out;
}

/** A version bump that announces breaking changes: a new major, or a new minor below 1.0.0 (semver §4). */
export function announcesBreak(before: string, after: string): boolean {
  const a = semver.parse(before);
  const b = semver.parse(after);
  if (!a || !b) return false;
  if (b.major !== a.major) return b.major > a.major;
  return a.major === 0 && b.minor > a.minor;
}

function contractChanges(
  base: Map<string, GatewayBundle>,
  head: Map<string, GatewayBundle>,
): ContractPlanChange[] {
  const before = packsOf(base);
  const after = packsOf(head);
  const out: ContractPlanChange[] = [];
  for (const pack of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = before.get(pack);
    const b = after.get(pack);
    if (!a || !b) {
      // A pack entering or leaving every zone: its tools are added or removed. Removing a whole pack is a
      // deliberate act with no version to bump, so it is not flagged as an unannounced break.
      const only = (a ?? b) as PackTools;
      for (const name of [...only.tools.keys()].sort()) {
        out.push({
          pack,
          ...(a ? { versionBefore: a.version } : { versionAfter: only.version }),
          kind: a ? 'tool-removed' : 'tool-added',
          tool: name,
          details: [],
          unversionedBreak: false,
        });
      }
      continue;
    }
    const bumped = announcesBreak(a.version, b.version);
    const versions = { versionBefore: a.version, versionAfter: b.version };
    for (const name of [...new Set([...a.tools.keys(), ...b.tools.keys()])].sort()) {
      const ta = a.tools.get(name);
      const tb = b.tools.get(name);
      if (!ta && tb) {
        out.push({ pack, ...versions, kind: 'tool-added', tool: name, details: [], unversionedBreak: false });
      } else if (ta && !tb) {
        out.push({
          pack,
          ...versions,
          kind: 'tool-removed',
          tool: name,
          details: [],
          unversionedBreak: !bumped,
        });
      } else if (ta && tb && ta.contentHash !== tb.contentHash) {
        const breaks = inputSchemaBreaks(ta.definition?.inputSchema, tb.definition?.inputSchema);
        if (breaks.length > 0) {
          out.push({
            pack,
            ...versions,
            kind: 'schema-breaking',
            tool: name,
            details: breaks.map((x) => x.message),
            unversionedBreak: !bumped,
          });
        } else {
          out.push({
            pack,
            ...versions,
            kind: 'description-changed',
            tool: name,
            details: [],
            unversionedBreak: false,
          });
        }
      }
    }
  }
  return out;
}

function remoteHashes(bundle: GatewayBundle): Map<string, { remote: string; tool: string; hash: string }> {
  const out = new Map<string, { remote: string; tool: string; hash: string }>();
  for (const route of bundle.routes) {
    for (const t of route.targets) {
      if (t.kind === 'remote')
        out.set(`${t.remote}.${t.tool}`, { remote: t.remote, tool: t.tool, hash: t.descriptionSha256 });
    }
  }
  return out;
}

function remoteChanges(
  base: Map<string, GatewayBundle>,
  head: Map<string, GatewayBundle>,
): RemotePlanChange[] {
  const out: RemotePlanChange[] = [];
  for (const zone of [...new Set([...base.keys(), ...head.keys()])].sort()) {
    const a = base.get(zone) ? remoteHashes(base.get(zone) as GatewayBundle) : new Map();
    const b = head.get(zone) ? remoteHashes(head.get(zone) as GatewayBundle) : new Map();
    for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const x = a.get(key);
      const y = b.get(key);
      if (x && y && x.hash !== y.hash) {
        out.push({
          zone,
          remote: y.remote,
          tool: y.tool,
          change: 'hash-changed',
          hashBefore: x.hash,
          hashAfter: y.hash,
        });
      } else if (!x && y) {
        out.push({ zone, remote: y.remote, tool: y.tool, change: 'added', hashAfter: y.hash });
      } else if (x && !y) {
        out.push({ zone, remote: x.remote, tool: x.tool, change: 'removed', hashBefore: x.hash });
      }
    }
  }
  return out;
}

/**
 * Reviewed third-party tools of the head side whose live definition (as listed by the server) hashes to
 * something else than the reviewed `descriptionSha256`, or that the server no longer lists. The gateway hides
 * such tools at run time; the plan shows them to the reviewer first. Remotes missing from `live` are skipped.
 */
export function liveChanges(head: Map<string, GatewayBundle>, live: LiveRemoteTools): RemotePlanChange[] {
  const out: RemotePlanChange[] = [];
  for (const zone of [...head.keys()].sort()) {
    for (const r of remoteHashes(head.get(zone) as GatewayBundle).values()) {
      const listing = live[r.remote];
      if (!listing) continue;
      const tool = listing.find((t) => t.name === r.tool);
      if (!tool) {
        out.push({ zone, remote: r.remote, tool: r.tool, change: 'live-missing', hashAfter: r.hash });
        continue;
      }
      const hash = toolContentHash(tool);
      if (hash !== r.hash) {
        out.push({
          zone,
          remote: r.remote,
          tool: r.tool,
          change: 'live-differs',
          hashAfter: r.hash,
          hashLive: hash,
        });
      }
    }
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
