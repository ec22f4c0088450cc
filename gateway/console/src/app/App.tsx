/**
 * The console shell: sign-in, navigation, the router, the page's API client and its event stream.
 *
 * HOW TO WRITE A VIEW (views/<Name>.tsx):
 *
 *   export function JobsView(props: { params: Record<string, string> }) { … }
 *
 * - The file is views/<Name>.tsx and exports a function of the same name; ROUTES below maps a path to it, and the
 *   shell loads it lazily (its own chunk) only when the route is visited. `params` holds the route's
 *   ':parameters', decoded ('/zones/:zone/workloads/:workload' → { zone, workload }).
 * - Data: `api` (api.ts; `useApi()` in a component returns it) is the page's typed @raku/client: `unwrap(await api.GET('/v1/jobs', { params:
 *   { query: { limit: 50 } } }))` returns the data or throws an ApiError carrying the gateway's message. CSRF
 *   headers and the session cookie are handled; a 401 anywhere brings the login view. `useLoad(load, deps)`
 *   (load.ts) runs a load with loading/error/reload state; show `error` with `<ErrorBanner error onRetry>`.
 * - Live: `useEvents(['job'], (e) => …)` (events.ts) delivers events of those types while the view is mounted,
 *   over the page's one EventSource; `e.type === 'reset'` means events were missed: reload the list.
 * - Navigation: `useNavigate()('/traces/' + id)`, `<Link to="/jobs">` (ui/Link.tsx), `useQueryState()` for
 *   filters kept in the URL query (router.ts). Paths are written without the /console prefix.
 * - Who: `useSession()` → { subject, admin, mode, tenancy? } (tenancy.ts reads it: tenant column, filter).
 * - Shared pieces in ui/: Table, StatusBadge, TimeAgo, Empty, ErrorBanner, Chart (uPlot: import it only from a
 *   lazily loaded view), Link. A view renders one <h1> (use `<ViewHeader title>`), labelled form controls,
 *   buttons for actions and links for navigation; styles.css has the classes.
 */
