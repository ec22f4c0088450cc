/**
 * The Rules tab: roles with their tool patterns, then the rules of the environment grouped by kind (bindings,
 * denies, approvals, rate limits), in decision order, each with its file:line. A file:line opens the file in
 * the Edit tab at that line. With tenants, each rule says where it applies: the organisation (every tenant) or
 * its policy's tenant only.
 */
import type { ReactNode } from 'react';
import { Empty } from '../ui/Empty.tsx';
import { Link } from '../ui/Link.tsx';
import { type Column, Table } from '../ui/Table.tsx';
import { fileLine, type PolicyOverview, ruleTenantLabel } from './policy-types.ts';

type Located = { file: string; line: number | null; tenant: string | null };

function Source({ rule, environment }: { rule: Located; environment: string }) {
  const query = new URLSearchParams({ tab: 'edit', env: environment, file: rule.file });
  if (rule.line !== null) query.set('line', String(rule.line));
  return (
    <Link to={`/policies?${query}`} className="mono" title={`Open ${rule.file} in the Edit tab`}>
      {fileLine(rule)}
    </Link>
  );
}

const list = (items: readonly string[]) => (
  <ul className="chips">
    {items.map((item) => (
      <li key={item}>
        <code>{item}</code>
      </li>
    ))}
  </ul>
);

const conditions = (items: readonly string[]) =>
  items.length === 0 ? (
    <span className="muted">always</span>
  ) : (
    <ul className="conditions">
      {items.map((c) => (
        <li key={c}>
          <code>{c}</code>
        </li>
      ))}
    </ul>
  );

function Group<T>(props: {
  title: string;
  what: string;
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey(row: T): string;
  empty: ReactNode;
}) {
  return (
    <section className="rule-group" aria-label={props.title}>
      <h2>
        {props.title} <span className="count">({props.rows.length})</span>
      </h2>
      <p className="muted small">{props.what}</p>
      {props.rows.length === 0 ? (
        <Empty title={`No ${props.title.toLowerCase()} in this environment`}>{props.empty}</Empty>
      ) : (
        <Table caption={props.title} columns={props.columns} rows={props.rows} rowKey={props.rowKey} />
      )}
    </section>
  );
}

export function RulesTab({ overview, tenanted }: { overview: PolicyOverview; tenanted: boolean }) {
  const env = overview.environment;
  // Columns for every kind of rule: `cell` reads only tenant, file and line. The tenant only with tenants.
  const at = (): Column<Located>[] => [
    ...(tenanted
      ? [
          {
            header: 'Applies in',
            kind: 'nowrap',
            cell: (r: Located) =>
              r.tenant === null ? (
                <span className="muted">every tenant</span>
              ) : (
                <>tenant {ruleTenantLabel(r.tenant)}</>
              ),
          } satisfies Column<Located>,
        ]
      : []),
    {
      header: 'Defined at',
      kind: 'nowrap',
      cell: (r) => <Source rule={r} environment={env} />,
    },
  ];
  return (
    <div className="rules">
      {tenanted ? (
        <p className="muted small">
          A rule of an organisation-wide policy applies to every call; a rule of a tenant’s policy only to
          calls made in that tenant, and the organisation’s denies win over it. The Access and Simulator tabs
          act in tenant {overview.tenant}.
        </p>
      ) : null}
      <Group<PolicyOverview['roles'][number]>
        title="Roles"
        what="Named sets of tool patterns; bindings grant them to subjects."
        rows={overview.roles}
        rowKey={(r) => `${r.policy}/${r.name}`}
        empty="Roles are defined under roles: in a policy file."
        columns={[
          {
            header: 'Role',
            cell: (r) => (
              <>
                <strong>{r.name}</strong>
                {r.description ? <div className="muted small">{r.description}</div> : null}
              </>
            ),
          },
          { header: 'Policy', cell: (r) => r.policy },
          { header: 'Tool patterns', cell: (r) => list(r.tools) },
          ...at(),
        ]}
      />
      <Group<PolicyOverview['denies'][number]>
        title="Denies"
        what="Checked first: the first deny naming the caller and the tool, with conditions not known to be false, denies the call."
        rows={overview.denies}
        rowKey={(r) => r.id}
        empty="Nothing is denied explicitly here; calls no binding allows are still denied."
        columns={[
          {
            header: 'Rule',
            cell: (r) => (
              <>
                <code>{r.id}</code>
                {r.description ? <div className="muted small">{r.description}</div> : null}
              </>
            ),
          },
          { header: 'Subjects', cell: (r) => list(r.subjects) },
          { header: 'Tools', cell: (r) => list(r.tools) },
          { header: 'When', cell: (r) => conditions(r.conditions) },
          ...at(),
        ]}
      />
      <Group<PolicyOverview['allows'][number]>
        title="Bindings"
        what="Then the first binding naming the caller and the tool, with all its conditions true, allows the call. Nothing else is allowed."
        rows={overview.allows}
        rowKey={(r) => r.id}
        empty="No binding applies here: every call is denied."
        columns={[
          { header: 'Rule', cell: (r) => <code>{r.id}</code> },
          { header: 'Role', cell: (r) => r.role },
          { header: 'Subjects', cell: (r) => list(r.subjects) },
          { header: 'Tools (of the role)', cell: (r) => list(r.tools) },
          { header: 'When', cell: (r) => conditions(r.conditions) },
          ...at(),
        ]}
      />
      <Group<PolicyOverview['approvals'][number]>
        title="Approvals"
        what="An allowed call to a covered tool waits for one of the approvers (the first matching rule)."
        rows={overview.approvals}
        rowKey={(r) => r.id}
        empty="No tool needs an approval here."
        columns={[
          { header: 'Rule', cell: (r) => <code>{r.id}</code> },
          { header: 'Tools', cell: (r) => list(r.tools) },
          { header: 'Approvers', cell: (r) => list(r.approvers) },
          { header: 'Timeout', kind: 'num', cell: (r) => `${r.timeoutSeconds}s` },
          ...at(),
        ]}
      />
      <Group<PolicyOverview['rateLimits'][number]>
        title="Rate limits"
        what="An allowed call counts against the first limit naming the caller and the tool."
        rows={overview.rateLimits}
        rowKey={(r) => r.id}
        empty="No rate limit applies here."
        columns={[
          { header: 'Rule', cell: (r) => <code>{r.id}</code> },
          { header: 'Subjects', cell: (r) => list(r.subjects) },
          { header: 'Tools', cell: (r) => list(r.tools) },
          {
            header: 'Limit',
            kind: 'num',
            cell: (r) => `${r.limit} per ${r.windowSeconds}s`,
          },
          ...at(),
        ]}
      />
    </div>
  );
}
