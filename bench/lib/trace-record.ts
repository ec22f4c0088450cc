/** One realistic tool-call trace (a GitHub issue listing whose arguments hold a secret-shaped fake token, so
 * redaction has work to do), numbered `i`: the record the trace benchmarks write and publish. */
import type { TraceRecord } from '../../gateway/src/traces/types.ts';

export function trace(i: number): TraceRecord {
  return {
    time: new Date(),
    subject: `agent:bot-${i % 10}`,
    subjectKind: 'agent',
    tool: 'github.list_issues',
    route: 'pack:github-issues',
    target: 'http://github-issues-mcp.raku-dev.svc.cluster.local:8080/mcp',
    decision: 'allow',
    rule: 'default/bindings/0',
    revision: 'a1b2c3d',
    latencyMs: 1.2,
    status: 'ok',
    args: {
      owner: 'acme',
      repo: 'web',
      state: 'open',
      per_page: 30,
      token: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
    },
    result: {
      content: [{ type: 'text', text: `[{"number":${i},"title":"Bug ${i}","user":"ann@example.com"}]` }],
    },
  };
}
