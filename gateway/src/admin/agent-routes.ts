/**
 * The A2A agents (the console's Agents view): GET /v1/agents, for any signed-in caller, as the catalog is.
 * Built from the bundle in use and the route table's last read of each agent's card (this request reads none);
 * non-admins see the agents whose skills policy lets them see, without card URLs or read errors.
 */
import type express from 'express';
import { buildAgents } from '../catalog/agents.ts';
import { exposedToolNames } from '../catalog/catalog.ts';
import { ApiError } from './api-error.ts';
import { requestTenant } from './catalog-routes.ts';
import type { RouteContext } from './types.ts';

export function mountAgentRoutes(router: express.Router, context: RouteContext): void {
  const { deps, caller } = context;
  router.get('/v1/agents', async (req, res) => {
    const who = await caller(req, false);
    if (!deps.catalog || !deps.bundle)
      throw new ApiError(404, 'not_found', 'this gateway serves no tool catalog');
    const catalog = deps.catalog;
    // Organisation admins see every tenant's agents; anyone else those of the tenant it acts in.
    const tenant = who.admin ? undefined : requestTenant(catalog, who, req);
    const bundle = tenant === undefined ? deps.bundle() : catalog.bundleOf(tenant);
    const visible =
      tenant === undefined ? 'all' : new Set(catalog.visibleTools(who, tenant, exposedToolNames(bundle)));
    res.json(buildAgents(bundle, deps.catalog.remotes(), visible));
  });
}
