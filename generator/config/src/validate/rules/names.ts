import { exposedToolName, MCP_TOOL_NAME } from '../../model/names.ts';
import type { Loaded } from '../../model/types.ts';
import { nameFromPath, type Rule } from './context.ts';

/** A document's name equals its file or folder name, so paths, Kubernetes names and references agree. */
export const nameMatchesPath: Rule = (ctx) => {
  const all: Loaded<{ name: string }>[] = [
    ...ctx.model.packs,
    ...ctx.model.zones,
    ...ctx.model.policies,
    ...ctx.model.tenants,
  ];
  for (const doc of all) {
    const expected = nameFromPath(doc.file);
    if (doc.value.name !== expected) {
      ctx.report(
        doc.file,
        ['name'],
        'name-matches-path',
        `name "${doc.value.name}" must equal the file name "${expected}"`,
      );
    }
  }
};

/** Names are unique per kind (two files can still claim one name, e.g. zones/a.yaml and zones/a.yml). */
export const uniqueNames: Rule = (ctx) => {
  const kinds: [string, Loaded<{ name: string }>[]][] = [
    ['pack', ctx.model.packs],
    ['zone', ctx.model.zones],
    ['policy', ctx.model.policies],
    ['tenant', ctx.model.tenants],
  ];
  for (const [kind, docs] of kinds) {
    const first = new Map<string, string>();
    for (const doc of docs) {
      const seen = first.get(doc.value.name);
      if (seen)
        ctx.report(
          doc.file,
          ['name'],
          'unique-name',
          `${kind} "${doc.value.name}" is also defined in ${seen}`,
        );
      else first.set(doc.value.name, doc.file);
    }
  }
};

/** Tool names are unique within a pack, and the exposed name '<prefix>.<tool>' still fits MCP's 64 characters. */
export const toolNames: Rule = (ctx) => {
  for (const { file, value: pack } of ctx.model.packs) {
    const seen = new Map<string, number>();
    pack.tools.forEach((tool, i) => {
      const prev = seen.get(tool.name);
      if (prev !== undefined) {
        ctx.report(
          file,
          ['tools', i, 'name'],
          'unique-tool-name',
          `tool "${tool.name}" is already defined at tools[${prev}]`,
        );
      } else seen.set(tool.name, i);
      const exposed = exposedToolName(pack, tool);
      if (!MCP_TOOL_NAME.test(exposed)) {
        ctx.report(
          file,
          ['tools', i, 'name'],
          'tool-name-length',
          `exposed tool name "${exposed}" is ${exposed.length} characters; MCP allows 64 (shorten the tool name or set toolPrefix)`,
        );
      }
    });
  }
};
