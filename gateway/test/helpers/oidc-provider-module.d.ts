/**
 * The part of oidc-provider 9's API that test/helpers/oidc-provider.ts uses: the package ships no type
 * declarations (and @types/oidc-provider is not installed). Loose where the configuration is open-ended.
 */
declare module 'oidc-provider' {
  import type { RequestListener } from 'node:http';

  export interface GrantInstance {
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export interface KoaContextWithOIDC {
    oidc: {
      session?: { accountId?: string; grantIdFor(clientId: string): string | undefined };
      client?: { clientId: string };
      provider: Provider;
    };
  }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    Grant: {
      new (init: { clientId: string; accountId: string }): GrantInstance;
      find(id: string): Promise<GrantInstance | undefined>;
    };
    Client: { prototype: { redirectUriAllowed(uri: string): boolean } };
    callback(): RequestListener;
    on(event: 'server_error', listener: (ctx: KoaContextWithOIDC, err: Error) => void): this;
  }
}