import {
  Component,
  type ComponentType,
  lazy,
  type ReactNode,
  Suspense,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import {
  onUnauthorized,
  readSession,
  type Session,
  SessionContext,
  type SignedOut,
  setApiSession,
  signOut,
  switchTenant,
} from './api.ts';
import { EventHub, EventsContext, useLiveStatus } from './events.ts';
import { type Location, matchRoute, RouterContext, useLocationState } from './router.ts';
import { administersAny } from './tenancy.ts';
import { Link } from './ui/Link.tsx';
import { TenantSwitcher } from './ui/TenantSwitcher.tsx';
import { LoginView } from './views/LoginView.tsx';

/** What every view receives. */
export interface ViewProps {
  params: Record<string, string>;
}

interface Route {
  pattern: string;
  /** views/<view>.tsx, exporting a function named <view>. */
  view: string;
  title: string;
  /**
   * Who the gateway answers the page's endpoints to (hidden from others' navigation): 'admin', the admin role;
   * 'tenantAdmin', the admin role or a tenant's admin (the traces and policies of the tenants it administers).
   */
  needs?: Access;
}

type Access = 'admin' | 'tenantAdmin';

function allowed(session: Session, needs: Access | undefined): boolean {
  if (needs === 'admin') return session.admin;
  if (needs === 'tenantAdmin') return administersAny(session);
  return true;
}

/** The console's pages, most specific first. */
export const ROUTES: readonly Route[] = [
  { pattern: '/', view: 'ZonesView', title: 'Zones', needs: 'admin' },
  {
    pattern: '/zones/:zone/workloads/:workload',
    view: 'DeploymentLogsView',
    title: 'Deployment logs',
    needs: 'admin',
  },
  { pattern: '/traces', view: 'TracesView', title: 'Traces', needs: 'tenantAdmin' },
  { pattern: '/traces/:id', view: 'TraceDetail', title: 'Trace', needs: 'tenantAdmin' },
  { pattern: '/approvals', view: 'ApprovalsView', title: 'Approvals' },
  { pattern: '/jobs', view: 'JobsView', title: 'Jobs' },
  { pattern: '/health', view: 'HealthView', title: 'Health', needs: 'admin' },
  { pattern: '/catalog', view: 'CatalogView', title: 'Catalog' },
  { pattern: '/catalog/:tool', view: 'ToolView', title: 'Tool' },
  { pattern: '/agents', view: 'AgentsView', title: 'Agents' },
  { pattern: '/import', view: 'ImportView', title: 'Import API', needs: 'admin' },
  { pattern: '/policies', view: 'PoliciesView', title: 'Policies', needs: 'tenantAdmin' },
  { pattern: '/api', view: 'ApiReferenceView', title: 'API reference' },
];

const NAV: readonly { to: string; label: string; section: string; needs?: Access }[] = [
  { to: '/', label: 'Zones', section: '/zones', needs: 'admin' },
  { to: '/traces', label: 'Traces', section: '/traces', needs: 'tenantAdmin' },
  { to: '/approvals', label: 'Approvals', section: '/approvals' },
  { to: '/jobs', label: 'Jobs', section: '/jobs' },
  { to: '/health', label: 'Health', section: '/health', needs: 'admin' },
  { to: '/catalog', label: 'Catalog', section: '/catalog' },
  { to: '/agents', label: 'Agents', section: '/agents' },
  { to: '/import', label: 'Import API', section: '/import', needs: 'admin' },
  { to: '/policies', label: 'Policies', section: '/policies', needs: 'tenantAdmin' },
  { to: '/api', label: 'API', section: '/api' },
];

// Every view module, each loaded on first visit only (its own chunk). Views are named in PascalCase; a view's
// lower-case pieces (import-source.tsx, policy-rules.tsx) are imported by their view and travel in its chunk.
const VIEW_MODULES = import.meta.glob<Record<string, unknown>>([
  './views/[A-Z]*.tsx',
  '!./views/LoginView.tsx',
]);
const viewCache = new Map<string, ComponentType<ViewProps>>();

function viewComponent(name: string): ComponentType<ViewProps> {
  let component = viewCache.get(name);
  if (!component) {
    component = lazy(async () => {
      const load = VIEW_MODULES[`./views/${name}.tsx`];
      if (!load) throw new Error(`views/${name}.tsx is not part of this build of the console`);
      const view = (await load())[name];
      if (typeof view !== 'function')
        throw new Error(`views/${name}.tsx does not export a view named ${name}`);
      return { default: view as ComponentType<ViewProps> };
    });
    viewCache.set(name, component);
  }
  return component;
}

function resolve(location: Location): { route: Route; params: Record<string, string> } | null {
  for (const route of ROUTES) {
    const params = matchRoute(route.pattern, location.path);
    if (params) return { route, params };
  }
  return null;
}

type Auth =
  | { state: 'checking' }
  | { state: 'in'; session: Session }
  | { state: 'out'; signedOut: SignedOut };

export function App({ loginToken }: { loginToken: string | undefined }) {
  const [location, navigate] = useLocationState();
  const [auth, setAuth] = useState<Auth>(() =>
    loginToken ? { state: 'out', signedOut: { message: '' } } : { state: 'checking' },
  );
  onUnauthorized((signedOut) => setAuth({ state: 'out', signedOut }));
  const router = useMemo(() => ({ location, navigate }), [location, navigate]);

  useEffect(() => {
    if (loginToken) return;
    readSession().then(
      (result) =>
        setAuth(
          result.ok
            ? { state: 'in', session: result.session }
            : { state: 'out', signedOut: result.signedOut },
        ),
      () => setAuth({ state: 'out', signedOut: { message: 'Cannot reach the gateway. Is it running?' } }),
    );
  }, [loginToken]);

  setApiSession(auth.state === 'in' ? auth.session : null);

  return (
    <RouterContext.Provider value={router}>
      {auth.state === 'checking' ? (
        <main id="main" className="centered" aria-busy="true">
          <p>Connecting to the gateway…</p>
        </main>
      ) : auth.state === 'out' ? (
        <LoginView
          loginToken={loginToken}
          signedOut={auth.signedOut}
          onSignedIn={(session) => setAuth({ state: 'in', session })}
        />
      ) : (
        <SessionContext.Provider value={auth.session}>
          <Shell
            session={auth.session}
            location={location}
            onSwitchTenant={async (tenant) => {
              const result = await switchTenant(tenant);
              setAuth(
                result.ok
                  ? { state: 'in', session: result.session }
                  : { state: 'out', signedOut: result.signedOut },
              );
            }}
            onSignOut={async () => {
              await signOut().catch(() => undefined);
              setAuth({ state: 'out', signedOut: { message: 'You signed out.' } });
            }}
            onRefused={() =>
              readSession().then((result) => {
                if (!result.ok) setAuth({ state: 'out', signedOut: result.signedOut });
              })
            }
          />
        </SessionContext.Provider>
      )}
    </RouterContext.Provider>
  );
}

function Shell(props: {
  session: Session;
  location: Location;
  onSignOut(): void;
  onRefused(): void;
  onSwitchTenant(tenant: string): Promise<void>;
}) {
  const { session, location } = props;
  const onRefused = useRef(props.onRefused);
  onRefused.current = props.onRefused;
  const hub = useMemo(() => new EventHub('/v1/events', () => onRefused.current()), []);
  useEffect(() => () => hub.close(), [hub]);

  const match = resolve(location);
  const title = match?.route.title ?? 'Not found';
  const main = useRef<HTMLElement>(null);
  const firstPath = useRef(location.path);
  useEffect(() => {
    document.title = `${title} · Raku console`;
  }, [title]);
  // After a navigation, move focus to the new page so keyboard and screen-reader users start at its top.
  useEffect(() => {
    if (location.path !== firstPath.current) main.current?.focus();
    firstPath.current = '';
  }, [location.path]);

  let content: ReactNode;
  if (!match) {
    content = <NotFound path={location.path} />;
  } else if (!allowed(session, match.route.needs)) {
    content = (
      <section className="view">
        <h1>{match.route.title}</h1>
        <p>
          {match.route.needs === 'tenantAdmin'
            ? `This page needs the gateway's admin role or a tenant's, which ${session.subject} does not hold.`
            : `This page needs the gateway's admin role, which ${session.subject} does not hold.`}{' '}
          Approvals and jobs are open to everyone.
        </p>
      </section>
    );
  } else {
    const View = viewComponent(match.route.view);
    // A new tenant is a new view: it loads again in that tenant.
    content = (
      <ViewBoundary key={`${location.path} ${session.tenancy?.tenant ?? ''}`}>
        <Suspense fallback={<p className="loading">Loading…</p>}>
          <View params={match.params} />
        </Suspense>
      </ViewBoundary>
    );
  }

  return (
    <EventsContext.Provider value={hub}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to={session.admin ? '/' : '/approvals'} className="brand">
          Raku <span className="brand-sub">console</span>
        </Link>
        <nav aria-label="Console sections">
          <ul className="nav">
            {NAV.filter((item) => allowed(session, item.needs)).map((item) => {
              const current =
                item.to === '/'
                  ? location.path === '/' || location.path.startsWith('/zones/')
                  : location.path === item.to || location.path.startsWith(`${item.section}/`);
              return (
                <li key={item.to}>
                  <Link to={item.to} aria-current={current ? 'page' : undefined}>
                    {item.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <div className="session">
          <LiveIndicator />
          {session.tenancy ? (
            <TenantSwitcher tenancy={session.tenancy} onSwitch={props.onSwitchTenant} />
          ) : null}
          <span className="subject" title={session.admin ? 'admin' : undefined}>
            {session.subject}
            {session.admin ? <span className="badge badge-neutral">admin</span> : null}
          </span>
          <button type="button" className="button button-small" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {content}
      </main>
    </EventsContext.Provider>
  );
}

/** The event stream's state, and events the gateway dropped for this page: never silently lost. */
function LiveIndicator() {
  const { state, dropped } = useLiveStatus();
  // A page without live data (a trace's detail) shows no indicator, only a dropped count if there was one.
  if (state === 'idle' && dropped === 0) return null;
  const label =
    state === 'open'
      ? 'Live'
      : state === 'connecting'
        ? 'Connecting'
        : state === 'reconnecting'
          ? 'Reconnecting'
          : state === 'refused'
            ? 'Live updates unavailable'
            : 'Not live';
  return (
    <span className="live" role="status">
      <span className={`live-dot live-${state}`} aria-hidden="true" />
      {label}
      {dropped > 0 ? (
        <span
          className="live-dropped"
          title="Events the gateway could not deliver because this page read too slowly"
        >
          {' '}
          · {dropped.toLocaleString()} events dropped
        </span>
      ) : null}
    </span>
  );
}

function NotFound({ path }: { path: string }) {
  return (
    <section className="view">
      <h1>Not found</h1>
      <p>
        The console has no page at <code>/console{path}</code>. <Link to="/">Go to the start page</Link>.
      </p>
    </section>
  );
}

/** A view that throws (or whose chunk fails to load after a redeploy) shows why instead of a blank page. */
class ViewBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <section className="view">
        <h1>This page failed</h1>
        <p className="error-banner" role="alert">
          {this.state.error.message}
        </p>
        <p>
          <button type="button" className="button" onClick={() => window.location.reload()}>
            Reload the page
          </button>
        </p>
      </section>
    );
  }
}
