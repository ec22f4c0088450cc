import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import * as github from '@actions/github';
import { isUserError } from '@raku/config';
import {
  githubPlanCommentApi,
  octokitFor,
  planRepo,
  upsertPlanComment,
  verifyPullRequestHead,
} from '@raku/release';
import { formatPlan, planHasChanges } from '@raku/render';

type Mode = 'plan' | 'comment' | 'plan-and-comment';

interface Inputs {
  mode: Mode;
  root: string;
  base: string;
  against: string;
  outputDir: string;
  reportUrl: string;
  token: string;
  headSha: string;
  author: string;
  repository: { owner: string; repo: string };
  apiUrl: string;
}

/** What plan mode leaves for comment mode: which pull request, at which commit. */
interface PullRequestRecord {
  number: number;
  headSha: string;
}

function readInputs(): Inputs {
  const mode = core.getInput('mode') || 'plan';
  if (mode !== 'plan' && mode !== 'comment' && mode !== 'plan-and-comment') {
    throw new Error(`mode must be plan, comment or plan-and-comment, not "${mode}"`);
  }
  const workspace = process.env['GITHUB_WORKSPACE'] ?? '.';
  const server = process.env['GITHUB_SERVER_URL'] ?? 'https://github.com';
  const runId = process.env['GITHUB_RUN_ID'];
  const { owner, repo } = github.context.repo;
  return {
    mode,
    root: path.resolve(workspace, core.getInput('path') || '.'),
    base: core.getInput('base') || github.context.payload.pull_request?.['base']?.sha || '',
    against: core.getInput('against'),
    outputDir: path.resolve(workspace, core.getInput('output-dir') || 'raku-plan'),
    reportUrl:
      core.getInput('report-url') || (runId ? `${server}/${owner}/${repo}/actions/runs/${runId}` : ''),
    token: core.getInput('github-token'),
    headSha: core.getInput('head-sha'),
    author: core.getInput('comment-author') || 'github-actions[bot]',
    repository: { owner, repo },
    apiUrl: process.env['GITHUB_API_URL'] ?? 'https://api.github.com',
  };
}

async function plan(inputs: Inputs): Promise<void> {
  if (!inputs.against && !inputs.base)
    throw new Error('no base to compare with: set base (outside pull requests) or against');
  const planData = await planRepo(
    {
      root: inputs.root,
      ...(inputs.against
        ? { against: path.resolve(inputs.root, inputs.against), againstLabel: inputs.against }
        : { base: inputs.base }),
      zones: [],
    },
    { onWarning: (text) => core.warning(`warning: ${text}`) },
  );
  const comment = formatPlan(planData, 'markdown', inputs.reportUrl ? { reportUrl: inputs.reportUrl } : {});
  await mkdir(inputs.outputDir, { recursive: true });
  await writeFile(path.join(inputs.outputDir, 'comment.md'), comment);
  await writeFile(
    path.join(inputs.outputDir, 'plan.md'),
    formatPlan(planData, 'markdown', { maxChars: Number.POSITIVE_INFINITY }),
  );
  await writeFile(path.join(inputs.outputDir, 'plan.json'), formatPlan(planData, 'json'));
  const pr = github.context.payload.pull_request;
  if (pr) {
    const record: PullRequestRecord = { number: pr.number, headSha: pr['head']?.sha ?? github.context.sha };
    await writeFile(path.join(inputs.outputDir, 'pull-request.json'), `${JSON.stringify(record)}\n`);
  }
  core.setOutput('has-changes', String(planHasChanges(planData)));
  core.setOutput('unversioned-breaks', planData.contracts.filter((c) => c.unversionedBreak).length);
  core.setOutput('access-changes', planData.access.length);
  await core.summary.addRaw(comment).write();
}

/** Reads pull-request.json (untrusted: it may come from a fork's run) and checks its shape. */
async function readPullRequestRecord(dir: string): Promise<PullRequestRecord> {
  const file = path.join(dir, 'pull-request.json');
  const value = JSON.parse(await readFile(file, 'utf8')) as Partial<PullRequestRecord>;
  if (!Number.isSafeInteger(value.number) || (value.number ?? 0) <= 0)
    throw new Error(`${file}: number must be a positive integer`);
  if (typeof value.headSha !== 'string' || !/^[0-9a-f]{40}$/.test(value.headSha)) {
    throw new Error(`${file}: headSha must be a commit SHA`);
  }
  return { number: value.number as number, headSha: value.headSha };
}

async function comment(inputs: Inputs): Promise<void> {
  if (!inputs.token) throw new Error('github-token is required to comment');
  const record = await readPullRequestRecord(inputs.outputDir);
  const headSha = inputs.headSha || record.headSha;
  const octokit = octokitFor(inputs.token, inputs.apiUrl);
  const target = { ...inputs.repository, number: record.number };
  try {
    await verifyPullRequestHead(octokit, target, headSha);
  } catch (err) {
    if (!isUserError(err)) throw err;
    // A newer push started a newer run, which will comment; this plan is stale.
    core.warning(`${err.message}; not commenting`);
    return;
  }
  const body = await readFile(path.join(inputs.outputDir, 'comment.md'), 'utf8');
  const result = await upsertPlanComment(githubPlanCommentApi(octokit, target), body, inputs.author);
  core.info(`plan comment ${result.action} on #${record.number} (id ${result.id})`);
  core.setOutput('comment-id', result.id);
}

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    if (inputs.mode !== 'comment') await plan(inputs);
    if (inputs.mode !== 'plan') await comment(inputs);
  } catch (err) {
    core.setFailed(err instanceof Error ? err.message : String(err));
  }
}

await run();
