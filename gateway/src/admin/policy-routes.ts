/**
 * The policy explorer (console part 2): GET /v1/policies, GET /v1/policies/access and POST
 * /v1/policies/simulate, admin only (organisation admins: every tenant's policies). The logic is
 * ../policy-explorer's; this file checks the caller and the input and turns its errors into API errors.
 */
import type express from 'express';
import { accessOverview } from '../policy-explorer/access-overview.ts';
import {
  environmentOf,
  PolicyExplorerError,
  policyOverview,
  readPolicySource,
  tenantOf,
} from '../policy-explorer/policy-explorer.ts';
import { type PolicySimulation, simulate } from '../policy-explorer/simulate.ts';
import { ApiError, value } from './api-error.ts';
import { checkBody, queryString } from './request-validation.ts';
import type { RouteContext } from './types.ts';

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
  const source = () => readPolicySource({ configRepository: deps.configRepository, bundle: deps.bundle });
  const parameter = (req: express.Request, name: string) =>
    value(queryString(req.query as Record<string, unknown>, name));
  /** The environment and tenant the query names, checked against what the source holds. */
  const scope = async (req: express.Request) => {
    const environment = parameter(req, 'environment');
    const tenant = parameter(req, 'tenant');
    const from = await source();
    return {
      from,
      environment: environmentOf(from, environment, 'query parameter environment'),
      tenant: tenantOf(from, tenant, 'query parameter tenant'),
    };
  };

  router.get('/v1/policies', async (req, res) => {
    await caller(req, true);
    res.json(
      await explored(async () => {
        const { from, environment, tenant } = await scope(req);
        return policyOverview(from, environment, tenant);
      }),
    );
  });

  router.get('/v1/policies/access', async (req, res) => {
    await caller(req, true);
    res.json(
      await explored(async () => {
        const { from, environment, tenant } = await scope(req);
        return accessOverview(from, environment, tenant);
      }),
    );
  });

  router.post('/v1/policies/simulate', body, async (req, res) => {
    await caller(req, true);
    const request = value(checkBody<PolicySimulation>('PolicySimulation', req.body));
    res.json(await explored(async () => simulate(await source(), request)));
  });
}
