/**
 * Reads an A2A agent's live Agent Card and hashes it as `raku import a2a` did (agentCardSha256 of
 * @raku/config), so the route table can hold an A2A pack's tools to the card that was reviewed. The card URL
 * is reviewed config (upstream.a2a.cardUrl), like a third-party server's URL; redirects are not followed and
 * the card is read within a size cap and a timeout.
 */
import { agentCardSha256 } from '@raku/config';

/** Largest card read: 1 MiB (cards are a few kilobytes). */
const MAX_CARD_BYTES = 1024 * 1024;

/** What the console shows of a live card: never a credential (a card holds none, only scheme names). */
export interface AgentCardSummary {
  name: string | null;
  /** The protocol versions its interfaces declare (v1.0 `supportedInterfaces`, v0.3 `protocolVersion`). */
  protocolVersions: string[];
  /** The names of its security schemes, each with its kind ('bearer', 'apiKey', 'oauth2', …). */
  securitySchemes: { name: string; kind: string }[];
}

/** The summary of a parsed card: pure, tolerant of either protocol version's shape. */
export function summarizeAgentCard(card: unknown): AgentCardSummary {
  const c = (card && typeof card === 'object' ? card : {}) as Record<string, unknown>;
  const versions = new Set<string>();
  if (typeof c['protocolVersion'] === 'string') versions.add(c['protocolVersion']);
  for (const i of Array.isArray(c['supportedInterfaces']) ? c['supportedInterfaces'] : [])
    if (typeof (i as { protocolVersion?: unknown })?.protocolVersion === 'string')
      versions.add((i as { protocolVersion: string }).protocolVersion);
  const schemes = (
    c['securitySchemes'] && typeof c['securitySchemes'] === 'object' ? c['securitySchemes'] : {}
  ) as Record<string, unknown>;
  return {
    name: typeof c['name'] === 'string' ? c['name'] : null,
    protocolVersions: [...versions].sort(),
    securitySchemes: Object.entries(schemes)
      .map(([name, scheme]) => ({ name, kind: schemeKind(scheme) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

/** v0.3 `{type: 'http', scheme: 'bearer'}`; v1.0 `{httpAuthSecurityScheme: {scheme: 'Bearer'}}`. */
function schemeKind(scheme: unknown): string {
  const s = (scheme && typeof scheme === 'object' ? scheme : {}) as Record<string, unknown>;
  const http = (s['httpAuthSecurityScheme'] ?? (s['type'] === 'http' ? s : undefined)) as
    | { scheme?: unknown }
    | undefined;
  if (http) return typeof http.scheme === 'string' ? http.scheme.toLowerCase() : 'http';
  if (s['apiKeySecurityScheme'] || s['type'] === 'apiKey') return 'apiKey';
  if (s['oauth2SecurityScheme'] || s['type'] === 'oauth2') return 'oauth2';
  if (s['openIdConnectSecurityScheme'] || s['type'] === 'openIdConnect') return 'openIdConnect';
  if (s['mtlsSecurityScheme'] || s['type'] === 'mutualTLS') return 'mutualTLS';
  return typeof s['type'] === 'string' ? s['type'] : 'unknown';
}

/** The SHA-256 of the card at `url` and its summary; throws with the reason when it cannot be read. */
export async function readAgentCard(
  url: string,
  timeoutMs: number,
): Promise<{ sha256: string; summary: AgentCardSummary }> {
  // A2A-Version 1.0, as the importer asks: an agent serving both versions answers its 1.0 card.
  const res = await fetch(url, {
    redirect: 'error',
    headers: { accept: 'application/json', 'A2A-Version': '1.0' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`the agent card at ${url} answered HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_CARD_BYTES) {
    await res.body?.cancel();
    throw new Error(`the agent card at ${url} is larger than ${MAX_CARD_BYTES} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of (res.body ?? []) as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_CARD_BYTES)
      throw new Error(`the agent card at ${url} is larger than ${MAX_CARD_BYTES} bytes`);
    chunks.push(chunk);
  }
  const card: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  return { sha256: agentCardSha256(card), summary: summarizeAgentCard(card) };
}
