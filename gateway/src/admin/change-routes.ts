/**
 * The config repository and its changes (console part 2, admin role): GET /v1/config-repository,
 * POST /v1/changes/preview (../config-repo/preview.ts over the repository's snapshot) and POST /v1/changes
 * (the pull request, via deps.pullRequests). A change is validated against the base its pull request goes to
 * and refused with its diagnostics when it has errors, before anything is pushed.
 */
import type express from 'express';
import { checkChangeTitle } from '../config-repo/change-files.ts';
import { GitHubCallError } from '../config-repo/github-error.ts';
import { changedSincePreview, previewChange } from '../config-repo/preview.ts';
import {
  ChangeConflictError,
  type ChangeRequest,
  type ConfigRepository,
  type ConfigRepositoryStatus,
  PULL_REQUESTS_SETTINGS,
} from '../config-repo/types.ts';
import { ApiError, value } from './api-error.ts';
import { adminLargeBody, callerOf } from './large-body.ts';
import { checkBody } from './request-validation.ts';
import type { RouteContext } from './types.ts';

/** A change carries up to 200 files of 1 MiB; the body limit is the import's (a large pack plus a few files). */
export const CHANGE_BODY_LIMIT = 32 * 1024 * 1024;

/**
 * Runs a GitHub-backed step; a GitHub failure becomes 502 github_error with the call and what to fix, a
 * conflict with what GitHub holds a 409 with its code.
 */
async function github<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof GitHubCallError) throw new ApiError(502, 'github_error', error.message);
    if (error instanceof ChangeConflictError) throw new ApiError(409, error.code, error.message);
    throw error;
  }
}

/** The body as a ChangeRequest: the schema, then what it cannot say (a one-line title). */
function changeOf(body: unknown): ChangeRequest {
  const change = value(checkBody<ChangeRequest>('ChangeRequest', body));
  checkChangeTitle(change.title);
  return change;
}

export function mountChangeRoutes(router: express.Router, context: RouteContext): void {
  const { deps, caller } = context;
  const body = adminLargeBody(context, CHANGE_BODY_LIMIT, 'change routes', 'propose fewer or smaller files');
  const repository = (): ConfigRepository => {
    if (!deps.configRepository) throw new ApiError(404, 'not_found', 'this gateway has no config repository');
    return deps.configRepository;
  };

  router.get('/v1/config-repository', async (req, res) => {
    await caller(req, true);
    const repo = repository();
    const { revision } = await github(() => repo.snapshot());
    const status: ConfigRepositoryStatus = {
      ...repo.info,
      revision,
      pullRequests: deps.pullRequests
        ? {
            enabled: true,
            reason: null,
            repository: deps.pullRequests.repository,
            branch: deps.pullRequests.branch,
          }
        : { enabled: false, reason: `this gateway cannot open pull requests: ${PULL_REQUESTS_SETTINGS}` },
    };
    res.json(status);
  });

  router.post('/v1/changes/preview', body, async (req, res) => {
    const repo = repository();
    const change = changeOf(req.body);
    const snapshot = await github(() => repo.snapshot());
    res.json(previewChange(snapshot, change));
  });

  router.post('/v1/changes', body, async (req, res) => {
    const who = callerOf(res);
    repository();
    const change = changeOf(req.body);
    const opener = deps.pullRequests;
    if (!opener) {
      throw new ApiError(
        409,
        'pull_requests_unavailable',
        `this gateway cannot open pull requests: ${PULL_REQUESTS_SETTINGS}`,
      );
    }
    // Validated against the branch the pull request goes to (in local mode that is GitHub's, not the checkout),
    // read once: the commit is built on this same snapshot's revision (open() refuses when the branch moved).
    const base = await github(() => opener.snapshot());
    const differ = changedSincePreview(base, change);
    if (differ.length > 0) {
      const where = `${opener.repository}@${opener.branch}`;
      throw new ApiError(
        409,
        'base_changed',
        `${differ.join(', ')} changed on ${where} since the preview: preview again (in local mode, update the checkout first); nothing was pushed`,
      );
    }
    const preview = previewChange(base, change);
    if (preview.files.every((f) => f.status === 'unchanged')) {
      throw new ApiError(
        400,
        'invalid_change',
        `the change leaves ${opener.repository}@${opener.branch} as it is`,
        {},
        {
          diagnostics: [],
        },
      );
    }
    if (!preview.valid) {
      const errors = preview.diagnostics.filter((d) => d.severity === 'error');
      const first = errors[0];
      throw new ApiError(
        400,
        'invalid_change',
        `the changed config has ${errors.length} error${errors.length === 1 ? '' : 's'} (first: ${first?.file}:${first?.line}: ${first?.message}); nothing was pushed`,
        {},
        { diagnostics: preview.diagnostics },
      );
    }
    const pr = await github(() => opener.open(change, base, who.subject));
    res.status(pr.created ? 201 : 200).json(pr);
  });
}
