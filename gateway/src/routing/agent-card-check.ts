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

const V1_KINDS: Readonly<Record<string, string>> = {
  httpAuthSecurityScheme: 'http',
  apiKeySecurityScheme: 'apiKey',
  oauth2SecurityScheme: 'oauth2',
  openIdConnectSecurityScheme: 'openIdConnect',
  mtlsSecurityScheme: 'mutualTLS',
};

/**
 * A scheme's kind, 'bearer'/'basic' for HTTP schemes. Three shapes: v0.3 `{type: 'http', scheme: 'bearer'}`;
 * v1.0 protobuf JSON `{httpAuthSecurityScheme: {scheme: 'Bearer'}}`; the JS SDK's
 * `{scheme: {$case: 'httpAuthSecurityScheme', value: {scheme: 'Bearer'}}}`.
 */
function schemeKind(scheme: unknown): string {
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object';
  if (!isObj(scheme)) return 'unknown';
  let kind: string | undefined;
  let body: Record<string, unknown> = scheme;
  const sdk = scheme['scheme'];
  if (isObj(sdk) && typeof sdk['$case'] === 'string') {
    kind = V1_KINDS[sdk['$case']];
    body = isObj(sdk['value']) ? sdk['value'] : {};
  } else if (typeof scheme['type'] === 'string') {
    kind = scheme['type'];
  } else {
    const key = Object.keys(scheme).find((k) => k in V1_KINDS);
    if (key) {
      kind = V1_KINDS[key];
      body = isObj(scheme[key]) ? scheme[key] : {};
    }
  }
  if (kind === 'http' && typeof body['scheme'] === 'string') return body['scheme'].toLowerCase();
  return kind ?? 'unknown';
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
