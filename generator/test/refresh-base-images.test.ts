import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBaseImages, setDigests } from '../../scripts/refresh-base-images.ts';
import { RegistryClient } from '../release/src/build/registry-client.ts';
import { type LocalRegistry, startRegistry } from './helpers/local-registry.ts';
import { pushTestBaseImage } from './helpers/test-base-image.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts/refresh-base-images.ts');
const PINNED = /sha256:e67514e5d0f6c46656005e1b693b2ec9d52e80b641307de684d4a015ba7a4eaf/g;

/** Runs the script as a user would, in its own process. */
async function refresh(root: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', SCRIPT, '--root', root, ...args],
      { cwd: ROOT },
    );
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout, err: err.stderr };
  }
}

describe('refresh-base-images against a real registry', () => {
  let registry: LocalRegistry;
  let client: RegistryClient;
  let root: string;
  let original: string;
  let zone: string;

  beforeAll(async () => {
    registry = await startRegistry();
    client = new RegistryClient({ registry: registry.host, insecure: true });
    root = await mkdtemp(path.join(tmpdir(), 'raku-refresh-'));
    await mkdir(path.join(root, 'zones'));
    // The real dev zone, with its base image moved to the local registry: everything else stays as written.
    original = (await readFile(path.join(ROOT, 'zones/dev.yaml'), 'utf8')).replace(
      'image: docker.io/library/node',
      `image: ${registry.host}/library/node`,
    );
    zone = path.join(root, 'zones/dev.yaml');
    await writeFile(zone, original);
  });
  afterAll(async () => {
    await registry?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('pins the digest the tag points at now and changes nothing else in the file', async () => {
    const first = await pushTestBaseImage(client, 'library/node', { tag: '24-alpine' });
    const r = await refresh(root, '--insecure-registry', registry.host);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain(`zones/dev.yaml baseImages.default ${registry.host}/library/node:24-alpine`);
    expect(await readFile(zone, 'utf8')).toBe(original.replace(PINNED, first));

    // The tag moves (a one-platform image now): the next refresh follows it; --check first reports it stale.
    const second = await pushTestBaseImage(client, 'library/node', {
      tag: '24-alpine',
      platforms: ['linux/amd64'],
    });
    expect(second).not.toBe(first);
    const check = await refresh(root, '--check', '--insecure-registry', registry.host);
    expect(check.code).toBe(1);
    expect(check.out).toContain(`${first} → ${second}`);
    expect(await readFile(zone, 'utf8')).toBe(original.replace(PINNED, first));
    expect((await refresh(root, '--insecure-registry', registry.host)).code).toBe(0);
    expect(await readFile(zone, 'utf8')).toBe(original.replace(PINNED, second));
    const again = await refresh(root, '--check', '--insecure-registry', registry.host);
    expect(again).toMatchObject({ code: 0 });
    expect(again.out).toContain('every base image digest is current');
  });

  it('names the zone file, the entry and the image when the tag does not exist, and writes nothing', async () => {
    const before = await readFile(zone, 'utf8');
    const unknown = before.replace('tag: 24-alpine', 'tag: 99-nope');
    await writeFile(zone, unknown);
    const r = await refresh(root, '--insecure-registry', registry.host);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(
        `^error: zones/dev\\.yaml:\\d+:\\d+: baseImages\\.default: ${registry.host}/library/node:99-nope: `,
      ),
    );
    expect(r.err).not.toContain('    at ');
    expect(await readFile(zone, 'utf8')).toBe(unknown);
    await writeFile(zone, before);
  });

  it('skips a zone file that is a symbolic link', async () => {
    const other = await mkdtemp(path.join(tmpdir(), 'raku-refresh-link-'));
    try {
      await mkdir(path.join(other, 'zones'));
      // A stale digest behind the link: a refresh that followed it would rewrite the target.
      const target = path.join(other, 'elsewhere.yaml');
      await writeFile(target, original);
      await symlink(target, path.join(other, 'zones/linked.yaml'));
      const r = await refresh(other, '--insecure-registry', registry.host);
      expect(r).toMatchObject({ code: 0 });
      expect(r.out).toContain('zones/linked.yaml: skipped (not a regular file; raku refuses it too)');
      expect(await readFile(target, 'utf8')).toBe(original);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('refuses an unknown argument and a root without zones/', async () => {
    const r = await refresh(root, '--force');
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: unknown argument "--force"');
    const empty = await refresh(path.join(root, 'zones'));
    expect(empty.code).toBe(1);
    expect(empty.err).toBe(`error: no zones/ folder in ${path.join(root, 'zones')}\n`);
  });
});

describe('setDigests and listBaseImages (pure)', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  const text = [
    '# a zone',
    'name: dev',
    'baseImages:',
    '  # the default one',
    '  default:',
    '    image: docker.io/library/node',
    '    tag: 24-alpine',
    `    digest: "sha256:${'0'.repeat(64)}" # pinned`,
    '  slim: { image: gcr.io/distroless/nodejs24-debian12, tag: nonroot }',
    'promotion: { from: staging }',
    '',
  ].join('\n');

  it('lists every entry with its tag, digest and position', () => {
    expect(listBaseImages('zones/dev.yaml', text)).toEqual([
      {
        file: 'zones/dev.yaml',
        name: 'default',
        image: 'docker.io/library/node',
        tag: '24-alpine',
        digest: `sha256:${'0'.repeat(64)}`,
        at: '6:5',
      },
      {
        file: 'zones/dev.yaml',
        name: 'slim',
        image: 'gcr.io/distroless/nodejs24-debian12',
        tag: 'nonroot',
        at: '9:9',
      },
    ]);
  });

  it('replaces an existing digest in place, keeping its quotes and the comments around it', () => {
    expect(setDigests(text, new Map([['default', digest]]))).toBe(
      text.replace(`"sha256:${'0'.repeat(64)}"`, `"${digest}"`),
    );
  });

  it('adds a missing digest to a flow mapping and keeps the comments', () => {
    const out = setDigests(text, new Map([['slim', digest]]));
    expect(listBaseImages('zones/dev.yaml', out)[1]?.digest).toBe(digest);
    expect(out).toContain('# the default one');
    expect(out).toContain('# pinned');
  });

  it('reports a YAML error with file, line and column', () => {
    expect(() => listBaseImages('zones/bad.yaml', 'name: dev\nbaseImages: [\n')).toThrow(
      /^zones\/bad\.yaml:\d+:\d+: /,
    );
  });
});
