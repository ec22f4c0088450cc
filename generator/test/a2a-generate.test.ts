/**
 * An A2A pack in a zone is generated like any pack (a pack server whose egress is the agent's host), and the
 * gateway gets what it needs to hold the pack to its reviewed Agent Card: the card URL and hash on the
 * pack's routes, and egress to the card's host.
 */
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { validateRepo } from '../config/src/validate/validate-repo.ts';
import { renderZone } from '../render/src/generate/render-zone.ts';
import { editedExample } from './repo-fixture.ts';

const CARD_HASH = '075563e2e0a2a5ca791e32c0a294edac58d57198f595560ab1ebcb0213a2aec1';

// biome-ignore lint/suspicious/noExplicitAny: parsed manifests are walked by known paths in assertions
type Obj = Record<string, any>;

describe('an A2A pack deployed in a zone', () => {
  const result = validateRepo(
    editedExample('zones/dev.yaml', (d) => d.addIn(['packs'], { name: 'currency-agent' })),
  );
  const files = new Map(renderZone(result.model, 'dev', { revision: 'local' }));
  const docs = (file: string) => parseAllDocuments(files.get(file) ?? '').map((d) => d.toJS() as Obj);

  it('validates and renders a pack server for it, its egress the agent host', () => {
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const policy = docs('pack-servers/currency-agent/manifests.yaml').find((o) => o.kind === 'NetworkPolicy');
    expect(policy?.metadata.annotations['raku.dev/egress-hosts']).toBe('currency-agent.example.com:443');
  });

  it("gives the gateway the card's URL and hash on the pack's routes, and egress to the card's host", () => {
    const gateway = docs('gateway/manifests.yaml');
    const bundle = JSON.parse(
      Object.values(gateway.find((o) => o.kind === 'ConfigMap')?.data ?? {})[0] as string,
    ) as { routes: { tool: string; targets: Obj[] }[] };
    const route = bundle.routes.find((r) => r.tool === 'currency-agent.convert_currency');
    expect(route?.targets[0]?.a2aCard).toEqual({
      url: 'https://currency-agent.example.com/.well-known/agent-card.json',
      sha256: CARD_HASH,
    });
    const policy = gateway.find((o) => o.kind === 'NetworkPolicy');
    expect(policy?.metadata.annotations['raku.dev/egress-hosts']).toBe(
      'api.githubcopilot.com:443,currency-agent.example.com:443',
    );
  });
});
