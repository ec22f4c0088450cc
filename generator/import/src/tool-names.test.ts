import { describe, expect, it } from 'vitest';
import { assignToolNames, baseToolName } from './tool-names.ts';

describe('tool names', () => {
  it('uses the operationId, reduced to letters, digits, _ and -', () => {
    expect(baseToolName({ operationId: 'issues/list-for-repo', method: 'GET', path: '/x' }, 60)).toBe(
      'issues_list-for-repo',
    );
    expect(baseToolName({ operationId: 'pets.get by id', method: 'GET', path: '/x' }, 60)).toBe(
      'pets_get_by_id',
    );
  });

  it('falls back to method and path without an operationId', () => {
    expect(baseToolName({ method: 'GET', path: '/repos/{owner}/{repo}' }, 60)).toBe('get_repos_owner_repo');
    expect(baseToolName({ method: 'GET', path: '/' }, 60)).toBe('get');
  });

  it('cuts long names to the limit with a hash of the operation so cut names stay distinct', () => {
    const long = 'a'.repeat(100);
    const a = baseToolName({ operationId: long, method: 'GET', path: '/a' }, 40);
    const b = baseToolName({ operationId: long, method: 'GET', path: '/b' }, 40);
    expect(a.length).toBeLessThanOrEqual(40);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^a+_[0-9a-f]{6}$/);
  });

  it('resolves collisions deterministically with numeric suffixes, in the given order', () => {
    const ops = [
      { operationId: 'get-pet', method: 'GET', path: '/a' },
      { operationId: 'get/pet', method: 'GET', path: '/b' },
      { operationId: 'get_pet', method: 'GET', path: '/c' },
    ];
    expect(assignToolNames(ops, 60)).toEqual(['get-pet', 'get_pet', 'get_pet_2']);
    expect(assignToolNames(ops, 60)).toEqual(assignToolNames(ops, 60));
  });
});
