/**
 * Agents (/console/agents): the A2A agents this zone's gateway calls (GET /v1/agents): each agent's card as
 * reviewed against the live one (served, or hidden because it changed or cannot be read), its protocol
 * versions, security scheme names (never a value) and skills, each linking to the catalog's try-it; then the
 * recent agent-to-agent calls from the traces (admins: traces are theirs), with the A2A task state and ids the
 * result carries, live from `trace` events as the Traces view is.
 */
import { useRef } from 'react';
import { api, unwrap, useSession } from '../api.ts';
import { useEvents } from '../events.ts';
import { useLoad } from '../load.ts';
import { administersAny } from '../tenancy.ts';
import { Empty } from '../ui/Empty.tsx';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { Link } from '../ui/Link.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { type Column, Table } from '../ui/Table.tsx';
import { TimeAgo } from '../ui/TimeAgo.tsx';
import { TraceTimeLink } from '../ui/TraceTimeLink.tsx';
import { ViewHeader } from '../ui/ViewHeader.tsx';
import { type Agent, type Agents, a2aNote, cardStatusText, mergeCalls, skillIndex } from './agent-calls.ts';
import type { Trace } from './trace-filters.ts';

/** Recent calls asked per skill, and shown in all. */
const PER_TOOL = 20;
const SHOWN = 50;

export function AgentsView(_props: { params: Record<string, string> }) {
  const session = useSession();
  const agents = useLoad<Agents>(async () => unwrap(await api.GET('/v1/agents')), []);
  const list = agents.data?.agents ?? [];

  return (
    <section className="view">
      <ViewHeader
        title="Agents"
        subtitle={
          agents.data ? (
            <>
              A2A agents of zone <strong>{agents.data.zone}</strong>: their cards, skills and calls.
            </>
          ) : undefined
        }
      />
      <ErrorBanner error={agents.error} onRetry={agents.reload} />
      {agents.data === undefined && agents.loading ? <p className="loading">Loading the agents…</p> : null}
      {agents.data && list.length === 0 ? (
        <Empty title="No A2A agents">
          This zone runs no A2A pack. Import an agent with <span className="mono">raku import a2a</span>.
        </Empty>
      ) : null}
      {list.map((agent) => (
        <AgentCard key={agent.pack} agent={agent} />
      ))}
      {agents.data && list.length > 0 ? (
        administersAny(session) ? (
          <AgentCalls agents={list} />
        ) : (
          <p className="muted">Calls are shown to admins (traces are theirs).</p>
        )
      ) : null}
    </section>
  );
}

function AgentCard({ agent }: { agent: Agent }) {
  const status = cardStatusText(agent);
  const schemes = agent.card?.securitySchemes ?? [];
  return (
    <section className="panel" aria-labelledby={`agent-${agent.pack}`}>
      <h2 id={`agent-${agent.pack}`} className="panel-title">
        {agent.pack} <span className="muted">{agent.version}</span>
      </h2>
      <dl className="details">
        <dt>Card</dt>
        <dd>
          <StatusBadge status={status.badge} label={agent.status} /> {status.text}
          {agent.checkedAt ? (
            <>
              {' '}
              · read <TimeAgo time={agent.checkedAt} />
            </>
          ) : null}
        </dd>
        {agent.cardUrl ? (
          <>
            <dt>Card URL</dt>
            <dd className="mono">{agent.cardUrl}</dd>
          </>
        ) : null}
        {agent.error ? (
          <>
            <dt>Last read</dt>
            <dd>{agent.error}</dd>
          </>
        ) : null}
        <dt>Protocol</dt>
        <dd>{agent.card?.protocolVersions.join(', ') || <span className="muted">unknown</span>}</dd>
        <dt>Authentication</dt>
        <dd>
          {agent.card === null ? (
            <span className="muted">unknown</span>
          ) : schemes.length === 0 ? (
            'none'
          ) : (
            schemes.map((s) => `${s.name} (${s.kind})`).join(', ')
          )}
        </dd>
        <dt>Reviewed hash</dt>
        <dd className="mono">{agent.reviewedSha256.slice(0, 12)}</dd>
        {agent.liveSha256 && agent.liveSha256 !== agent.reviewedSha256 ? (
          <>
            <dt>Live hash</dt>
            <dd className="mono">{agent.liveSha256.slice(0, 12)}</dd>
          </>
        ) : null}
      </dl>
      <Table
        caption={`Skills of ${agent.pack}`}
        columns={[
          {
            header: 'Skill',
            cell: (s) => (
              <Link to={`/catalog/${encodeURIComponent(s.tool)}`}>
                <span className="mono">{s.tool}</span>
                <span className="visually-hidden">: try it</span>
              </Link>
            ),
          },
          { header: 'Title', cell: (s) => s.title ?? <span className="muted">–</span> },
          { header: 'Description', cell: (s) => s.description },
        ]}
        rows={agent.skills}
        rowKey={(s) => s.tool}
      />
    </section>
  );
}

function AgentCalls({ agents }: { agents: readonly Agent[] }) {
  const index = skillIndex(agents);
  const tools = [...index.keys()].sort();
  const key = tools.join(',');
  const fresh = useRef(new Set<string>());
  const calls = useLoad<Trace[]>(async () => {
    const pages = await Promise.all(
      tools.map(async (tool) =>
        unwrap(await api.GET('/v1/traces', { params: { query: { tool, limit: PER_TOOL } } })),
      ),
    );
    return mergeCalls(
      pages.map((p) => p.items),
      SHOWN,
    );
  }, [key]);
  const { setData, reload } = calls;
  useEvents(['trace'], (event) => {
    if (event.type === 'reset') return reload();
    if (!index.has(event.data.tool)) return;
    fresh.current = new Set([event.data.id]);
    setData((rows) => mergeCalls([[event.data], rows ?? []], SHOWN));
  });

  const columns: Column<Trace>[] = [
    {
      header: 'Time',
      kind: 'nowrap',
      cell: (t) => <TraceTimeLink trace={t} />,
    },
    { header: 'Caller', cell: (t) => t.subject },
    { header: 'Agent', cell: (t) => index.get(t.tool)?.pack ?? t.tool },
    { header: 'Skill', cell: (t) => <span className="mono">{index.get(t.tool)?.skill ?? t.tool}</span> },
    { header: 'Status', cell: (t) => <StatusBadge status={t.status} /> },
    {
      header: 'Task',
      cell: (t) => {
        const note = a2aNote(t.result);
        if (!note) return <span className="muted">–</span>;
        return (
          <>
            {note.state ? <StatusBadge status={note.state} /> : null}{' '}
            <span className="mono">{note.taskId ?? 'message'}</span>
            {note.contextId ? <span className="muted"> · context {note.contextId}</span> : null}
          </>
        );
      },
    },
    { header: 'Latency', kind: 'num', cell: (t) => `${Math.round(t.latencyMs)} ms` },
  ];
  const rows = calls.data ?? [];
  return (
    <>
      <h2>Recent calls</h2>
      <ErrorBanner error={calls.error} onRetry={reload} />
      {calls.data === undefined && calls.loading ? <p className="loading">Loading calls…</p> : null}
      {calls.data && rows.length === 0 ? (
        <Empty title="No calls yet">Calls of these agents' skills will appear here as they happen.</Empty>
      ) : null}
      {rows.length > 0 ? (
        <Table
          caption="Agent-to-agent calls, newest first"
          columns={columns}
          rows={rows}
          rowKey={(t) => t.id}
          rowClass={(t) => (fresh.current.has(t.id) ? 'row-new' : undefined)}
        />
      ) : null}
    </>
  );
}
