import { jsonSchema } from '../../load/json-schema-validator.generated.js';
import { argLocation, BODYLESS_METHODS } from '../../model/arg-location.ts';
import { pathParams } from '../../model/names.ts';
import { isHttpTool } from '../../model/types.ts';
import type { Rule } from './context.ts';

/** Path templates, argument mappings and input schemas agree, so every call can be turned into a request. */
export const httpMappings: Rule = (ctx) => {
  for (const { file, value: pack } of ctx.model.packs) {
    pack.tools.forEach((tool, i) => {
      if (!isHttpTool(tool)) return;
      const at = ['tools', i];
      // The schema's own keywords may hold anything (the tool-schema rule reports that): read them only as
      // what they must be.
      const declared = tool.inputSchema['properties'];
      const props = (typeof declared === 'object' && declared !== null ? declared : {}) as Record<
        string,
        unknown
      >;
      const listed = tool.inputSchema['required'];
      const required = new Set<unknown>(Array.isArray(listed) ? listed : []);
      const placeholders = pathParams(tool.http.path);
      const bad = placeholders.find((p) => !/^[A-Za-z0-9_.-]{1,128}$/.test(p));
      if (bad !== undefined || /[{}]/.test(tool.http.path.replace(/\{[^{}]*\}/g, ''))) {
        ctx.report(
          file,
          [...at, 'http', 'path'],
          'path-template',
          `path template "${tool.http.path}" has a malformed placeholder`,
        );
      }
      if (/(^|\/)\.\.?(\/|$)|[?#\s]/.test(tool.http.path)) {
        ctx.report(
          file,
          [...at, 'http', 'path'],
          'path-template',
          'path template must not contain "." or ".." segments, "?", "#" or spaces (map query arguments with http.args)',
        );
      }
      for (const p of placeholders) {
        if (argLocation(tool, p).in !== 'path') {
          ctx.report(
            file,
            [...at, 'http', 'args', p],
            'path-template',
            `placeholder {${p}} must be mapped to "path"`,
          );
        }
        if (!(p in props)) {
          ctx.report(
            file,
            [...at, 'inputSchema'],
            'path-template',
            `placeholder {${p}} has no property "${p}" in inputSchema`,
          );
        } else if (!required.has(p)) {
          ctx.report(
            file,
            [...at, 'inputSchema', 'required'],
            'path-template',
            `path argument "${p}" must be required`,
          );
        }
      }
      for (const [arg, mapping] of Object.entries(tool.http.args ?? {})) {
        const loc = typeof mapping === 'string' ? mapping : mapping.in;
        if (!(arg in props)) {
          ctx.report(
            file,
            [...at, 'http', 'args', arg],
            'arg-mapping',
            `argument "${arg}" is not a property of inputSchema`,
          );
        }
        if (
          loc === 'path' &&
          !placeholders.includes(typeof mapping === 'string' ? arg : (mapping.name ?? arg))
        ) {
          ctx.report(
            file,
            [...at, 'http', 'args', arg],
            'arg-mapping',
            `argument "${arg}" is mapped to the path but ${tool.http.path} has no such placeholder`,
          );
        }
        if (loc === 'body' && BODYLESS_METHODS.has(tool.http.method)) {
          ctx.report(
            file,
            [...at, 'http', 'args', arg],
            'arg-mapping',
            `${tool.http.method} requests carry no body; map "${arg}" to query or header`,
          );
        }
      }
      if (tool.http.body?.startsWith('arg:')) {
        const arg = tool.http.body.slice(4);
        if (!(arg in props))
          ctx.report(
            file,
            [...at, 'http', 'body'],
            'arg-mapping',
            `body argument "${arg}" is not a property of inputSchema`,
          );
        if (BODYLESS_METHODS.has(tool.http.method))
          ctx.report(
            file,
            [...at, 'http', 'body'],
            'arg-mapping',
            `${tool.http.method} requests carry no body`,
          );
      }
    });
  }
};

/**
 * Tool input and output schemas are valid JSON Schemas whose root describes an object (MCP requires it).
 * Checked against the meta-schema rather than compiled: compiling thousands of schemas would dominate validation time.
 * The meta-schema validator is precompiled (`npm run schema-validators`), so no Ajv compiler loads at run time.
 */
export const toolSchemas: Rule = (ctx) => {
  // The meta-schema's verdict on a schema depends on nothing but its JSON, and real repositories repeat schemas
  // (shared argument shapes, packs copied from one another): each distinct text is checked once per run.
  const verdicts = new Map<string, string | undefined>();
  for (const { file, value: pack } of ctx.model.packs) {
    pack.tools.forEach((tool, i) => {
      for (const key of ['inputSchema', 'outputSchema'] as const) {
        const schema = tool[key];
        if (schema === undefined) continue;
        if (schema['type'] !== 'object') {
          ctx.report(
            file,
            ['tools', i, key, 'type'],
            'tool-schema',
            `${key} must describe an object ("type: object")`,
          );
        }
        const draft = schema['$schema'];
        if (draft !== undefined && draft !== 'https://json-schema.org/draft/2020-12/schema') {
          ctx.report(
            file,
            ['tools', i, key, '$schema'],
            'tool-schema',
            `${key} must use JSON Schema draft 2020-12 (omit $schema)`,
          );
          continue;
        }
        const text = JSON.stringify(schema);
        let problem = verdicts.get(text);
        if (problem === undefined && !verdicts.has(text)) {
          problem = metaSchemaProblem(schema);
          verdicts.set(text, problem);
        }
        if (problem !== undefined)
          ctx.report(file, ['tools', i, key], 'tool-schema', `${key} is not a valid JSON Schema: ${problem}`);
      }
    });
  }
};

/** What the draft 2020-12 meta-schema finds wrong with `schema` first, or undefined when it is a valid schema. */
function metaSchemaProblem(schema: unknown): string | undefined {
  if (jsonSchema(schema)) return undefined;
  const first = jsonSchema.errors?.[0];
  return first ? `${first.instancePath || '(root)'} ${first.message}` : 'invalid';
}
