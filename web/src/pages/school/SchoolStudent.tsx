// One student: the school requirements in plain words, the doses on file, exemptions (record with expiry,
// remove), doses copied from the paper certificate (historical), and the student's certificate and letter.
import { useState, type FormEvent } from 'react';
import { del, post } from '../../api.ts';
import { Link, useLocation } from '../../router.tsx';
import type { PageRoute } from '../../routes.ts';
import { ErrorLine, fmtDate, useGet } from '../../components/common.tsx';
import { StatusBadge, gradeLabel, yearQuery } from './shared.tsx';

interface Student {
  school: { id: number; name: string }; schoolYear: string; asOf: string; pack: string;
  student: { patientId: number; studentId: string; name: string; dob: string; sex: string | null; grade: string; needsHistory: boolean };
  status: string;
  plain: { summary: string; requirements: { vaccine: string; name: string; status: string; sentence: string }[] };
  doses: { date: string; cvx: string; historical: boolean }[];
  exemptions: { id: number; type: string; vaccine: string | null; signedDate: string | null; expires: string | null; permanent: boolean; note: string | null; recordedBy: string }[];
  exemptionTypes: { type: string; label: string; perVaccine: boolean; permanentAllowed: boolean }[];
  vaccines: string[];
  enrollments: { school: string; schoolYear: string; grade: string; studentId: string; startDate: string; endDate: string | null; active: boolean }[];
}

// Vaccines a paper school certificate usually lists, by CVX (any other CVX code can be typed).
const COMMON_CVX: [string, string][] = [
  ['20', 'DTaP'], ['106', 'DTaP (5 pertussis antigens)'], ['115', 'Tdap'], ['09', 'Td'], ['10', 'IPV (polio)'], ['02', 'OPV (oral polio)'],
  ['03', 'MMR'], ['94', 'MMRV'], ['21', 'Varicella'], ['08', 'Hepatitis B (pediatric)'], ['43', 'Hepatitis B (adult)'], ['189', 'Heplisav-B'],
  ['114', 'MenACWY (Menactra)'], ['136', 'MenACWY (Menveo)'], ['203', 'MenACWY (MenQuadfi)'], ['48', 'Hib (PRP-T)'], ['49', 'Hib (PRP-OMP)'],
  ['110', 'DTaP-HepB-IPV'], ['120', 'DTaP-Hib-IPV'], ['130', 'DTaP-IPV'], ['146', 'DTaP-IPV-Hib-HepB'],
];

