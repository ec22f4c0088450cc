import { describe, expect, it } from 'vitest';
import { editedExample } from '../../../../test/repo-fixture.ts';
import { validateRepo } from '../validate-repo.ts';

const POLICY = 'policies/default.yaml';
const argWarnings = (edit: Parameters<typeof editedExample>[1]) =>
  validateRepo(editedExample(POLICY, edit))
    .diagnostics.filter((d) => d.rule === 'policy-arg-exists')
    .map((d) => [d.path, d.message]);

describe('policy-arg-exists', () => {
  it('warns on a deny condition naming an argument none of its tools has', () => {
    expect(
      argWarnings((d) => d.setIn(['denies', 0, 'when'], [{ field: 'args.force', equals: true }])),
    ).toEqual([
      [
        'denies[0].when[0].field',
        'no tool this rule covers (petstore.delete_pet) has an argument "force", so the condition can never be evaluated',
      ],
    ]);
  });

  it('checks the first segment of a nested path only', () => {
    expect(argWarnings((d) => d.setIn(['bindings', 1, 'when', 0, 'field'], 'args.owner.login'))).toEqual([]);
  });

  it('does not warn when the rule covers a remote tool, whose arguments are unknown', () => {
    expect(
      argWarnings((d) => {
        d.setIn(['roles', 1, 'tools'], ['github.*', 'github-mcp.*']);
        d.setIn(['bindings', 1, 'when', 0, 'field'], 'args.anything');
      }),
    ).toEqual([]);
  });

  it('ignores conditions on claims, subject, environment and time', () => {
    expect(
      argWarnings((d) => d.setIn(['bindings', 1, 'when'], [{ field: 'claims.args', exists: true }])),
    ).toEqual([]);
  });
});
