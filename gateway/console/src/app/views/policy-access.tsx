/**
 * The Access tab: who may call what in the environment, tools (rows) × subjects as the policies name them
 * (columns), from GET /v1/policies/access (accessMatrix, as `raku policy access`). With tenants, the matrix of
 * the chosen tenant: its view of the tools, the organisation's rules and its own (`--tenant`). A cell says allow,
 * approval, conditional or deny; hovering or focusing it shows the rules behind it, and "Simulate" opens the
 * simulator with that subject and tool.
 */
import { useId, useMemo, useState } from 'react';
import { api, unwrap } from '../api.ts';
import { useLoad } from '../load.ts';
import { useNavigate } from '../router.ts';
import { Empty } from '../ui/Empty.tsx';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { type Column, Table } from '../ui/Table.tsx';
import {
  type AccessCell,
  type AccessMatrix,
  type Environment,
  IMPLICIT_TENANT,
  matchesFilter,
} from './policy-types.ts';

const LABEL: Record<AccessCell['access'], string> = {
  allow: 'allow',
  approval: 'approval',
  conditional: 'conditional',
  deny: 'deny',
};

export function AccessTab(props: { environment: Environment; tenant: string; tenanted: boolean }) {
  const { environment, tenant, tenanted } = props;
  const id = useId();
  const navigate = useNavigate();
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<AccessCell>();
  const matrix = useLoad(
    async (signal) =>
      unwrap(
        await api.GET('/v1/policies/access', { params: { query: { environment, tenant } }, signal }),
      ) as AccessMatrix,
    [environment, tenant],
  );
  const data = matrix.data;
  const cells = useMemo(
    () => new Map((data?.cells ?? []).map((c) => [`${c.subject}\u0000${c.tool}`, c])),
    [data],
  );
  if (matrix.error) return <ErrorBanner error={matrix.error} onRetry={matrix.reload} />;
  if (!data) return <p className="loading">Loading…</p>;

  const toolsShown = data.tools.filter((t) => matchesFilter(t, filter));
  const subjectsShown = data.subjects.filter((s) => matchesFilter(s, filter));
  const tools = toolsShown.length > 0 ? toolsShown : data.tools;
  const subjects = subjectsShown.length > 0 ? subjectsShown : data.subjects;
  // `in prod`, or `in prod, tenant support` when the repository has tenants.
  const where = tenanted ? `${data.environment}, tenant ${data.tenant}` : data.environment;

  const columns: Column<string>[] = [
    { header: 'Tool', kind: 'nowrap', cell: (tool) => <code>{tool}</code> },
    ...subjects.map(
      (subject): Column<string> => ({
        header: subject,
        kind: 'nowrap',
        cell: (tool) => {
          const cell = cells.get(`${subject}\u0000${tool}`);
          if (!cell)
            return (
              <span className="access-none" title={`No binding grants ${tool} to ${subject}`}>
                <span aria-hidden="true">—</span>
                <span className="visually-hidden">no access</span>
              </span>
            );
          return (
            <button
              type="button"
              className={`access-cell access-${cell.access}`}
              aria-describedby={`${id}-detail`}
              aria-pressed={selected === cell}
              aria-label={`${subject}, ${tool}: ${LABEL[cell.access]}`}
              title={`${cell.summary} (${cell.rule})`}
              onFocus={() => setSelected(cell)}
              onMouseEnter={() => setSelected(cell)}
              onClick={() => setSelected(cell)}
            >
              {LABEL[cell.access]}
            </button>
          );
        },
      }),
    ),
  ];

  return (
    <div className="access">
      <div className="filters">
        <label className="field" htmlFor={`${id}-filter`}>
          Filter tools or subjects
          <input
            id={`${id}-filter`}
            type="search"
            value={filter}
            placeholder="github, group:…"
            onChange={(event) => setFilter(event.target.value)}
          />
        </label>
        <p className="muted small access-legend">
          <span className="access-cell access-allow">allow</span> always ·{' '}
          <span className="access-cell access-approval">approval</span> after an approval ·{' '}
          <span className="access-cell access-conditional">conditional</span> when conditions hold ·{' '}
          <span className="access-cell access-deny">deny</span> granted but denied · — no binding
        </p>
      </div>
      {data.subjects.length === 0 ? (
        <Empty title={`Nobody may call any tool in ${where}`}>
          {tenanted
            ? 'No binding of the organisation’s policies or of this tenant’s applies here.'
            : 'No binding of the policies applies in this environment.'}
        </Empty>
      ) : (
        <div className="access-layout">
          <Table
            caption={`Access in ${where}: tools by subject`}
            columns={columns}
            rows={tools}
            rowKey={(t) => t}
          />
          <aside className="panel access-detail" id={`${id}-detail`} aria-live="polite">
            {selected ? (
              <>
                <h2 className="panel-title">
                  <code>{selected.subject}</code> → <code>{selected.tool}</code>
                </h2>
                <p>
                  <span className={`access-cell access-${selected.access}`}>{LABEL[selected.access]}</span>{' '}
                  {selected.summary}
                </p>
                <dl className="details">
                  <dt>Granted by</dt>
                  <dd>
                    {selected.grants.length === 0
                      ? '—'
                      : selected.grants.map((g) => (
                          <div key={g.rule}>
                            <code>{g.rule}</code> (role {g.role})
                            {g.conditions.length > 0 ? ` if ${g.conditions.join(' and ')}` : ''}
                          </div>
                        ))}
                  </dd>
                  <dt>Denies that cut in</dt>
                  <dd>
                    {selected.denies.length === 0
                      ? '—'
                      : selected.denies.map((d) => (
                          <div key={d.rule}>
                            <code>{d.rule}</code> for {d.subjects.join(', ')}
                            {d.conditions.length > 0 ? ` if ${d.conditions.join(' and ')}` : ''}
                          </div>
                        ))}
                  </dd>
                  <dt>Approval</dt>
                  <dd>{selected.approval ?? '—'}</dd>
                </dl>
                <button
                  type="button"
                  className="button button-small"
                  onClick={() =>
                    navigate(
                      `/policies?${new URLSearchParams({
                        tab: 'simulator',
                        env: data.environment,
                        ...(data.tenant === IMPLICIT_TENANT ? {} : { tenant: data.tenant }),
                        subject: selected.subject,
                        tool: selected.tool,
                      })}`,
                    )
                  }
                >
                  Simulate this call
                </button>
              </>
            ) : (
              <p className="muted">Point at or focus a cell to see the rules behind it.</p>
            )}
          </aside>
        </div>
      )}
    </div>
  );
}
