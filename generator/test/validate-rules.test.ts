import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateRepo } from '../config/src/validate/validate-repo.ts';
import { type Edit, editedExample, exampleFiles } from './repo-fixture.ts';

const GH = 'packs/github-issues/pack.yaml';
const PET = 'packs/petstore/pack.yaml';
const METEO = 'packs/open-meteo/pack.yaml';
const DEV = 'zones/dev.yaml';
const STAGING = 'zones/staging.yaml';
const PROD = 'zones/prod.yaml';
const POLICY = 'policies/default.yaml';
const AGENT = 'packs/currency-agent/pack.yaml';
const PAY_CRM = 'packs/payments-crm/pack.yaml';
const PAY_POLICY = 'policies/payments.yaml';
const SUPPORT = 'tenants/support.yaml';
const PAYMENTS = 'tenants/payments.yaml';

interface Case {
  rule: string;
  what: string;
  file: string;
  edit: Edit;
  path: string;
  severity?: 'error' | 'warning';
  /** Replace the file list entirely (for path-dependent rules). */
  rename?: string;
}

const CASES: Case[] = [
  { rule: 'schema', what: 'an unknown property', file: PET, edit: (d) => d.set('ownr', 'x'), path: 'ownr' },
  {
    rule: 'schema',
    what: 'a tool name with a space',
    file: PET,
    edit: (d) => d.setIn(['tools', 0, 'name'], 'find pets'),
    path: 'tools[0].name',
  },
  {
    rule: 'schema',
    what: 'a version that is not semver',
    file: PET,
    edit: (d) => d.set('version', '1.0'),
    path: 'version',
  },
  {
    rule: 'schema',
    what: 'a missing required field',
    file: DEV,
    edit: (d) => d.delete('namespace'),
    path: '',
  },
  {
    rule: 'name-matches-path',
    what: 'a pack named unlike its folder',
    file: PET,
    edit: (d) => d.set('name', 'pets'),
    path: 'name',
  },
  {
    rule: 'unique-name',
    what: 'a role defined twice',
    file: POLICY,
    edit: (d) => d.setIn(['roles', 1, 'name'], 'reader'),
    path: 'roles[1].name',
  },
  {
    rule: 'unique-tool-name',
    what: 'two tools with one name',
    file: GH,
    edit: (d) => d.setIn(['tools', 1, 'name'], 'list_issues'),
    path: 'tools[1].name',
  },
  {
    rule: 'tool-name-length',
    what: 'an exposed name over 64 characters',
    file: GH,
    edit: (d) => {
      d.set('toolPrefix', 'a'.repeat(40));
      d.setIn(['tools', 2, 'name'], 'create_issue_in_a_repository_x');
    },
    path: 'tools[2].name',
  },
  {
    rule: 'path-template',
    what: 'a placeholder without an input property',
    file: PET,
    edit: (d) => d.setIn(['tools', 1, 'http', 'path'], '/pet/{id}'),
    path: 'tools[1].inputSchema',
  },
  {
    rule: 'path-template',
    what: 'a dot-dot segment in the path',
    file: PET,
    edit: (d) => d.setIn(['tools', 0, 'http', 'path'], '/pet/../admin'),
    path: 'tools[0].http.path',
  },
  {
    rule: 'arg-mapping',
    what: 'a mapped argument that the input schema lacks',
    file: PET,
    edit: (d) => d.setIn(['tools', 0, 'http', 'args'], { limit: 'query' }),
    path: 'tools[0].http.args.limit',
  },
  {
    rule: 'arg-mapping',
    what: 'a body argument on a GET',
    file: PET,
    edit: (d) => d.setIn(['tools', 0, 'http', 'args'], { status: 'body' }),
    path: 'tools[0].http.args.status',
  },
  {
    rule: 'tool-schema',
    what: 'an input schema that is not an object',
    file: PET,
    edit: (d) => d.setIn(['tools', 0, 'inputSchema', 'type'], 'string'),
    path: 'tools[0].inputSchema.type',
  },
  {
    rule: 'tool-schema',
    what: 'an invalid JSON Schema',
    file: PET,
    edit: (d) => d.setIn(['tools', 0, 'inputSchema', 'required'], 'status'),
    path: 'tools[0].inputSchema',
  },
  {
    rule: 'zone-pack-exists',
    what: 'a zone naming a missing pack',
    file: DEV,
    edit: (d) => d.setIn(['packs', 1, 'name'], 'nope'),
    path: 'packs[1].name',
  },
  {
    rule: 'zone-pack-version',
    what: 'a version range the pack does not satisfy',
    file: PROD,
    edit: (d) => d.setIn(['packs', 0, 'version'], '^2.0.0'),
    path: 'packs[0].version',
  },
  {
    rule: 'zone-pack-environment',
    what: 'a pack without a base URL for the zone environment',
    file: METEO,
    edit: (d) => d.deleteIn(['upstream', 'baseUrls', 'prod']),
    path: 'packs[2].name',
  },
  {
    rule: 'body-encoding',
    what: 'a contentType on a tool whose body is not a whole-body argument',
    file: PET,
    edit: (d) => d.setIn(['tools', 0, 'http', 'contentType'], 'text/plain'),
    path: 'tools[0].http.contentType',
  },
  {
    rule: 'fixed-value',
    what: 'an argument mapped to a query parameter the tool also fixes',
    file: PET,
    edit: (d) => d.setIn(['tools', 0, 'http', 'fixed'], { query: { status: 'sold' } }),
    path: 'tools[0].inputSchema.properties.status',
    severity: 'warning',
  },
  {
    rule: 'a2a-tools',
    what: 'an HTTP request on a tool of an A2A pack',
    file: AGENT,
    edit: (d) => {
      d.deleteIn(['tools', 0, 'a2a']);
      d.setIn(['tools', 0, 'http'], { method: 'GET', path: '/rates' });
    },
    path: 'tools[0].http',
  },
  {
    rule: 'a2a-tools',
    what: 'an A2A skill on a tool of an HTTP pack',
    file: PET,
    edit: (d) => {
      d.deleteIn(['tools', 0, 'http']);
      d.setIn(['tools', 0, 'a2a'], { skill: 'find' });
    },
    path: 'tools[0].a2a',
  },
  {
    rule: 'a2a-tools',
    what: 'an A2A tool without a string message argument',
    file: AGENT,
    edit: (d) => d.setIn(['tools', 1, 'inputSchema', 'properties', 'message', 'type'], 'object'),
    path: 'tools[1].inputSchema',
  },
  {
    rule: 'schema',
    what: 'a tool with neither an HTTP request nor an A2A skill',
    file: AGENT,
    edit: (d) => d.deleteIn(['tools', 0, 'a2a']),
    path: 'tools[0]',
  },
  {
    rule: 'tool-cache',
    what: 'a cache on a tool not marked read-only',
    file: GH,
    edit: (d) => d.setIn(['tools', 2, 'cache'], { ttlSeconds: 60 }),
    path: 'tools[2].cache',
  },
  {
    rule: 'monitoring-labels',
    what: 'a monitoring label that would replace one of Raku\u2019s own',
    file: PROD,
    edit: (d) => d.set('monitoring', d.createNode({ labels: { 'app.kubernetes.io/name': 'x' } })),
    path: 'monitoring.labels["app.kubernetes.io/name"]',
  },
  {
    rule: 'monitoring-unused',
    what: 'monitoring labels without the Prometheus Operator',
    file: PROD,
    edit: (d) => d.set('monitoring', d.createNode({ prometheusOperator: false, labels: { release: 'p' } })),
    path: 'monitoring.labels',
    severity: 'warning',
  },
  {
    rule: 'pack-base-url',
    what: 'a zone deploying a pack that leaves its base URL to the zones, without giving one',
    file: METEO,
    edit: (d) => d.deleteIn(['upstream', 'baseUrls']),
    path: 'packs[2].name',
  },
  {
    rule: 'unique-zone-pack',
    what: 'a pack listed twice in a zone',
    file: DEV,
    edit: (d) => d.setIn(['packs', 1, 'name'], 'github-issues'),
    path: 'packs[1].name',
  },
  {
    rule: 'base-image-exists',
    what: 'a pack naming an unknown base image',
    file: DEV,
    edit: (d) => d.setIn(['packs', 0, 'baseImage'], 'distroless'),
    path: 'packs[0].baseImage',
  },
  {
    rule: 'workload-name-length',
    what: 'a group name too long for Kubernetes names',
    file: DEV,
    edit: (d) => d.setIn(['packs', 0, 'group'], `g${'x'.repeat(55)}`),
    path: 'packs[0].group',
  },
  {
    rule: 'zone-tool-collision',
    what: 'two packs exposing the same tool name',
    file: PET,
    edit: (d) => {
      d.set('toolPrefix', 'github');
      d.setIn(['tools', 0, 'name'], 'list_issues');
    },
    path: 'packs[1].name',
  },
  {
    rule: 'zone-tool-collision',
    what: "a tenant's own pack exposing a name of a shared pack it is granted",
    file: PAY_CRM,
    edit: (d) => {
      d.set('toolPrefix', 'weather');
      d.setIn(['tools', 0, 'name'], 'get_forecast');
    },
    path: 'packs[3].name',
  },
  {
    rule: 'workload-tool-collision',
    what: "two tenants' packs with the same names grouped into one pack server",
    file: DEV,
    edit: (d) => {
      d.setIn(['packs', 3, 'group'], 'crm');
      d.setIn(['packs', 4, 'group'], 'crm');
    },
    path: 'packs[4].group',
  },
  {
    rule: 'tenant-exists',
    what: 'a pack owned by a tenant that does not exist',
    file: PAY_CRM,
    edit: (d) => d.set('tenant', 'billing'),
    path: 'tenant',
  },
  {
    rule: 'tenant-exists',
    what: 'a policy of a tenant that does not exist',
    file: PAY_POLICY,
    edit: (d) => d.set('tenant', 'payment'),
    path: 'tenant',
  },
  {
    rule: 'shared-grant',
    what: "a grant of another tenant's pack",
    file: SUPPORT,
    edit: (d) => d.setIn(['shared', 0], 'payments-crm'),
    path: 'shared[0]',
  },
  {
    rule: 'shared-grant',
    what: 'a grant of a pack or remote that does not exist',
    file: PAYMENTS,
    edit: (d) => d.setIn(['shared', 1], 'gitlab-issues'),
    path: 'shared[1]',
  },
  {
    rule: 'shared-grant',
    what: "'*' listed with other names",
    file: PAYMENTS,
    edit: (d) => d.setIn(['shared', 1], '*'),
    path: 'shared[1]',
  },
  {
    rule: 'tenant-members',
    what: 'a member listed twice',
    file: PAYMENTS,
    edit: (d) => d.addIn(['members'], { claim: 'tenant', equals: 'payments' }),
    path: 'members[2]',
  },
  {
    rule: 'tenant-members',
    what: 'an approver who is already an admin',
    file: SUPPORT,
    edit: (d) => d.setIn(['approvers', 0], 'group:support-leads'),
    path: 'approvers[0]',
    severity: 'warning',
  },
  {
    rule: 'policy-tool-exists',
    what: "a tenant policy's pattern matching only tools of another tenant's view",
    file: PAY_POLICY,
    edit: (d) => d.setIn(['roles', 1, 'tools', 0], 'petstore.*'),
    path: 'roles[1].tools[0]',
    severity: 'warning',
  },
  {
    rule: 'fallback-exists',
    what: 'a remote falling back for an unknown tool',
    file: DEV,
    edit: (d) => d.setIn(['remotes', 0, 'tools', 0, 'fallbackFor'], 'github.nope'),
    path: 'remotes[0].tools[0].fallbackFor',
  },
  {
    rule: 'promotion-chain',
    what: 'a promotion cycle',
    file: STAGING,
    edit: (d) => d.setIn(['promotion', 'from'], 'prod'),
    path: 'promotion.from',
  },
  {
    rule: 'promotion-chain',
    what: 'a prod zone without promotion',
    file: PROD,
    edit: (d) => d.delete('promotion'),
    path: 'environment',
    severity: 'warning',
  },
  {
    rule: 'policy-role-exists',
    what: 'a binding to an unknown role',
    file: POLICY,
    edit: (d) => d.setIn(['bindings', 0, 'role'], 'readers'),
    path: 'bindings[0].role',
  },
  {
    rule: 'policy-tool-exists',
    what: 'a tool pattern matching nothing',
    file: POLICY,
    edit: (d) => d.setIn(['roles', 1, 'tools', 0], 'gitlab.*'),
    path: 'roles[1].tools[0]',
    severity: 'warning',
  },
  {
    rule: 'policy-arg-exists',
    what: 'a condition on an argument no covered tool has',
    file: POLICY,
    edit: (d) => d.setIn(['bindings', 1, 'when', 0, 'field'], 'args.ownr'),
    path: 'bindings[1].when[0].field',
    severity: 'warning',
  },
  {
    rule: 'approval-exists',
    what: 'a sensitive tool nobody can approve',
    file: POLICY,
    edit: (d) => d.deleteIn(['approvals', 1]),
    path: 'tools[3].sensitive',
    severity: 'warning',
  },
  {
    rule: 'no-secret-values',
    what: 'a token pasted into a header',
    file: GH,
    edit: (d) =>
      d.setIn(['upstream', 'headers', 'Authorization'], 'Bearer ghp_0123456789abcdefghijklmnopqrstuvwxyzAB'),
    path: 'upstream.headers.Authorization',
  },
  {
    rule: 'deny-pattern-normalization',
    what: 'a deny pattern compared exactly, which an upstream could normalise around',
    file: POLICY,
    edit: (d) =>
      d.setIn(['denies', 1, 'when'], [{ field: 'args.repo', matches: 'admin*', normalize: 'exact' }]),
    path: 'denies[1].when[0].normalize',
    severity: 'warning',
  },
  {
    rule: 'no-secret-values',
    what: 'a private key in an environment variable',
    file: METEO,
    edit: (d) =>
      d.setIn(['runtime', 'env'], [{ name: 'KEY', value: '-----BEGIN RSA PRIVATE KEY-----\nMIIB' }]),
    path: 'runtime.env[0].value',
  },
  {
    rule: 'no-secret-values',
    what: 'a literal value for a password variable',
    file: METEO,
    edit: (d) => d.setIn(['runtime', 'env'], [{ name: 'DB_PASSWORD', value: 'Tr0ub4dor&3x' }]),
    path: 'runtime.env[0].value',
  },
  {
    rule: 'url',
    what: 'credentials in a URL',
    file: METEO,
    edit: (d) => d.setIn(['upstream', 'baseUrls', 'dev'], 'https://u:p@api.open-meteo.com/v1'),
    path: 'upstream.baseUrls.dev',
  },
  {
    rule: 'https-outside-dev',
    what: 'a plain http upstream in prod',
    file: METEO,
    edit: (d) => d.setIn(['upstream', 'baseUrls', 'prod'], 'http://api.open-meteo.com/v1'),
    path: 'upstream.baseUrls.prod',
  },
  {
    rule: 'ssrf-guard',
    what: 'private networks allowed in prod',
    file: PROD,
    edit: (d) => d.setIn(['network', 'allowPrivateNetworks'], true),
    path: 'network.allowPrivateNetworks',
  },
  {
    rule: 'pinned-base-image',
    what: 'a prod base image without a digest',
    file: PROD,
    edit: (d) => d.deleteIn(['baseImages', 'default', 'digest']),
    path: 'baseImages.default',
  },
];

