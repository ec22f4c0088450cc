/**
 * The catalog (/console/catalog): every pack of this gateway's bundle with its tools (annotations and the
 * sensitive flag as badges, the HTTP call each makes), the zones of the pipeline that run each pack and at which
 * version, and the third-party servers with each reviewed tool's hash against the live definition. A search box
 * (kept in the URL) filters tools by name, title and description. Non-admins see the tools policy shows them.
 */
import type { Schema } from '@raku/client';
import { api, unwrap } from '../api.ts';
import { useLoad } from '../load.ts';
import { useQueryState } from '../router.ts';
import { Empty } from '../ui/Empty.tsx';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { Link } from '../ui/Link.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { Table } from '../ui/Table.tsx';
import { TimeAgo } from '../ui/TimeAgo.tsx';
import { ToolBadges } from '../ui/ToolBadges.tsx';
import { ViewHeader } from '../ui/ViewHeader.tsx';
import '../ui/catalog.css';

type Catalog = Schema<'Catalog'>;
type CatalogTool = Schema<'CatalogTool'>;
type CatalogRemoteTool = Schema<'CatalogRemoteTool'>;

export function toolPath(name: string): string {
  return `/catalog/${encodeURIComponent(name)}`;
}

function matches(tool: CatalogTool, words: string[]): boolean {
  const text = `${tool.name} ${tool.title ?? ''} ${tool.description}`.toLowerCase();
  return words.every((w) => text.includes(w));
}

export function CatalogView() {
  const [query, setQuery] = useQueryState();
  const search = query.get('q') ?? '';
  const catalog = useLoad<Catalog>(async () => unwrap(await api.GET('/v1/catalog')), []);
  const c = catalog.data;
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  const packs = (c?.packs ?? [])
    .map((p) => ({ ...p, tools: p.tools.filter((t) => matches(t, words)) }))
    .filter((p) => p.tools.length > 0);
  const toolCount = c?.packs.reduce((n, p) => n + p.tools.length, 0) ?? 0;
  const shown = packs.reduce((n, p) => n + p.tools.length, 0);

  return (
    <section className="view">
      <ViewHeader
        title="Catalog"
        subtitle={
          c ? (
            <>
              Zone <strong>{c.zone}</strong> ({c.environment}) · revision{' '}
              <span className="mono">{shortRevision(c.revision)}</span> · {c.packs.length} pack
              {c.packs.length === 1 ? '' : 's'}, {toolCount} tool{toolCount === 1 ? '' : 's'}
            </>
          ) : undefined
        }
      />
      <ErrorBanner error={catalog.error} onRetry={catalog.reload} />
      <search className="filters">
        <label className="field" htmlFor="catalog-search">
          Search tools
          <input
            id="catalog-search"
            type="search"
            value={search}
            placeholder="name or description"
            onChange={(e) => setQuery({ q: e.target.value })}
          />
        </label>
        {c && words.length > 0 ? (
          <p className="muted" role="status">
            {shown} of {toolCount} tools match
          </p>
        ) : null}
      </search>
      {c === undefined && catalog.loading ? <p className="loading">Loading the catalog…</p> : null}
      {c && c.packs.length === 0 ? (
        <Empty title="No tools to show">
          This gateway's bundle has no pack tools, or policy lets you see none of them.
        </Empty>
      ) : null}
      {c && c.packs.length > 0 && packs.length === 0 ? (
        <Empty title="No tool matches the search">Try fewer words.</Empty>
      ) : null}
      {packs.map((pack) => (
        <div className="panel" key={`${pack.name}@${pack.version}`}>
          <h2 className="panel-title">
            {pack.name} <span className="muted">{pack.version}</span>
          </h2>
          <p className="catalog-zones">
            <span className="muted">Zones: </span>
            {pack.zones.length === 0 ? (
              <span className="muted">none in the pipeline</span>
            ) : (
              pack.zones.map((z) => (
                <span key={z.zone} className="badge badge-neutral catalog-zone">
                  {z.zone} · {z.version}
                </span>
              ))
            )}
          </p>
          <Table
            caption={`Tools of ${pack.name}`}
            rows={pack.tools}
            rowKey={(t) => t.name}
            columns={[
              {
                header: 'Tool',
                kind: 'nowrap',
                cell: (t) => (
                  <Link to={toolPath(t.name)} className="mono">
                    {t.name}
                  </Link>
                ),
              },
              { header: 'Description', cell: (t) => t.title ?? firstSentence(t.description) },
              { header: 'Marks', cell: (t) => <ToolBadges tool={t} /> },
              {
                header: 'Calls',
                kind: 'nowrap',
                cell: (t) =>
                  t.source ? (
                    <span className="mono">
                      {t.source.method} {t.source.path}
                    </span>
                  ) : (
                    '—'
                  ),
              },
            ]}
          />
        </div>
      ))}
      {c && c.remotes.length > 0 ? (
        <>
          <h2>Third-party servers</h2>
          <p className="muted">
            Each reviewed tool's committed description hash against its live definition, as the gateway last
            read it. A changed tool is hidden from agents and never called.
          </p>
          {c.remotes.map((remote) => (
            <div className="panel" key={remote.name}>
              <h3 className="panel-title">
                {remote.name} {remote.url ? <span className="muted mono">{remote.url}</span> : null}
              </h3>
              {remote.error ? <p className="error-text">Its tools are not read: {remote.error}</p> : null}
              <Table
                caption={`Reviewed tools of ${remote.name}`}
                rows={remote.tools}
                rowKey={(t) => t.name}
                columns={[
                  {
                    header: 'Tool',
                    kind: 'nowrap',
                    // Exposed under its own name with its reviewed definition live: it has a page and can be tried.
                    cell: (t) =>
                      t.definition && t.servesAs.includes(`${remote.name}.${t.name}`) ? (
                        <Link to={toolPath(`${remote.name}.${t.name}`)} className="mono">
                          {t.name}
                        </Link>
                      ) : (
                        <span className="mono">{t.name}</span>
                      ),
                  },
                  {
                    header: 'Serves as',
                    cell: (t) => <span className="mono">{t.servesAs.join(', ')}</span>,
                  },
                  {
                    header: 'Reviewed hash',
                    cell: (t) => (
                      <span className="mono" title={t.reviewedSha256}>
                        {t.reviewedSha256.slice(0, 12)}…
                      </span>
                    ),
                  },
                  { header: 'Live definition', cell: (t) => <HashStatus tool={t} /> },
                  { header: 'Checked', kind: 'nowrap', cell: (t) => <TimeAgo time={t.checkedAt} /> },
                ]}
              />
            </div>
          ))}
        </>
      ) : null}
    </section>
  );
}

function HashStatus({ tool }: { tool: CatalogRemoteTool }) {
  if (tool.matches === null) return <StatusBadge status="pending" label="not checked yet" />;
  if (tool.matches) return <StatusBadge status="ok" label="matches" />;
  return (
    <>
      <StatusBadge status="error" label={tool.liveSha256 ? 'changed' : 'missing'} />{' '}
      {tool.liveSha256 ? (
        <span className="mono small" title={tool.liveSha256}>
          now {tool.liveSha256.slice(0, 12)}…
        </span>
      ) : null}
    </>
  );
}

function shortRevision(revision: string): string {
  return revision.startsWith('sha256:') ? revision.slice(7, 19) : revision.slice(0, 12);
}

function firstSentence(text: string): string {
  const end = text.search(/[.!?](\s|$)/);
  const sentence = end < 0 ? text : text.slice(0, end + 1);
  return sentence.length > 160 ? `${sentence.slice(0, 157)}…` : sentence;
}
