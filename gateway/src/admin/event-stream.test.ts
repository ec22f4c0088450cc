import { describe, expect, it } from 'vitest';
import { checkEventRequest } from './event-stream.ts';

const admin = { admin: true, subject: 'user:ada' };
const ann = { admin: false, subject: 'user:ann' };
const typesOf = (result: ReturnType<typeof checkEventRequest>) =>
  result.ok ? [...result.value.types].sort() : result;

describe('checkEventRequest', () => {
  it('gives every type the caller may receive when none (or an empty list) is asked for', () => {
    expect(typesOf(checkEventRequest({}, undefined, admin))).toEqual([
      'approval',
      'deployment',
      'job',
      'routes',
      'trace',
    ]);
    expect(typesOf(checkEventRequest({}, undefined, ann))).toEqual(['approval', 'job']);
    expect(typesOf(checkEventRequest({ types: '' }, undefined, ann))).toEqual(['approval', 'job']);
  });

  it('reads comma lists and repeated parameters, ignoring spaces and empty items', () => {
    expect(typesOf(checkEventRequest({ types: ['job, approval', 'job,'] }, undefined, ann))).toEqual([
      'approval',
      'job',
    ]);
  });

  it('refuses admin-only types to a non-admin (403) and unknown types to anyone (400), naming them', () => {
    expect(checkEventRequest({ types: 'job,deployment' }, undefined, ann)).toEqual({
      ok: false,
      status: 403,
      code: 'forbidden',
      message: 'user:ann does not hold the admin role, which events of type deployment need',
    });
    expect(checkEventRequest({ types: 'job,jobs,logs' }, undefined, admin)).toMatchObject({
      ok: false,
      status: 400,
      message:
        'query parameter types: jobs, logs are not an event type (one of trace, approval, job, deployment, routes)',
    });
  });

  it('resumes from the Last-Event-ID header, else the lastEventId query, and refuses what is not an id', () => {
    const at = (query: Record<string, unknown>, header?: string) => {
      const result = checkEventRequest(query, header, admin);
      return result.ok ? result.value.lastEventId : result.message;
    };
    expect(at({})).toBeUndefined();
    expect(at({ lastEventId: '41' })).toBe(41);
    expect(at({ lastEventId: '41' }, '42')).toBe(42);
    expect(at({}, '')).toBeUndefined();
    expect(at({}, '-1')).toBe('header Last-Event-ID: an event id (digits), not "-1"');
    expect(at({ lastEventId: '1e3' })).toBe('query parameter lastEventId: an event id (digits), not "1e3"');
  });
});
