/**
 * What a change's preview showed each file as (`files[i].beforeSha256`), as POST /v1/changes takes it back in
 * `base`: the gateway then refuses the pull request (409 base_changed) when one of these files changed on the
 * base branch since, instead of writing the previewed whole file over someone else's edit.
 */
import type { Schema } from '@raku/client';

export function previewBase(preview: Schema<'ChangePreview'>): Record<string, string | null> {
  return Object.fromEntries(preview.files.map((f) => [f.path, f.beforeSha256]));
}
