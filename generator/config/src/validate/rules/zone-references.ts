// The Range class alone: the whole of semver costs a validate run start-up twice as much to load.
import Range from 'semver/classes/range.js';
import { exposedToolName } from '../../model/names.ts';
import type { Loaded, Pack, Zone } from '../../model/types.ts';
import type { Rule } from './context.ts';

/** Longest pack or group name, so that derived Kubernetes names ('<name>-<suffix>') stay within 63 characters. */
export const MAX_WORKLOAD_NAME = 48;

const ranges = new Map<string, Range | null>();

/** A parsed semver range, memoised: zones repeat the same few ranges hundreds of times. */
function parseRange(text: string): Range | null {
  let range = ranges.get(text);
  if (range === undefined) {
    try {
      range = new Range(text, { includePrerelease: true });
    } catch {
      range = null;
    }
    ranges.set(text, range);
  }
  return range;
}

/** Every pack a zone deploys exists and satisfies the zone's version range (its base URL: pack-base-url.ts). */
export const zonePacks: Rule = (ctx) => {
  const packs = new Map(ctx.model.packs.map((p) => [p.value.name, p]));
  const rejected = new Set(
    [...ctx.rejectedFiles].filter((f) => f.startsWith('packs/')).map((f) => f.split('/')[1]),
  );
  for (const { file, value: zone } of ctx.model.zones) {
    const seen = new Set<string>();
    zone.packs.forEach((entry, i) => {
      const at = ['packs', i];
      if (seen.has(entry.name))
        ctx.report(file, [...at, 'name'], 'unique-zone-pack', `pack "${entry.name}" is listed twice`);
      seen.add(entry.name);
      const pack = packs.get(entry.name);
      if (!pack) {
        if (!rejected.has(entry.name)) {
          ctx.report(
            file,
            [...at, 'name'],
            'zone-pack-exists',
            `pack "${entry.name}" does not exist (no packs/${entry.name}/pack.yaml)`,
          );
        }
        return;
      }
      if (entry.version !== undefined) {
        const range = parseRange(entry.version);
        if (range === null) {
          ctx.report(
            file,
            [...at, 'version'],
            'zone-pack-version',
            `"${entry.version}" is not a semver range`,
          );
        } else if (!range.test(pack.value.version)) {
          ctx.report(
            file,
            [...at, 'version'],
            'zone-pack-version',
            `pack "${entry.name}" is version ${pack.value.version}, which does not satisfy "${entry.version}"`,
          );
        }
      }
      const image = entry.baseImage ?? pack.value.runtime?.baseImage;
      if (image !== undefined && !zone.baseImages?.[image]) {
        const where = entry.baseImage ? 'baseImage' : 'name';
        ctx.report(
          file,
          [...at, where],
          'base-image-exists',
          `base image "${image}" (of pack "${entry.name}") is not in baseImages`,
        );
      }
      const workload = entry.group ?? entry.name;
      if (workload.length > MAX_WORKLOAD_NAME) {
        ctx.report(
          file,
          [...at, entry.group ? 'group' : 'name'],
          'workload-name-length',
          `"${workload}" is ${workload.length} characters; Kubernetes names derived from it need it to be at most ${MAX_WORKLOAD_NAME}`,
        );
      }
    });
    if (zone.gateway?.baseImage && !zone.baseImages?.[zone.gateway.baseImage]) {
      ctx.report(
        file,
        ['gateway', 'baseImage'],
        'base-image-exists',
        `base image "${zone.gateway.baseImage}" is not in baseImages`,
      );
    }
    const needsDefault =
      zone.packs.some((e) => !e.baseImage && !packs.get(e.name)?.value.runtime?.baseImage) ||
      !zone.gateway?.baseImage;
    if (needsDefault && zone.baseImages && !zone.baseImages['default']) {
      ctx.report(
        file,
        ['baseImages'],
        'base-image-exists',
        'baseImages has no "default" entry, which packs without a baseImage use',
      );
    }
  }
};

/**
 * A zone's remotes are listed once each with distinct tool names that fit MCP's 64 characters, and their
 * fallbacks name tools the zone serves. (Exposed names unique per tenant view: view-tool-names.ts.)
 */
