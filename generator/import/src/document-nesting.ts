import { Lexer } from 'yaml';

/**
 * Nesting bounds for API documents. Parsers and the importer's walkers recurse per level, so a document
 * nested thousands of levels deep (a few kilobytes of `[[[[…`) would exhaust the stack or memory before
 * anything reports it. The text is measured first with iterative scans; the parsed value is measured again
 * (iteratively) because YAML block nesting is only known after parsing.
 */

/**
 * Why the text nests deeper than `maxDepth`, or undefined. JSON is scanned exactly (strings skipped); YAML
 * with the yaml package's iterative lexer, counting flow brackets, block indicators on one line (`- - - x`)
 * and indentation past `maxDepth * 16` columns.
 */
export function textNestingProblem(text: string, maxDepth: number, isJson: boolean): string | undefined {
  if (isJson) return jsonNesting(text, maxDepth);
  if (!mayNestDeeply(text, maxDepth)) return undefined;
  let flow = 0;
  let lineIndicators = 0;
  let atLineStart = true;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      if (++flow > maxDepth) return `flow collections nested deeper than ${maxDepth} levels`;
    } else if (token === ']' || token === '}') {
      flow--;
    } else if (token === '\n' || token === '\r\n') {
      atLineStart = true;
      lineIndicators = 0;
      continue;
    } else if (token === '-' || token === '?') {
      if (++lineIndicators > maxDepth) return `block collections nested deeper than ${maxDepth} levels`;
    } else if (atLineStart && token.length > maxDepth * 16 && token.trim() === '') {
      return `indentation deeper than ${maxDepth * 16} columns`;
    }
    atLineStart = false;
  }
  return undefined;
}

/** True when a parsed value nests deeper than `maxDepth` (objects and arrays), measured without recursion. */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  const seen = new Set<object>(); // YAML aliases share nodes: measure each once at its first depth
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    if (depth > maxDepth) return true;
    seen.add(node);
    for (const child of Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

function jsonNesting(text: string, maxDepth: number): string | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 92 /* \ */) i++;
        else if (s === 34) break;
      }
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > maxDepth) return `nested deeper than ${maxDepth} levels`;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return undefined;
}

/** A cheap over-estimate (quoting ignored): only texts it flags get the lexer pass. */
function mayNestDeeply(text: string, maxDepth: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) {
      if (++depth > maxDepth) return true;
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return (
    new RegExp(`(?:[-?][ \\t]+){${maxDepth}}`).test(text) ||
    new RegExp(`^[ \\t]{${maxDepth * 16},}`, 'm').test(text)
  );
}
