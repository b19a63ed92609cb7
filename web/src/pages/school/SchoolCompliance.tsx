// One school at a glance: counts by status for the whole school or one grade, a list filterable by status,
// and the printouts (certificates and letters for the class, the annual survey).
import { useState } from 'react';
import { Link, navigate, useLocation } from '../../router.tsx';
import type { PageRoute } from '../../routes.ts';
import { ErrorLine, fmtDate, useGet } from '../../components/common.tsx';
import { STATUSES, STATUS_LABEL, StatusBadge, YearPicker, gradeLabel, packYears, yearQuery, type SchoolsAnswer } from './shared.tsx';

interface Compliance {
  school: { id: number; name: string }; schoolYear: string; asOf: string; pack: string; note?: string; grade: string | null; grades: string[];
  counts: Record<string, number>;
  byGrade: ({ grade: string; enrolled: number } & Record<string, number>)[];
  students: { patientId: number; studentId: string; name: string; grade: string; dob: string; status: string; needsHistory: boolean; open: { vaccine: string; status: string; earliestNextDose?: string }[] }[];
  problems: { studentId: string; message: string }[];
}

function SchoolCompliance({ params }: { params: Record<string, string> }) {
  const { search } = useLocation();
  const id = params.id;
  const schools = useGet<SchoolsAnswer>('/api/v1/schools');
  const schoolYear = search.get('schoolYear') ?? schools.data?.defaultSchoolYear ?? '';
  const grade = search.get('grade') ?? '';
  const status = search.get('status') ?? '';
  const url = schoolYear ? `/api/v1/schools/${id}/compliance${yearQuery(schoolYear, { grade, status })}` : null;
  const { data, error, loading } = useGet<Compliance>(url);
  // Long lists show the first rows until asked (a whole school can be a thousand students).
  const [showAll, setShowAll] = useState(false);
  const PAGE = 100;
  const go = (p: Record<string, string>) => navigate(`/schools/${id}${yearQuery(p.schoolYear ?? schoolYear, { grade: p.grade ?? grade, status: p.status ?? status })}`, { replace: true });
  const base = `/api/v1/schools/${id}`;
  return (
    <section>
      <h1>{data?.school.name ?? 'School'}: immunization compliance</h1>
      <ErrorLine error={error ?? schools.error} />
      <div className="form-grid no-print" role="group" aria-label="What to show">
        <YearPicker years={packYears(schools.data?.packs ?? [])} value={schoolYear} onChange={(y) => go({ schoolYear: y })} />
        <div className="field">
          <label htmlFor="grade">Grade</label>
          <select id="grade" value={grade} onChange={(e) => go({ grade: e.target.value })}>
            <option value="">Whole school</option>
            {(data?.grades ?? []).map((g) => <option key={g} value={g}>{gradeLabel(g)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="status">Status</label>
          <select id="status" value={status} onChange={(e) => go({ status: e.target.value })}>
            <option value="">Every status</option>
            {STATUSES.map((s) => <option key={s} value={s}>{STATUS_LABEL[s]}</option>)}
          </select>
        </div>
      </div>
      {loading && <p role="status">Evaluating every student…</p>}
      {data && (
        <>
          <p className="muted">As of {fmtDate(data.asOf)} · requirements {data.pack}{data.note ? ` · ${data.note}` : ''}</p>
          <div className="summary-line" data-testid="counts" aria-label="Counts">
            <span className="badge status-none">Enrolled: {data.counts.enrolled}</span>
            {STATUSES.map((s) => (
              <button key={s} type="button" className="link-button" onClick={() => go({ status: status === s ? '' : s })} aria-pressed={status === s}>
                <StatusBadge status={s} /> {data.counts[s] ?? 0}
              </button>
            ))}
            {data.counts.needsHistory > 0 && <span className="badge status-due">No record yet: {data.counts.needsHistory}</span>}
          </div>
          <div className="actions no-print">
            <Link to={`/schools/${id}/roster`}>Upload a roster</Link>
            <Link to={`/schools/${id}/outbreak${yearQuery(schoolYear)}`}>Outbreak list</Link>
            <a href={`${base}/survey.csv${yearQuery(schoolYear)}`} data-testid="survey-csv">Survey (CSV)</a>
            <a href={`${base}/survey.pdf${yearQuery(schoolYear)}`} target="_blank" rel="noreferrer" data-testid="survey-pdf">Survey (PDF)</a>
            {grade && <a href={`${base}/certificates.pdf${yearQuery(schoolYear, { grade, status })}`} target="_blank" rel="noreferrer" data-testid="class-certificates">Print certificates: {gradeLabel(grade)}{status ? ` (${STATUS_LABEL[status]})` : ''}</a>}
            {grade && <a href={`${base}/letters.pdf${yearQuery(schoolYear, { grade })}`} target="_blank" rel="noreferrer" data-testid="class-letters">Parent letters: {gradeLabel(grade)}</a>}
            {!grade && <span className="hint">Choose a grade to print its certificates and letters.</span>}
          </div>
          {!grade && (
            <table aria-label="By grade">
              <caption>By grade</caption>
              <thead><tr><th scope="col">Grade</th><th scope="col">Enrolled</th>{STATUSES.map((s) => <th key={s} scope="col">{STATUS_LABEL[s]}</th>)}</tr></thead>
              <tbody>
                {data.byGrade.map((g) => (
                  <tr key={g.grade}>
                    <td><button type="button" className="link-button" onClick={() => go({ grade: g.grade })}>{gradeLabel(g.grade)}</button></td>
                    <td>{g.enrolled}</td>{STATUSES.map((s) => <td key={s}>{g[s] ?? 0}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2 id="students-heading">{data.students.length} student{data.students.length === 1 ? '' : 's'}{grade ? ` in ${gradeLabel(grade)}` : ''}{status ? `, ${STATUS_LABEL[status].toLowerCase()}` : ''}</h2>
          <table aria-labelledby="students-heading" data-testid="student-list">
            <thead><tr><th scope="col">Student</th><th scope="col">ID</th><th scope="col">Grade</th><th scope="col">Birth date</th><th scope="col">Status</th><th scope="col">Open requirements</th></tr></thead>
            <tbody>
              {(showAll ? data.students : data.students.slice(0, PAGE)).map((s) => (
                <tr key={s.patientId}>
                  <td><Link to={`/schools/${id}/students/${s.patientId}${yearQuery(schoolYear)}`}>{s.name || '(no name)'}</Link>{s.needsHistory && <> <span className="badge status-due">No record yet</span></>}</td>
                  <td>{s.studentId}</td><td>{s.grade}</td><td>{fmtDate(s.dob)}</td>
                  <td><StatusBadge status={s.status} /></td>
                  <td>{s.open.map((v) => `${v.vaccine} (${STATUS_LABEL[v.status] ?? v.status}${v.earliestNextDose ? `, next ${fmtDate(v.earliestNextDose)}` : ''})`).join('; ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {!showAll && data.students.length > PAGE && <p><button type="button" onClick={() => setShowAll(true)}>Show all {data.students.length} students</button> <span className="hint">(showing the first {PAGE})</span></p>}
          {data.problems.length > 0 && <p className="alert alert-warn">{data.problems.length} student record(s) could not be evaluated: {data.problems.map((p) => `${p.studentId}: ${p.message}`).join('; ')}</p>}
        </>
      )}
    </section>
  );
}

export const routes: PageRoute[] = [{ path: '/schools/:id', title: 'School compliance', component: SchoolCompliance, roles: ['school', 'access_admin', 'registry_admin'] }];
