import { describe, expect, it } from 'vitest';
import { href, matchRoute, pathTo } from './router.ts';

describe('console router', () => {
  it('matches a pattern and decodes its parameters', () => {
    expect(matchRoute('/zones/:zone/workloads/:workload', '/zones/prod/workloads/gate%2Fway')).toEqual({
      zone: 'prod',
      workload: 'gate/way',
    });
    expect(matchRoute('/', '/')).toEqual({});
    expect(matchRoute('/traces/:id', '/traces')).toBeNull();
    expect(matchRoute('/traces', '/jobs')).toBeNull();
    expect(matchRoute('/traces/:id', '/traces/%E0%A4%A')).toBeNull();
  });

  it('builds paths and hrefs under /console', () => {
    expect(pathTo('/zones/:zone/workloads/:workload', { zone: 'a b', workload: 'w' })).toBe(
      '/zones/a%20b/workloads/w',
    );
    expect(href('/traces?tool=x')).toBe('/console/traces?tool=x');
    expect(href('jobs')).toBe('/console/jobs');
  });
});
