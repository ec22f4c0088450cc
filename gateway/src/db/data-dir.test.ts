import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isUserError } from '@raku/config';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseConnectError, describeDatabaseUrl } from './connection-error.ts';
import { prepareDataDir } from './database.ts';

const modeOf = (dir: string) => statSync(dir).mode & 0o777;

describe('the PGlite data directory', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'raku-datadir-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is created readable and writable by this user only (0700), parents included', () => {
    const dir = path.join(root, '.raku', 'pglite');
    prepareDataDir(dir);
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(path.join(root, '.raku'))).toBe(0o700);
  });

  it('tightens an existing PGlite data directory that others may read, and says so', () => {
    const dir = path.join(root, 'pglite');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'PG_VERSION'), '17\n');
    chmodSync(dir, 0o777);
    const warnings: string[] = [];
    prepareDataDir(dir, (m) => warnings.push(m));
    expect(modeOf(dir)).toBe(0o700);
    expect(warnings).toEqual([
      `the embedded database folder ${dir} was open to other users (mode 777): changed it to 700`,
    ]);
  });

  it('tightens an empty folder, and leaves a private one alone without a word', () => {
    const open = path.join(root, 'open');
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    prepareDataDir(open);
    expect(modeOf(open)).toBe(0o700);
    const warnings: string[] = [];
    prepareDataDir(open, (m) => warnings.push(m));
    expect(warnings).toEqual([]);
  });

  it('refuses, without changing it, a folder open to others that holds something else', () => {
    const dir = path.join(root, 'shared');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    chmodSync(dir, 0o755);
    let err: unknown;
    try {
      prepareDataDir(dir);
    } catch (e) {
      err = e;
    }
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toBe(
      `the embedded database folder ${dir} (RAKU_DATA_DIR) is open to other users (mode 755) and holds files that are not a PGlite database: run chmod 700 on it, or set RAKU_DATA_DIR to another folder`,
    );
    expect(modeOf(dir)).toBe(0o755);
  });

  it('reports a path through a file as a user error naming RAKU_DATA_DIR', () => {
    writeFileSync(path.join(root, 'file'), '');
    expect(() => prepareDataDir(path.join(root, 'file', 'pglite'))).toThrow(
      /cannot open the embedded database in .*file\/pglite \(RAKU_DATA_DIR\): a part of the path is a file, not a folder/,
    );
  });
});

describe('Postgres connection errors', () => {
  it('never shows the password of DATABASE_URL', () => {
    expect(describeDatabaseUrl('postgres://app:s3cret@db.internal:6543/raku?sslmode=require')).toBe(
      'postgres://app@db.internal:6543/raku',
    );
    const err = databaseConnectError(
      Object.assign(new Error('password authentication failed for user "app"'), { code: '28P01' }),
      'postgres://app:s3cret@db.internal/raku',
    );
    expect(isUserError(err)).toBe(true);
    expect(err.message).toBe(
      'cannot connect to Postgres (postgres://app@db.internal/raku): Postgres refused the password of user "app": fix the user or password in DATABASE_URL',
    );
    expect(err.message).not.toContain('s3cret');
  });
});