describe('the example repository', () => {
  it('validates with no errors and no warnings', () => {
    const result = validateRepo(exampleFiles());
    expect(result.diagnostics).toEqual([]);
    expect(result.model.packs).toHaveLength(6);
    expect(result.model.zones).toHaveLength(3);
    expect(result.model.policies).toHaveLength(4);
    expect(result.model.tenants.map((t) => t.value.name)).toEqual(['payments', 'support']);
  });
});

describe('semantic rules', () => {
  it.each(CASES.filter((c) => c.path !== ''))('$rule: reports $what', (c) => {
    const result = validateRepo(editedExample(c.file, c.edit));
    const hit = result.diagnostics.find((d) => d.rule === c.rule && d.path === c.path);
    expect(hit, JSON.stringify(result.diagnostics, null, 2)).toBeDefined();
    expect(hit?.severity).toBe(c.severity ?? 'error');
    expect(hit?.line).toBeGreaterThan(0);
    expect(hit?.column).toBeGreaterThan(0);
  });

  it('flags a literal secret under a secret-looking key but not a short or plain word', () => {
    const secret = validateRepo(
      editedExample(METEO, (d) =>
        d.setIn(
          ['runtime', 'env'],
          [
            { name: 'X', value: 'ok' },
            { name: 'Y', value: 'plain words here' },
          ],
        ),
      ),
    );
    expect(secret.diagnostics).toEqual([]);
    const leaked = validateRepo(
      editedExample(POLICY, (d) => d.set('description', 'password: hunter2 is fine')),
    );
    expect(leaked.diagnostics).toEqual([]);
  });

  it('scans files that fail the schema for secrets too', () => {
    const result = validateRepo(
      editedExample(POLICY, (d) => d.set('apiKey', 'sk-proj-abcdefghijklmnopqrstuvwxyz012345')),
    );
    expect(result.diagnostics.map((d) => d.rule).sort()).toEqual(['no-secret-values', 'schema']);
  });

  it('does not cascade: a broken pack does not make zones report it missing', () => {
    const result = validateRepo(editedExample(GH, (d) => d.set('version', 'one')));
    expect(result.diagnostics.map((d) => `${d.file} ${d.rule}`)).toEqual([`${GH} schema`]);
  });

  it('reports every problem at once, sorted by file and line', () => {
    const files = editedExample(PET, (d) => {
      d.set('ownr', 'x');
      d.setIn(['tools', 1, 'http', 'path'], '/pet/{id}');
    }).map((f) =>
      f.path === DEV
        ? {
            ...f,
            bytes: Buffer.from(Buffer.from(f.bytes).toString().replace('name: petstore', 'name: nope')),
          }
        : f,
    );
    const result = validateRepo(files);
    expect(result.diagnostics.length).toBeGreaterThanOrEqual(2);
    const keys = result.diagnostics.map((d) => [d.file, d.line]);
    expect(
      [...keys].sort((a, b) => String(a[0]).localeCompare(String(b[0])) || Number(a[1]) - Number(b[1])),
    ).toEqual(keys);
  });

  it('has a failing case for every rule id the rules can report', () => {
    const dir = path.join(import.meta.dirname, '../config/src/validate/rules');
    const ids = new Set<string>();
    for (const f of readdirSync(dir)) {
      const src = readFileSync(path.join(dir, f), 'utf8');
      for (const call of src.matchAll(/ctx\.report\(([\s\S]*?)\);/g)) {
        for (const lit of (call[1] ?? '').matchAll(/'([a-z][a-z0-9]*(?:-[a-z0-9]+)+|url)'/g))
          ids.add(lit[1] ?? '');
      }
    }
    expect(ids.size).toBeGreaterThan(15);
    const covered = new Set(CASES.map((c) => c.rule));
    expect([...ids].filter((id) => !covered.has(id))).toEqual([]);
  });
});
