import { useState, type FormEvent } from 'react';
import { qs } from '../../api.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import type { PageRoute } from '../../routes.ts';
import { ErrorLine, fmtDate, useGet } from '../../components/common.tsx';

interface Hit { id: number; familyName: string | null; givenName: string | null; middleName: string | null; birthDate: string | null; sex: string | null; status: string; city: string | null; identifiers: { value: string; authority: string; type: string }[]; birthDateMatch: string }

const SEX: Record<string, string> = { F: 'Female', M: 'Male', U: 'Unknown', X: 'Other' };

function FindPatient() {
  const { search } = useLocation();
  const [name, setName] = useState(search.get('name') ?? '');
  const [birthDate, setBirthDate] = useState(search.get('birthDate') ?? '');
  const [identifier, setIdentifier] = useState(search.get('identifier') ?? '');
  const query = qs({ name: search.get('name'), birthDate: search.get('birthDate'), identifier: search.get('identifier') });
  const { data, error, loading } = useGet<{ patients: Hit[] }>(query ? `/api/v1/patients${query}` : null);

  function submit(e: FormEvent) {
    e.preventDefault();
    navigate(`/patients${qs({ name: name.trim(), birthDate: birthDate.trim(), identifier: identifier.trim() })}`);
  }

  return (
    <section>
      <h1>Find a patient</h1>
      <form onSubmit={submit} className="form-grid" role="search" aria-label="Find a patient">
        <div className="field">
          <label htmlFor="find-name">Name <span className="hint">(first and last, in any order; small typos are fine)</span></label>
          <input id="find-name" name="name" value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </div>
        <div className="field">
          <label htmlFor="find-dob">Birth date <span className="hint">(YYYY-MM-DD or MM/DD/YYYY)</span></label>
          <input id="find-dob" name="birthDate" value={birthDate} onChange={(e) => setBirthDate(e.target.value)} inputMode="numeric" />
        </div>
        <div className="field">
          <label htmlFor="find-id">Identifier <span className="hint">(medical record or registry number)</span></label>
          <input id="find-id" name="identifier" value={identifier} onChange={(e) => setIdentifier(e.target.value)} />
        </div>
        <div className="actions"><button type="submit" className="primary">Search</button></div>
      </form>
      <ErrorLine error={error} />
      {loading && <p role="status">Searching…</p>}
      {data && (
        <>
          <h2 id="results-heading">{data.patients.length ? `${data.patients.length} patient${data.patients.length === 1 ? '' : 's'} found` : 'No patient found'}</h2>
          {data.patients.length === 0 && <p>Check the spelling, try only the last name, or search by birth date.</p>}
          {data.patients.length > 0 && (
            <table aria-labelledby="results-heading">
              <thead><tr><th scope="col">Name</th><th scope="col">Birth date</th><th scope="col">Sex</th><th scope="col">City</th><th scope="col">Identifiers</th></tr></thead>
              <tbody>
                {data.patients.map((p) => (
                  <tr key={p.id}>
                    <td><Link to={`/patients/${p.id}`} data-testid="patient-result">{[p.familyName?.toUpperCase(), [p.givenName, p.middleName].filter(Boolean).join(' ')].filter(Boolean).join(', ')}</Link>
                      {p.status === 'provisional' && <> <span className="badge status-unknown">Provisional</span></>}</td>
                    <td>{fmtDate(p.birthDate)}{p.birthDateMatch === 'close' && <span className="hint"> (close to the date typed)</span>}</td>
                    <td>{p.sex ? SEX[p.sex] ?? p.sex : '—'}</td>
                    <td>{p.city ?? '—'}</td>
                    <td>{p.identifiers.map((i) => i.value).join(', ') || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

export const routes: PageRoute[] = [{
  path: '/patients', title: 'Find a patient', component: FindPatient, nav: 'Find a patient', navOrder: 10,
  roles: ['provider', 'school', 'registry_admin', 'read_only', 'analyst'],
}];
