/**
 * Step 1 of the Import view: where the OpenAPI document comes from (a file dropped or chosen, pasted text, or a
 * URL the gateway fetches when its capabilities allow), the optional pack name and base URL, and "Analyse".
 * The file is read in the browser; its text goes to the gateway in the request body.
 */
import { type DragEvent, type FormEvent, useId, useMemo, useState } from 'react';

export type SourceMode = 'file' | 'paste' | 'url';

/** The request's ImportSource (one of document and url). */
export interface SourceInput {
  document?: string;
  url?: string;
  name?: string;
  baseUrl?: string;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function SourceForm(props: {
  fetchUrls: boolean;
  maxDocumentBytes: number;
  busy: boolean;
  onAnalyse(source: SourceInput, bytes: number): void;
}) {
  const id = useId();
  const [mode, setMode] = useState<SourceMode>('file');
  const [file, setFile] = useState<{ name: string; text: string; bytes: number } | null>(null);
  const [pasted, setPasted] = useState('');
  const [url, setUrl] = useState('');
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [dragging, setDragging] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const readFile = async (chosen: File | undefined) => {
    if (!chosen) return;
    setProblem(null);
    if (chosen.size > props.maxDocumentBytes) {
      setFile(null);
      setProblem(
        `${chosen.name} is ${formatBytes(chosen.size)}; the gateway takes documents up to ${formatBytes(props.maxDocumentBytes)}`,
      );
      return;
    }
    setFile({ name: chosen.name, text: await chosen.text(), bytes: chosen.size });
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    void readFile(event.dataTransfer.files[0]);
  };

  const text = mode === 'file' ? (file?.text ?? '') : mode === 'paste' ? pasted : '';
  // Encoding a 12 MB text takes a while: once per pasted text, not on every keystroke in the other fields.
  const pastedBytes = useMemo(() => new TextEncoder().encode(pasted).length, [pasted]);
  const bytes = mode === 'file' ? (file?.bytes ?? 0) : mode === 'paste' ? pastedBytes : 0;
  const ready = mode === 'url' ? url.trim() !== '' : text.trim() !== '';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!ready || props.busy) return;
    if (mode !== 'url' && bytes > props.maxDocumentBytes) {
      setProblem(
        `the document is ${formatBytes(bytes)}; the gateway takes up to ${formatBytes(props.maxDocumentBytes)}`,
      );
      return;
    }
    setProblem(null);
    props.onAnalyse(
      {
        ...(mode === 'url' ? { url: url.trim() } : { document: text }),
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(baseUrl.trim() ? { baseUrl: baseUrl.trim() } : {}),
      },
      mode === 'url' ? 0 : bytes,
    );
  };

  const modes: [SourceMode, string][] = [
    ['file', 'Upload a file'],
    ['paste', 'Paste text'],
    ...(props.fetchUrls ? ([['url', 'From a URL']] as [SourceMode, string][]) : []),
  ];

  return (
    <form className="panel import-source" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="panel-title">
        1. OpenAPI document
      </h2>
      <fieldset className="import-modes">
        <legend>Source</legend>
        {modes.map(([value, label]) => (
          <label key={value} className="import-mode">
            <input
              type="radio"
              name={`${id}-mode`}
              value={value}
              checked={mode === value}
              onChange={() => setMode(value)}
            />
            {label}
          </label>
        ))}
        {props.fetchUrls ? null : (
          <p className="muted small">
            Fetching a URL is off on this gateway (it needs the operator's consent): upload or paste the
            document.
          </p>
        )}
      </fieldset>

      {mode === 'file' ? (
        // The label is the drop target: dropping a file on it is choosing it.
        <label
          className={`field import-drop${dragging ? ' import-drop-active' : ''}`}
          onDragOver={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          OpenAPI or Swagger document (JSON or YAML): choose it, or drop it here
          <input
            type="file"
            accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml"
            onChange={(event) => void readFile(event.target.files?.[0])}
          />
          {file ? (
            <span className="small import-file-chosen">
              {file.name}, {formatBytes(file.bytes)}
            </span>
          ) : null}
        </label>
      ) : mode === 'paste' ? (
        <label className="field">
          OpenAPI or Swagger document (JSON or YAML)
          <textarea
            className="mono import-paste import-wide"
            rows={10}
            value={pasted}
            onChange={(event) => setPasted(event.target.value)}
            spellCheck={false}
          />
        </label>
      ) : (
        <label className="field">
          Document URL (fetched by the gateway)
          <input
            className="import-wide"
            type="url"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
            placeholder="https://"
          />
        </label>
      )}

      <div className="filters import-source-options">
        <label className="field">
          Pack name (optional)
          <input
            value={name}
            onChange={(event) => setName(event.target.value)}
            placeholder="from the document's title"
          />
        </label>
        <label className="field">
          Base URL (optional)
          <input
            type="url"
            value={baseUrl}
            onChange={(event) => setBaseUrl(event.target.value)}
            placeholder="from the document's servers"
          />
        </label>
        <button type="submit" className="button button-primary" disabled={!ready || props.busy}>
          Analyse
        </button>
      </div>
      {problem ? (
        <p className="error-banner" role="alert">
          {problem}
        </p>
      ) : null}
    </form>
  );
}
