/**
 * One tool of the catalog (/console/catalog/:tool): its description, marks, the HTTP call it makes, its input
 * schema as a form (../views/schema-form.ts) and as JSON, its output schema, and Try it: the call runs as the
 * signed-in subject through the gateway's pipeline (POST /v1/tools/{tool}/call: policy, approval, rate limit,
 * routing, trace). The result's content is shown (text, JSON pretty-printed, images, embedded resources) with
 * a link to its trace once stored (admins); a call waiting for approval shows its job, followed live.
 */
import type { Schema } from '@raku/client';
import { useEffect, useMemo, useState } from 'react';
import { api, errorMessage, unwrap, useSession } from '../api.ts';
import { useEvents } from '../events.ts';
import { useLoad } from '../load.ts';
import { readsOwnTraces } from '../tenancy.ts';
import { Empty } from '../ui/Empty.tsx';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { Link } from '../ui/Link.tsx';
import { SchemaForm } from '../ui/SchemaForm.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { ToolBadges } from '../ui/ToolBadges.tsx';
import { ViewHeader } from '../ui/ViewHeader.tsx';
import '../ui/catalog.css';
import { findTool, type Origin } from './catalog-tools.ts';
import {
  buildArguments,
  defaultsOf,
  type FieldError,
  type FormValues,
  formModel,
  valuesOf,
} from './schema-form.ts';

type Catalog = Schema<'Catalog'>;
type CatalogTool = Schema<'CatalogTool'>;
type ToolCallOutcome = Schema<'ToolCallOutcome'>;
type CallToolResult = Schema<'CallToolResult'>;
type Job = Schema<'Job'>;

export function ToolView({ params }: { params: Record<string, string> }) {
  const name = params['tool'] ?? '';
  const catalog = useLoad<Catalog>(async () => unwrap(await api.GET('/v1/catalog')), []);
  const found = useMemo(
    () => (catalog.data ? findTool(catalog.data, name) : undefined),
    [catalog.data, name],
  );

  return (
    <section className="view">
      <p className="breadcrumb">
        <Link to="/catalog">← Catalog</Link>
      </p>
      <ViewHeader
        title={found?.tool.title ?? name}
        subtitle={
          found ? (
            <>
              {found.tool.title ? <span className="mono">{name} · </span> : null}
              {found.origin.kind === 'pack'
                ? `pack ${found.origin.pack.name} ${found.origin.pack.version}`
                : `third-party server ${found.origin.remote.name}`}
            </>
          ) : undefined
        }
      />
      <ErrorBanner error={catalog.error} onRetry={catalog.reload} />
      {catalog.data === undefined && catalog.loading ? <p className="loading">Loading the tool…</p> : null}
      {catalog.data && !found ? (
        <Empty title={`No tool named ${name}`}>
          This gateway's catalog has no such tool, policy does not let you see it, or it is a third-party tool
          whose live definition is not the reviewed one. <Link to="/catalog">Back to the catalog</Link>.
        </Empty>
      ) : null}
      {found ? <ToolDetail tool={found.tool} origin={found.origin} /> : null}
    </section>
  );
}

function ToolDetail({ tool, origin }: { tool: CatalogTool; origin: Origin }) {
  return (
    <>
      <div className="panel">
        <p className="tool-description">{tool.description}</p>
        <dl className="details">
          <dt>Marks</dt>
          <dd>
            <ToolBadges tool={tool} />
            {!tool.sensitive && !tool.annotations ? <span className="muted">none</span> : null}
          </dd>
          <dt>Source operation</dt>
          <dd>
            {origin.kind === 'remote' ? (
              <>
                <span className="mono">{origin.reviewed.name}</span> on the third-party MCP server{' '}
                <span className="mono">{origin.remote.url}</span>{' '}
                <span className="muted">(its live definition matches the reviewed hash)</span>
              </>
            ) : tool.source ? (
              <>
                <span className="mono">
                  {tool.source.method} {tool.source.path}
                </span>{' '}
                <span className="muted">
                  {tool.source.operationId
                    ? `(operation ${tool.source.operationId})`
                    : '(the HTTP call the pack makes; the bundle does not record the OpenAPI operation id)'}
                </span>
              </>
            ) : (
              <span className="muted">unknown</span>
            )}
          </dd>
          {origin.kind === 'pack' ? (
            <>
              <dt>Tool in the pack</dt>
              <dd className="mono">{tool.tool}</dd>
              <dt>Zones</dt>
              <dd>
                {origin.pack.zones.length === 0
                  ? 'none in the pipeline'
                  : origin.pack.zones.map((z) => `${z.zone} ${z.version}`).join(' · ')}
              </dd>
            </>
          ) : null}
          <dt>{origin.kind === 'pack' ? 'Content hash' : 'Reviewed hash'}</dt>
          <dd className="mono">{tool.contentHash}</dd>
        </dl>
      </div>
      <TryIt tool={tool} />
      <div className="panel">
        <h2 className="panel-title">Input schema</h2>
        <JsonBlock label="Input schema" value={tool.inputSchema} />
        <h2>Output schema</h2>
        {tool.outputSchema ? (
          <JsonBlock label="Output schema" value={tool.outputSchema} />
        ) : (
          <p className="muted">None declared: the result is the upstream answer as content.</p>
        )}
      </div>
    </>
  );
}

