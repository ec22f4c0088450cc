import type { JsonSchema, Pack } from '@raku/config';
import { DEFAULT_YAML_LIMITS, UserError } from '@raku/config';
import { serializePack } from './serialize-pack.ts';

/** Room left under the loader's limits for hand edits after an import. */
const HEADROOM = 0.9;

/**
 * Keeps a generated pack within the loader's limits (2 MiB, 200 000 values), so that it validates:
 * large APIs lose, in this order, output schemas, then long tool descriptions, then long schema
 * descriptions — each step reported. If it still does not fit, a UserError says how to select fewer tools.
 * Mutates the pack; returns the warnings and the serialised YAML.
 */
export function fitToLimits(
  pack: Pack,
  limits: { maxBytes: number; maxNodes: number } = DEFAULT_YAML_LIMITS,
): { yaml: string; warnings: string[] } {
  const maxBytes = Math.floor(limits.maxBytes * HEADROOM);
  const maxNodes = Math.floor(limits.maxNodes * HEADROOM);
  const warnings: string[] = [];
  // What the last check measured of the pack as it is now (no step applied since): not measured again.
  let measured: Measured = {};
  const fits = () => {
    measured = {};
    return surelyFits(pack, maxBytes, maxNodes, measured);
  };
  for (const [what, apply] of fitSteps(pack)) {
    if (fits()) break;
    apply();
    measured = {};
    warnings.push(`the pack is too large for one file (${pack.tools.length} tools): ${what}`);
  }
  const yaml = measured.yaml ?? serializePack(pack);
  const bytes = Buffer.byteLength(yaml);
  const values = measured.values ?? countValues(pack);
  if (bytes > maxBytes || values > maxNodes) {
    throw new UserError(
      `${pack.tools.length} tools do not fit in one pack (${bytes} bytes, ${values} values; the limits leave room for ${maxBytes} bytes and ${maxNodes} values): select fewer operations with --include tag:<tag> / path:<glob> or --max-tools, and import the rest as other packs`,
    );
  }
  return { yaml, warnings };
}

/**
 * Whether `fitToLimits` would (by its estimate) get the pack into one file, without changing it or
 * serialising it: a split import cuts a group that would not fit in two.
 */
export function fitsInOneFile(
  pack: Pack,
  limits: { maxBytes: number; maxNodes: number } = DEFAULT_YAML_LIMITS,
): boolean {
  const maxBytes = Math.floor(limits.maxBytes * HEADROOM);
  const maxNodes = Math.floor(limits.maxNodes * HEADROOM);
  const sure = (p: Pack) => surelyFits(p, maxBytes, maxNodes);
  if (sure(pack)) return true;
  const copy = structuredClone(pack);
  for (const [, apply] of fitSteps(copy)) {
    apply();
    if (sure(copy)) return true;
  }
  return false;
}

/**
 * Whether the pack fits with room to spare, by the estimate alone (no serialising, no reduction): its JSON
 * is at most half the byte limit, so its YAML surely fits. A split import keeps its packs this size, so
 * each is serialised once, when it is written.
 */
export function fitsEasily(
  pack: Pack,
  limits: { maxBytes: number; maxNodes: number } = DEFAULT_YAML_LIMITS,
): boolean {
  const room = easyRoom(limits);
  return countValues(pack) <= room.values && JSON.stringify(pack).length <= room.jsonChars;
}

/** What `fitsEasily` allows: JSON characters and values of a whole pack. */
export function easyRoom(limits: { maxBytes: number; maxNodes: number } = DEFAULT_YAML_LIMITS): {
  jsonChars: number;
  values: number;
} {
  return {
    jsonChars: Math.floor((limits.maxBytes * HEADROOM) / 2),
    values: Math.floor(limits.maxNodes * HEADROOM),
  };
}

/**
 * Serialising is the slow part: decide on an estimate (YAML runs ~1.2x the JSON size for most packs), and
 * serialise only when it is close, since deep schemas (YAML indents every level) can run larger.
 */
function surelyFits(pack: Pack, maxBytes: number, maxNodes: number, measured: Measured = {}): boolean {
  measured.values = countValues(pack);
  if (measured.values > maxNodes) return false;
  const json = JSON.stringify(pack).length;
  if (json * 1.3 > maxBytes) return false;
  if (json * 2 <= maxBytes) return true;
  measured.yaml = serializePack(pack);
  return Buffer.byteLength(measured.yaml) <= maxBytes;
}

/** What surelyFits found out on the way: the pack's value count, and its YAML when it wrote it. */
interface Measured {
  values?: number;
  yaml?: string;
}

/** The reductions, in order, each applied to the pack when run. */
function fitSteps(pack: Pack): [string, () => void][] {
  return [
    [
      'output schemas left out',
      () => {
        for (const t of pack.tools) delete t.outputSchema;
      },
    ],
    [
      'tool descriptions cut to 400 characters',
      () => {
        for (const t of pack.tools) t.description = cut(t.description, 400);
      },
    ],
    [
      'schema descriptions cut to 120 characters',
      () => {
        for (const t of pack.tools) cutSchemaDescriptions(t.inputSchema, 120);
      },
    ],
    [
      'tool descriptions cut to 200 characters, schema descriptions to 60',
      () => {
        for (const t of pack.tools) {
          t.description = cut(t.description, 200);
          cutSchemaDescriptions(t.inputSchema, 60);
        }
      },
    ],
    [
      'tool descriptions cut to 120 characters, schema descriptions and titles left out',
      () => {
        for (const t of pack.tools) {
          t.description = cut(t.description, 120);
          delete t.title;
          cutSchemaDescriptions(t.inputSchema, 0);
        }
      },
    ],
  ];
}

/** Values the YAML loader counts: every map, list and scalar. */
export function countValues(node: unknown): number {
  if (node === null || typeof node !== 'object') return 1;
  let n = 1;
  if (Array.isArray(node)) {
    // forEach skips holes, as Object.values does.
    node.forEach((v) => {
      n += countValues(v);
    });
  } else {
    // The own values, as Object.values gives them, without an array per node.
    for (const key in node) {
      if (Object.hasOwn(node, key)) n += countValues((node as Record<string, unknown>)[key]);
    }
  }
  return n;
}

function cutSchemaDescriptions(schema: JsonSchema, max: number): void {
  const walk = (v: unknown, key: string) => {
    if (key === 'enum' || key === 'const' || key === 'default' || key === 'examples') return;
    if (Array.isArray(v)) for (const x of v) walk(x, '');
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const [k, x] of Object.entries(o)) {
        if (k === 'description' && typeof x === 'string') {
          if (max === 0) delete o[k];
          else o[k] = cut(x, max);
        } else walk(x, k);
      }
    }
  };
  walk(schema, '');
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
