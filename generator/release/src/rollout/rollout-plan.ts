import type { Zone } from '@raku/config';
import type { ChangeSet } from '@raku/render';
import { configRevision, shortRevision } from '@raku/render';
import type { BuildRecord } from '../build/build-record.ts';

/** The fixed branch of a zone's rollout pull request: one branch, one pull request per zone. */
export function rolloutBranch(zone: string): string {
  return `raku/rollout/${zone}`;
}

export interface FileDiff {
  added: string[];
  changed: string[];
  removed: string[];
}

/** What the rollout pull request of a zone says: commit message, title and body. Pure. */
export interface RolloutText {
  title: string;
  commitMessage: string;
  body: string;
}

/** File diff between the zone's folder on the base branch and the rendered output (paths relative to the folder). */
export function diffFiles(current: ReadonlyMap<string, string>, desired: ChangeSet): FileDiff {
  const diff: FileDiff = { added: [], changed: [], removed: [] };
  for (const [p, content] of desired) {
    const before = current.get(p);
    if (before === undefined) diff.added.push(p);
    else if (before !== content) diff.changed.push(p);
  }
  for (const p of current.keys()) if (!desired.has(p)) diff.removed.push(p);
  for (const list of Object.values(diff)) list.sort();
  return diff;
}

export function isEmptyDiff(diff: FileDiff): boolean {
  return diff.added.length + diff.changed.length + diff.removed.length === 0;
}

/**
 * Commit message, pull request title and body of a zone's rollout: the zone's config revision (a digest of the
 * rendered files, so the title stays put while the content does), the commit it was rendered from, every
 * image with its packs, versions and digest, and the file diff. `plan` is the zone's plan from `raku plan`
 * (access and contract diff) as Markdown, included when given. Pure: same input, same text.
 */
export function rolloutText(input: {
  zone: Zone;
  /** The commit rendered. */
  revision: string;
  rendered: ChangeSet;
  record: BuildRecord;
  diff: FileDiff;
  plan?: string;
  /** Promotion note: which upstream zone was healthy, or the reason given with --force. */
  promotion?: string;
}): RolloutText {
  const { zone, revision, record, diff } = input;
  const config = configRevision(input.rendered);
  const short = shortRevision(config);
  const images = Object.entries(record.images).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const title = `raku rollout: ${zone.name} at ${short}`;
  const lines = [
    `raku rollout ${zone.name} at ${short}`,
    '',
    `Config revision: ${config}`,
    `Commit: ${revision}`,
    `Zone: ${zone.name} (${zone.environment}), namespace ${zone.namespace}`,
    'Images:',
    ...images.map(([workload, image]) => {
      const packs = image.packs.map((p) => `${p.name} ${p.version}`).join(', ');
      return `- ${workload}${packs ? ` (${packs})` : ''}: ${image.repository}@${image.digest}`;
    }),
  ];
  if (input.promotion) lines.push('', `Promotion: ${input.promotion}`);
  const body = [
    `Rollout of config revision \`${md(config)}\` (commit \`${md(revision)}\`) to zone **${md(zone.name)}** (${md(zone.environment)}, namespace \`${md(zone.namespace)}\`), into \`${md(zone.gitops.path)}\`.`,
    '',
    ...(input.promotion ? [`**Promotion:** ${md(input.promotion)}`, ''] : []),
    '### Images (pinned by digest)',
    '',
    '| workload | packs | image |',
    '|---|---|---|',
    ...images.map(
      ([workload, image]) =>
        `| ${md(workload)} | ${md(image.packs.map((p) => `${p.name} ${p.version}`).join(', ') || '—')} | \`${md(image.repository)}@${md(image.digest)}\` |`,
    ),
    '',
    `### Files (${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed)`,
    '',
    ...[
      ...diff.added.map((p) => `- added \`${md(p)}\``),
      ...diff.changed.map((p) => `- changed \`${md(p)}\``),
      ...diff.removed.map((p) => `- removed \`${md(p)}\``),
    ],
    ...(input.plan ? ['', '### Plan', '', input.plan] : []),
    '',
    '<sub>Opened by `raku rollout`. The branch is rewritten on every run; do not push to it.</sub>',
    '',
  ];
  return { title, commitMessage: `${lines.join('\n')}\n`, body: body.join('\n') };
}

/** Escapes text for a Markdown table cell or inline code: no pipes, backticks or line breaks from config. */
function md(text: string): string {
  return text.replace(/[|`<>]/g, (c) => `&#${c.charCodeAt(0)};`).replace(/[\r\n]+/g, ' ');
}
