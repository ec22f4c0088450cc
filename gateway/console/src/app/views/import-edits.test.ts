import { describe, expect, it } from 'vitest';
import {
  draftOperations,
  editOperation,
  filterOperations,
  initialEdits,
  type OperationLike,
  parseSubjects,
  selectionCounts,
  setSelected,
  subjectsProblem,
  tagCounts,
} from './import-edits.ts';

const op = (id: string, over: Partial<OperationLike> = {}): OperationLike => {
  const [method = 'GET', path = '/'] = id.split(' ');
  return {
    id,
    method,
    path,
    operationId: null,
    summary: null,
    tags: [],
    selected: true,
    tool: { name: `tool_${path.replace(/\W/g, '')}`, description: `does ${id}`, sensitive: method !== 'GET' },
    skipped: null,
    ...over,
  };
};

const OPS: OperationLike[] = [
  op('GET /pets', { tags: ['pet'], operationId: 'listPets', summary: 'List all pets' }),
  op('POST /pets', { tags: ['pet'], selected: false }),
  op('GET /store/inventory', { tags: ['store'], summary: 'Returns pet inventories' }),
  op('GET /upload', {
    tags: ['pet'],
    selected: false,
    tool: null,
    skipped: { code: 'multipart', reason: 'multipart bodies are not supported' },
  }),
];

describe('import edits', () => {
  it('starts from what the analysis selected, for importable operations only', () => {
    const edits = initialEdits(OPS);
    expect(Object.keys(edits)).toEqual(['GET /pets', 'POST /pets', 'GET /store/inventory']);
    expect(edits['POST /pets']).toEqual({
      selected: false,
      name: 'tool_pets',
      description: 'does POST /pets',
      sensitive: true,
    });
    expect(selectionCounts(edits)).toEqual({ selected: 2, sensitive: 0 });
  });

  it('ignores edits and selection of a skipped operation', () => {
    const edits = initialEdits(OPS);
    expect(editOperation(edits, 'GET /upload', { selected: true })).toBe(edits);
    expect(setSelected(edits, ['GET /upload'], true)['GET /upload']).toBeUndefined();
  });

  it('filters on every word across path, method, tags, the edited tool name, operationId and summary', () => {
    let edits = initialEdits(OPS);
    const ids = (text: string, tag = '') => filterOperations(OPS, edits, { text, tag }).map((o) => o.id);
    expect(ids('')).toHaveLength(4);
    expect(ids('listpets')).toEqual(['GET /pets']);
    expect(ids('post pets')).toEqual(['POST /pets']);
    expect(ids('INVENTORIES')).toEqual(['GET /store/inventory']);
    expect(ids('', 'store')).toEqual(['GET /store/inventory']);
    expect(ids('pets', 'store')).toEqual([]);
    edits = editOperation(edits, 'GET /store/inventory', { name: 'count_stock' });
    expect(ids('count_stock')).toEqual(['GET /store/inventory']);
  });

  it('selects all or none of the filtered operations and leaves the others', () => {
    const edits = initialEdits(OPS);
    const pets = filterOperations(OPS, edits, { text: '', tag: 'pet' }).map((o) => o.id);
    const none = setSelected(edits, pets, false);
    expect(selectionCounts(none).selected).toBe(1);
    expect(none['GET /store/inventory']?.selected).toBe(true);
    expect(selectionCounts(setSelected(none, pets, true)).selected).toBe(3);
  });

  it('sends the selection in document order with only what the person changed', () => {
    let edits = initialEdits(OPS);
    edits = editOperation(edits, 'POST /pets', { selected: true, sensitive: false });
    edits = editOperation(edits, 'GET /pets', { name: 'list_pets', description: 'Lists pets.' });
    edits = editOperation(edits, 'GET /store/inventory', { selected: false });
    expect(draftOperations(OPS, edits)).toEqual([
      { id: 'GET /pets', name: 'list_pets', description: 'Lists pets.' },
      { id: 'POST /pets', sensitive: false },
    ]);
    expect(selectionCounts(edits)).toEqual({ selected: 2, sensitive: 0 });
  });

  it('counts tags, most used first', () => {
    expect(tagCounts(OPS)).toEqual([
      { tag: 'pet', count: 3 },
      { tag: 'store', count: 1 },
    ]);
  });

  it('reads comma-separated subjects and names one that is not kind:name', () => {
    expect(parseSubjects(' group:pets , user:ada,, ')).toEqual(['group:pets', 'user:ada']);
    expect(subjectsProblem(['group:pets', 'user:ada'])).toBeNull();
    expect(subjectsProblem(['group:pets', 'ada'])).toContain('"ada" is not a subject');
  });
});
