import { useState, type FormEvent } from 'react';
import { post } from '../../api.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import type { PageRoute } from '../../routes.ts';
import { ErrorLine, fmtDate, patientName, todayIso, useGet, type PatientRecord } from '../../components/common.tsx';
import { VaccinePicker, type VaccineChoice } from '../../components/VaccinePicker.tsx';

type What = 'refusal' | 'contraindication' | 'immunity' | 'disease_history' | 'condition';
const WHAT: { value: What; label: string; hint: string }[] = [
  { value: 'refusal', label: 'Refusal of a vaccine', hint: 'the patient or parent declined a vaccine' },
  { value: 'contraindication', label: 'Contraindication', hint: 'an allergy, reaction or condition that rules a vaccine out' },
  { value: 'immunity', label: 'Evidence of immunity', hint: 'a laboratory result showing immunity' },
  { value: 'disease_history', label: 'History of disease', hint: 'a provider-verified history of the disease (e.g. chickenpox)' },
  { value: 'condition', label: 'Other condition or risk', hint: 'a condition that changes the schedule (e.g. asplenia, travel)' },
];
// HL7 table NIP002 (refusal reasons), stored as the code like an RXA-18 from a sender.
const REFUSAL_REASONS: [string, string][] = [['00', 'Parental decision'], ['03', 'Patient decision'], ['01', 'Religious exemption'], ['02', 'Other']];

interface ObsCode { code: string; title: string; category: string }

function RecordObservation({ params }: { params: Record<string, string> }) {
  const { search } = useLocation();
  const rec = useGet<PatientRecord>(`/api/v1/patients/${params.id}`);
  const codes = useGet<{ codes: ObsCode[] }>('/api/v1/observation-codes');
  const [what, setWhat] = useState<What>((search.get('what') as What) || 'contraindication');
  const [code, setCode] = useState('');
  const [date, setDate] = useState(todayIso());
  const [note, setNote] = useState('');
  const [vaccine, setVaccine] = useState<VaccineChoice | null>(null);
  const [reason, setReason] = useState(REFUSAL_REASONS[0][0]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const options = (codes.data?.codes ?? []).filter((c) => c.category === what);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true); setError(null);
    try {
      if (what === 'refusal') {
        if (!vaccine) throw new Error('Choose the vaccine that was refused.');
        await post(`/api/v1/patients/${params.id}/refusals`, { date, cvx: vaccine.cvx[0]?.code, vaccine: vaccine.name, reason });
        navigate(`/patients/${params.id}?saved=refusal`);
      } else {
        if (!code) throw new Error('Choose what to record from the list.');
        await post(`/api/v1/patients/${params.id}/observations`, { category: what, code, date, ...(note.trim() ? { text: note.trim() } : {}) });
        navigate(`/patients/${params.id}?saved=observation`);
      }
    } catch (err) { setError(err); } finally { setBusy(false); }
  }

  return (
    <section>
      <p className="no-print"><Link to={`/patients/${params.id}`}>← Back to the record</Link></p>
      <h1>Record for {rec.data ? patientName(rec.data.demographics) : 'patient'}</h1>
      {rec.data && <p>Born {fmtDate(rec.data.demographics.birthDate)}.</p>}
      <ErrorLine error={rec.error} />
      <form onSubmit={submit} className="form">
        <fieldset>
          <legend>What do you want to record?</legend>
          {WHAT.map((w) => (
            <label key={w.value} className="choice">
              <input type="radio" name="what" value={w.value} checked={what === w.value} onChange={() => { setWhat(w.value); setCode(''); }} />
              <span><strong>{w.label}</strong> <span className="hint">— {w.hint}</span></span>
            </label>
          ))}
        </fieldset>
        {what === 'refusal' ? (
          <>
            <VaccinePicker value={vaccine} onChange={setVaccine} label="Vaccine refused" />
            <div className="field">
              <label htmlFor="refusal-reason">Reason</label>
              <select id="refusal-reason" value={reason} onChange={(e) => setReason(e.target.value)}>
                {REFUSAL_REASONS.map(([code, label]) => <option key={code} value={code}>{label}</option>)}
              </select>
            </div>
          </>
        ) : (
          <div className="field">
            <label htmlFor="obs-code">{WHAT.find((w) => w.value === what)?.label}</label>
            <select id="obs-code" value={code} onChange={(e) => setCode(e.target.value)} required>
              <option value="">— choose —</option>
              {options.map((c) => <option key={c.code} value={c.code}>{c.title}</option>)}
            </select>
            {codes.loading && <span className="hint">Loading the list…</span>}
          </div>
        )}
        <div className="form-grid">
          <div className="field">
            <label htmlFor="obs-date">Date</label>
            <input id="obs-date" type="date" required max={todayIso()} value={date} onChange={(e) => setDate(e.target.value)} />
          </div>
          {what !== 'refusal' && (
            <div className="field">
              <label htmlFor="obs-note">Note <span className="hint">(optional)</span></label>
              <input id="obs-note" value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} />
            </div>
          )}
        </div>
        <ErrorLine error={error} />
        <div className="actions"><button type="submit" className="primary" disabled={busy}>{busy ? 'Saving…' : 'Save'}</button></div>
      </form>
    </section>
  );
}

export const routes: PageRoute[] = [{ path: '/patients/:id/observations/new', title: 'Record refusal, contraindication, immunity or disease history', component: RecordObservation, roles: ['provider', 'school', 'registry_admin'] }];
