import { Document, isMap, isPair, isScalar, visit } from 'yaml';

/**
 * Third-party actions pinned by commit (the same commits Raku's own workflows use); the version is written as
 * a comment after the pin so that Dependabot and Renovate can update both.
 */
const PINNED: Record<string, { sha: string; version: string }> = {
  'actions/checkout': { sha: '08c6903cd8c0fde910a37f88322edcfb5dd907a8', version: 'v5.0.0' },
  'actions/upload-artifact': { sha: 'ea165f8d65b6e75b540449e92b4886f43607fa02', version: 'v4.6.2' },
  'actions/download-artifact': { sha: 'd3f86a106a0bac45b974a628896c90dbdf5c8093', version: 'v4.3.0' },
  'actions/create-github-app-token': { sha: 'bcd2ba49218906704ab6c1aa796996da409d3eb1', version: 'v3.2.0' },
};

/** A workflow as data: its file name, the comment at its top, and the document GitHub reads. */
interface Workflow {
  file: string;
  header: string[];
  body: Record<string, unknown>;
}

/** Where the plan job writes the plan and the comment job reads it. */
const PLAN_DIR = `${gh('runner.temp')}/raku-plan`;
const CONFIG_PATHS = ['packs/**', 'zones/**', 'policies/**'];

/** The workflows of a config repository, path → YAML text. `owner` owns the Raku repository (actions@v1). */
export function workflowFiles(owner: string): [string, string][] {
  const raku = (name: string) => `${owner}/raku/actions/${name}@v1`;
  const pin = (name: string) => `${name}@${PINNED[name]?.sha}`;
  const checkout = (extra: Record<string, unknown> = {}) => ({
    uses: pin('actions/checkout'),
    with: { 'persist-credentials': false, ...extra },
  });
  const workflows: Workflow[] = [
    {
      file: 'validate.yml',
      header: [
        'Validates packs, zones and policies on every pull request, and plans what it would roll out.',
        'Runs with a read-only token and no secrets, so it is safe for pull requests from forks; the plan',
        'comment is posted by plan-comment.yml, which never runs the pull request’s files.',
      ],
      body: {
        name: 'validate',
        on: { pull_request: { paths: CONFIG_PATHS } },
        permissions: { contents: 'read', 'pull-requests': 'read' },
        jobs: {
          validate: job(10, [checkout(), { name: 'Validate', uses: raku('validate') }]),
          plan: job(10, [
            checkout({ 'fetch-depth': 0 }),
            {
              name: 'Plan',
              uses: raku('plan'),
              with: {
                mode: 'plan',
                base: gh('github.event.pull_request.base.sha'),
                'output-dir': PLAN_DIR,
              },
            },
            {
              name: 'Upload the plan for the comment workflow',
              uses: pin('actions/upload-artifact'),
              with: {
                name: 'raku-plan',
                path: PLAN_DIR,
                'retention-days': 7,
                'if-no-files-found': 'error',
              },
            },
          ]),
        },
      },
    },
    {
      file: 'plan-comment.yml',
      header: [
        'Posts (or updates) the one Raku plan comment on a pull request, after "validate" finishes.',
        'workflow_run runs on the default branch with a token that may comment, and never checks out the pull',
        'request: the plan artifact is read as untrusted data by the plan action in comment mode.',
      ],
      body: {
        name: 'plan-comment',
        on: { workflow_run: { workflows: ['validate'], types: ['completed'] } },
        permissions: {},
        jobs: {
          comment: job(
            5,
            [
              checkout(),
              {
                name: 'Download the plan',
                id: 'download',
                'continue-on-error': true,
                uses: pin('actions/download-artifact'),
                with: {
                  name: 'raku-plan',
                  'run-id': gh('github.event.workflow_run.id'),
                  'github-token': gh('github.token'),
                  path: PLAN_DIR,
                },
              },
              {
                name: 'Comment',
                if: "steps.download.outcome == 'success'",
                uses: raku('plan'),
                with: {
                  mode: 'comment',
                  'output-dir': PLAN_DIR,
                  'head-sha': gh('github.event.workflow_run.head_sha'),
                  'github-token': gh('github.token'),
                },
              },
            ],
            {
              if: "github.event.workflow_run.event == 'pull_request' && github.event.workflow_run.conclusion != 'cancelled'",
              permissions: { actions: 'read', 'pull-requests': 'write' },
            },
          ),
        },
      },
    },
    {
      file: 'release.yml',
      header: [
        'After a merge to main: validate → generate → build and push the images whose inputs changed → a rollout',
        'pull request in the GitOps repository of each zone named (dev by default; run it by hand for another).',
        'Needs a GitHub App on the GitOps repository with contents and pull-requests write: vars.RAKU_APP_ID,',
        'secrets.RAKU_APP_PRIVATE_KEY and vars.RAKU_GITOPS_OWNER (see README.md).',
      ],
      body: {
        name: 'release',
        on: {
          push: { branches: ['main'], paths: CONFIG_PATHS },
          workflow_dispatch: {
            inputs: {
              zones: {
                description: 'Zones to build and roll out (comma-separated)',
                type: 'string',
                default: 'dev',
              },
            },
          },
        },
        permissions: {},
        concurrency: { group: 'raku-release', 'cancel-in-progress': false },
        env: { ZONES: gh("inputs.zones || 'dev'") },
        jobs: {
          build: job(
            30,
            [
              checkout(),
              { uses: raku('validate') },
              { name: 'Generate (every zone must render)', uses: raku('generate') },
              {
                name: 'Build and push',
                uses: raku('build'),
                with: {
                  zones: gh('env.ZONES'),
                  push: 'true',
                  'registry-username': gh('github.actor'),
                  'registry-password': gh('secrets.GITHUB_TOKEN'),
                },
              },
              {
                uses: pin('actions/upload-artifact'),
                with: { name: 'build-records', path: 'out/builds/', 'retention-days': 30 },
              },
            ],
            { permissions: { contents: 'read', packages: 'write', 'id-token': 'write' } },
          ),
          rollout: job(
            15,
            [
              checkout(),
              {
                uses: pin('actions/download-artifact'),
                with: { name: 'build-records', path: 'out/builds/' },
              },
              {
                uses: pin('actions/create-github-app-token'),
                id: 'app-token',
                with: {
                  'app-id': gh('vars.RAKU_APP_ID'),
                  'private-key': gh('secrets.RAKU_APP_PRIVATE_KEY'),
                  owner: gh('vars.RAKU_GITOPS_OWNER'),
                  repositories: 'raku-gitops',
                },
              },
              {
                uses: raku('rollout'),
                with: { zones: gh('env.ZONES'), token: gh('steps.app-token.outputs.token') },
              },
            ],
            { needs: 'build', permissions: { contents: 'read' } },
          ),
        },
      },
    },
  ];
  return workflows.map((w) => [`.github/workflows/${w.file}`, serialiseWorkflow(w)]);
}

