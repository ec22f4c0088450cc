/**
 * Policy benchmark: `decide` per call, on the repository's policies and on a synthetic policy at the schema's
 * limits (1,000 bindings, 500 denies, 200 rate limits), against a baseline in the same run: JSON.stringify of
 * the same arguments (work the gateway does on every call anyway, for the trace).
 * Goal: deciding on the repository's policies costs under 5 µs (≤ 10% of a 50 µs bare HTTP request here).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRepoFiles } from '../generator/config/src/fs/read-repo.ts';
import type { Loaded, Policy } from '../generator/config/src/model/types.ts';
import { validateRepo } from '../generator/config/src/validate/validate-repo.ts';
import { compilePolicies } from '../generator/policy/src/compile.ts';
import { decide } from '../generator/policy/src/decide.ts';
import type { CompiledPolicy, ToolCall } from '../generator/policy/src/types.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function syntheticPolicy(): Loaded<Policy> {
  const roles = Array.from({ length: 500 }, (_, i) => ({
    name: `role-${i}`,
    tools: [`pack${i}.*`, `*.list_${i}_*`],
  }));
  const bindings = Array.from({ length: 1000 }, (_, i) => ({
    role: `role-${i % 500}`,
    subjects: [`agent:bot-${i}`, `group:team-${i % 50}`],
    when: [{ field: 'args.owner', matches: `org-${i}-*` }],
  }));
  const denies = Array.from({ length: 500 }, (_, i) => ({
    name: `deny-${i}`,
    tools: [`pack${i}.delete_*`],
    subjects: ['*'],
    when: [{ field: 'time.hour', lt: 7 }],
  }));
  const rateLimits = Array.from({ length: 200 }, (_, i) => ({
    name: `limit-${i}`,
    subjects: [`agent:bot-${i}`],
    limit: 60,
    windowSeconds: 60,
  }));
  return { file: 'policies/big.yaml', value: { name: 'big', roles, bindings, denies, rateLimits } };
}

function perCall(label: string, calls: readonly ToolCall[], fn: (c: ToolCall) => unknown): number {
  for (const c of calls) fn(c); // warm up
  let n = 0;
  const start = process.hrtime.bigint();
  const until = start + 500_000_000n;
  while (process.hrtime.bigint() < until) {
    for (const c of calls) fn(c);
    n += calls.length;
  }
  const ns = Number(process.hrtime.bigint() - start) / n;
  console.log(
    `${label.padEnd(44)} ${(ns / 1000).toFixed(2).padStart(7)} µs/call  ${Math.round(1e9 / ns)} calls/s`,
  );
  return ns;
}

export default async function policyBench(): Promise<void> {
  const { model } = validateRepo(await readRepoFiles(root));
  const repo: CompiledPolicy = compilePolicies(model.policies, 'prod');
  const big: CompiledPolicy = compilePolicies([syntheticPolicy()], 'prod');
  const now = new Date('2026-11-23T10:00:00Z');
  const repoCalls: ToolCall[] = [
    ['github.list_issues', 'triage-bot', 'agent', { owner: 'acme', repo: 'web', state: 'open' }],
    ['github.close_issue', 'triage-bot', 'agent', { owner: 'acme', repo: 'web', issue_number: 1 }],
    ['petstore.delete_pet', 'ann', 'user', { petId: 7 }],
    ['weather.get_forecast', 'support-bot', 'agent', { latitude: 1, longitude: 2 }],
  ].map(([tool, id, kind, args]) => ({
    tool: tool as string,
    args,
    subject: { id: id as string, kind: kind as 'user' | 'agent', groups: ['engineering'], claims: {} },
    environment: 'prod',
    now,
  }));
  const bigCalls: ToolCall[] = [999, 500, 3].map((i) => ({
    tool: `pack${i % 500}.list_${i % 500}_things`,
    args: { owner: `org-${i}-x` },
    subject: { id: `bot-${i}`, kind: 'agent', groups: [], claims: {} },
    environment: 'prod',
    now,
  }));
  const baseline = perCall('baseline JSON.stringify(args)', repoCalls, (c) => JSON.stringify(c.args));
  const small = perCall('decide, repository policies (prod)', repoCalls, (c) => decide(repo, c));
  const large = perCall('decide, 1000 bindings / 500 denies', bigCalls, (c) => decide(big, c));
  console.log(
    `ratio decide / baseline: repository ${(small / baseline).toFixed(1)}x, large ${(large / baseline).toFixed(1)}x`,
  );
  console.log(`goal < 5 µs per decision on the repository policies: ${small < 5000 ? 'met' : 'NOT met'}`);
}
