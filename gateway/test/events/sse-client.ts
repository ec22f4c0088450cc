/**
 * A server-sent-events client for tests, over node:http so a test can stop reading the socket (a slow
 * browser) and see every byte: a small parser of the text/event-stream format (events, ids, comments).
 */
import http from 'node:http';

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

export interface SseStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Events so far, in order. */
  events: SseEvent[];
  /** Comment lines so far (': ping' arrives as 'ping'). */
  comments: string[];
  /** The `retry:` hints so far. */
  retries: number[];
  /** Resolves with the first event (from the start) matching, waiting for it if need be. */
  next(match: (event: SseEvent) => boolean): Promise<SseEvent>;
  /** Resolves once a comment matching has arrived. */
  comment(text: string): Promise<void>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  /** The response body of a refused request (JSON error). */
  body(): Promise<string>;
  pause(): void;
  resume(): void;
  close(): void;
}

/** Opens GET `url` with the headers given; resolves once the status line has arrived. */
export function openEventStream(url: string, headers: Record<string, string>): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const events: SseEvent[] = [];
      const comments: string[] = [];
      const retries: number[] = [];
      const waiters = new Set<() => void>();
      const wake = () => {
        for (const w of [...waiters]) w();
      };
      let buffer = '';
      let raw = '';
      let current: Partial<SseEvent> & { data?: string } = {};
      const line = (text: string) => {
        if (text === '') {
          if (current.data !== undefined) {
            events.push({
              ...(current.id !== undefined ? { id: current.id } : {}),
              event: current.event ?? 'message',
              data: current.data,
            });
          }
          current = {};
          return;
        }
        if (text.startsWith(':')) {
          comments.push(text.slice(1).trim());
          return;
        }
        const colon = text.indexOf(':');
        const field = colon < 0 ? text : text.slice(0, colon);
        const value = colon < 0 ? '' : text.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') current.data = current.data === undefined ? value : `${current.data}\n${value}`;
        else if (field === 'id') current.id = value;
        else if (field === 'event') current.event = value;
        else if (field === 'retry') retries.push(Number(value));
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += res.statusCode === 200 ? '' : chunk;
        buffer += chunk;
        let at = buffer.indexOf('\n');
        while (at >= 0) {
          line(buffer.slice(0, at).replace(/\r$/, ''));
          buffer = buffer.slice(at + 1);
          at = buffer.indexOf('\n');
        }
        wake();
      });
      const ended = new Promise<void>((done) => {
        res.on('end', done);
        res.on('close', done);
      });
      const waitFor = <T>(found: () => T | undefined): Promise<T> =>
        new Promise((done, fail) => {
          const check = () => {
            const hit = found();
            if (hit !== undefined) {
              waiters.delete(check);
              done(hit);
            }
          };
          waiters.add(check);
          check();
          void ended.then(() => {
            if (waiters.has(check)) {
              waiters.delete(check);
              fail(new Error('the event stream ended before the awaited event arrived'));
            }
          });
        });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        comments,
        retries,
        next: (match) => waitFor(() => events.find(match)),
        comment: (text) => waitFor(() => (comments.includes(text) ? true : undefined)).then(() => {}),
        ended,
        body: () => ended.then(() => raw),
        pause: () => res.pause(),
        resume: () => res.resume(),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}
