import path from 'node:path';
import * as core from '@actions/core';
import * as github from '@actions/github';
import {
  addedLines,
  type ChangedLines,
  chooseAnnotations,
  renderSummary,
  validateConfig,
} from '@raku/config';

interface Inputs {
  root: string;
  token: string;
  failOnWarnings: boolean;
}

function readInputs(): Inputs {
  return {
    root: path.resolve(process.env['GITHUB_WORKSPACE'] ?? '.', core.getInput('path') || '.'),
    token: core.getInput('github-token'),
    failOnWarnings: core.getBooleanInput('fail-on-warnings'),
  };
}

/** The pull request's added lines per file, or undefined outside pull requests or without a token. */
async function changedLines(token: string): Promise<ChangedLines | undefined> {
  const pr = github.context.payload.pull_request;
  if (!pr || !token) return undefined;
  const octokit = github.getOctokit(token);
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
    ...github.context.repo,
    pull_number: pr.number,
    per_page: 100,
  });
  return new Map(files.map((f) => [f.filename, addedLines(f.patch ?? '')]));
}

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const result = await validateConfig({ root: inputs.root });
    let changed: ChangedLines | undefined;
    try {
      changed = await changedLines(inputs.token);
    } catch (err) {
      core.warning(
        `could not list the pull request's files, annotations are not ordered by change: ${String(err)}`,
      );
    }
    const { annotations, omitted } = chooseAnnotations(result.diagnostics, changed);
    for (const d of annotations) {
      const props = {
        file: d.file,
        startLine: d.line || undefined,
        startColumn: d.column || undefined,
        title: `${d.rule}${d.path ? ` at ${d.path}` : ''}`,
      };
      if (d.severity === 'error') core.error(d.message, props);
      else core.warning(d.message, props);
    }
    await core.summary.addRaw(renderSummary(result.diagnostics, result.fileCount, omitted)).write();
    const { errors, warnings } = result;
    core.setOutput('errors', errors);
    core.setOutput('warnings', warnings);
    if (errors > 0 || (inputs.failOnWarnings && warnings > 0)) {
      // Not core.setFailed: its own annotation would take one of the 10 slots the findings need.
      core.info(`Raku validate failed: ${errors} error(s), ${warnings} warning(s); see the job summary`);
      process.exitCode = 1;
    }
  } catch (err) {
    core.setFailed(err instanceof Error ? err.message : String(err));
  }
}

await run();
