import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRuntimeOptions } from '../../src/server/options.ts';
import { openClusterLogs } from '../../src/zones/cluster-access.ts';

const parse = (env: Record<string, string>) =>
  parseRuntimeOptions({ RAKU_ROLE: 'gateway', ...env }, [], '/srv');

describe('RAKU_KUBE_ACCESS', () => {
  it('is off unless asked for', () => {
    expect(parse({}).clusterAccess).toBeUndefined();
    expect(parse({ RAKU_KUBE_ACCESS: 'off' }).clusterAccess).toBeUndefined();
  });

  it('reads in-cluster, or one kubeconfig file with an optional context', () => {
    expect(parse({ RAKU_KUBE_ACCESS: 'in-cluster' }).clusterAccess).toEqual({ mode: 'in-cluster' });
    expect(
      parse({ RAKU_KUBE_ACCESS: 'kubeconfig', KUBECONFIG: '/etc/kube/config', RAKU_KUBE_CONTEXT: 'dev' })
        .clusterAccess,
    ).toEqual({ mode: 'kubeconfig', file: '/etc/kube/config', context: 'dev' });
    expect(parse({ RAKU_KUBE_ACCESS: 'kubeconfig' }).clusterAccess).toEqual({ mode: 'kubeconfig' });
  });

  it('refuses an unknown mode and a KUBECONFIG listing several files', () => {
    expect(() => parse({ RAKU_KUBE_ACCESS: 'yes' })).toThrow(
      'RAKU_KUBE_ACCESS must be one of off, in-cluster, kubeconfig, not "yes"',
    );
    expect(() => parse({ RAKU_KUBE_ACCESS: 'kubeconfig', KUBECONFIG: '/a:/b' })).toThrow(
      'KUBECONFIG lists several files ("/a:/b"); RAKU_KUBE_ACCESS=kubeconfig reads one',
    );
  });
});

describe('openClusterLogs', () => {
  it('says why there are no logs without access, or when the configuration does not load', async () => {
    expect(await openClusterLogs(undefined)).toEqual({
      reason:
        'this gateway has no cluster access: set RAKU_KUBE_ACCESS=in-cluster (or kubeconfig) to follow pod events and logs',
    });
    const dir = await mkdtemp(path.join(tmpdir(), 'raku-kubeconfig-'));
    try {
      const file = path.join(dir, 'config');
      await writeFile(file, 'apiVersion: v1\nkind: Config\ncontexts: []\n');
      const broken = await openClusterLogs({ mode: 'kubeconfig', file, context: 'missing' });
      expect(broken.logs).toBeUndefined();
      expect((broken as { reason: string }).reason).toBe(
        'RAKU_KUBE_ACCESS=kubeconfig: the Kubernetes configuration does not load: context "missing" is not in the kubeconfig (contexts: none)',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
