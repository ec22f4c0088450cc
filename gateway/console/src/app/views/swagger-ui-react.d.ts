/**
 * The part of swagger-ui-react 5's props the API reference view uses (the package ships no types, and
 * @types/swagger-ui-react is not installed). Kept narrow on purpose: a prop not declared here is not used.
 */
declare module 'swagger-ui-react' {
  import type { ComponentType } from 'react';

  /** The request swagger-client is about to send (Try it out), which an interceptor may change. */
  export interface SwaggerRequest {
    url: string;
    method: string;
    headers: Record<string, string>;
    credentials?: RequestCredentials;
    body?: unknown;
    loadSpec?: boolean;
  }

  /** The answer swagger-client received (Try it out). */
  export interface SwaggerResponse {
    url: string;
    status: number;
    ok: boolean;
  }

  /** A swagger-ui plugin: here only component wrappers (to hide the bearer-token Authorize buttons). */
  export type SwaggerPlugin = () => {
    wrapComponents?: Record<
      string,
      (
        original: ComponentType<Record<string, unknown>>,
        system: unknown,
      ) => ComponentType<Record<string, unknown>> | (() => null)
    >;
  };

  export interface SwaggerUIProps {
    spec?: object;
    url?: string;
    requestInterceptor?: (request: SwaggerRequest) => SwaggerRequest | Promise<SwaggerRequest>;
    responseInterceptor?: (response: SwaggerResponse) => SwaggerResponse | Promise<SwaggerResponse>;
    plugins?: SwaggerPlugin[];
    docExpansion?: 'list' | 'full' | 'none';
    defaultModelsExpandDepth?: number;
    deepLinking?: boolean;
    displayOperationId?: boolean;
    displayRequestDuration?: boolean;
    filter?: boolean | string;
    showMutatedRequest?: boolean;
    tryItOutEnabled?: boolean;
    persistAuthorization?: boolean;
    withCredentials?: boolean;
    queryConfigEnabled?: boolean;
    syntaxHighlight?: false | { activated?: boolean; theme?: string };
  }

  const SwaggerUI: ComponentType<SwaggerUIProps>;
  export default SwaggerUI;
}
