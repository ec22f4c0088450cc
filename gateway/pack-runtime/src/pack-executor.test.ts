import { describe, expect, it } from 'vitest';
import type { Pack } from '../../../generator/config/src/model/types.ts';
import { PackExecutor, STATUS_META, UnknownToolError } from './pack-executor.ts';

/** A pack whose upstream is never reached: every call below ends before anything is sent. */
function pack(overrides: { inputSchema?: Record<string, unknown> } = {}): Pack {
  return {
    name: 'notes',
    version: '1.0.0',
    description: 'Notes.',
    owner: 'test',
    toolPrefix: 'notes',
    upstream: {
      baseUrls: {
        dev: 'http://127.0.0.1:9/api',
        staging: 'http://127.0.0.1:9/api',
        prod: 'http://127.0.0.1:9/api',
      },
      auth: { type: 'bearer', token: { secretRef: { name: 'notes-api', key: 'token' } } },
    },
    tools: [
      {
        name: 'get_note',
        description: 'One note.',
        inputSchema: overrides.inputSchema ?? {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string' }, trace: { type: 'string' } },
        },
        http: { method: 'GET', path: '/notes/{id}', args: { trace: { in: 'header', name: 'X-Trace' } } },
      },
    ],
  };
}

const SECRET_ENV = 'RAKU_SECRET_NOTES_API_TOKEN';

describe('PackExecutor: every call ends as an outcome', () => {
  it('answers arguments the request cannot carry as invalid, never as an exception', async () => {
    const executor = new PackExecutor([pack()], { environment: 'dev', secrets: () => 'token' });
    for (const args of [{ id: '\ud800' }, { id: 'n1', trace: 'a\nb' }, { id: 'n1', trace: '\udfff' }]) {
      const outcome = await executor.execute('notes.get_note', args);
      expect(outcome.status).toBe('invalid');
      expect(outcome.result.isError).toBe(true);
      expect(outcome.result._meta).toEqual({ [STATUS_META]: 'invalid' });
    }
  });

  it('names a secret a header cannot carry without showing it, as an error of the call', async () => {
    const executor = new PackExecutor([pack()], {
      environment: 'dev',
      secrets: (name) => (name === SECRET_ENV ? 'sk-secret-value\n' : undefined),
    });
    const outcome = await executor.execute('notes.get_note', { id: 'n1' });
    expect(outcome.status).toBe('error');
    expect(outcome.result.content).toEqual([
      {
        type: 'text',
        text: `secret notes-api/token (the bearer token), from environment variable ${SECRET_ENV}, holds U+000A at index 15, which an HTTP header cannot carry (a trailing newline in the secret?)`,
      },
    ]);
    expect(JSON.stringify(outcome)).not.toContain('sk-secret-value');
  });

  it('turns any other fault of one call into a tool error, and throws only for an unknown tool', async () => {
    // A schema ajv cannot compile: a fault of the pack, met while running this call.
    const executor = new PackExecutor([pack({ inputSchema: { type: 'no-such-type' } })], {
      environment: 'dev',
      secrets: () => 'token',
    });
    const outcome = await executor.execute('notes.get_note', { id: 'n1' });
    expect(outcome.status).toBe('error');
    expect(outcome.result.isError).toBe(true);
    expect(outcome.result.content).toEqual([
      { type: 'text', text: expect.stringMatching(/^notes\.get_note failed: .*schema/) },
    ]);
    await expect(executor.execute('notes.nope', {})).rejects.toThrow(UnknownToolError);
  });
});

describe('PackExecutor with packs exposing the same names (local mode: two tenants)', () => {
  const other = (): Pack => {
    const p = pack({
      inputSchema: { type: 'object', required: ['q'], properties: { q: { type: 'string' } } },
    });
    return { ...p, name: 'other-notes' };
  };

  it('refuses them by default: a pack server serves distinct names', () => {
    expect(() => new PackExecutor([pack(), other()], { environment: 'dev', secrets: () => 'token' })).toThrow(
      'tool notes.get_note is defined twice',
    );
  });

  it('runs the tool of the pack a call names, each with its own input schema', async () => {
    const executor = new PackExecutor([pack(), other()], {
      environment: 'dev',
      secrets: () => 'token',
      sameNamesAcrossPacks: true,
    });
    const first = await executor.execute('notes.get_note', {}, undefined, undefined, { pack: 'notes' });
    expect(first.result.content).toEqual([
      {
        type: 'text',
        text: "invalid arguments for notes.get_note: (arguments) must have required property 'id'",
      },
    ]);
    const second = await executor.execute('notes.get_note', {}, undefined, undefined, {
      pack: 'other-notes',
    });
    expect(second.result.content).toEqual([
      {
        type: 'text',
        text: "invalid arguments for notes.get_note: (arguments) must have required property 'q'",
      },
    ]);
    await expect(
      executor.execute('notes.get_note', {}, undefined, undefined, { pack: 'elsewhere' }),
    ).rejects.toBeInstanceOf(UnknownToolError);
  });
});
