import { describe, expect, it } from 'vitest';
import { namesSubject, subjectCovers, subjectKeys, subjectsMayOverlap } from './subjects.ts';
import type { Subject } from './types.ts';

const s = (kind: string, id: string, groups: string[] = []): Subject =>
  ({ kind, id, groups, claims: {} }) as unknown as Subject;

describe('namesSubject', () => {
  it.each<[string, Subject, boolean]>([
    ['*', s('user', 'ann'), true],
    ['*', s('agent', 'bot'), true],
    ['*', s('anonymous', 'anonymous'), false],
    ['*', s('service', 'ci'), false],
    ['user:ann', s('user', 'ann'), true],
    ['user:ann', s('agent', 'ann'), false],
    ['agent:ann', s('agent', 'ann'), true],
    ['agent:ann', s('user', 'ann'), false],
    ['user:ann', s('user', 'Ann'), false],
    ['user:ann', s('user', 'ann2'), false],
    ['user:a:b', s('user', 'a:b'), true],
    ['group:eng', s('user', 'ann', ['eng']), true],
    ['group:eng', s('agent', 'bot', ['eng']), true],
    ['group:eng', s('user', 'eng'), false],
    ['group:eng', s('user', 'ann', ['engineering']), false],
    ['group:eng', s('service', 'ci', ['eng']), false],
    ['service:ci', s('service', 'ci'), false],
    ['ann', s('user', 'ann'), false],
  ])('%s vs %j → %s', (pattern, subject, expected) => {
    expect(namesSubject(new Set([pattern]), subjectKeys(subject))).toBe(expected);
    expect(namesSubject(new Set(['user:nobody-else', pattern]), subjectKeys(subject))).toBe(expected);
  });
});

describe('subjectsMayOverlap and subjectCovers', () => {
  it.each<[string, string, boolean, boolean]>([
    ['*', 'user:a', true, true],
    ['user:a', '*', true, false],
    ['user:a', 'user:a', true, true],
    ['user:a', 'agent:a', false, false],
    ['user:a', 'user:b', false, false],
    ['group:g', 'user:a', true, false],
    ['user:a', 'group:g', true, false],
    ['group:g', 'group:h', true, false],
  ])('%s / %s: overlap %s, covers %s', (denied, granted, overlap, covers) => {
    expect(subjectsMayOverlap(denied, granted)).toBe(overlap);
    expect(subjectCovers(denied, granted)).toBe(covers);
  });
});
