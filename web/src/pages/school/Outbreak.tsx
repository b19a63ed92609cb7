// Outbreak list for a disease, for one school or a whole district: every student not immune, exempt ones
// included with the reason, and the exclusion dates when an exposure date is given.
import { useState, type FormEvent } from 'react';
import { navigate, useLocation } from '../../router.tsx';
import type { PageRoute } from '../../routes.ts';
import { ErrorLine, fmtDate, useGet } from '../../components/common.tsx';
import { StatusBadge, yearQuery } from './shared.tsx';

const DISEASES = ['measles', 'mumps', 'rubella', 'varicella', 'pertussis', 'diphtheria', 'tetanus', 'polio', 'hepatitis b', 'meningococcal', 'hib', 'hepatitis a'];

interface OutbreakAnswer {
  disease: string; schoolYear: string; asOf: string; exposureDate: string | null; enrolled: number; count: number;
  students: { studentId: string; name: string; grade: string; vaccine: string; status: string; reason: string; excludeFrom?: string; excludeThrough?: string; school?: string; patientId?: number }[];
}

function Outbreak({ params, kind }: { params: Record<string, string>; kind: 'schools' | 'districts' }) {
  const { search } = useLocation();
  const [disease, setDisease] = useState(search.get('disease') ?? 'measles');
  const [exposure, setExposure] = useState(search.get('exposureDate') ?? '');
  const schoolYear = search.get('schoolYear');
  const q = search.get('disease') ? yearQuery(schoolYear, { disease: search.get('disease'), exposureDate: search.get('exposureDate') }) : null;
  const api = `/api/v1/${kind}/${params.id}/outbreak`;
  const { data, error, loading } = useGet<OutbreakAnswer>(q ? `${api}${q}` : null);
  function submit(e: FormEvent) {
    e.preventDefault();
    navigate(`/${kind}/${params.id}/outbreak${yearQuery(schoolYear, { disease, exposureDate: exposure })}`, { replace: true });
  }
  return (
    <section>
      <h1>Outbreak list</h1>
      <form onSubmit={submit} className="form-grid" aria-label="Outbreak list">
        <div className="field"><label htmlFor="disease">Disease</label>
          <select id="disease" value={disease} onChange={(e) => setDisease(e.target.value)}>{DISEASES.map((d) => <option key={d} value={d}>{d}</option>)}</select></div>
        <div className="field"><label htmlFor="exposure">Exposure date <span className="hint">(optional: gives exclusion dates)</span></label>
          <input id="exposure" type="date" value={exposure} onChange={(e) => setExposure(e.target.value)} /></div>
        <div className="actions"><button type="submit" className="primary">List students</button></div>
      </form>
      <ErrorLine error={error} />
      {loading && <p role="status">Evaluating every student…</p>}
      {data && (
        <>
          <h2 id="outbreak-heading">{data.count} of {data.enrolled} students not immune to {data.disease} ({data.schoolYear}, as of {fmtDate(data.asOf)})</h2>
          <p className="no-print"><a href={`${api}${q}&format=csv`} data-testid="outbreak-csv">Download (CSV)</a> · <button type="button" className="link-button" onClick={() => window.print()}>Print</button></p>
          <table aria-labelledby="outbreak-heading" data-testid="outbreak-list">
            <thead><tr>{kind === 'districts' && <th scope="col">School</th>}<th scope="col">Student</th><th scope="col">ID</th><th scope="col">Grade</th><th scope="col">Status</th><th scope="col">Reason</th>{data.exposureDate && <th scope="col">Exclude</th>}</tr></thead>
            <tbody>{data.students.map((s, i) => (
              <tr key={i}>{kind === 'districts' && <td>{s.school}</td>}<td>{s.name}</td><td>{s.studentId}</td><td>{s.grade}</td><td><StatusBadge status={s.status} /></td><td>{s.reason}</td>
                {data.exposureDate && <td>{s.excludeFrom ? `${fmtDate(s.excludeFrom)} – ${fmtDate(s.excludeThrough)}` : '—'}</td>}</tr>
            ))}</tbody>
          </table>
        </>
      )}
    </section>
  );
}

export const routes: PageRoute[] = [
  { path: '/schools/:id/outbreak', title: 'Outbreak list', component: (p) => <Outbreak {...p} kind="schools" />, roles: ['school', 'access_admin', 'registry_admin'] },
  { path: '/districts/:id/outbreak', title: 'District outbreak list', component: (p) => <Outbreak {...p} kind="districts" />, roles: ['school', 'access_admin', 'registry_admin'] },
];