function SchoolStudent({ params }: { params: Record<string, string> }) {
  const { search } = useLocation();
  const schoolYear = search.get('schoolYear') ?? '';
  const base = `/api/v1/schools/${params.id}/students/${params.patientId}`;
  const { data, error, loading, reload } = useGet<Student>(`${base}${yearQuery(schoolYear)}`);
  const [msg, setMsg] = useState<{ ok?: string; error?: unknown }>({});
  const [ex, setEx] = useState({ type: '', vaccine: '', signedDate: '', expires: '', permanent: false, note: '' });
  const [doses, setDoses] = useState([{ date: '', cvx: '' }]);

  async function addExemption(e: FormEvent) {
    e.preventDefault();
    try {
      await post(`${base}/exemptions${yearQuery(schoolYear)}`, { ...ex, vaccine: ex.vaccine || undefined, signedDate: ex.signedDate || undefined, expires: ex.expires || undefined, note: ex.note || undefined });
      setMsg({ ok: 'Exemption recorded.' });
      setEx({ type: '', vaccine: '', signedDate: '', expires: '', permanent: false, note: '' });
      reload();
    } catch (err) { setMsg({ error: err }); }
  }
  async function removeExemption(id: number) {
    try { await del(`${base}/exemptions/${id}${yearQuery(schoolYear)}`); setMsg({ ok: 'Exemption removed.' }); reload(); } catch (err) { setMsg({ error: err }); }
  }
  async function addDoses(e: FormEvent) {
    e.preventDefault();
    try {
      const r = await post<{ stored: unknown[]; alreadyOnFile: unknown[] }>(`${base}/historical-doses${yearQuery(schoolYear)}`, { doses: doses.filter((d) => d.date || d.cvx) });
      setMsg({ ok: `${r.stored.length} historical dose(s) recorded${r.alreadyOnFile.length ? `, ${r.alreadyOnFile.length} already on file` : ''}.` });
      setDoses([{ date: '', cvx: '' }]);
      reload();
    } catch (err) { setMsg({ error: err }); }
  }

  const rule = data?.exemptionTypes.find((t) => t.type === ex.type);
  return (
    <section>
      <ErrorLine error={error} />
      {loading && !data && <p role="status">Loading…</p>}
      {data && (
        <>
          <div className="record-head">
            <div>
              <h1>{data.student.name}</h1>
              <p className="muted">{data.school.name} · {gradeLabel(data.student.grade)} · student ID {data.student.studentId} · born {fmtDate(data.student.dob)}</p>
            </div>
            <div className="actions">
              <a className="button-link" href={`${base}/certificate.pdf${yearQuery(data.schoolYear)}`} target="_blank" rel="noreferrer" data-testid="student-certificate">Print certificate</a>
              <a href={`${base}/letter.pdf${yearQuery(data.schoolYear)}`} target="_blank" rel="noreferrer">Parent letter</a>
              <Link to={`/schools/${data.school.id}${yearQuery(data.schoolYear)}`}>Back to the school</Link>
            </div>
          </div>
          <p className="alert alert-info" data-testid="student-summary"><StatusBadge status={data.status} /> {data.plain.summary}</p>
          {data.student.needsHistory && <p className="alert alert-warn">The registry has no dose for this student: copy the doses from the paper certificate below.</p>}
          {msg.ok && <p className="alert alert-ok" role="status">{msg.ok}</p>}
          <ErrorLine error={msg.error} />
          <h2>Requirements ({data.pack}, as of {fmtDate(data.asOf)})</h2>
          <ul className="requirements" data-testid="requirements">
            {data.plain.requirements.map((r) => <li key={r.vaccine}><StatusBadge status={r.status} /> <strong>{r.name}</strong>: {r.sentence}</li>)}
          </ul>
          <h2>Doses on file</h2>
          {data.doses.length === 0 ? <p>None.</p> : (
            <table aria-label="Doses on file"><thead><tr><th scope="col">Date given</th><th scope="col">CVX</th><th scope="col">Record</th></tr></thead>
              <tbody>{data.doses.map((d, i) => <tr key={i}><td>{fmtDate(d.date)}</td><td>{COMMON_CVX.find((c) => Number(c[0]) === Number(d.cvx))?.[1] ?? ''} (CVX {d.cvx})</td><td>{d.historical ? 'Historical' : 'Administered'}</td></tr>)}</tbody>
            </table>
          )}
          <form onSubmit={addDoses} aria-label="Add doses from the paper certificate">
            <fieldset>
              <legend>Add doses from the paper certificate (historical)</legend>
              {doses.map((d, i) => (
                <div className="form-grid" key={i}>
                  <div className="field"><label htmlFor={`hd-date-${i}`}>Date given</label>
                    <input id={`hd-date-${i}`} type="date" value={d.date} onChange={(e) => setDoses(doses.map((x, j) => (j === i ? { ...x, date: e.target.value } : x)))} /></div>
                  <div className="field"><label htmlFor={`hd-cvx-${i}`}>Vaccine</label>
                    <select id={`hd-cvx-${i}`} value={d.cvx} onChange={(e) => setDoses(doses.map((x, j) => (j === i ? { ...x, cvx: e.target.value } : x)))}>
                      <option value="">Choose…</option>
                      {COMMON_CVX.map(([c, n]) => <option key={c} value={c}>{n} (CVX {c})</option>)}
                    </select></div>
                </div>
              ))}
              <div className="actions">
                <button type="button" onClick={() => setDoses([...doses, { date: '', cvx: '' }])}>Another dose</button>
                <button type="submit" className="primary">Save historical doses</button>
              </div>
            </fieldset>
          </form>
          <h2>Exemptions</h2>
          {data.exemptions.length === 0 ? <p>None on file.</p> : (
            <table aria-label="Exemptions"><thead><tr><th scope="col">Type</th><th scope="col">Vaccine</th><th scope="col">Signed</th><th scope="col">Expires</th><th scope="col">Recorded by</th><th scope="col"></th></tr></thead>
              <tbody>{data.exemptions.map((x) => (
                <tr key={x.id}><td>{data.exemptionTypes.find((t) => t.type === x.type)?.label ?? x.type}</td><td>{x.vaccine ?? 'All'}</td><td>{fmtDate(x.signedDate)}</td>
                  <td>{x.permanent ? 'Permanent' : fmtDate(x.expires)}</td><td>{x.recordedBy}</td>
                  <td><button type="button" className="danger" onClick={() => void removeExemption(x.id)}>Remove</button></td></tr>
              ))}</tbody>
            </table>
          )}
          <form onSubmit={addExemption} aria-label="Record an exemption">
            <fieldset>
              <legend>Record an exemption</legend>
              <div className="form-grid">
                <div className="field"><label htmlFor="ex-type">Type</label>
                  <select id="ex-type" value={ex.type} onChange={(e) => setEx({ ...ex, type: e.target.value })} required>
                    <option value="">Choose…</option>
                    {data.exemptionTypes.map((t) => <option key={t.type} value={t.type}>{t.label}</option>)}
                  </select></div>
                <div className="field"><label htmlFor="ex-vaccine">Vaccine {rule?.perVaccine ? '' : <span className="hint">(empty = all)</span>}</label>
                  <select id="ex-vaccine" value={ex.vaccine} onChange={(e) => setEx({ ...ex, vaccine: e.target.value })} required={rule?.perVaccine}>
                    <option value="">{rule?.perVaccine ? 'Choose…' : 'All vaccines'}</option>
                    {data.vaccines.map((v) => <option key={v} value={v}>{v}</option>)}
                  </select></div>
                <div className="field"><label htmlFor="ex-signed">Signed on</label>
                  <input id="ex-signed" type="date" value={ex.signedDate} onChange={(e) => setEx({ ...ex, signedDate: e.target.value })} /></div>
                <div className="field"><label htmlFor="ex-expires">Expires on</label>
                  <input id="ex-expires" type="date" value={ex.expires} onChange={(e) => setEx({ ...ex, expires: e.target.value })} disabled={ex.permanent} /></div>
                {rule?.permanentAllowed && (
                  <div className="field"><label><input type="checkbox" checked={ex.permanent} onChange={(e) => setEx({ ...ex, permanent: e.target.checked, expires: '' })} /> Permanent</label></div>
                )}
                <div className="field"><label htmlFor="ex-note">Note</label>
                  <input id="ex-note" value={ex.note} onChange={(e) => setEx({ ...ex, note: e.target.value })} /></div>
              </div>
              <div className="actions"><button type="submit" className="primary">Record exemption</button></div>
            </fieldset>
          </form>
          <h2>Schools attended</h2>
          <table aria-label="Schools attended"><thead><tr><th scope="col">School</th><th scope="col">Year</th><th scope="col">Grade</th><th scope="col">From</th><th scope="col">To</th></tr></thead>
            <tbody>{data.enrollments.map((e, i) => <tr key={i}><td>{e.school}</td><td>{e.schoolYear}</td><td>{e.grade}</td><td>{fmtDate(e.startDate)}</td><td>{e.active ? 'current' : fmtDate(e.endDate)}</td></tr>)}</tbody>
          </table>
        </>
      )}
    </section>
  );
}

export const routes: PageRoute[] = [{ path: '/schools/:id/students/:patientId', title: 'Student requirements', component: SchoolStudent, roles: ['school', 'access_admin', 'registry_admin'] }];
