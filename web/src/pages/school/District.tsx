// A district's schools and its reports: the annual survey (CSV, PDF) and the outbreak list across schools.
import { useState } from 'react';
import { Link } from '../../router.tsx';
import type { PageRoute } from '../../routes.ts';
import { ErrorLine, useGet } from '../../components/common.tsx';
import { YearPicker, packYears, yearQuery, type SchoolsAnswer } from './shared.tsx';

interface Survey { title: string; schoolYear: string; asOf: string; pack: string; enrolled: number; rows: { grade: string; vaccine: string; enrolled: number; compliant: number; inProcess: number; medicalExemption: number; religiousExemption: number; otherExemption: number; notCompliant: number }[] }

function District({ params }: { params: Record<string, string> }) {
  const schools = useGet<SchoolsAnswer>('/api/v1/schools');
  const [year, setYear] = useState('');
  const schoolYear = year || schools.data?.defaultSchoolYear || '';
  const survey = useGet<Survey>(schoolYear ? `/api/v1/districts/${params.id}/survey${yearQuery(schoolYear)}` : null);
  const mine = (schools.data?.items ?? []).filter((s) => String(s.parentId) === params.id);
  const base = `/api/v1/districts/${params.id}`;
  return (
    <section>
      <h1>{survey.data?.title ?? 'District'}</h1>
      <ErrorLine error={schools.error ?? survey.error} />
      <div className="form-grid"><YearPicker years={packYears(schools.data?.packs ?? [])} value={schoolYear} onChange={setYear} /></div>
      <div className="actions">
        <a href={`${base}/survey.csv${yearQuery(schoolYear)}`} data-testid="district-survey-csv">Survey (CSV)</a>
        <a href={`${base}/survey.pdf${yearQuery(schoolYear)}`} target="_blank" rel="noreferrer" data-testid="district-survey-pdf">Survey (PDF)</a>
        <Link to={`/districts/${params.id}/outbreak${yearQuery(schoolYear)}`}>Outbreak list</Link>
      </div>
      <h2>Schools</h2>
      <ul className="card-list">{mine.map((s) => <li key={s.id}><Link to={`/schools/${s.id}${yearQuery(schoolYear)}`}>{s.name} ({s.enrolled[schoolYear] ?? 0})</Link></li>)}</ul>
      {survey.loading && <p role="status">Counting every student…</p>}
      {survey.data && (
        <table aria-label="Survey counts">
          <caption>Survey {survey.data.schoolYear}: {survey.data.enrolled} students enrolled</caption>
          <thead><tr><th scope="col">Grade</th><th scope="col">Vaccine</th><th scope="col">Enrolled</th><th scope="col">Compliant</th><th scope="col">In process</th><th scope="col">Medical</th><th scope="col">Religious</th><th scope="col">Not compliant</th></tr></thead>
          <tbody>{survey.data.rows.map((r, i) => <tr key={i}><td>{r.grade}</td><td>{r.vaccine === 'ALL' ? <strong>All</strong> : r.vaccine}</td><td>{r.enrolled}</td><td>{r.compliant}</td><td>{r.inProcess}</td><td>{r.medicalExemption}</td><td>{r.religiousExemption}</td><td>{r.notCompliant}</td></tr>)}</tbody>
        </table>
      )}
    </section>
  );
}

export const routes: PageRoute[] = [{ path: '/districts/:id', title: 'District', component: District, roles: ['school', 'access_admin', 'registry_admin'] }];
