import { describe, expect, it } from 'vitest';
import { parseYamlSource } from '../config/src/load/yaml-source.ts';

const SRC = `name: demo
tools:
  - name: a
    http: { method: GET, path: /x }
  - name: b
    description:
    http:
      method: POST
      path: "/y/{id}"
labels: [one, "two", three]
`;

describe('YAML positions', () => {
  const parsed = parseYamlSource({ path: 'packs/demo/pack.yaml', bytes: Buffer.from(SRC) });

  it('parses to plain data', () => {
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.value).toEqual({
      name: 'demo',
      tools: [
        { name: 'a', http: { method: 'GET', path: '/x' } },
        { name: 'b', description: null, http: { method: 'POST', path: '/y/{id}' } },
      ],
      labels: ['one', 'two', 'three'],
    });
  });

  it.each([
    [['name'], 1, 7],
    [['tools', 0, 'name'], 3, 11],
    [['tools', 0, 'http', 'path'], 4, 32],
    [['tools', 1, 'http', 'path'], 9, 13],
    [['labels', 1], 10, 15],
    [['tools', 1, 'description'], 6, 5],
  ])('locates the value at %j on line %i, column %i', (p, line, column) => {
    expect(parsed.positions.at(p)).toEqual({ line, column });
  });

  it('locates keys for unknown-property errors', () => {
    expect(parsed.positions.keyAt(['tools', 1, 'http'])).toEqual({ line: 7, column: 5 });
  });

  it('falls back to the nearest ancestor for paths that do not exist', () => {
    expect(parsed.positions.at(['tools', 1, 'http', 'args', 'x'])).toEqual({ line: 8, column: 7 });
  });

  it('handles CRLF line endings', () => {
    const crlf = parseYamlSource({ path: 'a.yaml', bytes: Buffer.from(SRC.replace(/\n/g, '\r\n')) });
    expect(crlf.positions.at(['tools', 1, 'http', 'path'])).toEqual({ line: 9, column: 13 });
  });
});
