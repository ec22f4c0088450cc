import type { Pack, Policy } from '@raku/config';
import { exposedToolName, findSecret } from '@raku/config';
import { Ajv2020 } from 'ajv/dist/2020.js';

/**
 * What the model is asked to return (OpenAI structured outputs, strict mode: every property required,
 * optional values as null). The same schema validates the answer before anything is applied.
 */
export const SUGGESTIONS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['tools', 'groups', 'suggestedSelection', 'approvals'],
  properties: {
    tools: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'title', 'description', 'sensitive'],
        properties: {
          name: { type: 'string', description: 'An existing tool name, unchanged.' },
          title: {
            type: ['string', 'null'],
            description: 'A short human title, or null to keep the current one.',
          },
          description: {
            type: ['string', 'null'],
            description:
              'A clearer description for a model choosing tools (what it does, when to use it), or null.',
          },
          sensitive: {
            type: ['boolean', 'null'],
            description:
              'true when a call should need a human approval (destructive, costly, irreversible), else null.',
          },
        },
      },
    },
    groups: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'tools'],
        properties: { name: { type: 'string' }, tools: { type: 'array', items: { type: 'string' } } },
      },
    },
    suggestedSelection: {
      type: 'array',
      description: 'For a large API: the tools most agents need, by name.',
      items: { type: 'string' },
    },
    approvals: {
      type: 'array',
      description: 'Tools whose calls should need an approval, with the reason.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['tools', 'reason'],
        properties: { tools: { type: 'array', items: { type: 'string' } }, reason: { type: 'string' } },
      },
    },
  },
} as const;

/**
 * Exactly what is sent to the model: the pack's name, title and description, and per tool its name, title,
 * description, HTTP method and path template, annotations, and argument names with their types and
 * descriptions. Never sent: base URLs, auth settings or secret references, headers, examples, defaults,
 * enum values, output schemas, the document itself.
 */
export function aiPayload(pack: Pack): Record<string, unknown> {
  return {
    pack: { name: pack.name, title: pack.title ?? null, description: pack.description },
    tools: pack.tools.map((t) => ({
      name: t.name,
      title: t.title ?? null,
      description: t.description,
      method: t.http?.method ?? null,
      path: t.http?.path ?? null,
      annotations: t.annotations ?? {},
      arguments: Object.entries(
        (t.inputSchema['properties'] ?? {}) as Record<string, Record<string, unknown>>,
      ).map(([name, s]) => ({
        name,
        type: typeof s['type'] === 'string' || Array.isArray(s['type']) ? s['type'] : 'any',
        required: ((t.inputSchema['required'] as string[] | undefined) ?? []).includes(name),
        ...(typeof s['description'] === 'string' ? { description: s['description'].slice(0, 200) } : {}),
      })),
    })),
  };
}

export const AI_INSTRUCTIONS = [
  'You review MCP tools generated from an OpenAPI document. For each tool, you may propose a clearer title and',
  'description written for a model deciding which tool to call (what it does, when to use it, what it returns),',
  'and mark as sensitive the tools whose calls should need a human approval (deleting, paying, sending,',
  'changing permissions). Group related tools, and for a large API suggest the tools most agents need.',
  'Only use tool names from the input. Never invent arguments. Keep descriptions under 1000 characters.',
].join(' ');

export interface Suggestions {
  tools: { name: string; title: string | null; description: string | null; sensitive: boolean | null }[];
  groups: { name: string; tools: string[] }[];
  suggestedSelection: string[];
  approvals: { tools: string[]; reason: string }[];
}

export interface AppliedSuggestions {
  pack: Pack;
  /** Field changes as a reviewable diff: '<tool>.<field>: <old> → <new>'. */
  changes: string[];
  warnings: string[];
  groups: Suggestions['groups'];
  suggestedSelection: string[];
  /** A draft policy requiring approvals for the tools the model marked, or undefined when none. */
  draftPolicy?: Policy;
}

let ajv: Ajv2020 | undefined;

/**
 * Applies a model's answer to a pack. Each suggestion is checked on its own (shape, known tool, length, no
 * secret-looking text); invalid ones are dropped with a warning and the rest applied. Pure.
 */
