import { describe, expect, it } from 'vitest';
import type { Loaded, Policy } from '../../config/src/model/types.ts';
import { compilePolicies } from './compile.ts';
import type { Subject } from './types.ts';
import { toolsVisibleTo } from './visible-tools.ts';

const policy: Loaded<Policy> = {
  file: 'policies/v.yaml',
  value: {
    name: 'v',
    roles: [
      { name: 'gh', tools: ['github.*'] },
      { name: 'weather', tools: ['weather.*'] },
      { name: 'pets', tools: ['petstore.*'] },
    ],
    bindings: [
      { role: 'gh', subjects: ['agent:bot'], when: [{ field: 'args.owner', equals: 'acme' }] },
      { role: 'weather', subjects: ['*'], when: [{ field: 'time.hour', lt: 1 }] },
      { role: 'pets', subjects: ['*'], when: [{ field: 'claims.tier', equals: 'gold' }] },
      { role: 'pets', subjects: ['group:dev'], environments: ['dev'] },
    ],
    denies: [
      { name: 'no-close', tools: ['github.close_issue'], subjects: ['agent:bot'] },
      {
        name: 'no-create-at-night',
        tools: ['github.create_issue'],
        subjects: ['*'],
        when: [{ field: 'time.hour', lt: 7 }],
      },
      {
        name: 'no-delete-for-guests',
        tools: ['*.delete_*'],
        subjects: ['*'],
        when: [{ field: 'claims.guest', exists: true }],
      },
    ],
  },
};
const prod = compilePolicies([policy], 'prod');
const dev = compilePolicies([policy], 'dev');
const TOOLS = [
  'github.list_issues',
  'github.create_issue',
  'github.close_issue',
  'weather.get_forecast',
  'petstore.add_pet',
  'petstore.delete_pet',
];
const subject = (
  kind: Subject['kind'],
  id: string,
  groups: string[] = [],
  claims: Record<string, unknown> = {},
): Subject => ({
  kind,
  id,
  groups,
  claims,
});

describe('toolsVisibleTo', () => {
  it.each<[string, typeof prod, Subject, string[]]>([
    [
      'lists tools whose only conditions are on args, and hides an unconditional deny',
      prod,
      subject('agent', 'bot'),
      ['github.list_issues', 'github.create_issue', 'weather.get_forecast'],
    ],
    [
      'a user with the same id sees only the time-conditioned grant',
      prod,
      subject('user', 'bot'),
      ['weather.get_forecast'],
    ],
    [
      'a claim condition is evaluated at list time',
      prod,
      subject('user', 'ann', [], { tier: 'gold' }),
      ['weather.get_forecast', 'petstore.add_pet', 'petstore.delete_pet'],
    ],
    [
      'a claim of the wrong type grants nothing',
      prod,
      subject('user', 'ann', [], { tier: 1 }),
      ['weather.get_forecast'],
    ],
    [
      'a deny with only knowable conditions that hold hides the tool',
      prod,
      subject('user', 'ann', [], { tier: 'gold', guest: true }),
      ['weather.get_forecast', 'petstore.add_pet'],
    ],
    [
      'a group grant applies in its environment only',
      dev,
      subject('user', 'dan', ['dev']),
      ['weather.get_forecast', 'petstore.add_pet', 'petstore.delete_pet'],
    ],
    ['and not in prod', prod, subject('user', 'dan', ['dev']), ['weather.get_forecast']],
  ])('%s', (_name, compiled, who, expected) => {
    expect(toolsVisibleTo(compiled, who, TOOLS)).toEqual(expected);
  });

  it('lists nothing when nothing is allowed', () => {
    expect(toolsVisibleTo(compilePolicies([], 'prod'), subject('user', 'x'), TOOLS)).toEqual([]);
  });
});
