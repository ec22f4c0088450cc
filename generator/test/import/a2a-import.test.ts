import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startAgent, type TestAgent } from '../../../gateway/test/helpers/a2a-agents.ts';
import { agentCardSha256 } from '../../config/src/model/hash.ts';
import type { Pack } from '../../config/src/model/types.ts';
import { copyExampleRepo, runRaku } from '../repo-fixture.ts';

let repo: string;
let sync: TestAgent;
let bearer: TestAgent;
let legacy: TestAgent;
beforeAll(async () => {
  repo = copyExampleRepo('raku-import-a2a-');
  [sync, bearer, legacy] = await Promise.all([
    startAgent('sync'),
    startAgent('bearer'),
    startAgent('long', { legacy: true }),
  ]);
});
afterAll(async () => {
  rmSync(repo, { recursive: true, force: true });
  await Promise.all([sync?.close(), bearer?.close(), legacy?.close()]);
});

const readPack = (name: string) =>
  parse(readFileSync(path.join(repo, 'packs', name, 'pack.yaml'), 'utf8')) as Pack;
const liveCard = async (agent: TestAgent) =>
  (await fetch(agent.cardUrl, { headers: { 'A2A-Version': '1.0' } })).json();

describe('raku import a2a', () => {
  it("writes a pack whose tools are the agent's skills, with the card's hash, and it validates", async () => {
    const r = await runRaku(['import', 'a2a', sync.cardUrl, '--name', 'helper', '--owner', 'ai-team'], repo);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `packs/helper/pack.yaml: 2 tools from the skills of "sync agent" (calls JSONRPC 1.0 at ${sync.rpcUrl})`,
    );
    expect(r.out).toContain('wrote packs/helper/pack.yaml (2 tools) and packs/helper/agent-card.json');
    const pack = readPack('helper');
    expect(pack.upstream).toEqual({
      baseUrls: { dev: sync.rpcUrl },
      a2a: {
        cardUrl: sync.cardUrl,
        protocolVersion: '1.0',
        cardSha256: agentCardSha256(await liveCard(sync)),
      },
    });
    expect(
      pack.tools.map((t) => [t.name, t.a2a?.skill, Object.keys(t.inputSchema['properties'] as object)]),
    ).toEqual([
      ['summarize', 'summarize', ['message']],
      ['count-words', 'count-words', ['message', 'data']],
    ]);
    expect(pack.tools[0]?.description).toBe(
      'Summarizes the text it is given.\n\nExamples: Summarize this paragraph',
    );
    expect(pack.tools[0]?.http).toBeUndefined();
    const v = await runRaku(['validate'], repo);
    expect(v.err).toBe('');
    expect(v.code).toBe(0);
  });

  it("turns the card's bearer scheme into a bearer auth with a secret reference, never a value", async () => {
    const r = await runRaku(
      ['import', 'a2a', bearer.cardUrl, '--name', 'secured', '--owner', 'ai-team'],
      repo,
    );
    expect(r.code).toBe(0);
    expect(readPack('secured').upstream.auth).toEqual({
      type: 'bearer',
      token: { secretRef: { name: 'secured-a2a', key: 'token' } },
    });
  });

  it('calls an agent that serves A2A 1.0 and 0.3 in 1.0, and one that only has a 0.3 interface in 0.3', async () => {
    const card = (await liveCard(legacy)) as { supportedInterfaces: { protocolVersion: string }[] };
    expect(card.supportedInterfaces.map((i) => i.protocolVersion)).toEqual(['0.3', '1.0']);
    const both = await runRaku(
      ['import', 'a2a', legacy.cardUrl, '--name', 'both', '--owner', 'ai-team'],
      repo,
    );
    expect(both.code).toBe(0);
    expect(readPack('both').upstream.a2a?.protocolVersion).toBe('1.0');

    // The card a v0.3 client sees (no A2A-Version header), saved as a file: only a 0.3 interface.
    const file = path.join(repo, 'old-card.json');
    const old = (await (await fetch(legacy.cardUrl)).json()) as Record<string, unknown>;
    delete old['supportedInterfaces'];
    writeFileSync(file, JSON.stringify(old));
    const r = await runRaku(
      [
        'import',
        'a2a',
        file,
        '--name',
        'old',
        '--owner',
        'ai-team',
        '--card-url',
        'https://old.example/card.json',
      ],
      repo,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // The long agent streams (capabilities.streaming), so the pack records it.
    expect(readPack('old').upstream.a2a).toEqual({
      cardUrl: 'https://old.example/card.json',
      protocolVersion: '0.3',
      cardSha256: agentCardSha256(old),
      streaming: true,
    });
  });

  it('re-imports a changed card: a new hash, the contract diff and the version bump', async () => {
    const before = readPack('helper');
    sync.setDescription('Now with a different description.');
    const r = await runRaku(['import', 'a2a', sync.cardUrl, '--name', 'helper'], repo);
    expect(r.code).toBe(0);
    const after = readPack('helper');
    expect(after.upstream.a2a?.cardSha256).not.toBe(before.upstream.a2a?.cardSha256);
    expect(after.description).toBe('Now with a different description.');
    expect(after.owner).toBe('ai-team');
    expect(r.out).toContain('tool contract diff against the committed pack (0.1.0 → 0.1.0):');
  });

  it("records the interface's well-known card URL for a card read from a file without --card-url", async () => {
    const file = path.join(repo, 'sync-card.json');
    writeFileSync(file, JSON.stringify(await liveCard(sync)));
    const r = await runRaku(
      ['import', 'a2a', file, '--name', 'from-file', '--owner', 'ai-team', '--dry-run'],
      repo,
    );
    expect(r.err).toBe('');
    expect(r.out).toContain('dry run: nothing written');
    const w = await runRaku(['import', 'a2a', file, '--name', 'from-file', '--owner', 'ai-team'], repo);
    expect(w.code).toBe(0);
    expect(readPack('from-file').upstream.a2a?.cardUrl).toBe(sync.cardUrl);
  });

  it('refuses a document that is not an Agent Card, naming the field', async () => {
    const file = path.join(repo, 'not-a-card.json');
    writeFileSync(file, JSON.stringify({ name: 'x', description: 'y', url: 'https://x.example/a2a' }));
    const r = await runRaku(['import', 'a2a', file, '--name', 'bad', '--owner', 'ai-team'], repo);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}: skills is empty: an agent without skills gives a pack without tools`);
  });

  it('refuses a card offering only transports Raku cannot call', async () => {
    const card = (await liveCard(sync)) as { supportedInterfaces: { protocolBinding: string }[] };
    for (const i of card.supportedInterfaces) i.protocolBinding = 'GRPC';
    const file = path.join(repo, 'grpc-card.json');
    writeFileSync(file, JSON.stringify(card));
    const r = await runRaku(['import', 'a2a', file, '--name', 'grpc', '--owner', 'ai-team'], repo);
    expect(r.code).toBe(1);
    expect(r.err).toContain('the agent offers no interface Raku can call (it offers GRPC 1.0;');
  });
});
