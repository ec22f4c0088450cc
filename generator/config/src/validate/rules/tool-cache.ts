import type { Rule } from './context.ts';

/**
 * `cache` only on a tool marked `annotations.readOnlyHint: true`: the gateway answers a cached call without
 * sending it, which is right only when sending it again would change nothing. A tool with side effects that
 * was cached would silently stop having them.
 */
export const toolCache: Rule = (ctx) => {
  for (const { file, value: pack } of ctx.model.packs) {
    pack.tools.forEach((tool, i) => {
      if (tool.cache === undefined || tool.annotations?.readOnlyHint === true) return;
      ctx.report(
        file,
        ['tools', i, 'cache'],
        'tool-cache',
        `tool "${tool.name}" is not marked read-only, so its answers cannot be cached: set annotations.readOnlyHint: true if calling it changes nothing, or remove cache`,
      );
    });
  }
};
