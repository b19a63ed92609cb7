// The schools a school user or district administrator may see, with enrollment counts; district reports.
import { Link } from '../../router.tsx';
import type { PageRoute } from '../../routes.ts';
import { ErrorLine, useGet } from '../../components/common.tsx';
import { type SchoolsAnswer } from './shared.tsx';

function Schools() {
  const { data, error, loading } = useGet<SchoolsAnswer>('/api/v1/schools');
  const year = data?.defaultSchoolYear ?? '';
  return (
    <section>
      <h1>Schools</h1>
      <ErrorLine error={error} />
      {loading && <p role="status">Loading…</p>}
      {data && data.items.length === 0 && <p>No school is linked to your organization yet.</p>}
      {data && data.items.length > 0 && (
        <table aria-label="Schools">
          <thead><tr><th scope="col">School</th><th scope="col">District</th><th scope="col">Enrolled {year}</th><th scope="col">Reports</th></tr></thead>
          <tbody>
            {data.items.map((s) => (
              <tr key={s.id}>
                <td><Link to={`/schools/${s.id}`} data-testid="school-link">{s.name}</Link></td>
                <td>{s.districtName ?? '—'}</td>
                <td>{s.enrolled[year] ?? 0}</td>
                <td><Link to={`/schools/${s.id}/roster`}>Upload roster</Link> · <Link to={`/schools/${s.id}/outbreak`}>Outbreak list</Link></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && data.districts.length > 0 && (
        <>
          <h2>District reports</h2>
          <ul className="card-list">
            {data.districts.map((d) => <li key={d.id}><Link to={`/districts/${d.id}`}>{d.name}</Link></li>)}
          </ul>
        </>
      )}
    </section>
  );
}

export const routes: PageRoute[] = [{ path: '/schools', title: 'Schools', component: Schools, nav: 'Schools', navOrder: 30, roles: ['school', 'access_admin', 'registry_admin'] }];
