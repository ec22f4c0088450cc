import { describe, expect, it } from 'vitest';
import { type Edit, editedExample } from '../../../../test/repo-fixture.ts';
import { validateRepo } from '../validate-repo.ts';

const GH = 'packs/github-issues/pack.yaml';
const schemaProblems = (edit: Edit) =>
  validateRepo(editedExample(GH, edit))
    .diagnostics.filter((d) => d.rule === 'tool-schema')
    .map((d) => `${d.file}:${d.line}:${d.column} ${d.path}: ${d.message}`);

describe('tool-schema', () => {
  it('reports every tool whose schema is invalid, when several tools share the same invalid schema', () => {
    // The meta-schema's verdict is kept per schema text within a run: the second copy must still be reported.
    const bad = { type: 'object', required: 'owner', properties: { owner: { type: 'string' } } };
    const problems = schemaProblems((d) => {
      d.setIn(['tools', 0, 'outputSchema'], bad);
      d.setIn(['tools', 1, 'outputSchema'], bad);
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      / tools\[0\]\.outputSchema: outputSchema is not a valid JSON Schema: \/required must be array$/,
    );
    expect(problems[1]).toMatch(
      / tools\[1\]\.outputSchema: outputSchema is not a valid JSON Schema: \/required must be array$/,
    );
  });

  it('accepts a valid schema that follows an invalid one', () => {
    const problems = schemaProblems((d) => {
      d.setIn(['tools', 0, 'outputSchema'], { type: 'object', required: 'owner' });
      d.setIn(['tools', 1, 'outputSchema'], { type: 'object', required: ['owner'] });
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/ tools\[0\]\.outputSchema: /);
  });
});