export function applySuggestions(
  pack: Pack,
  answer: unknown,
  /** '<tool>.<field>' edited by hand (kept on re-import): never overwritten by a suggestion. */
  handEdited: ReadonlySet<string> = new Set(),
): AppliedSuggestions {
  ajv ??= new Ajv2020({ strict: false, allErrors: false });
  const warnings: string[] = [];
  const out: AppliedSuggestions = {
    pack: structuredClone(pack),
    changes: [],
    warnings,
    groups: [],
    suggestedSelection: [],
  };
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) {
    warnings.push('the model answered something other than an object: no suggestion applied');
    return out;
  }
  const a = answer as Record<string, unknown>;
  const known = new Map(out.pack.tools.map((t) => [t.name, t]));
  const toolItem = ajv.compile(SUGGESTIONS_SCHEMA.properties.tools.items);
  for (const [i, item] of (Array.isArray(a['tools']) ? a['tools'] : []).entries()) {
    if (!toolItem(item)) {
      warnings.push(`tools[${i}] dropped: ${ajv.errorsText(toolItem.errors)}`);
      continue;
    }
    const s = item as Suggestions['tools'][number];
    const tool = known.get(s.name);
    if (!tool) {
      warnings.push(`tools[${i}] dropped: no tool named "${s.name}"`);
      continue;
    }
    for (const field of ['title', 'description', 'sensitive'] as const) {
      if (s[field] !== null && handEdited.has(`${s.name}.${field}`)) {
        warnings.push(`${s.name}.${field}: your edit is kept, the suggestion is not applied`);
        s[field] = null;
      }
    }
    if (s.title !== null) {
      const t = s.title.trim();
      if (t.length < 1 || t.length > 200 || findSecret('title', t))
        warnings.push(`${s.name}.title dropped: empty, too long or secret-like`);
      else if (t !== tool.title) {
        out.changes.push(`${s.name}.title: ${JSON.stringify(tool.title ?? null)} → ${JSON.stringify(t)}`);
        tool.title = t;
      }
    }
    if (s.description !== null) {
      const d = s.description.trim();
      if (d.length < 1 || d.length > 2000 || findSecret('description', d)) {
        warnings.push(`${s.name}.description dropped: empty, over 2000 characters or secret-like`);
      } else if (d !== tool.description) {
        out.changes.push(`${s.name}.description: ${JSON.stringify(tool.description)} → ${JSON.stringify(d)}`);
        tool.description = d;
      }
    }
    if (s.sensitive === true && tool.sensitive !== true) {
      out.changes.push(`${s.name}.sensitive: ${tool.sensitive ?? false} → true`);
      tool.sensitive = true;
    }
  }
  const names = (list: unknown, where: string): string[] => {
    if (!Array.isArray(list)) return [];
    const ok = list.filter((n): n is string => typeof n === 'string' && known.has(n));
    if (ok.length < list.length)
      warnings.push(`${where}: ${list.length - ok.length} unknown tool name(s) dropped`);
    return [...new Set(ok)];
  };
  for (const [i, g] of (Array.isArray(a['groups']) ? a['groups'] : []).entries()) {
    const group = g as Record<string, unknown>;
    if (typeof group?.['name'] !== 'string' || !Array.isArray(group['tools'])) {
      warnings.push(`groups[${i}] dropped: not { name, tools }`);
      continue;
    }
    const tools = names(group['tools'], `groups[${i}]`);
    if (tools.length > 0) out.groups.push({ name: group['name'].slice(0, 100), tools });
  }
  out.suggestedSelection = names(a['suggestedSelection'], 'suggestedSelection');
  const approvalTools = new Set<string>();
  for (const [i, r] of (Array.isArray(a['approvals']) ? a['approvals'] : []).entries()) {
    for (const n of names((r as Record<string, unknown>)?.['tools'], `approvals[${i}]`)) approvalTools.add(n);
  }
  for (const t of out.pack.tools) if (t.sensitive) approvalTools.add(t.name);
  if (approvalTools.size > 0) {
    out.draftPolicy = {
      name: `${pack.name}-draft`.slice(0, 63),
      description: `Draft from raku import openapi --ai: approvals for ${pack.name} tools that change or delete data. Review before merging.`,
      approvals: [
        {
          name: `${pack.name}-approvals`.slice(0, 63),
          tools: [...approvalTools].sort().map((n) => exposedToolName(out.pack, n)),
          approvers: [`group:${pack.owner.replace(/\s+/g, '-')}`.slice(0, 272)],
        },
      ],
    };
  }
  return out;
}
