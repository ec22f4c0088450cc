import { argLocation } from '../../model/arg-location.ts';
import { isHttpTool } from '../../model/types.ts';
import type { Rule } from './context.ts';

/**
 * A tool's body settings and fixed values fit its mapping: `contentType` only with an `arg:<name>` body
 * (other bodies have their own media type), and no argument mapped to a query parameter or header that
 * `http.fixed` also sets (the fixed value wins, so the argument would never be sent: a warning).
 */
export const httpBodies: Rule = (ctx) => {
  for (const { file, value: pack } of ctx.model.packs) {
    pack.tools.forEach((tool, i) => {
      if (!isHttpTool(tool)) return;
      const at = ['tools', i, 'http'];
      const { http } = tool;
      if (http.contentType !== undefined && !http.body?.startsWith('arg:')) {
        ctx.report(
          file,
          [...at, 'contentType'],
          'body-encoding',
          `contentType applies to a whole-body argument only (body: arg:<name>); this tool's body is ${http.body ?? 'json'}`,
        );
      }
      const fixedQuery = new Set(Object.keys(http.fixed?.query ?? {}));
      const fixedHeaders = new Set(Object.keys(http.fixed?.headers ?? {}).map((h) => h.toLowerCase()));
      // Without fixed values no argument can be overridden: most tools, whose arguments need no lookup then.
      if (fixedQuery.size === 0 && fixedHeaders.size === 0) return;
      const props = Object.keys((tool.inputSchema['properties'] ?? {}) as Record<string, unknown>);
      for (const arg of props) {
        const loc = argLocation(tool, arg);
        const fixed =
          (loc.in === 'query' && fixedQuery.has(loc.name)) ||
          (loc.in === 'header' && fixedHeaders.has(loc.name.toLowerCase()));
        if (fixed) {
          ctx.report(
            file,
            ['tools', i, 'inputSchema', 'properties', arg],
            'fixed-value',
            `argument "${arg}" is never sent: http.fixed sets the ${loc.in === 'query' ? 'query parameter' : 'header'} ${loc.name}, and a fixed value wins`,
            'warning',
          );
        }
      }
    });
  }
};
