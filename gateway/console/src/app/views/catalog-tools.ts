/**
 * Finding a tool of the catalog by its exposed name (the tool view's route parameter): pure, beside the views
 * that use it.
 */
import type { Schema } from '@raku/client';

type Catalog = Schema<'Catalog'>;
type CatalogTool = Schema<'CatalogTool'>;

/** Where a tool comes from: a pack of the bundle, or a reviewed tool of a third-party server. */
export type Origin =
  | { kind: 'pack'; pack: Catalog['packs'][number] }
  | {
      kind: 'remote';
      remote: Catalog['remotes'][number];
      reviewed: Catalog['remotes'][number]['tools'][number];
    };

/**
 * A pack tool by its exposed name, else a third-party tool exposed under its own name ('<remote>.<tool>')
 * whose live definition is the reviewed one (the catalog sends no other).
 */
export function findTool(catalog: Catalog, name: string): { tool: CatalogTool; origin: Origin } | undefined {
  for (const pack of catalog.packs) {
    const tool = pack.tools.find((t) => t.name === name);
    if (tool) return { tool, origin: { kind: 'pack', pack } };
  }
  for (const remote of catalog.remotes) {
    for (const reviewed of remote.tools) {
      const d = reviewed.definition;
      if (!d || name !== `${remote.name}.${reviewed.name}` || !reviewed.servesAs.includes(name)) continue;
      return {
        tool: {
          name,
          tool: reviewed.name,
          title: d.title,
          description: d.description,
          inputSchema: d.inputSchema,
          outputSchema: d.outputSchema,
          annotations: d.annotations,
          sensitive: reviewed.sensitive,
          contentHash: reviewed.reviewedSha256,
          source: null,
        },
        origin: { kind: 'remote', remote, reviewed },
      };
    }
  }
  return undefined;
}
