/**
 * The Simulator tab: a caller (id, kind, groups, claims), a tool, its arguments and a time → POST
 * /v1/policies/simulate: the decision the gateway would make, the deciding rule, and every rule of the
 * environment that matched or failed, with the reason. Nothing is called. `?subject=&tool=` in the query
 * (from the Access tab) prefill the form. With tenants, the call is made in the tenant chosen in the header,
 * over its view of the tools (as `raku policy check --tenant`); another tenant's rules are listed as not
 * applying, and each rule says its tenant.
 */
import { type FormEvent, useId, useState } from 'react';
import { api, errorMessage, unwrap } from '../api.ts';
import { useQueryState } from '../router.ts';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { Link } from '../ui/Link.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { type Column, Table } from '../ui/Table.tsx';
import {
  callerFor,
  type DecisionTrace,
  type Environment,
  fileLine,
  type PolicyOverview,
  parseGroups,
  parseObject,
  ruleTenantLabel,
  type Simulation,
} from './policy-types.ts';

type Rule = DecisionTrace['rules'][number];

const KIND_LABEL: Record<Rule['kind'], string> = {
  deny: 'deny',
  allow: 'binding',
  approval: 'approval',
  rateLimit: 'rate limit',
};

export function SimulatorTab(props: {
  environment: Environment;
  tenant: string;
  tenanted: boolean;
  overview: PolicyOverview | undefined;
}) {
  const { environment, tenant, tenanted, overview } = props;
  const id = useId();
  const [query] = useQueryState();
  const [initial] = useState(() => callerFor(query.get('subject') ?? 'user:someone'));
  const [subjectId, setSubjectId] = useState(initial.id);
  const [kind, setKind] = useState<Simulation['subject']['kind']>(initial.kind);
  const [groups, setGroups] = useState(initial.groups.join(', '));
  const [claims, setClaims] = useState('{}');
  const [tool, setTool] = useState(query.get('tool') ?? '');
  const [args, setArgs] = useState('{}');
  const [time, setTime] = useState('');
  const [problem, setProblem] = useState<string>();
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<DecisionTrace>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const claimsValue = parseObject(claims, 'Claims');
    const argsValue = parseObject(args, 'Arguments');
    if (!claimsValue.ok || !argsValue.ok) {
      setProblem(!claimsValue.ok ? claimsValue.message : !argsValue.ok ? argsValue.message : undefined);
      return;
    }
    const body: Simulation = {
      subject: { id: subjectId, kind, groups: parseGroups(groups), claims: claimsValue.value },
      tool: tool.trim(),
      arguments: argsValue.value,
      environment,
      tenant,
      ...(time.trim() ? { time: time.trim() } : {}),
    };
    setRunning(true);
    setProblem(undefined);
    try {
      setResult(unwrap(await api.POST('/v1/policies/simulate', { body })) as DecisionTrace);
    } catch (error) {
      setResult(undefined);
      setProblem(errorMessage(error));
    } finally {
      setRunning(false);
    }
  };

  const decision = result?.decision;
  const applies = new Set([decision?.rule, decision?.approval?.rule, decision?.rateLimit?.rule]);
  const columns: Column<Rule>[] = [
    { header: 'Kind', kind: 'nowrap', cell: (r) => KIND_LABEL[r.kind] },
    {
      header: 'Rule',
      cell: (r) => (
        <>
          <code>{r.id}</code>
          {r.id === decision?.rule ? (
            <>
              {' '}
              <span className="badge badge-neutral">deciding rule</span>
            </>
          ) : null}
        </>
      ),
    },
    ...(tenanted
      ? [
          {
            header: 'Tenant',
            kind: 'nowrap',
            cell: (r: Rule) => ruleTenantLabel(r.tenant),
          } satisfies Column<Rule>,
        ]
      : []),
    {
      header: 'Defined at',
      kind: 'nowrap',
      cell: (r) => <RuleLink rule={r} environment={environment} />,
    },
    {
      header: 'Result',
      kind: 'nowrap',
      cell: (r) =>
        r.matched ? (
          <StatusBadge status="ok" label="matched" />
        ) : (
          <StatusBadge status="neutral" label="no match" />
        ),
    },
    { header: 'Why', cell: (r) => r.reason },
  ];

  return (
    <div className="simulator">
      <form className="panel simulator-form" onSubmit={submit} aria-label="Simulate a call">
        <fieldset>
          <legend>Caller</legend>
          <div className="filters">
            <label className="field" htmlFor={`${id}-kind`}>
              Kind
              <select
                id={`${id}-kind`}
                value={kind}
                onChange={(event) => setKind(event.target.value as Simulation['subject']['kind'])}
              >
                <option value="user">user</option>
                <option value="agent">agent</option>
                <option value="service">service</option>
                <option value="anonymous">anonymous</option>
              </select>
            </label>
            <label className="field" htmlFor={`${id}-subject`}>
              Subject id
              <input
                id={`${id}-subject`}
                required
                maxLength={256}
                value={subjectId}
                onChange={(event) => setSubjectId(event.target.value)}
              />
            </label>
            <label className="field" htmlFor={`${id}-groups`}>
              Groups (comma-separated)
              <input
                id={`${id}-groups`}
                value={groups}
                placeholder="engineering, maintainers"
                onChange={(event) => setGroups(event.target.value)}
              />
            </label>
          </div>
          <label className="field" htmlFor={`${id}-claims`}>
            Claims (JSON object, read as claims.&lt;name&gt;)
            <textarea
              id={`${id}-claims`}
              className="mono"
              rows={2}
              spellCheck={false}
              value={claims}
              onChange={(event) => setClaims(event.target.value)}
            />
          </label>
        </fieldset>
        <fieldset>
          <legend>
            Call in {environment}
            {tenanted ? `, tenant ${tenant}` : ''}
          </legend>
          <div className="filters">
            <label className="field" htmlFor={`${id}-tool`}>
              Tool
              <input
                id={`${id}-tool`}
                required
                list={`${id}-tools`}
                value={tool}
                placeholder="github.close_issue"
                onChange={(event) => setTool(event.target.value)}
              />
              <datalist id={`${id}-tools`}>
                {(overview?.tools ?? []).map((t) => (
                  <option key={t} value={t} />
                ))}
              </datalist>
            </label>
            <label className="field" htmlFor={`${id}-time`}>
              Time (UTC; empty: now)
              <input
                id={`${id}-time`}
                value={time}
                placeholder="2026-12-04T03:00:00Z"
                onChange={(event) => setTime(event.target.value)}
              />
            </label>
          </div>
          <label className="field" htmlFor={`${id}-args`}>
            Arguments (JSON object, read as args.&lt;path&gt;)
            <textarea
              id={`${id}-args`}
              className="mono"
              rows={3}
              spellCheck={false}
              value={args}
              onChange={(event) => setArgs(event.target.value)}
            />
          </label>
        </fieldset>
        <div className="filter-actions">
          <button type="submit" className="button button-primary" disabled={running}>
            {running ? 'Deciding…' : 'Decide'}
          </button>
        </div>
      </form>
      <ErrorBanner error={problem} />
      {result && decision ? (
        <section className="decision" aria-label="Decision">
          <h2>
            <StatusBadge status={decision.allowed ? 'allowed' : 'denied'} />{' '}
            {decision.allowed ? 'Allowed' : 'Denied'} by <code>{decision.rule}</code>
          </h2>
          <p className="decision-reason">{decision.reason}</p>
          {decision.approval ? (
            <p>
              Needs an approval: <code>{decision.approval.rule}</code> by{' '}
              {decision.approval.approvers.join(', ')} within {decision.approval.timeoutSeconds}s.
            </p>
          ) : null}
          {decision.rateLimit ? (
            <p>
              Counts against <code>{decision.rateLimit.rule}</code>: {decision.rateLimit.limit} calls per{' '}
              {decision.rateLimit.windowSeconds}s.
            </p>
          ) : null}
          <p className="muted small">
            Decided at {result.time} in {result.environment}
            {tenanted ? `, as a call made in tenant ${result.tenant}` : ''}; policies{' '}
            {result.source === 'repository' ? 'from the config repository' : 'from the bundle'}
            {result.revision ? ` at ${result.revision}` : ''}. The same engine as the gateway and{' '}
            <code>raku policy check{tenanted ? ' --tenant' : ''}</code>.
          </p>
          <Table
            caption="Every rule of the environment, in decision order"
            showCaption
            columns={columns}
            rows={result.rules}
            rowKey={(r) => r.id}
            rowClass={(r) =>
              r.id === decision.rule ? 'row-deciding' : applies.has(r.id) ? 'row-applies' : undefined
            }
          />
        </section>
      ) : null}
    </div>
  );
}

function RuleLink({ rule, environment }: { rule: Rule; environment: string }) {
  const query = new URLSearchParams({ tab: 'edit', env: environment, file: rule.file });
  if (rule.line !== null) query.set('line', String(rule.line));
  return (
    <Link to={`/policies?${query}`} className="mono">
      {fileLine(rule)}
    </Link>
  );
}
