import { describe, expect, it } from 'vitest';
import { type Edit, editedExample } from '../../../../test/repo-fixture.ts';
import { validateRepo } from '../validate-repo.ts';

const GH = 'packs/github-issues/pack.yaml';
const cacheProblems = (edit: Edit) =>
  validateRepo(editedExample(GH, edit))
    .diagnostics.filter((d) => d.rule === 'tool-cache' || d.rule === 'schema')
    .map((d) => `${d.file}:${d.line}:${d.column} ${d.path} ${d.rule}: ${d.message}`);

describe('tool-cache', () => {
  it('accepts a cache on a tool marked readOnlyHint: true', () => {
    expect(cacheProblems((d) => d.setIn(['tools', 0, 'cache'], { ttlSeconds: 300 }))).toEqual([]);
  });

  it('refuses a cache on a tool whose readOnlyHint is false, naming the file, line and field', () => {
    // tools[2] is create_issue (readOnlyHint: false). A map's position is where its content starts.
    const edit: Edit = (d) => d.setIn(['tools', 2, 'cache'], { ttlSeconds: 60 });
    const text = Buffer.from(editedExample(GH, edit).find((f) => f.path === GH)!.bytes).toString();
    const lines = text.split('\n');
    const line = lines.findIndex((l) => /^\s+cache:/.test(l)) + 2;
    const column = lines[line - 1]!.indexOf('ttlSeconds: 60') + 1;
    expect(column).toBeGreaterThan(0);
    expect(cacheProblems(edit)).toEqual([
      `${GH}:${line}:${column} tools[2].cache tool-cache: tool "create_issue" is not marked read-only, so its answers cannot be cached: set annotations.readOnlyHint: true if calling it changes nothing, or remove cache`,
    ]);
  });

  it('refuses a cache on a tool with no annotations at all', () => {
    const problems = cacheProblems((d) => {
      d.deleteIn(['tools', 0, 'annotations']);
      d.setIn(['tools', 0, 'cache'], { ttlSeconds: 60 });
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/ tools\[0\]\.cache tool-cache: tool "list_issues" is not marked read-only/);
  });

  it('leaves ttlSeconds bounds to the schema: 0 and more than a day are refused there', () => {
    for (const ttlSeconds of [0, 86_401, 1.5]) {
      const problems = cacheProblems((d) => d.setIn(['tools', 0, 'cache'], { ttlSeconds }));
      expect(problems, String(ttlSeconds)).toHaveLength(1);
      expect(problems[0]).toMatch(/ tools\[0\]\.cache\.ttlSeconds schema: /);
    }
  });
});
