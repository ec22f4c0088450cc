import { ACTIONS_OWNER_PLACEHOLDER, type ScaffoldOptions } from './scaffold-options.ts';

/** A paragraph: text, a list (one item a line) or a shell code block. */
type Paragraph = string | { list: string[] } | { code: string[] };

/** A README section: a heading and its paragraphs. */
interface Section {
  heading: string;
  body: Paragraph[];
}

/** The README of a new config repository, for the team that owns it. */
export function teamReadme(options: ScaffoldOptions, zones: readonly string[]): string {
  const raku = options.rakuPackage;
  const sections: Section[] = [
    {
      heading: 'What is here',
      body: [
        {
          list: [
            '`packs/` — one folder per pack: the tools an MCP server offers and the HTTP API behind them ' +
              '(`packs/weather` is an example that calls a public API with no key).',
            `\`zones/\` — where packs run: ${zones.map((z) => `\`${z}\``).join(', ')}, each with its cluster, ` +
              'namespace, image registry and GitOps repository; staging is promoted from dev, prod from staging.',
            '`policies/` — who may call which tools, in which environments.',
            '`.github/workflows/` — validate and plan every pull request, comment the plan, and on merge to main ' +
              'build the images and open a rollout pull request in the GitOps repository.',
          ],
        },
      ],
    },
    {
      heading: 'Working locally',
      body: [
        `\`package.json\` pins Raku (\`${raku.name}@${raku.version}\`) so that every member of the team and ` +
          'every script runs the same version; the actions are called at `@v1`, the same major version. ' +
          'Update both together (Dependabot or Renovate can do it).',
        {
          code: [
            'npm install',
            'npx raku validate                 # every problem, with file:line',
            'npx raku generate --zone dev      # what would be deployed, under out/',
            'npx raku plan --base origin/main  # what this branch changes',
          ],
        },
      ],
    },
    {
      heading: 'Before the first release',
      body: [
        `1. The workflows call \`${options.actionsOwner}/raku/actions/<name>@v1\`. ` +
          (options.actionsOwner === ACTIONS_OWNER_PLACEHOLDER
            ? `Replace \`${ACTIONS_OWNER_PLACEHOLDER}\` with the GitHub owner of the Raku repository you use ` +
              '(`raku init --actions-owner <owner>` writes it into a new repository).'
            : 'Check that this is the Raku repository you mean to use.'),
        `2. In \`zones/*.yaml\`, set each zone's cluster, registry (\`ghcr.io/${options.org}/raku\`), ` +
          `GitOps repository (\`${options.org}/raku-gitops\`) and gateway auth to your own.`,
        '3. Create a GitHub App with contents and pull-requests write on the GitOps repository; set ' +
          '`vars.RAKU_APP_ID`, `vars.RAKU_GITOPS_OWNER` and `secrets.RAKU_APP_PRIVATE_KEY` in this repository.',
        '4. Refresh the base image digests in `zones/*.yaml` when the image tag moves: builds use the digest, ' +
          'never the tag.',
      ],
    },
    {
      heading: 'Adding a pack',
      body: [
        'Import one from an OpenAPI document, then test every tool against a mock upstream:',
        {
          code: [
            'npx raku import openapi ./api.yaml --name my-api',
            'npx raku pack test my-api',
            'npx raku validate',
          ],
        },
        'Then name it in the zones that should run it (`packs:` in `zones/*.yaml`) and open a pull request.',
      ],
    },
  ];
  const parts = [
    `# ${options.name}`,
    'MCP servers as configuration: packs, landing zones and policies for Raku, reviewed in pull requests and ' +
      'rolled out through GitOps.',
    ...sections.flatMap((s) => [`## ${s.heading}`, ...s.body.map(paragraph)]),
  ];
  return `${parts.join('\n\n')}\n`;
}

function paragraph(p: Paragraph): string {
  if (typeof p === 'string') return p;
  if ('list' in p) return p.list.map((item) => `- ${item}`).join('\n');
  return ['```sh', ...p.code, '```'].join('\n');
}
