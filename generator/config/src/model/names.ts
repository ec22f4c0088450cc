import type { Pack, SecretRef, Tool } from './types.ts';

/** The name a tool is exposed under by the gateway and matched by policies: '<toolPrefix>.<tool>'. */
export function exposedToolName(
  pack: Pick<Pack, 'name' | 'toolPrefix'>,
  tool: Pick<Tool, 'name'> | string,
): string {
  return `${pack.toolPrefix ?? pack.name}.${typeof tool === 'string' ? tool : tool.name}`;
}

/** MCP limits a tool name to 64 characters of [A-Za-z0-9_.-]. */
export const MCP_TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The environment variable that carries a referenced secret at run time. The generator injects it with a
 * `secretKeyRef`; the runtime reads it. One function so the two can never disagree.
 */
export function secretEnvName(ref: SecretRef | SecretRef['secretRef']): string {
  const r = 'secretRef' in ref ? ref.secretRef : ref;
  return `RAKU_SECRET_${r.name}_${r.key}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** Placeholders of a path template, in order: '/repos/{owner}/{repo}' → ['owner', 'repo']. */
export function pathParams(template: string): string[] {
  // What /\{([^{}]*)\}/g finds, without a regular expression iterator: validation asks once per argument of
  // every tool, and the pack runtime once per call.
  const out: string[] = [];
  let open = template.indexOf('{');
  while (open >= 0) {
    let j = open + 1;
    while (j < template.length && template.charCodeAt(j) !== 123 && template.charCodeAt(j) !== 125) j++;
    if (j >= template.length) break;
    if (template.charCodeAt(j) === 125 /* } */) {
      out.push(template.slice(open + 1, j));
      open = template.indexOf('{', j + 1);
    } else open = j; // another "{" before any "}": the match starts there
  }
  return out;
}

/**
 * Compiles a tool pattern ('github.*', '*.list_*') to a matcher. '*' matches any run of characters
 * (including '.'); everything else is literal. Linear time: no regular expression is built from input.
 */
export function toolPatternMatcher(pattern: string): (name: string) => boolean {
  if (pattern === '*') return () => true;
  const parts = pattern.split('*');
  if (parts.length === 1) return (name) => name === pattern;
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  const middle = parts.slice(1, -1);
  return (name) => {
    if (name.length < first.length + last.length) return false;
    if (!name.startsWith(first) || !name.endsWith(last)) return false;
    let pos = first.length;
    const end = name.length - last.length;
    for (const part of middle) {
      const found = name.indexOf(part, pos);
      if (found < 0 || found + part.length > end) return false;
      pos = found + part.length;
    }
    return true;
  };
}

export function matchesAnyPattern(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => toolPatternMatcher(p)(name));
}