/** A GitHub expression, `${{ … }}`. */
function gh(expression: string): string {
  return `\${{ ${expression} }}`;
}

/** A job on GitHub's Ubuntu runner; `head` (if, needs, permissions) comes first, as people write jobs. */
function job(
  timeoutMinutes: number,
  steps: Record<string, unknown>[],
  head: Record<string, unknown> = {},
): Record<string, unknown> {
  return { ...head, 'runs-on': 'ubuntu-24.04', 'timeout-minutes': timeoutMinutes, steps };
}

/** YAML with the header as comments and each pinned action's version after its `uses:` line. */
function serialiseWorkflow(w: Workflow): string {
  const doc = new Document(w.body);
  doc.commentBefore = w.header.map((line) => ` ${line}`).join('\n');
  visit(doc, {
    Pair(_, pair) {
      if (!isPair(pair) || !isScalar(pair.key) || pair.key.value !== 'uses' || !isScalar(pair.value)) return;
      const name = String(pair.value.value).split('@')[0] ?? '';
      const pinned = PINNED[name];
      if (pinned) pair.value.comment = ` ${pinned.version}`;
    },
    Map(_, map) {
      // `with:` blocks and the like stay in block style, one key a line, as people write workflows.
      if (isMap(map) && map.items.length > 0) map.flow = false;
    },
  });
  return doc.toString({ lineWidth: 0 });
}
