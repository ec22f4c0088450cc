/**
 * Reads an A2A agent's live Agent Card and hashes it as `raku import a2a` did (agentCardSha256 of
 * @raku/config), so the route table can hold an A2A pack's tools to the card that was reviewed. The card URL
 * is reviewed config (upstream.a2a.cardUrl), like a third-party server's URL; redirects are not followed and
 * the card is read within a size cap and a timeout.
 */
import { agentCardSha256 } from '@raku/config';

/** Largest card read: 1 MiB (cards are a few kilobytes). */
const MAX_CARD_BYTES = 1024 * 1024;

/** The SHA-256 of the card at `url`; throws with the reason when it cannot be read. */
export async function readAgentCardHash(url: string, timeoutMs: number): Promise<string> {
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
  return agentCardSha256(JSON.parse(Buffer.concat(chunks).toString('utf8')));
}
