import { describe, expect, it } from 'vitest';
import { a2aNote, cardStatusText, mergeCalls, skillIndex } from './agent-calls.ts';
import type { Trace } from './trace-filters.ts';

const trace = (id: string, time: string) => ({ id, time }) as Trace;

describe('agent calls', () => {
  it('reads the task note of an A2A result, strings only', () => {
    expect(
      a2aNote({
        content: [],
        _meta: { 'dev.raku/a2a': { taskId: 't1', contextId: 'c1', state: 'completed' } },
      }),
    ).toEqual({ taskId: 't1', contextId: 'c1', state: 'completed' });
    expect(a2aNote({ _meta: { 'dev.raku/a2a': { contextId: 'c2', taskId: 7 } } })).toEqual({
      taskId: null,
      contextId: 'c2',
      state: null,
    });
    expect(a2aNote({ content: [] })).toBeNull();
    expect(a2aNote(null)).toBeNull();
    expect(a2aNote({ _meta: { 'dev.raku/a2a': 'x' } })).toBeNull();
  });

  it('merges the calls of several tools newest first, once each, up to the limit', () => {
    const a = [trace('3', '2026-01-01T00:00:03Z'), trace('1', '2026-01-01T00:00:01Z')];
    const b = [trace('2', '2026-01-01T00:00:02Z'), trace('3', '2026-01-01T00:00:03Z')];
    expect(mergeCalls([a, b], 10).map((t) => t.id)).toEqual(['3', '2', '1']);
    expect(mergeCalls([a, b], 2).map((t) => t.id)).toEqual(['3', '2']);
  });

  it('indexes skills by exposed tool name', () => {
    const index = skillIndex([
      { pack: 'currency', skills: [{ tool: 'currency.convert', skill: 'convert' }] },
    ] as never);
    expect(index.get('currency.convert')).toEqual({ pack: 'currency', skill: 'convert' });
    expect(index.has('other.tool')).toBe(false);
  });

  it('says what each card status means', () => {
    expect(cardStatusText({ status: 'changed' }).text).toContain('hidden');
    expect(cardStatusText({ status: 'reviewed' }).badge).toBe('ok');
    expect(cardStatusText({ status: 'unreachable' }).text).toContain('unreachable');
    expect(cardStatusText({ status: 'unchecked' }).text).toBe('card not read yet');
  });
});
