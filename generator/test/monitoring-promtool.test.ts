/**
 * The generated alert rules run by Prometheus itself: `promtool check rules` (Debian package `prometheus`,
 * installed by .ci/run) accepts every zone's rules, and `promtool test rules` feeds them series of a failing
 * and of a healthy zone and compares the alerts that fire, with their labels and rendered annotations, at
 * given times. So each alert is shown to fire on what it watches, only for the failing tool, target or
 * Deployment, with the zone's threshold — and a healthy zone to fire nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { readRepoFiles } from '../config/src/fs/read-repo.ts';
import { loadRepo } from '../config/src/load/load-repo.ts';
import type { RepoModel } from '../config/src/model/types.ts';
import { renderZone } from '../render/src/generate/render-zone.ts';
import { REPO_ROOT } from './repo-fixture.ts';

const PROMTOOL = '/usr/bin/promtool';
/** The prod gateway's series labels, as the ServiceMonitor's scrape gives them. */
const GW = 'namespace="raku",app_kubernetes_io_instance="raku-gateway-prod",pod="raku-gateway-0"';

let model: RepoModel;
let dir: string;

beforeAll(async () => {
  model = loadRepo(await readRepoFiles(REPO_ROOT)).model;
  dir = mkdtempSync(path.join(tmpdir(), 'raku-promtool-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs promtool; its output, and whether it exited 0. A missing promtool fails the test with what to install. */
function promtool(args: string[]): { ok: boolean; out: string } {
  try {
    return { ok: true, out: execFileSync(PROMTOOL, args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error(`${PROMTOOL} not found: apt-get install prometheus (.ci/run does)`);
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** The zone's rule groups, from its PrometheusRule. */
function ruleGroups(zone: string): { name: string; rules: { alert: string }[] }[] {
  const manifests =
    renderZone(model, zone, { revision: 'a'.repeat(40) }).get('monitoring/manifests.yaml') ?? '';
  const rule = parseAllDocuments(manifests)
    .map(
      (d) => d.toJS() as { kind: string; spec: { groups: { name: string; rules: { alert: string }[] }[] } },
    )
    .find((o) => o.kind === 'PrometheusRule');
  return rule?.spec.groups ?? [];
}

/** The zone's rule groups in Prometheus's rule-file format, written to `<zone>.rules.yaml`. */
function ruleFile(zone: string): string {
  const file = `${zone}.rules.yaml`;
  writeFileSync(path.join(dir, file), stringify({ groups: ruleGroups(zone) }));
  return file;
}

/** Every alert prod has (monitoring.test.ts holds the list to what each zone must have). */
function alertNames(): string[] {
  return ruleGroups('prod').flatMap((g) => g.rules.map((r) => r.alert));
}

interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts: { exp_labels: Record<string, string>; exp_annotations: Record<string, string> }[];
}

function runTests(
  name: string,
  series: [string, string][],
  alerts: AlertTest[],
): { ok: boolean; out: string } {
  const file = `${name}.test.yaml`;
  const test = {
    rule_files: [ruleFile('prod')],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: series.map(([s, values]) => ({ series: s, values })),
        alert_rule_test: alerts,
      },
    ],
  };
  writeFileSync(path.join(dir, file), stringify(test));
  return promtool(['test', 'rules', file]);
}

const firing = (labels: Record<string, string>, summary: string, description: string) => ({
  exp_labels: { zone: 'prod', ...labels },
  exp_annotations: { summary, description },
});

describe('the generated rules in Prometheus (promtool)', () => {
  it('are accepted by promtool check rules, for every example zone and without the Operator', () => {
    for (const zone of ['dev', 'prod', 'staging']) {
      const r = promtool(['check', 'rules', ruleFile(zone)]);
      expect(r.out).toContain('SUCCESS: 9 rules found');
      expect(r.ok).toBe(true);
    }
    // Without the Operator the rules are a ConfigMap holding a rule file as it is.
    const edited = structuredClone(model);
    const prod = edited.zones.find((z) => z.value.name === 'prod');
    if (prod) prod.value.monitoring = { prometheusOperator: false };
    const manifests =
      renderZone(edited, 'prod', { revision: 'a'.repeat(40) }).get('monitoring/manifests.yaml') ?? '';
    const cm = parseAllDocuments(manifests)[0]?.toJS() as { data: Record<string, string> };
    writeFileSync(path.join(dir, 'raku-prod.rules.yaml'), cm.data['raku-prod.rules.yaml'] ?? '');
    const r = promtool(['check', 'rules', 'raku-prod.rules.yaml']);
    expect(r.out).toContain('SUCCESS: 9 rules found');
    expect(parse(cm.data['raku-prod.rules.yaml'] ?? '').groups[0].name).toBe('raku-prod');
  });

  it('fire on a failing zone, each for what it watches only, at the zone\u2019s thresholds', () => {
    const series: [string, string][] = [
      // The only gateway replica stops answering at minute 6.
      [`up{${GW}}`, '1x5 0x40'],
      // petstore.get_pet fails 10% of its calls (prod tolerates 2%); github.list_issues 1%.
      [`raku_tool_calls_total{${GW},tool="petstore.get_pet",status="ok"}`, '0+90x40'],
      [`raku_tool_calls_total{${GW},tool="petstore.get_pet",status="error"}`, '0+10x40'],
      [`raku_tool_calls_total{${GW},tool="github.list_issues",status="ok"}`, '0+99x40'],
      [`raku_tool_calls_total{${GW},tool="github.list_issues",status="timeout"}`, '0+1x40'],
      // petstore.get_pet takes 1-5 s (p99 4.96 s; prod's threshold 3 s); github.list_issues under 1 s.
      [`raku_tool_call_duration_seconds_bucket{${GW},tool="petstore.get_pet",le="1"}`, '0x40'],
      [`raku_tool_call_duration_seconds_bucket{${GW},tool="petstore.get_pet",le="5"}`, '0+100x40'],
      [`raku_tool_call_duration_seconds_bucket{${GW},tool="petstore.get_pet",le="+Inf"}`, '0+100x40'],
      [`raku_tool_call_duration_seconds_bucket{${GW},tool="github.list_issues",le="1"}`, '0+100x40'],
      [`raku_tool_call_duration_seconds_bucket{${GW},tool="github.list_issues",le="5"}`, '0+100x40'],
      [`raku_tool_call_duration_seconds_bucket{${GW},tool="github.list_issues",le="+Inf"}`, '0+100x40'],
      // The petstore pack server's breaker opens at minute 5; the github one stays closed.
      [`raku_breaker_state{${GW},target="pack:petstore"}`, '0x4 2x40'],
      [`raku_breaker_state{${GW},target="pack:github-issues"}`, '0x45'],
      // 7 traces dropped at minute 11; trace writes fail once a minute from minute 6.
      [`raku_trace_dropped_total{${GW}}`, '0x10 7x40'],
      [`raku_trace_write_failures_total{${GW}}`, '0x5 0+1x40'],
      [`raku_approvals_pending{${GW},zone="prod"}`, '30x45'],
      [`raku_process_faults_total{${GW},kind="exception"}`, '0x10 1x40'],
      ['kube_deployment_status_replicas_available{namespace="raku",deployment="petstore-mcp"}', '0x45'],
      ['kube_deployment_status_replicas_available{namespace="raku",deployment="github-issues-mcp"}', '2x45'],
      ['kube_deployment_status_replicas_available{namespace="raku",deployment="open-meteo-mcp"}', '1x45'],
      // Another zone's pack server in another namespace is none of prod's business.
      ['kube_deployment_status_replicas_available{namespace="raku-dev",deployment="petstore-mcp"}', '0x45'],
    ];
    const none = (eval_time: string) =>
      alertNames().map((alertname) => ({ eval_time, alertname, exp_alerts: [] }));
    const r = runTests('failing', series, [
      // Minute 4: everything still healthy (or not yet long enough).
      ...none('4m').filter((t) => !['RakuApprovalBacklog', 'RakuPackServerNotReady'].includes(t.alertname)),
      {
        eval_time: '12m',
        alertname: 'RakuTracesDropped',
        exp_alerts: [
          firing(
            { severity: 'warning' },
            'The gateway of zone prod drops traces.',
            '7 traces were dropped over 5m because the trace queue was full: calls went through but are not recorded.',
          ),
        ],
      },
      {
        eval_time: '12m',
        alertname: 'RakuProcessFaults',
        exp_alerts: [
          firing(
            { severity: 'warning' },
            'The gateway of zone prod caught unhandled faults.',
            '1 unhandled rejections or exceptions over 5m: a bug, logged with its stack.',
          ),
        ],
      },
      {
        eval_time: '20m',
        alertname: 'RakuGatewayDown',
        exp_alerts: [
          firing(
            { severity: 'critical' },
            'No gateway replica of zone prod answers Prometheus.',
            'For 2 minutes no raku-gateway pod in namespace raku was scraped successfully: agents cannot call tools.',
          ),
        ],
      },
      {
        eval_time: '20m',
        alertname: 'RakuToolErrorRatioHigh',
        exp_alerts: [
          firing(
            { severity: 'warning', tool: 'petstore.get_pet' },
            'Tool petstore.get_pet fails more than 2% of its calls in zone prod.',
            '10% of the calls of petstore.get_pet ended in error, timeout, no_route, invalid, unknown_tool over 5m.',
          ),
        ],
      },
      {
        eval_time: '20m',
        alertname: 'RakuToolLatencyP99High',
        exp_alerts: [
          firing(
            { severity: 'warning', tool: 'petstore.get_pet' },
            'Tool petstore.get_pet answers slowly in zone prod (p99 over 3 s).',
            'The 99th percentile of the duration of petstore.get_pet calls is 4.96s over 5m.',
          ),
        ],
      },
      {
        eval_time: '20m',
        alertname: 'RakuBreakerOpen',
        exp_alerts: [
          firing(
            { severity: 'warning', target: 'pack:petstore' },
            'The circuit breaker of pack:petstore is open in zone prod.',
            'For 5 minutes the gateway has refused to forward calls to pack:petstore (or sent them to its fallback) after repeated failures.',
          ),
        ],
      },
      {
        eval_time: '20m',
        alertname: 'RakuTraceWriteFailures',
        exp_alerts: [
          firing(
            { severity: 'warning' },
            'The gateway of zone prod fails to write traces.',
            '5 trace batch writes failed over 5m; the queue fills and drops follow.',
          ),
        ],
      },
      {
        eval_time: '20m',
        alertname: 'RakuApprovalBacklog',
        exp_alerts: [
          firing(
            { severity: 'warning' },
            'More than 20 approvals wait in zone prod.',
            '30 tool calls have waited for an approver for 15 minutes or more; their callers are blocked.',
          ),
        ],
      },
      {
        eval_time: '20m',
        alertname: 'RakuPackServerNotReady',
        exp_alerts: [
          firing(
            { severity: 'critical', deployment: 'petstore-mcp' },
            'Pack server petstore-mcp has no ready replica in zone prod.',
            'For 5 minutes no pod of petstore-mcp passed its readiness probe: its tools fail with no_route or go to their fallback.',
          ),
        ],
      },
    ]);
    expect(r.out).toContain('SUCCESS');
    expect(r.ok).toBe(true);
  });

  it('fire nothing on a healthy zone', () => {
    expect(alertNames()).toHaveLength(9);
    const series: [string, string][] = [
      [`up{${GW}}`, '1x40'],
      [`raku_tool_calls_total{${GW},tool="petstore.get_pet",status="ok"}`, '0+99x40'],
      [`raku_tool_calls_total{${GW},tool="petstore.get_pet",status="error"}`, '0+1x40'],
      [`raku_tool_call_duration_seconds_bucket{${GW},tool="petstore.get_pet",le="1"}`, '0+100x40'],
      [`raku_tool_call_duration_seconds_bucket{${GW},tool="petstore.get_pet",le="+Inf"}`, '0+100x40'],
      [`raku_breaker_state{${GW},target="pack:petstore"}`, '0x40'],
      [`raku_trace_dropped_total{${GW}}`, '0x40'],
      [`raku_trace_write_failures_total{${GW}}`, '0x40'],
      [`raku_approvals_pending{${GW},zone="prod"}`, '3x40'],
      [`raku_process_faults_total{${GW},kind="exception"}`, '0x40'],
      ['kube_deployment_status_replicas_available{namespace="raku",deployment="petstore-mcp"}', '2x40'],
    ];
    const r = runTests(
      'healthy',
      series,
      alertNames().map((alertname) => ({ eval_time: '30m', alertname, exp_alerts: [] })),
    );
    expect(r.out).toContain('SUCCESS');
    expect(r.ok).toBe(true);
  });

  it('promtool test rules fails when an expected alert does not fire (the check can fail)', () => {
    const r = runTests(
      'wrong',
      [[`up{${GW}}`, '1x40']],
      [
        {
          eval_time: '10m',
          alertname: 'RakuGatewayDown',
          exp_alerts: [firing({ severity: 'critical' }, 'x', 'y')],
        },
      ],
    );
    expect(r.ok).toBe(false);
    expect(r.out).toContain('FAILED');
  });
});
