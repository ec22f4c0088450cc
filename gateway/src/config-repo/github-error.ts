/**
 * A GitHub call that failed: which call, GitHub's status and what it means for the person who asked (bad
 * credentials, missing permissions, rate limit). The admin routes answer it as `502 github_error`.
 */
export class GitHubCallError extends Error {
  constructor(
    /** The call, e.g. 'POST /repos/acme/config/git/trees'. */
    readonly call: string,
    /** GitHub's HTTP status, or undefined when no answer came (network). */
    readonly githubStatus: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

interface OctokitLikeError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

/** The message GitHub put in its answer, without Octokit's ' - https://docs.github.com/…' suffix. */
function gitHubMessage(err: OctokitLikeError): string {
  const data = err.response?.data as { message?: unknown } | undefined;
  const text = typeof data?.message === 'string' ? data.message : (err.message ?? 'no message');
  return text.replace(/ - https:\/\/docs\.github\.com\S*$/, '').slice(0, 300);
}

/** Seconds until a rate limit resets, when `err` is GitHub's rate-limit answer (403/429). */
export function rateLimitSeconds(err: unknown, now = Date.now()): number | undefined {
  const e = err as OctokitLikeError;
  if (e.status !== 403 && e.status !== 429) return undefined;
  const headers = e.response?.headers ?? {};
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined && Number.isFinite(Number(retryAfter))) return Number(retryAfter);
  if (headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    return Number.isFinite(reset) ? Math.max(0, Math.ceil(reset - now / 1000)) : 60;
  }
  return undefined;
}

/** Turns an Octokit failure of `call` on `repository` into a GitHubCallError saying what to do. */
export function gitHubCallError(call: string, repository: string, err: unknown): GitHubCallError {
  const e = err as OctokitLikeError;
  // Octokit reports a request that got no answer (network, timeout) as status 500 without a response.
  const status = typeof e.status === 'number' && e.response !== undefined ? e.status : undefined;
  const said = gitHubMessage(e);
  if (status === undefined) {
    return new GitHubCallError(call, undefined, `GitHub ${call}: no answer (${said})`);
  }
  const wait = rateLimitSeconds(err);
  let meaning: string;
  if (wait !== undefined) meaning = `rate limited; try again in ${wait} s`;
  else if (status === 401) {
    meaning =
      'GitHub refused the credentials: RAKU_GITHUB_TOKEN is wrong or expired (or the GitHub App key/id do not match)';
  } else if (status === 403) {
    meaning = `the credentials may not do this: they need contents:write and pull_requests:write on ${repository}`;
  } else if (status === 404) {
    meaning = `not found: ${repository} or the branch does not exist, or the credentials cannot see it`;
  } else if (status === 409 || status === 422) meaning = 'GitHub refused the request';
  else if (status >= 500) meaning = 'GitHub failed; try again';
  else meaning = 'unexpected answer';
  return new GitHubCallError(call, status, `GitHub ${call} answered ${status} (${said}): ${meaning}`);
}
