// Upload the school's roster (CSV): each student is matched to the registry and enrolled for the school year.
import { useState, type FormEvent } from 'react';
import { post } from '../../api.ts';
import { Link } from '../../router.tsx';
import type { PageRoute } from '../../routes.ts';
import { ErrorLine, useGet } from '../../components/common.tsx';
import { YearPicker, packYears, yearQuery, type SchoolsAnswer } from './shared.tsx';

interface ImportAnswer {
  importId: number; rows: number; schoolYear: string; note?: string;
  counts: { match: number; possible: number; new: number; alreadyEnrolled: number; moved: number; needsHistory: number; withdrawn: number; errors: number };
  errors: { line: number; field?: string; message: string }[];
  students: { line: number; studentId: string; patientId: number; match: string; outcome: string; needsHistory: boolean }[];
}

function RosterUpload({ params }: { params: Record<string, string> }) {
  const schools = useGet<SchoolsAnswer>('/api/v1/schools');
  const school = schools.data?.items.find((s) => String(s.id) === params.id);
  const [year, setYear] = useState('');
  const [startDate, setStartDate] = useState('');
  const [replace, setReplace] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ImportAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const schoolYear = year || schools.data?.defaultSchoolYear || '';

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file) { setError(new Error('Choose the roster file (CSV) first.')); return; }
    setBusy(true); setError(null); setResult(null);
    try {
      const csv = await file.text();
      setResult(await post<ImportAnswer>(`/api/v1/schools/${params.id}/roster${yearQuery(schoolYear, { startDate, replace: replace ? 'true' : undefined })}`, { csv }));
    } catch (err) { setError(err); } finally { setBusy(false); }
  }

  return (
    <section>
      <h1>Upload the roster{school ? `: ${school.name}` : ''}</h1>
      <p>A CSV file with a header row: <code>student_id, first_name, last_name, birth_date, sex, grade</code>, and when known <code>address, city, state, zip, guardian, guardian_phone</code>. Each student is matched to the registry; a student already enrolled elsewhere is moved here (the earlier enrollment is kept as history).</p>
      <form onSubmit={submit} className="form-grid" aria-label="Roster upload">
        <YearPicker years={packYears(schools.data?.packs ?? [])} value={schoolYear} onChange={setYear} />
        <div className="field"><label htmlFor="start">Enrolled from</label><input id="start" type="date" value={startDate} onChange={(e) => setStartDate(e.target.value)} /><span className="hint">Empty: today, or the first day of that school year</span></div>
        <div className="field"><label htmlFor="roster-file">Roster file (CSV)</label><input id="roster-file" type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} /></div>
        <div className="field"><label><input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} /> Students missing from this file have left the school</label></div>
        <div className="actions"><button type="submit" className="primary" disabled={busy}>{busy ? 'Importing…' : 'Import roster'}</button></div>
      </form>
      <ErrorLine error={error} />
      {result && (
        <div data-testid="roster-result">
          <p className="alert alert-ok" role="status">
            {result.rows} student{result.rows === 1 ? '' : 's'} read for {result.schoolYear}: {result.counts.match} found in the registry, {result.counts.possible} possible match{result.counts.possible === 1 ? '' : 'es'} sent for review,
            {' '}{result.counts.new} new record{result.counts.new === 1 ? '' : 's'}, {result.counts.alreadyEnrolled} already enrolled, {result.counts.moved} moved from another school or year.
            {result.counts.withdrawn ? ` ${result.counts.withdrawn} withdrawn.` : ''}
          </p>
          {result.counts.needsHistory > 0 && <p className="alert alert-warn">{result.counts.needsHistory} student(s) have no dose in the registry: open them from the school list (marked “No record yet”) and copy the doses from their paper certificate.</p>}
          {result.note && <p className="alert alert-info">{result.note}</p>}
          {result.errors.length > 0 && (
            <>
              <h2>{result.errors.length} problem{result.errors.length === 1 ? '' : 's'} in the file (these rows were not imported)</h2>
              <table aria-label="Roster errors"><thead><tr><th scope="col">Line</th><th scope="col">Column</th><th scope="col">Problem</th></tr></thead>
                <tbody>{result.errors.map((e, i) => <tr key={i}><td>{e.line}</td><td>{e.field ?? ''}</td><td>{e.message}</td></tr>)}</tbody></table>
            </>
          )}
          <p><Link to={`/schools/${params.id}${yearQuery(result.schoolYear)}`} data-testid="to-compliance">See the school's compliance</Link></p>
        </div>
      )}
    </section>
  );
}

export const routes: PageRoute[] = [{ path: '/schools/:id/roster', title: 'Upload the roster', component: RosterUpload, roles: ['school', 'access_admin', 'registry_admin'] }];
