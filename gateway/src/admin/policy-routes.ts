/**
 * The policy explorer (console part 2): GET /v1/policies, GET /v1/policies/access and POST
 * /v1/policies/simulate, admin only. The logic is ../policy-explorer's; this file checks the caller and the
 * input and turns its errors into API errors.
 */
import type express from 'express';
import {
  accessOverview,
  environmentOf,
  PolicyExplorerError,
  type PolicySimulation,
  policyOverview,
  readPolicySource,
  simulate,
} from '../policy-explorer/policy-explorer.ts';
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
  const environmentQuery = (req: express.Request) =>
    value(queryString(req.query as Record<string, unknown>, 'environment'));

  router.get('/v1/policies', async (req, res) => {
    await caller(req, true);
    const environment = environmentQuery(req);
    res.json(
      await explored(async () => {
        const from = await source();
        return policyOverview(from, environmentOf(from, environment, 'query parameter environment'));
      }),
    );
  });

  router.get('/v1/policies/access', async (req, res) => {
    await caller(req, true);
    const environment = environmentQuery(req);
    res.json(
      await explored(async () => {
        const from = await source();
        return accessOverview(from, environmentOf(from, environment, 'query parameter environment'));
      }),
    );
  });

  router.post('/v1/policies/simulate', body, async (req, res) => {
    await caller(req, true);
    const request = value(checkBody<PolicySimulation>('PolicySimulation', req.body));
    res.json(await explored(async () => simulate(await source(), request)));
  });
}
