import { describe, expect, it } from 'vitest';
import { patchStats, splitPatch } from './import-patch.ts';

const GIT = `diff --git a/packs/petstore/pack.yaml b/packs/petstore/pack.yaml
new file mode 100644
--- /dev/null
+++ b/packs/petstore/pack.yaml
@@ -0,0 +1,3 @@
+name: petstore
+version: 0.1.0
+tools:
diff --git a/zones/dev.yaml b/zones/dev.yaml
--- a/zones/dev.yaml
+++ b/zones/dev.yaml
@@ -3,3 +3,3 @@ environment: dev
 packs:
--- a removed line that looks like a header
+  - name: petstore
   - name: github
\\ No newline at end of file
diff --git a/policies/old.yaml b/policies/old.yaml
deleted file mode 100644
--- a/policies/old.yaml
+++ /dev/null
@@ -1 +0,0 @@
-name: old
`;

describe('splitPatch', () => {
  it('splits a git patch per file with typed lines, reading hunks by their counts', () => {
    const files = splitPatch(GIT);
    expect(files.map((f) => f.path)).toEqual([
      'packs/petstore/pack.yaml',
      'zones/dev.yaml',
      'policies/old.yaml',
    ]);
    expect(files.map(patchStats)).toEqual([
      { added: 3, removed: 0 },
      { added: 1, removed: 1 },
      { added: 0, removed: 1 },
    ]);
    const zone = files[1]!.lines;
    expect(zone.find((l) => l.kind === 'del')?.text).toBe('--- a removed line that looks like a header');
    expect(zone.at(-1)).toEqual({ kind: 'meta', text: '\\ No newline at end of file' });
  });

  it('splits a patch without diff --git lines at each ---/+++ pair', () => {
    const files = splitPatch(
      [
        '--- a/x.yaml',
        '+++ b/x.yaml',
        '@@ -1 +1 @@',
        '-a',
        '+b',
        '--- a/y.yaml',
        '+++ b/y.yaml',
        '@@ -1,0 +1 @@',
        '+c',
      ].join('\n'),
    );
    expect(files.map((f) => [f.path, patchStats(f)])).toEqual([
      ['x.yaml', { added: 1, removed: 1 }],
      ['y.yaml', { added: 1, removed: 0 }],
    ]);
  });

  it('returns no files for an empty patch', () => {
    expect(splitPatch('')).toEqual([]);
  });
});