export const zoneToolNames: Rule = (ctx) => {
  const packs = new Map(ctx.model.packs.map((p) => [p.value.name, p.value]));
  for (const { file, value: zone } of ctx.model.zones) {
    // A pack that failed to load would make every fallback to it look dangling; its own errors say enough.
    const complete = zone.packs.every((e) => packs.has(e.name));
    const remoteNames = new Set<string>();
    (zone.remotes ?? []).forEach((remote, r) => {
      if (remoteNames.has(remote.name))
        ctx.report(file, ['remotes', r, 'name'], 'unique-name', `remote "${remote.name}" is listed twice`);
      remoteNames.add(remote.name);
      const toolSeen = new Set<string>();
      remote.tools.forEach((tool, t) => {
        const at = ['remotes', r, 'tools', t];
        if (toolSeen.has(tool.name))
          ctx.report(file, [...at, 'name'], 'unique-tool-name', `tool "${tool.name}" is listed twice`);
        toolSeen.add(tool.name);
        const exposed = `${remote.name}.${tool.name}`;
        if (exposed.length > 64) {
          ctx.report(
            file,
            [...at, 'name'],
            'tool-name-length',
            `exposed tool name "${exposed}" is longer than 64 characters`,
          );
        }
        if (complete && tool.fallbackFor !== undefined && !isPackTool(zone, packs, tool.fallbackFor)) {
          ctx.report(
            file,
            [...at, 'fallbackFor'],
            'fallback-exists',
            `fallbackFor "${tool.fallbackFor}" is not a tool of a pack deployed in this zone`,
          );
        }
      });
    });
  }
};

function isPackTool(zone: Zone, packs: Map<string, Pack>, exposed: string): boolean {
  return zone.packs.some((e) => {
    const pack = packs.get(e.name);
    return pack?.tools.some((t) => exposedToolName(pack, t) === exposed) ?? false;
  });
}

const ENV_RANK = { dev: 0, staging: 1, prod: 2 } as const;

/** Promotion chains resolve, have no cycle, never go from a later to an earlier environment, and start at dev. */
export const promotionChain: Rule = (ctx) => {
  const zones = new Map<string, Loaded<Zone>>(ctx.model.zones.map((z) => [z.value.name, z]));
  const rejected = new Set(
    [...ctx.rejectedFiles]
      .filter((f) => f.startsWith('zones/'))
      .map((f) => f.split('/')[1]?.replace(/\.ya?ml$/, '')),
  );
  for (const { file, value: zone } of ctx.model.zones) {
    if (!zone.promotion) {
      if (zone.environment !== 'dev') {
        ctx.report(
          file,
          ['environment'],
          'promotion-chain',
          `a ${zone.environment} zone needs promotion.from (rollouts reach it from dev through the chain)`,
          'warning',
        );
      }
      continue;
    }
    const from = zones.get(zone.promotion.from);
    if (!from) {
      if (!rejected.has(zone.promotion.from)) {
        ctx.report(
          file,
          ['promotion', 'from'],
          'promotion-chain',
          `zone "${zone.promotion.from}" does not exist`,
        );
      }
      continue;
    }
    if (ENV_RANK[from.value.environment] > ENV_RANK[zone.environment]) {
      ctx.report(
        file,
        ['promotion', 'from'],
        'promotion-chain',
        `cannot promote from ${from.value.environment} zone "${from.value.name}" into a ${zone.environment} zone`,
      );
    }
    const visited = [zone.name];
    let cur: Zone | undefined = from.value;
    while (cur) {
      if (visited.includes(cur.name)) {
        ctx.report(
          file,
          ['promotion', 'from'],
          'promotion-chain',
          `promotion cycle: ${[...visited, cur.name].join(' ← ')}`,
        );
        break;
      }
      visited.push(cur.name);
      if (!cur.promotion) {
        if (cur.environment !== 'dev') {
          ctx.report(
            file,
            ['promotion', 'from'],
            'promotion-chain',
            `promotion chain ${visited.join(' ← ')} ends at a ${cur.environment} zone, not dev`,
          );
        }
        break;
      }
      cur = zones.get(cur.promotion.from)?.value;
    }
  }
};
