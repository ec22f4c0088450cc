/**
 * The policy explorer (console part 2): GET /v1/policies, GET /v1/policies/access and POST
 * /v1/policies/simulate, for admins: organisation admins (the admin role) see every tenant's policies, a
 * tenant admin the organisation's and its own tenants' (../policy-explorer/viewer.ts). The logic is
 * ../policy-explorer's; this file checks the caller and the input and turns its errors into API errors.
 */
import type express from 'express';
import type { Request } from 'express';
import { accessOverview } from '../policy-explorer/access-overview.ts';
import {
  environmentOf,
  PolicyExplorerError,
  policyOverview,
  readPolicySource,
  tenantOf,
} from '../policy-explorer/policy-explorer.ts';
import { type PolicySimulation, simulate } from '../policy-explorer/simulate.ts';
import { visibleTo } from '../policy-explorer/viewer.ts';
import { ALL_TENANTS, type TenantScope } from '../tenancy/scope.ts';
import { ApiError, value } from './api-error.ts';
import { checkBody, queryString } from './request-validation.ts';
import type { RouteContext } from './types.ts';
import { adminScope } from './visibility.ts';

async function explored<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PolicyExplorerError) throw new ApiError(error.status, error.code, error.message);
    throw error;
  }
}

export function mountPolicyRoutes(router: express.Router, context: RouteContext): void {
  const { deps, caller, body } = context;
  /**
   * The tenants whose policies the caller may explore: every one for the admin role (whatever its row scope:
   * the policies are the organisation's config, not rows), else those it administers; none is a 403.
   */
  const viewer = async (req: Request): Promise<TenantScope> => {
    const who = await caller(req, false);
    if (who.admin) return ALL_TENANTS;
    const administered = adminScope(who);
    if (!administered.all && administered.tenants.length === 0)
      throw new ApiError(403, 'forbidden', `${who.subject} does not hold the admin role`);
    return administered;
  };
  const source = async (scope: TenantScope) =>
    visibleTo(
      await readPolicySource({ configRepository: deps.configRepository, bundle: deps.bundle }),
      scope,
    );
  const parameter = (req: express.Request, name: string) =>
    value(queryString(req.query as Record<string, unknown>, name));
  /** The environment and tenant the query names, checked against what the source holds. */
  const scope = async (req: express.Request, seen: TenantScope) => {
    const environment = parameter(req, 'environment');
    const tenant = parameter(req, 'tenant');
    const from = await source(seen);
    return {
      from,
      environment: environmentOf(from, environment, 'query parameter environment'),
      tenant: tenantOf(from, tenant, 'query parameter tenant'),
    };
  };

  router.get('/v1/policies', async (req, res) => {
    const seen = await viewer(req);
    res.json(
      await explored(async () => {
        const { from, environment, tenant } = await scope(req, seen);
        return policyOverview(from, environment, tenant);
      }),
    );
  });

  router.get('/v1/policies/access', async (req, res) => {
    const seen = await viewer(req);
    res.json(
      await explored(async () => {
        const { from, environment, tenant } = await scope(req, seen);
        return accessOverview(from, environment, tenant);
      }),
    );
  });

  router.post('/v1/policies/simulate', body, async (req, res) => {
    const seen = await viewer(req);
    const request = value(checkBody<PolicySimulation>('PolicySimulation', req.body));
    res.json(await explored(async () => simulate(await source(seen), request)));
  });
}