function TryIt({ tool }: { tool: CatalogTool }) {
  const model = useMemo(() => formModel(tool.inputSchema), [tool.inputSchema]);
  const [values, setValues] = useState<FormValues>(() => valuesOf(model, defaultsOf(tool.inputSchema)));
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [calling, setCalling] = useState(false);
  const [outcome, setOutcome] = useState<ToolCallOutcome>();
  const [failure, setFailure] = useState<string>();
  const built = buildArguments(model, values);

  const submit = async () => {
    if (!built.ok) {
      setErrors(built.errors);
      document
        .getElementById(built.errors[0]!.id === '$json' ? 'arg-root-json' : built.errors[0]!.id)
        ?.focus();
      return;
    }
    setErrors([]);
    setCalling(true);
    setFailure(undefined);
    setOutcome(undefined);
    try {
      setOutcome(
        unwrap(
          await api.POST('/v1/tools/{tool}/call', {
            params: { path: { tool: tool.name } },
            body: { arguments: built.arguments },
          }),
        ),
      );
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setCalling(false);
    }
  };

  return (
    <div className="panel">
      <h2 className="panel-title">Try it</h2>
      <p className="muted">
        Calls the tool as you, through this gateway's policy, approvals, rate limits and routing, as an
        agent's call would be; it is traced.
        {tool.sensitive ? ' This tool is sensitive: the call waits for an approver.' : ''}
      </p>
      <form
        className="try-it"
        aria-label={`Arguments of ${tool.name}`}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
        noValidate
      >
        <div className="try-it-grid">
          <div className="schema-form">
            <SchemaForm
              model={model}
              values={values}
              errors={errors}
              onChange={(id, value) => setValues((v) => ({ ...v, [id]: value }))}
            />
          </div>
          <div>
            <h3 className="try-it-preview-title">Arguments as sent</h3>
            <ScrollBlock
              label="Arguments as sent"
              className="json try-it-preview"
              text={built.ok ? JSON.stringify(built.arguments, null, 2) : '(fix the fields marked)'}
            />
          </div>
        </div>
        <p>
          <button type="submit" className="button button-primary" disabled={calling}>
            {calling ? 'Calling…' : `Call ${tool.name}`}
          </button>
        </p>
      </form>
      <ErrorBanner error={failure} />
      {outcome ? <Outcome outcome={outcome} /> : null}
    </div>
  );
}

function Outcome({ outcome }: { outcome: ToolCallOutcome }) {
  const structured = outcome.result.structuredContent as Record<string, unknown> | undefined;
  const pendingJob =
    structured?.['status'] === 'pending' && typeof structured['jobId'] === 'string'
      ? { jobId: structured['jobId'], approvalId: String(structured['approvalId'] ?? '') }
      : undefined;
  return (
    <section className="try-it-result" aria-labelledby="try-it-result-title">
      <h3 id="try-it-result-title">
        Result{' '}
        {pendingJob ? (
          <StatusBadge status="pending" label="waiting for approval" />
        ) : outcome.result.isError ? (
          <StatusBadge status="error" />
        ) : (
          <StatusBadge status="ok" />
        )}
      </h3>
      <ResultContent result={outcome.result} />
      {pendingJob ? <PendingJob {...pendingJob} /> : null}
      {outcome.traceId ? <TraceLink id={outcome.traceId} /> : null}
    </section>
  );
}

/** The link to the call's trace (the gateway writes it before answering); only admins (of its tenant) read it. */
function TraceLink({ id }: { id: string }) {
  const session = useSession();
  if (!readsOwnTraces(session)) {
    return (
      <p className="muted">
        Trace <span className="mono">{id}</span> (traces are shown to admins).
      </p>
    );
  }
  return (
    <p>
      <Link to={`/traces/${id}`}>View the trace of this call</Link>{' '}
      <span className="muted mono small">{id}</span>
    </p>
  );
}

