import type { ReactNode } from 'react';
import { Link, useLocation } from './router.tsx';
import { hasRole, useSession } from './session.tsx';
import { allRoutes } from './routes.ts';

export function Layout({ children }: { children: ReactNode }) {
  const { session, signOut } = useSession();
  const { pathname } = useLocation();
  const nav = allRoutes
    .filter((r) => r.nav && (r.public || session) && (!r.roles || hasRole(session, ...r.roles)))
    .sort((a, b) => (a.navOrder ?? 50) - (b.navOrder ?? 50));
  return (
    <>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="app-header">
        <div className="brand"><Link to="/">Immunization Registry</Link></div>
        {session && (
          <nav aria-label="Main">
            <ul>
              {nav.map((r) => (
                <li key={r.path}>
                  <Link to={r.path} aria-current={pathname === r.path ? 'page' : undefined}>{r.nav}</Link>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <div className="who" aria-live="polite">
          {session ? (
            <>
              <span data-testid="signed-in-user">
                Signed in as <strong>{session.displayName || session.username}</strong>
              </span>
              {session.organizationName && (
                <span data-testid="signed-in-org"> · {session.organizationName}</span>
              )}
              <button type="button" className="link-button" onClick={() => void signOut()}>Sign out</button>
            </>
          ) : (
            <span>Not signed in</span>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>{children}</main>
    </>
  );
}
