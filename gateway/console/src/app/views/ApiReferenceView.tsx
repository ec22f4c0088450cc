/**
 * API reference (/console/api): the gateway's OpenAPI document (GET /openapi.json, same origin) in Swagger UI,
 * with "Try it out" sending requests as the signed-in console user: the session cookie (same-origin
 * credentials) and, on state-changing methods, the session's CSRF token in X-Raku-CSRF, exactly as api.ts does
 * for the console's own calls. The Authorize buttons are hidden: they ask for a bearer token, which is how
 * agents and scripts call the API, not how the console does.
 *
 * swagger-ui-react (and its dependencies: redux, immutable, swagger-client…) is imported only here, so it
 * lives in this view's lazy chunk and costs the other views nothing. It runs under the console's strict CSP:
 * its stylesheet is a file of the build, React sets its few inline styles through the CSSOM (allowed by
 * `style-src 'self'`), and it needs no eval.
 */
import { type ReactNode, type RefObject, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import SwaggerUI, { type SwaggerPlugin, type SwaggerRequest, type SwaggerResponse } from 'swagger-ui-react';
import 'swagger-ui-react/swagger-ui.css';
import { readSession, tenantHeader, useSession } from '../api.ts';
import { useLoad } from '../load.ts';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { ViewHeader } from '../ui/ViewHeader.tsx';
import './ApiReferenceView.css';

/** Methods the gateway's CSRF check lets through without the header (gateway/src/console/csrf.ts). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Hides Swagger UI's bearer-token buttons: the console's requests carry the session instead. */
const SessionOnly: SwaggerPlugin = () => ({
  wrapComponents: {
    authorizeBtn: () => () => null,
    authorizeOperationBtn: () => () => null,
  },
});

/**
 * Swagger UI's code boxes (examples, response bodies) scroll inside a fixed height; a scrolling box the
 * keyboard cannot reach cannot be read without a mouse (axe: scrollable-region-focusable), so each <pre> in it
 * is made focusable.
 */
function FocusableCode({ children }: { children: ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  // After every render: the highlighter may have replaced its <pre>.
  useEffect(() => {
    for (const pre of box.current?.querySelectorAll('pre') ?? []) {
      if (pre.tabIndex < 0) pre.tabIndex = 0;
    }
  });
  return (
    <div ref={box} className="api-code">
      {children}
    </div>
  );
}

const FocusableCodeBoxes: SwaggerPlugin = () => ({
  wrapComponents: {
    HighlightCode: (Original) => (props) => (
      <FocusableCode>
        <Original {...props} />
      </FocusableCode>
    ),
  },
});

/** Does this operation (Swagger UI's Immutable map of it) answer with a server-sent-events stream? */
function streams(operation: unknown): boolean {
  const content = (operation as { getIn?(path: string[]): unknown } | undefined)?.getIn?.([
    'responses',
    '200',
    'content',
  ]);
  return Boolean((content as { has?(key: string): boolean } | undefined)?.has?.('text/event-stream'));
}

/**
 * No Execute for event streams (/v1/events, deployment logs): they never end, so the request would stay open
 * with a spinner until the page closes. The console's own views read them.
 */
const NoStreamExecute: SwaggerPlugin = () => ({
  wrapComponents: {
    execute: (Original) => (props) =>
      streams(props['operation']) ? (
        <p className="api-stream-note">
          This endpoint streams events and never ends, so it cannot be tried here: the console's live views
          read it. From a shell: <code>curl -N -H 'Authorization: Bearer …'</code> and the request URL.
        </p>
      ) : (
        <Original {...props} />
      ),
  },
});

const PLUGINS = [SessionOnly, FocusableCodeBoxes, NoStreamExecute];

/** The document as served; a failure shows the gateway's answer instead of an empty page. */
async function loadDocument(signal: AbortSignal): Promise<object> {
  const response = await fetch('/openapi.json', { credentials: 'same-origin', signal });
  if (!response.ok) throw new Error(`GET /openapi.json answered HTTP ${response.status}`);
  return (await response.json()) as object;
}

/**
 * Swagger UI's page structure inside the console's page: it renders its operations in a <main>, inside the
 * console's own <main> (two main landmarks, one nested: axe's landmark-no-duplicate-main and
 * landmark-main-is-top-level), and the document's title as an <h1> under the view's own. The inner main becomes
 * a region named "Operations" and the title a level-2 heading (aria-level), so the page keeps one h1.
 */
function useConsoleStructure(box: RefObject<HTMLElement | null>) {
  useEffect(() => {
    const root = box.current;
    if (!root) return;
    const fix = () => {
      for (const main of root.querySelectorAll('main:not([role])')) {
        main.setAttribute('role', 'region');
        main.setAttribute('aria-label', main.getAttribute('aria-label') ?? 'Operations');
      }
      for (const title of root.querySelectorAll('h1:not([aria-level])'))
        title.setAttribute('aria-level', '2');
    };
    fix();
    const observer = new MutationObserver(fix);
    observer.observe(root, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [box]);
}

export function ApiReferenceView() {
  const session = useSession();
  const openapi = useLoad(loadDocument, []);
  const explorer = useRef<HTMLDivElement>(null);
  useConsoleStructure(explorer);

  // Every Try-it-out request: the session cookie, the CSRF header where the gateway asks for it, and the tenant
  // the console acts in (X-Raku-Tenant), unless the operation's own X-Raku-Tenant field names another.
  const tenant = session.tenancy?.tenant;
  const requestInterceptor = useMemo(() => {
    const csrfToken = session.csrfToken;
    const named = tenant !== undefined ? tenantHeader() : null;
    return (request: SwaggerRequest): SwaggerRequest => {
      request.credentials = 'same-origin';
      // The token is for this gateway only, should a request ever name another origin.
      const sameOrigin = new URL(request.url, window.location.href).origin === window.location.origin;
      if (sameOrigin && !SAFE_METHODS.has(request.method.toUpperCase()))
        request.headers['X-Raku-CSRF'] = csrfToken;
      if (
        sameOrigin &&
        named &&
        !Object.keys(request.headers).some((h) => h.toLowerCase() === 'x-raku-tenant')
      )
        request.headers['X-Raku-Tenant'] = named;
      return request;
    };
  }, [session.csrfToken, tenant]);

  // A 401 may mean the console session ended (expired, signed out elsewhere, gateway restarted), or only that
  // the endpoint takes no session (POST /mcp wants a bearer token): GET /v1/session tells which. When it ended,
  // the view says so above the explorer, as the rest of the console would by showing the sign-in page.
  const [sessionEnded, setSessionEnded] = useState(false);
  const responseInterceptor = useCallback((response: SwaggerResponse): SwaggerResponse => {
    const own = new URL(response.url, window.location.href).origin === window.location.origin;
    if (response.status === 401 && own) {
      readSession().then(
        (result) => setSessionEnded(!result.ok),
        () => undefined,
      );
    }
    return response;
  }, []);

  return (
    <section className="view api-reference">
      <ViewHeader
        title="API reference"
        subtitle={
          <>
            The gateway's HTTP API from <a href="/openapi.json">/openapi.json</a>. “Try it out” sends the
            request as {session.subject}, with this console session; agents and scripts use a bearer token
            instead.
          </>
        }
      />
      <ErrorBanner error={openapi.error} onRetry={openapi.reload} />
      {sessionEnded ? (
        <div className="error-banner" role="alert">
          <span>
            The gateway answered 401: your console session has ended. Reload the page to sign in again.
          </span>
          <button type="button" className="button button-small" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      ) : null}
      <div ref={explorer}>
        {openapi.data ? (
          <SwaggerUI
            spec={openapi.data}
            requestInterceptor={requestInterceptor}
            responseInterceptor={responseInterceptor}
            plugins={PLUGINS}
            docExpansion="list"
            defaultModelsExpandDepth={0}
            deepLinking={false}
            displayRequestDuration
            // The curl line shows the request as composed, without the session's CSRF token.
            showMutatedRequest={false}
            queryConfigEnabled={false}
          />
        ) : openapi.loading ? (
          <p className="loading">Loading the API document…</p>
        ) : null}
      </div>
    </section>
  );
}
