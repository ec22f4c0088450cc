/**
 * The console's router: a few lines over the History API instead of a router library. Paths are written
 * without the /console prefix ('/traces/42'); `BASE` is added for the address bar and links. A route pattern
 * names its parameters with ':' ('/traces/:id'), and the query string is the views' state (filters), so a
 * view can be bookmarked and shared.
 */
import { createContext, useCallback, useContext, useEffect, useState } from 'react';

/** Where the gateway serves the console (vite.config.ts `base`, without the trailing slash). */
export const BASE = '/console';

/** The app path of the page: '/traces' for /console/traces, with its query. */
export interface Location {
  path: string;
  query: URLSearchParams;
}

export interface NavigateOptions {
  /** Replace the history entry instead of pushing one (filters typed into a form). */
  replace?: boolean;
}

export type Navigate = (to: string, options?: NavigateOptions) => void;

function readLocation(): Location {
  const path = window.location.pathname.startsWith(BASE)
    ? window.location.pathname.slice(BASE.length) || '/'
    : '/';
  return {
    path: path.length > 1 ? path.replace(/\/+$/, '') : path,
    query: new URLSearchParams(window.location.search),
  };
}

/** The href of an app path: '/traces?tool=x' → '/console/traces?tool=x'. */
export function href(to: string): string {
  return `${BASE}${to.startsWith('/') ? to : `/${to}`}`;
}

/** The current location, following pushState/replaceState made by `navigate` and the back/forward buttons. */
export function useLocationState(): [Location, Navigate] {
  const [location, setLocation] = useState(readLocation);
  useEffect(() => {
    const onPop = () => setLocation(readLocation());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback<Navigate>((to, options = {}) => {
    const target = href(to);
    if (target === `${window.location.pathname}${window.location.search}`) return;
    if (options.replace) window.history.replaceState(null, '', target);
    else window.history.pushState(null, '', target);
    setLocation(readLocation());
    if (!options.replace) window.scrollTo(0, 0);
  }, []);
  return [location, navigate];
}

/** Matches `path` against a pattern like '/zones/:zone/workloads/:workload'; the decoded parameters, or null. */
export function matchRoute(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const value = have[i] ?? '';
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(value);
      } catch {
        return null;
      }
    } else if (part !== value) return null;
  }
  return params;
}

/** A path with its parameters encoded: pathTo('/traces/:id', { id }) → '/traces/…'. */
export function pathTo(pattern: string, params: Record<string, string>): string {
  return pattern.replace(/:([A-Za-z]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

export const RouterContext = createContext<{ location: Location; navigate: Navigate } | null>(null);

function useRouter() {
  const router = useContext(RouterContext);
  if (!router) throw new Error('useNavigate/useLocation used outside the console shell (App)');
  return router;
}

/** Navigates within the console: `navigate('/traces/' + id)`, `navigate('/traces?tool=x', { replace: true })`. */
export function useNavigate(): Navigate {
  return useRouter().navigate;
}

/** The current app path and query. */
export function useLocation(): Location {
  return useRouter().location;
}

/**
 * The query string as a view's state: `[query, setQuery]`. `setQuery({ tool: 'x', cursor: undefined })`
 * sets or removes parameters and replaces the history entry (typing in a filter does not flood history).
 */
export function useQueryState(): [URLSearchParams, (changes: Record<string, string | undefined>) => void] {
  const { location, navigate } = useRouter();
  const setQuery = useCallback(
    (changes: Record<string, string | undefined>) => {
      const next = new URLSearchParams(location.query);
      for (const [key, value] of Object.entries(changes)) {
        if (value === undefined || value === '') next.delete(key);
        else next.set(key, value);
      }
      const search = next.toString();
      navigate(`${location.path}${search ? `?${search}` : ''}`, { replace: true });
    },
    [location, navigate],
  );
  return [location.query, setQuery];
}
