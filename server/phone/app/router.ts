/**
 * A four-route app needs no router library: the path under /m/ is the state, pushState moves
 * between pages, popstate follows the back button.
 */
import { useEffect, useState } from 'react';

export type Route = 'signin' | 'signup' | 'security' | 'home';

const BASE = '/m/';

export function routeFromPath(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : '';
  const first = rest.split('/')[0];
  if (first === 'signin' || first === 'signup' || first === 'security') return first;
  return 'home';
}

const listeners = new Set<() => void>();

export function navigate(route: Exclude<Route, 'home'>, opts: { replace?: boolean } = {}) {
  const url = BASE + route;
  if (location.pathname !== url) {
    if (opts.replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
  }
  listeners.forEach((l) => l());
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => routeFromPath(location.pathname));
  useEffect(() => {
    const update = () => setRoute(routeFromPath(location.pathname));
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}