/** A call parked for approval: its job, followed live until it runs (or is rejected). */
function PendingJob({ jobId, approvalId }: { jobId: string; approvalId: string }) {
  const [job, setJob] = useState<Job>();
  useEffect(() => {
    const controller = new AbortController();
    api
      .GET('/v1/jobs/{id}', { params: { path: { id: jobId } }, signal: controller.signal })
      .then((r) => r.data && setJob(r.data))
      .catch(() => undefined);
    return () => controller.abort();
  }, [jobId]);
  useEvents(['job'], (event) => {
    if (event.type === 'job' && event.data.id === jobId) setJob(event.data);
  });
  const status = job?.status ?? 'waiting_approval';
  return (
    <div className="try-it-job">
      <p>
        Approval <span className="mono">{approvalId}</span>: the call runs as job{' '}
        <span className="mono">{jobId}</span> once an approver allows it.{' '}
        <StatusBadge
          status={status.replace('waiting_approval', 'waiting')}
          label={status.replace('_', ' ')}
        />
      </p>
      <p>
        <Link to="/approvals">Approvals</Link> · <Link to="/jobs">Jobs</Link>
      </p>
      {job?.result ? (
        <>
          <h4>Result of the job</h4>
          <ResultContent result={job.result as CallToolResult} />
        </>
      ) : null}
    </div>
  );
}

/** Content items as an agent gets them: text (JSON pretty-printed), images, embedded resources, links. */
function ResultContent({ result }: { result: CallToolResult }) {
  const content = Array.isArray(result.content) ? result.content : [];
  return (
    <div className="try-it-content">
      {content.length === 0 ? <p className="muted">No content.</p> : null}
      {content.map((item, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: content items have no identity but their place
        <ContentItem key={i} item={item as Record<string, unknown>} />
      ))}
      {result.structuredContent ? (
        <details>
          <summary>Structured content</summary>
          <JsonBlock label="Structured content" value={result.structuredContent} />
        </details>
      ) : null}
    </div>
  );
}

function ContentItem({ item }: { item: Record<string, unknown> }) {
  const type = String(item['type'] ?? 'unknown');
  if (type === 'text') return <TextBlock text={String(item['text'] ?? '')} />;
  if (type === 'image' && typeof item['data'] === 'string' && isImageType(item['mimeType'])) {
    return (
      <img
        className="try-it-image"
        alt={`Result of the call (${String(item['mimeType'])})`}
        src={`data:${item['mimeType']};base64,${item['data']}`}
      />
    );
  }
  if (type === 'resource' && typeof item['resource'] === 'object' && item['resource'] !== null) {
    const resource = item['resource'] as Record<string, unknown>;
    return (
      <div className="try-it-resource">
        <p className="muted">
          Resource <span className="mono">{String(resource['uri'] ?? '')}</span>
          {resource['mimeType'] ? ` (${String(resource['mimeType'])})` : ''}
        </p>
        {typeof resource['text'] === 'string' ? (
          <TextBlock text={resource['text']} />
        ) : (
          <p className="muted">Binary content, {String(resource['blob'] ?? '').length} base64 characters.</p>
        )}
      </div>
    );
  }
  if (type === 'resource_link') {
    return (
      <p>
        Resource link <span className="mono">{String(item['uri'] ?? '')}</span>
        {item['name'] ? ` (${String(item['name'])})` : ''}
      </p>
    );
  }
  return <JsonBlock label={`Content of type ${type}`} value={item} />;
}

function TextBlock({ text }: { text: string }) {
  const pretty = useMemo(() => {
    const t = text.trim();
    if (!(t.startsWith('{') || t.startsWith('['))) return null;
    try {
      return JSON.stringify(JSON.parse(t), null, 2);
    } catch {
      return null;
    }
  }, [text]);
  return (
    <ScrollBlock
      label="Text content"
      text={pretty ?? text}
      className={pretty ? 'json' : 'json try-it-text'}
    />
  );
}

/** Image types a browser shows safely from a data: URL (no SVG: it can carry scripts). */
function isImageType(type: unknown): boolean {
  return typeof type === 'string' && /^image\/(png|jpeg|gif|webp|avif|bmp)$/.test(type);
}

/** JSON, pretty-printed, in a block keyboard users can focus and scroll (it is cut at 480 px high). */
function JsonBlock({ label, value }: { label: string; value: unknown }) {
  return <ScrollBlock label={label} text={JSON.stringify(value, null, 2)} />;
}

/** A block that may scroll: named for screen readers and reachable by keyboard, as TraceDetail's are. */
function ScrollBlock({ label, text, className }: { label: string; text: string; className?: string }) {
  return (
    <section aria-label={label}>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable block must be reachable by keyboard */}
      <pre className={className ?? 'json'} tabIndex={0}>
        {text}
      </pre>
    </section>
  );
}
