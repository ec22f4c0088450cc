import { describe, expect, it } from 'vitest';
import { editOperation, initialEdits, type OperationLike } from './import-edits.ts';
import { applySuggestions, suggestionItems } from './import-suggestions.ts';

const op = (id: string, selected: boolean, sensitive: boolean): OperationLike => ({
  id,
  method: id.split(' ')[0] ?? 'GET',
  path: id.split(' ')[1] ?? '/',
  operationId: null,
  summary: null,
  tags: [],
  selected,
  tool: { name: id.replace(/\W/g, '_'), description: `old ${id}`, sensitive },
  skipped: null,
});

const OPS = [op('GET /pets', true, false), op('DELETE /pets/{id}', false, true), op('GET /a', true, false)];

describe('AI suggestions as a diff', () => {
  it('lists only the fields a suggestion would change, with before and after', () => {
    const edits = initialEdits(OPS);
    const items = suggestionItems(
      [
        { id: 'GET /pets', description: 'Lists pets.', selected: true, reason: 'read-only' },
        { id: 'DELETE /pets/{id}', selected: true, sensitive: true },
        { id: 'GET /unknown', selected: true },
      ],
      edits,
    );
    expect(items).toEqual([
      {
        key: 'GET /pets#description',
        operationId: 'GET /pets',
        field: 'description',
        before: 'old GET /pets',
        after: 'Lists pets.',
        reason: 'read-only',
      },
      {
        key: 'DELETE /pets/{id}#selected',
        operationId: 'DELETE /pets/{id}',
        field: 'selected',
        before: false,
        after: true,
        reason: null,
      },
    ]);
  });

  it('compares against the current edits, not the analysis', () => {
    const edits = editOperation(initialEdits(OPS), 'GET /pets', { description: 'Lists pets.' });
    expect(suggestionItems([{ id: 'GET /pets', description: 'Lists pets.' }], edits)).toEqual([]);
  });

  it('applies the accepted items only', () => {
    const edits = initialEdits(OPS);
    const items = suggestionItems(
      [
        { id: 'GET /pets', description: 'Lists pets.', sensitive: true },
        { id: 'GET /a', selected: false },
      ],
      edits,
    );
    const accepted = items.filter((i) => i.field !== 'sensitive');
    const next = applySuggestions(edits, accepted);
    expect(next['GET /pets']).toMatchObject({ description: 'Lists pets.', sensitive: false });
    expect(next['GET /a']?.selected).toBe(false);
    expect(
      suggestionItems([{ id: 'GET /pets', description: 'Lists pets.', sensitive: true }], next),
    ).toHaveLength(1);
  });
});
