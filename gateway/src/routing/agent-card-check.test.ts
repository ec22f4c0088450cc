import { describe, expect, it } from 'vitest';
import { summarizeAgentCard } from './agent-card-check.ts';

describe('summarizeAgentCard', () => {
  it('reads a v1.0 card: interface versions and scheme names in each serialisation, never a value', () => {
    const summary = summarizeAgentCard({
      name: 'currency',
      supportedInterfaces: [
        { url: 'https://a/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
        { url: 'https://a/a2a', protocolBinding: 'JSONRPC', protocolVersion: '0.3' },
      ],
      securitySchemes: {
        bearerAuth: { httpAuthSecurityScheme: { scheme: 'Bearer', bearerFormat: 'JWT' } },
        sdk: { scheme: { $case: 'apiKeySecurityScheme', value: { location: 'header', name: 'X-Key' } } },
        mtls: { mtlsSecurityScheme: {} },
      },
    });
    expect(summary).toEqual({
      name: 'currency',
      protocolVersions: ['0.3', '1.0'],
      securitySchemes: [
        { name: 'bearerAuth', kind: 'bearer' },
        { name: 'mtls', kind: 'mutualTLS' },
        { name: 'sdk', kind: 'apiKey' },
      ],
    });
  });

  it('reads a v0.3 card and tolerates a card without schemes or a name', () => {
    expect(
      summarizeAgentCard({
        protocolVersion: '0.3.0',
        securitySchemes: { basic: { type: 'http', scheme: 'Basic' }, oidc: { type: 'openIdConnect' } },
      }),
    ).toEqual({
      name: null,
      protocolVersions: ['0.3.0'],
      securitySchemes: [
        { name: 'basic', kind: 'basic' },
        { name: 'oidc', kind: 'openIdConnect' },
      ],
    });
    expect(summarizeAgentCard(null)).toEqual({ name: null, protocolVersions: [], securitySchemes: [] });
  });
});
