import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pack } from '../../config/src/model/types.ts';
import type { ToolTestResult } from '../../release/src/pack-test/run-pack-test.ts';
import { runPackTest } from '../../release/src/pack-test/run-pack-test.ts';
import { testPacks } from '../../release/src/pack-test/test-packs.ts';
import { copyExampleRepo, runRaku } from '../repo-fixture.ts';

let repo: string;
let pack: Pack;
let card: unknown;

beforeAll(async () => {
  repo = copyExampleRepo('raku-a2a-pack-test-');
  card = JSON.parse(readFileSync(path.join(repo, 'packs/currency-agent/agent-card.json'), 'utf8'));
  const { reports } = await testPacks(
    { root: repo, packs: ['currency-agent'], cwd: repo },
    {
      onPack: (p) => {
        pack = p;
      },
    },
  );
  expect(reports).toHaveLength(1);
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

const byTool = (results: readonly ToolTestResult[]) => new Map(results.map((r) => [r.tool, r]));
const withA2a = (change: (p: Pack) => void): Pack => {
  const copy = structuredClone(pack);
  change(copy);
  return copy;
};

describe('raku pack test on an A2A pack (a mock agent built with the SDK server)', () => {
  it('passes the example currency-agent pack, asking each skill its first example from the reviewed card', async () => {
    const r = await runRaku(['pack', 'test', 'currency-agent', '--format', 'json'], repo);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as {
      packs: { passed: number; tools: { tool: string; answer: string }[] }[];
    };
    expect(report.packs[0]?.passed).toBe(2);
    expect(report.packs[0]?.tools.map((t) => t.answer)).toEqual(['mock agent', 'mock agent']);
    const results = byTool(await runPackTest({ pack, agentCard: card }));
    expect(results.get('convert_currency')?.arguments).toEqual({ message: 'How much is 100 USD in EUR?' });
    expect(results.get('exchange_rate_history')?.arguments).toEqual({
      message: 'How did GBP to JPY move last month?',
    });
  });

  it('ignores a card snapshot whose hash is not the pack cardSha256 (the question comes from the schema)', async () => {
    const file = path.join(repo, 'packs/currency-agent/agent-card.json');
    const original = readFileSync(file);
    writeFileSync(file, JSON.stringify({ ...(card as object), description: 'changed' }));
    try {
      let results: ToolTestResult[] = [];
      await testPacks(
        { root: repo, packs: ['currency-agent'], cwd: repo },
        { onPack: (_, r) => (results = [...r]) },
      );
      expect(results.map((r) => r.outcome)).toEqual(['pass', 'pass']);
      expect(results[0]?.arguments?.['message']).not.toBe('How much is 100 USD in EUR?');
    } finally {
      writeFileSync(file, original);
    }
  });

  it('speaks A2A 0.3, HTTP+JSON and streaming when the pack declares them', async () => {
    for (const change of [
      (p: Pack) => {
        p.upstream.a2a!.streaming = true;
      },
      (p: Pack) => {
        p.upstream.a2a!.protocolVersion = '0.3';
      },
      (p: Pack) => {
        p.upstream.a2a!.transport = 'HTTP+JSON';
      },
    ]) {
      const results = await runPackTest({ pack: withA2a(change), agentCard: card });
      expect(results.map((r) => [r.outcome, r.problems])).toEqual([
        ['pass', []],
        ['pass', []],
      ]);
    }
  });

  it('checks the credentials the agent received, in a query parameter too', async () => {
    const results = await runPackTest({
      pack: withA2a((p) => {
        p.upstream.auth = {
          type: 'apiKey',
          in: 'query',
          name: 'key',
          key: { secretRef: { name: 's', key: 'k' } },
        };
      }),
      agentCard: card,
    });
    expect(results.map((r) => r.outcome)).toEqual(['pass', 'pass']);
  });

  it('fails a tool whose skill is not in the reviewed card', async () => {
    const results = byTool(
      await runPackTest({
        pack: withA2a((p) => {
          p.tools[1]!.a2a = { skill: 'forecast_rates' };
        }),
        agentCard: card,
      }),
    );
    expect(results.get('convert_currency')?.outcome).toBe('pass');
    expect(results.get('exchange_rate_history')).toMatchObject({
      outcome: 'fail',
      problems: ['skill "forecast_rates" is not in the reviewed card (agent-card.json)'],
    });
  });

  it('calls with a recorded example and checks the recorded answer against the output schema', async () => {
    const example = {
      arguments: { message: 'Convert 5 CHF', data: { amount: 5, from: 'CHF' } },
      response: { body: { rate: 0.94, amount: 4.7 } },
    };
    const schema = (rate: string) => ({
      type: 'object',
      properties: { rate: { type: rate } },
      required: ['rate'],
    });
    const run = (rate: string) =>
      runPackTest({
        pack: withA2a((p) => {
          p.tools[0]!.outputSchema = schema(rate);
        }),
        agentCard: card,
        examples: new Map([['convert_currency', example]]),
      }).then(byTool);
    const ok = (await run('number')).get('convert_currency');
    expect(ok).toMatchObject({
      outcome: 'pass',
      responseFrom: 'recorded example',
      arguments: example.arguments,
    });
    const bad = (await run('string')).get('convert_currency');
    expect(bad?.outcome).toBe('fail');
    expect(bad?.problems.join('\n')).toContain('the recorded example answer does not match outputSchema');
  });
});
