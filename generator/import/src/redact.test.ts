/** redactSecrets: what looks like a credential leaves the pack, each removal reported at its path. */
import { describe, expect, it } from 'vitest';
import type { Pack } from '../../config/src/model/types.ts';
import { redactSecrets } from './redact.ts';

const STRIPE = `sk_live_${'a1B2c3D4e5F6g7H8'}`;

describe('redactSecrets', () => {
  it('removes secret-looking text and examples, naming where each was', () => {
    const shared = { type: 'string', description: `Use ${STRIPE} to test` };
    const pack = {
      name: 'p',
      version: '0.1.0',
      description: 'd',
      owner: 'o',
      upstream: { baseUrls: { dev: 'https://api.example.com' } },
      tools: [
        {
          name: 'a',
          description: 'fine',
          inputSchema: {
            type: 'object',
            properties: { key: shared, other: { type: 'string', examples: [STRIPE], default: 'x' } },
          },
          http: { method: 'GET', path: '/a' },
        },
        { name: 'b', description: 'fine', inputSchema: { type: 'object', properties: { key: shared } } },
      ],
    } as unknown as Pack;
    expect(redactSecrets(pack)).toEqual([
      'tools[0].inputSchema.properties.key.description: removed text that looks like a secret (Stripe key)',
      'tools[0].inputSchema.properties.other.examples: removed an example that looks like a secret',
    ]);
    expect(JSON.stringify(pack)).not.toContain('sk_live_');
    expect(shared.description).toBe('(text removed: it contained what looks like a credential)');
    expect(pack.tools[0]?.inputSchema['properties']).toMatchObject({
      other: { type: 'string', default: 'x' },
    });
  });
});
