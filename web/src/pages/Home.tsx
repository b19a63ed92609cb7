import { Link } from '../router.tsx';
import { allRoutes, type PageRoute } from '../routes.ts';
import { hasRole, useSession } from '../session.tsx';

const roleNames: Record<string, string> = {
  registry_admin: 'Registry administrator', access_admin: 'Access administrator', provider: 'Provider',
  school: 'School', analyst: 'Public-health analyst', read_only: 'Read only',
};

function Home() {
  const { session } = useSession();
  const links = allRoutes
    .filter((r) => r.nav && (!r.roles || hasRole(session, ...r.roles)))
    .sort((a, b) => (a.navOrder ?? 50) - (b.navOrder ?? 50));
  return (
    <section>
      <h1>Welcome{session?.displayName ? `, ${session.displayName}` : ''}</h1>
      <p>
        {session?.organizationName ?? 'Your organization'} · roles:{' '}
        {session?.roles.map((r) => roleNames[r] ?? r).join(', ') || 'none'}
      </p>
      <ul className="card-list">
        {links.map((r) => <li key={r.path}><Link to={r.path}>{r.title}</Link></li>)}
      </ul>
    </section>
  );
}

export const routes: PageRoute[] = [{ path: '/', title: 'Home', component: Home }];
