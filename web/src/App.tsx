import { useEffect, useRef } from 'react';
import { Layout } from './Layout.tsx';
import { matchPath, navigate, useLocation } from './router.tsx';
import { allRoutes } from './routes.ts';
import { hasRole, useSession } from './session.tsx';

export function App() {
  const { pathname } = useLocation();
  const { session, loading } = useSession();
  let found: { route: (typeof allRoutes)[number]; params: Record<string, string> } | undefined;
  for (const route of allRoutes) {
    const params = matchPath(route.path, pathname);
    if (params) { found = { route, params }; break; }
  }
  const needsSignIn = !loading && !session && !(found?.route.public);
  useEffect(() => {
    if (needsSignIn) navigate(`/sign-in?next=${encodeURIComponent(pathname + location.search)}`, { replace: true });
  }, [needsSignIn, pathname]);
  // After moving to another page, put keyboard focus on the page (screen readers announce the new heading).
  const first = useRef(true);
  useEffect(() => {
    if (first.current) { first.current = false; return; }
    // A page that focused its own first field (autoFocus) keeps it.
    const main = document.getElementById('main');
    if (main && document.activeElement && document.activeElement !== main && main.contains(document.activeElement)) return;
    const focusHeading = () => {
      const h1 = document.querySelector('main h1') as HTMLElement | null;
      if (!h1) return false;
      h1.tabIndex = -1;
      h1.focus({ preventScroll: true });
      return true;
    };
    if (focusHeading()) return;
    // The page is still loading its data: focus the page now, and its heading once it appears (unless the person
    // has moved on meanwhile).
    main?.focus({ preventScroll: true });
    const obs = new MutationObserver(() => {
      if (document.activeElement !== main && document.activeElement !== document.body) { obs.disconnect(); return; }
      if (focusHeading()) obs.disconnect();
    });
    if (main) obs.observe(main, { childList: true, subtree: true });
    const stop = setTimeout(() => obs.disconnect(), 30_000);
    return () => { obs.disconnect(); clearTimeout(stop); };
  }, [pathname, loading]);
  useEffect(() => {
    document.title = found ? `${found.route.title} · Immunization Registry` : 'Immunization Registry';
  }, [found?.route.title]);

  let body;
  if (loading) body = <p role="status">Loading…</p>;
  else if (!found) body = <><h1>Page not found</h1><p>There is no page at this address.</p></>;
  else if (needsSignIn) body = <p role="status">Redirecting to sign in…</p>;
  else if (found.route.roles && !hasRole(session, ...found.route.roles)) {
    body = <><h1>Not allowed</h1><p>Your account does not have access to this page.</p></>;
  } else {
    const C = found.route.component;
    body = <C params={found.params} />;
  }
  return <Layout>{body}</Layout>;
}
