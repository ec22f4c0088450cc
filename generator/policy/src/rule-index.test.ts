import { describe, expect, it } from 'vitest';
import type { Loaded, Policy } from '../../config/src/model/types.ts';
import { compilePolicies } from './compile.ts';
import { decide } from './decide.ts';
import { ruleIndex } from './rule-index.ts';
import type { CompiledPolicy, ToolCall } from './types.ts';

const policy: Loaded<Policy> = {
  file: 'policies/i.yaml',
  value: {
    name: 'i',
    roles: [
      { name: 'lists', tools: ['*.list_*'] },
      { name: 'gh', tools: ['github.*'] },
    ],
    bindings: [
      { role: 'lists', subjects: ['*'] },
      { role: 'gh', subjects: ['group:ops', 'user:ann'] },
    ],
    denies: [{ name: 'no-list-secrets', tools: ['*.list_secrets'], subjects: ['group:ops'] }],
  },
};
const call = (tool: string, groups: string[] = []): ToolCall => ({
  tool,
  args: {},
  subject: { id: 'ann', kind: 'user', groups, claims: {} },
  environment: 'dev',
  now: new Date('2026-11-23T10:00:00Z'),
});

describe('ruleIndex', () => {
  it('keeps compiled order among the rules matching a tool', () => {
    const compiled = compilePolicies([policy], 'dev');
    expect(
      ruleIndex(compiled)
        .allows.forTool('github.list_issues')
        .map((r) => r.rule.id),
    ).toEqual(['i/bindings[0]', 'i/bindings[1]']);
    expect(ruleIndex(compiled).allows.forTool('petstore.add_pet')).toEqual([]);
  });

  it('decides the same after the tool memo overflows with invented tool names', () => {
    const compiled = compilePolicies([policy], 'dev');
    const before = [
      decide(compiled, call('github.list_secrets', ['ops'])),
      decide(compiled, call('github.add_comment')),
    ];
    for (let i = 0; i < 10_050; i++) decide(compiled, call(`made.up_${i}`));
    expect([
      decide(compiled, call('github.list_secrets', ['ops'])),
      decide(compiled, call('github.add_comment')),
    ]).toEqual(before);
    expect(before.map((d) => d.rule)).toEqual(['i/denies/no-list-secrets', 'i/bindings[1]']);
  });

  it('decides calls to very long invented tool names without remembering them wrongly', () => {
    const compiled = compilePolicies([policy], 'dev');
    const long = `x.list_${'a'.repeat(100_000)}`;
    expect(decide(compiled, call(long)).rule).toBe('i/bindings[0]');
    expect(decide(compiled, call(long.replace('list', 'get'))).rule).toBe('default-deny');
    expect(decide(compiled, call(long)).rule).toBe('i/bindings[0]');
  });

  it('decides the same on a compiled policy read back from JSON (as the gateway bundle is)', () => {
    const compiled = compilePolicies([policy], 'dev');
    const reread = JSON.parse(JSON.stringify(compiled)) as CompiledPolicy;
    for (const tool of [
      'github.list_issues',
      'github.list_secrets',
      'petstore.list_pets',
      'petstore.add_pet',
    ])
      for (const groups of [[], ['ops']])
        expect(decide(reread, call(tool, groups))).toEqual(decide(compiled, call(tool, groups)));
  });
});
