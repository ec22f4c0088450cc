import type { Rule } from './context.ts';
import { checkUrl } from './urls.ts';

/**
 * Every pack a zone deploys has a base URL there: the zone entry's `baseUrl` (which wins), else the pack's
 * `upstream.baseUrls[<zone environment>]`. A pack that leaves its base URL to the zones (no baseUrls at
 * all, as `raku import openapi` writes when the document gives no server) is reported as `pack-base-url`;
 * a pack that has base URLs, only not for this environment, as `zone-pack-environment`. A zone's baseUrl
 * obeys the zone's environment: https outside dev, no credentials, query or fragment.
 */
export const packBaseUrls: Rule = (ctx) => {
  const packs = new Map(ctx.model.packs.map((p) => [p.value.name, p.value]));
  for (const { file, value: zone } of ctx.model.zones) {
    zone.packs.forEach((entry, i) => {
      const at = ['packs', i];
      if (entry.baseUrl !== undefined) {
        checkUrl(ctx, file, [...at, 'baseUrl'], entry.baseUrl, zone.environment, `packs[${i}].baseUrl`);
        return;
      }
      const pack = packs.get(entry.name);
      if (!pack) return; // zone-pack-exists reports it
      const baseUrls = pack.upstream.baseUrls ?? {};
      if (baseUrls[zone.environment]) return;
      if (Object.keys(baseUrls).length === 0) {
        ctx.report(
          file,
          [...at, 'name'],
          'pack-base-url',
          `pack "${entry.name}" leaves its base URL to the zones: set packs[${i}].baseUrl to the API's address in this ${zone.environment} zone`,
        );
      } else {
        ctx.report(
          file,
          [...at, 'name'],
          'zone-pack-environment',
          `pack "${entry.name}" has no upstream.baseUrls.${zone.environment} for this ${zone.environment} zone (add it to the pack, or set packs[${i}].baseUrl here)`,
        );
      }
    });
  }
};
