/** A local HTTP API that keeps request bodies as bytes (multipart, files) and answers by route. */
import type { ServerResponse } from 'node:http';
import {
  type FakeUpstream,
  type RecordedRequest,
  type Route,
  startRecordingUpstream,
} from './fake-upstream.ts';

export type RawRequest = RecordedRequest<Buffer>;
export type RawRoute = Route<Buffer>;
export type RawUpstream = FakeUpstream<Buffer>;

/** Answers with `body` as `contentType`. */
export function send(res: ServerResponse, status: number, contentType: string, body: Buffer | string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** A fake upstream keeping request bodies as bytes. */
export function startRawUpstream(): Promise<RawUpstream> {
  return startRecordingUpstream((bytes) => bytes);
}

/** Parses a multipart/form-data body with the platform's own parser (undici), not ours. */
export async function parseMultipart(req: RawRequest): Promise<FormData> {
  return new Response(new Uint8Array(req.body), {
    headers: { 'content-type': String(req.headers['content-type']) },
  }).formData();
}
