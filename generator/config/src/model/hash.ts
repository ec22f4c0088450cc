import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level and no whitespace: a stable input for hashes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Content hash of a tool definition as an agent sees it: name, description and input schema (plus the
 * output schema when there is one). Third-party tools are pinned by this hash in zones/*.yaml
 * (`descriptionSha256`); the gateway hides a tool whose live definition hashes differently.
 */
export function toolContentHash(tool: {
  name: string;
  description?: string;
  inputSchema?: unknown;
  outputSchema?: unknown;
}): string {
  const subject: Record<string, unknown> = {
    name: tool.name,
    description: tool.description ?? '',
    inputSchema: tool.inputSchema ?? {},
  };
  if (tool.outputSchema !== undefined) subject['outputSchema'] = tool.outputSchema;
  return sha256Hex(canonicalJson(subject));
}

/**
 * `upstream.a2a.cardSha256` of an A2A pack: the SHA-256 of the Agent Card's canonical JSON, so neither key
 * order nor whitespace changes it. Recorded by `raku import a2a`, compared with the live card by the gateway.
 */
export function agentCardSha256(card: unknown): string {
  return sha256Hex(canonicalJson(card));
}
