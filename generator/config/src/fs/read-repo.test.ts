import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRepoFiles } from './read-repo.ts';

describe('readRepoFiles', () => {
  let root: string;
  let outside: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'raku-read-'));
    outside = mkdtempSync(path.join(tmpdir(), 'raku-read-outside-'));
    writeFileSync(path.join(outside, 'secret.yaml'), 'name: secret\n');
    const pack = (name: string) => {
      mkdirSync(path.join(root, 'packs', name), { recursive: true });
      return path.join(root, 'packs', name);
    };
    writeFileSync(path.join(pack('plain'), 'pack.yaml'), 'name: plain\n');
    writeFileSync(path.join(pack('yml'), 'pack.yml'), 'name: yml\n');
    writeFileSync(path.join(pack('both'), 'pack.yaml'), 'name: both\n');
    writeFileSync(path.join(pack('both'), 'pack.yml'), 'name: both-yml\n');
    writeFileSync(path.join(pack('empty'), 'pack.yaml'), '');
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(pack('linked'), 'pack.yaml'));
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(pack('linked-yml'), 'pack.yml'));
    mkdirSync(path.join(pack('folder'), 'pack.yaml'));
    execFileSync('mkfifo', [path.join(pack('fifo'), 'pack.yaml')]);
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('reads pack files, refuses links without reading them and skips what is not a file (a FIFO is not waited on)', async () => {
    const files = await readRepoFiles(root);
    expect(files.map((f) => [f.path, f.refused ?? Buffer.from(f.bytes).toString()])).toEqual([
      ['packs/both/pack.yaml', 'name: both\n'],
      ['packs/both/pack.yml', 'name: both-yml\n'],
      ['packs/empty/pack.yaml', ''],
      ['packs/linked-yml/pack.yml', 'symlink'],
      ['packs/linked/pack.yaml', 'symlink'],
      ['packs/plain/pack.yaml', 'name: plain\n'],
      ['packs/yml/pack.yml', 'name: yml\n'],
    ]);
  });
});
