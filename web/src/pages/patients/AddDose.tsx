import { useRef, useState, type FormEvent } from 'react';
import { ApiError, post } from '../../api.ts';
import { Link, navigate } from '../../router.tsx';
import type { PageRoute } from '../../routes.ts';
import { ErrorLine, fmtDate, patientName, todayIso, useGet, type PatientRecord } from '../../components/common.tsx';
import { VaccinePicker, type VaccineChoice } from '../../components/VaccinePicker.tsx';

interface Warning { cvx: string; verdict: string; message: string; reasons: string[]; earliestDate?: string }

function AddDose({ params }: { params: Record<string, string> }) {
  const rec = useGet<PatientRecord>(`/api/v1/patients/${params.id}`);
  const [vaccine, setVaccine] = useState<VaccineChoice | null>(null);
  const [date, setDate] = useState(todayIso());
  const [historical, setHistorical] = useState(false);
  const [lotNumber, setLot] = useState('');
  const [warnings, setWarnings] = useState<Warning[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const warningRef = useRef<HTMLDivElement>(null);

  async function save(override: boolean) {
    if (!vaccine) { setError(new Error('Choose the vaccine first.')); return; }
    setBusy(true); setError(null);
    try {
      await post(`/api/v1/patients/${params.id}/vaccinations`, {
        date, cvx: vaccine.cvx.map((c) => c.code), historical, override,
        ...(vaccine.source !== 'cvx' ? { tradeName: vaccine.name } : {}), ...(lotNumber.trim() ? { lotNumber: lotNumber.trim() } : {}),
      });
      navigate(`/patients/${params.id}?saved=dose`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && (e.body as any)?.requiresOverride) {
        setWarnings((e.body as any).warnings as Warning[]);
        setTimeout(() => warningRef.current?.focus(), 0);
      } else setError(e);
    } finally { setBusy(false); }
  }
  function submit(e: FormEvent) { e.preventDefault(); setWarnings(null); void save(false); }

  return (
    <section>
      <p className="no-print"><Link to={`/patients/${params.id}`}>← Back to the record</Link></p>
      <h1>Add a dose{rec.data ? ` for ${patientName(rec.data.demographics)}` : ''}</h1>
      {rec.data && <p>Born {fmtDate(rec.data.demographics.birthDate)}.</p>}
      <ErrorLine error={rec.error} />
      <form onSubmit={submit} className="form">
        <VaccinePicker value={vaccine} onChange={(v) => { setVaccine(v); setWarnings(null); }} />
        <fieldset>
          <legend>Was the dose given here?</legend>
          <label className="choice"><input type="radio" name="origin" checked={!historical} onChange={() => setHistorical(false)} /> Given now by us (administered)</label>
          <label className="choice"><input type="radio" name="origin" checked={historical} onChange={() => setHistorical(true)} /> Given before, elsewhere (historical, e.g. from a paper or foreign record)</label>
        </fieldset>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="dose-date">Date given</label>
            <input id="dose-date" type="date" required max={todayIso()} value={date} onChange={(e) => { setDate(e.target.value); setWarnings(null); }} />
          </div>
          <div className="field">
            <label htmlFor="dose-lot">Lot number <span className="hint">(optional)</span></label>
            <input id="dose-lot" value={lotNumber} onChange={(e) => setLot(e.target.value)} />
          </div>
        </div>
        <ErrorLine error={error} />
        {warnings && (
          <div className="alert alert-warn" role="alert" tabIndex={-1} ref={warningRef} data-testid="dose-warning">
            <p><strong>Warning before saving:</strong></p>
            <ul>
              {warnings.map((w, i) => (
                <li key={i}>{w.message}
                  {w.reasons.length > 0 && <ul>{w.reasons.map((r, j) => <li key={j}>{r}</li>)}</ul>}
                  {w.earliestDate && <p>It would count from {fmtDate(w.earliestDate)}.</p>}
                </li>
              ))}
            </ul>
            <div className="actions" style={{ display: 'flex' }}>
              <button type="button" className="danger" disabled={busy} onClick={() => void save(true)}>Save this dose anyway</button>
              <button type="button" onClick={() => setWarnings(null)}>Do not save</button>
            </div>
          </div>
        )}
        {!warnings && <div className="actions"><button type="submit" className="primary" disabled={busy || !vaccine}>{busy ? 'Checking…' : 'Check and save the dose'}</button></div>}
      </form>
    </section>
  );
}

export const routes: PageRoute[] = [{ path: '/patients/:id/doses/new', title: 'Add a dose', component: AddDose, roles: ['provider', 'school', 'registry_admin'] }];
