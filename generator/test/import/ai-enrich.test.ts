/**
 * --ai against a local fake of the chat completions endpoint (node:http on 127.0.0.1:0): the real `openai`
 * client, OpenAI and Azure OpenAI flavours, no network.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Pack } from '../../config/src/model/types.ts';
import { validateRepo } from '../../config/src/validate/validate-repo.ts';
import { applySuggestions } from '../../import/src/ai/suggestions.ts';
import { importOpenApi } from '../../import/src/build-pack.ts';
import { parseDocument } from '../../import/src/openapi-document.ts';
import { copyExampleRepo, runRaku } from '../repo-fixture.ts';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const shopFile = path.join(fixtures, 'shop-v1.yaml');

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}
let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let answer: string;

const GOOD = {
  tools: [
    {
      name: 'listOrders',
      title: null,
      description: 'List the shop orders, newest first. Use limit (1-100) to page.',
      sensitive: null,
    },
    { name: 'deleteOrder', title: 'Delete an order for good', description: null, sensitive: true },
    { name: 'noSuchTool', title: 'x', description: 'y', sensitive: null },
    {
      name: 'getOrder',
      title: null,
      description: 'Use key sk_live_abcdefghijklmnopqrstuvwxyz to call.',
      sensitive: null,
    },
    { name: 'createOrder', title: null, description: 'z'.repeat(3000), sensitive: null },
    { name: 'createOrder', title: 42, description: null, sensitive: null },
  ],
  groups: [{ name: 'orders', tools: ['listOrders', 'getOrder', 'ghost'] }],
  suggestedSelection: ['listOrders', 'getOrder'],
  approvals: [{ tools: ['deleteOrder'], reason: 'irreversible' }],
};

function completion(content: string) {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'fake',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null },
        finish_reason: 'stop',
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString() || '{}'),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(completion(answer)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  seen = [];
  answer = JSON.stringify(GOOD);
});

let repo: string;
beforeAll(() => {
  repo = copyExampleRepo('raku-ai-');
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

const run = (args: string[], env: Record<string, string>) => runRaku(args, repo, env);

describe('raku import openapi --ai', () => {
  it('applies valid suggestions, drops invalid ones with warnings, shows the changes and writes a draft policy', async () => {
    const r = await run(
      ['import', 'openapi', shopFile, '--name', 'shop-ai', '--owner', 'shop-team', '--ai'],
      {
        OPENAI_API_KEY: 'sk-test-0000',
        OPENAI_BASE_URL: `${baseUrl}/v1`,
        RAKU_AI_MODEL: 'fake-model',
      },
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.url).toBe('/v1/chat/completions');
    expect(seen[0]?.headers['authorization']).toBe('Bearer sk-test-0000');
    expect(seen[0]?.body['model']).toBe('fake-model');
    expect(seen[0]?.body['response_format']).toMatchObject({
      type: 'json_schema',
      json_schema: { strict: true },
    });

    expect(r.out).toContain('--ai suggestions applied (3):');
    expect(r.out).toContain(
      'listOrders.description: "List orders" → "List the shop orders, newest first. Use limit (1-100) to page."',
    );
    expect(r.out).toContain('deleteOrder.title: "Delete an order" → "Delete an order for good"');
    expect(r.out).toContain('deleteOrder.sensitive: false → true');
    expect(r.out).toContain('warning: --ai: tools[2] dropped: no tool named "noSuchTool"');
    expect(r.out).toContain(
      'warning: --ai: getOrder.description dropped: empty, over 2000 characters or secret-like',
    );
    expect(r.out).toContain('warning: --ai: createOrder.description dropped');
    expect(r.out).toMatch(/warning: --ai: tools\[5\] dropped: data\/title must be string,null/);
    expect(r.out).toContain('warning: --ai: groups[0]: 1 unknown tool name(s) dropped');
    expect(r.out).toContain('suggested selection: listOrders, getOrder');
    expect(r.out).toContain("to import only those: --include 'op:listOrders' --include 'op:getOrder'");
    expect(r.out).toContain('wrote the draft policy policies/shop-ai-draft.yaml');

    const pack = parse(readFileSync(path.join(repo, 'packs/shop-ai/pack.yaml'), 'utf8')) as Pack;
    expect(pack.tools.find((t) => t.name === 'deleteOrder')?.sensitive).toBe(true);
    const policy = parse(readFileSync(path.join(repo, 'policies/shop-ai-draft.yaml'), 'utf8'));
    expect(policy.approvals[0].tools).toEqual(['shop-ai.deleteOrder']);
    const files = ['packs/shop-ai/pack.yaml', 'policies/shop-ai-draft.yaml'].map((p) => ({
      path: p,
      bytes: readFileSync(path.join(repo, p)),
    }));
    expect(validateRepo(files).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('sends no secrets, base URLs, auth settings or examples: only names, texts, methods, paths and argument types', async () => {
    await run(
      ['import', 'openapi', shopFile, '--name', 'shop-ai2', '--owner', 'shop-team', '--ai', '--dry-run'],
      {
        OPENAI_API_KEY: 'sk-test-0000',
        OPENAI_BASE_URL: `${baseUrl}/v1`,
      },
    );
    const sent = JSON.stringify(seen[0]?.body);
    for (const secretish of [
      'sk-test-0000',
      'shop.example.com',
      'shop-ai2-api',
      'secretRef',
      'X-Api-Key',
      'sk_live_',
      '"tea"',
    ]) {
      expect(sent).not.toContain(secretish);
    }
    expect(sent).toContain('\\"path\\":\\"/orders/{id}\\"');
  });

  it('talks to Azure OpenAI: deployment path, api-version and api-key header', async () => {
    const r = await run(
      ['import', 'openapi', shopFile, '--name', 'shop-az', '--owner', 'x', '--ai', '--dry-run'],
      {
        AZURE_OPENAI_ENDPOINT: baseUrl,
        AZURE_OPENAI_API_KEY: 'azure-key',
        AZURE_OPENAI_DEPLOYMENT: 'raku-gpt',
        OPENAI_API_VERSION: '2024-10-21',
      },
    );
    expect(r.code).toBe(0);
    expect(seen[0]?.url).toBe('/openai/deployments/raku-gpt/chat/completions?api-version=2024-10-21');
    expect(seen[0]?.headers['api-key']).toBe('azure-key');
    expect(existsSync(path.join(repo, 'packs/shop-az'))).toBe(false);
  });

  it('fails clearly when the model answers something that is not JSON, or no key is configured', async () => {
    answer = 'Sure! Here are my thoughts.';
    const bad = await run(['import', 'openapi', shopFile, '--name', 'shop-bad', '--owner', 'x', '--ai'], {
      OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: `${baseUrl}/v1`,
    });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--ai: the model returned text that is not JSON');
    const none = await run(['import', 'openapi', shopFile, '--name', 'shop-bad', '--owner', 'x', '--ai'], {});
    expect(none.code).toBe(1);
    expect(none.err).toContain('--ai needs OPENAI_API_KEY');
    expect(existsSync(path.join(repo, 'packs/shop-bad'))).toBe(false);
  });
});

describe('applySuggestions', () => {
  const pack = importOpenApi(parseDocument(readFileSync(shopFile), 'shop'), {
    name: 'shop',
    owner: 'o',
    sourceDocument: 'x',
    sha256: 'e'.repeat(64),
  }).pack;

  it('leaves the pack unchanged and warns when the answer is not an object', () => {
    const r = applySuggestions(pack, ['nope']);
    expect(r.pack).toEqual(pack);
    expect(r.warnings).toEqual(['the model answered something other than an object: no suggestion applied']);
  });

  it('never mutates the pack it is given', () => {
    const before = structuredClone(pack);
    applySuggestions(pack, GOOD);
    expect(pack).toEqual(before);
  });
});

describe('applySuggestions on a re-imported pack', () => {
  it('keeps fields edited by hand and says so', () => {
    const pack = importOpenApi(parseDocument(readFileSync(shopFile), 'shop'), {
      name: 'shop',
      owner: 'o',
      sourceDocument: 'x',
      sha256: 'e'.repeat(64),
    }).pack;
    const r = applySuggestions(pack, GOOD, new Set(['listOrders.description']));
    expect(r.pack.tools.find((t) => t.name === 'listOrders')?.description).toBe('List orders');
    expect(r.warnings).toContain('listOrders.description: your edit is kept, the suggestion is not applied');
  });
});
