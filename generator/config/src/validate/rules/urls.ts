import type { PathSegment } from '../../diagnostic.ts';
import type { Environment } from '../../model/types.ts';
import type { Rule, RuleContext } from './context.ts';

/** Reports a URL that does not parse, carries credentials, a query or a fragment, or is plain http outside dev. */
export function checkUrl(
  ctx: RuleContext,
  file: string,
  path: PathSegment[],
  raw: string,
  env: Environment | 'any',
  what: string,
): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    ctx.report(file, path, 'url', `"${raw}" is not a valid URL`);
    return;
  }
  if (url.username || url.password) {
    ctx.report(file, path, 'url', `${what} must not carry credentials; use a secretRef`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    ctx.report(file, path, 'url', `${what} must be an http(s) URL`);
  } else if (url.protocol === 'http:' && env !== 'dev') {
    ctx.report(
      file,
      path,
      'https-outside-dev',
      `${what} must use https${env === 'any' ? '' : ` in ${env}`} (plain http is allowed only in dev)`,
    );
  }
  if (url.search || url.hash) ctx.report(file, path, 'url', `${what} must not have a query or fragment`);
}

/** URLs parse, carry no credentials, and use https except in dev. */
export const urls: Rule = (ctx) => {
  for (const { file, value: pack } of ctx.model.packs) {
    for (const [env, url] of Object.entries(pack.upstream.baseUrls ?? {})) {
      if (url !== undefined)
        checkUrl(
          ctx,
          file,
          ['upstream', 'baseUrls', env],
          url,
          env as Environment,
          `upstream.baseUrls.${env}`,
        );
    }
    const tokenUrl = pack.upstream.auth?.tokenUrl;
    if (tokenUrl) checkUrl(ctx, file, ['upstream', 'auth', 'tokenUrl'], tokenUrl, 'any', 'tokenUrl');
  }
  for (const { file, value: zone } of ctx.model.zones) {
    if (zone.cluster.server)
      checkUrl(ctx, file, ['cluster', 'server'], zone.cluster.server, zone.environment, 'cluster.server');
    if (zone.gateway?.auth?.jwksUrl) {
      checkUrl(
        ctx,
        file,
        ['gateway', 'auth', 'jwksUrl'],
        zone.gateway.auth.jwksUrl,
        zone.environment,
        'gateway.auth.jwksUrl',
      );
    }
    (zone.remotes ?? []).forEach((r, i) => {
      checkUrl(ctx, file, ['remotes', i, 'url'], r.url, zone.environment, `remote "${r.name}" url`);
    });
    if (zone.registry.insecure && zone.environment !== 'dev') {
      ctx.report(
        file,
        ['registry', 'insecure'],
        'https-outside-dev',
        'an insecure (plain http) registry is allowed only in dev zones',
      );
    }
    if (zone.network?.allowPrivateNetworks && zone.environment !== 'dev') {
      ctx.report(
        file,
        ['network', 'allowPrivateNetworks'],
        'ssrf-guard',
        'allowPrivateNetworks is allowed only in dev zones',
      );
    }
    for (const [name, image] of Object.entries(zone.baseImages ?? {})) {
      if (!image.digest && zone.environment !== 'dev') {
        ctx.report(
          file,
          ['baseImages', name],
          'pinned-base-image',
          `base image "${name}" must be pinned by digest in ${zone.environment}`,
        );
      }
    }
  }
};
