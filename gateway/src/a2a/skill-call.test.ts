import { Role } from '@a2a-js/sdk';
import { describe, expect, it } from 'vitest';
import { answerOf, IS_ERROR_METADATA, TRACE_ID_METADATA } from './skill-call.ts';

const ids = { messageId: 'm1', contextId: 'c1', traceId: 't1' };

describe('answerOf', () => {
  it('turns text, binary content and structured content into parts, in order', () => {
    const message = answerOf(
      {
        content: [
          { type: 'text', text: 'hello' },
          { type: 'image', data: Buffer.from('png!').toString('base64'), mimeType: 'image/png' },
          {
            type: 'resource',
            resource: { uri: 'https://api.test/r.pdf', mimeType: 'application/pdf', blob: 'UERG' },
          },
        ],
        structuredContent: { id: 'w1' },
      },
      ids,
    );
    expect(message.role).toBe(Role.ROLE_AGENT);
    expect(message.contextId).toBe('c1');
    expect(message.parts.map((p) => [p.content?.$case, p.mediaType, p.filename])).toEqual([
      ['text', 'text/plain', ''],
      ['raw', 'image/png', ''],
      ['raw', 'application/pdf', 'https://api.test/r.pdf'],
      ['data', 'application/json', ''],
    ]);
    const image = message.parts[1]?.content;
    expect(image?.$case === 'raw' && image.value.toString()).toBe('png!');
    expect(message.metadata).toEqual({ [IS_ERROR_METADATA]: false, [TRACE_ID_METADATA]: 't1' });
  });

  it('marks a failed or refused call as an error in the metadata', () => {
    const message = answerOf({ content: [{ type: 'text', text: 'call denied: no' }], isError: true }, ids);
    expect(message.metadata?.[IS_ERROR_METADATA]).toBe(true);
    expect(message.parts).toHaveLength(1);
  });
});
