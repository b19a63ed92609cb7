// One possible match, side by side: both people's demographics with what agrees and what differs, and their
// doses, so registry staff can decide. "Same person — merge" moves the incoming record into the one already in
// the registry (undoable from the patient's merges); "Different people — keep apart" makes it a patient of its own.
import { useState, type ReactNode } from 'react';
import { post } from '../../api.ts';
import { Link } from '../../router.tsx';
import type { PageRoute } from '../../routes.ts';
import { Badge, ErrorLine, fmtDate, patientName, useGet, type PatientRecord } from '../../components/common.tsx';
import { ConfirmDialog, ReasonList, plainReason, reasonLook, scoreText, type ReviewItem, type ReviewPerson } from './shared.tsx';

const SEX: Record<string, string> = { F: 'Female', M: 'Male', U: 'Unknown', X: 'Other' };

function address(p: ReviewPerson): string {
  const a = p.address;
  if (!a) return '';
  return [a.street, a.city, [a.state, a.zip].filter(Boolean).join(' ')].filter(Boolean).join(', ');
}

/** Rows of the comparison: label, value on each side, and the scorer's fields that speak about it. */
const ROWS: { label: string; value: (p: ReviewPerson) => string; fields: string[] }[] = [
  { label: 'Last name', value: (p) => p.familyName ?? '', fields: ['family'] },
  { label: 'First name', value: (p) => p.givenName ?? '', fields: ['given'] },
  { label: 'Middle name', value: (p) => p.middleName ?? '', fields: ['middle'] },
  { label: 'Suffix', value: (p) => p.suffix ?? '', fields: ['suffix'] },
  { label: 'Birth date', value: (p) => (p.birthDate ? `${fmtDate(p.birthDate)} (${p.birthDate})` : ''), fields: ['birthDate'] },
  { label: 'Sex', value: (p) => (p.sex ? SEX[p.sex] ?? p.sex : ''), fields: ['sex'] },
  { label: "Mother's maiden name", value: (p) => p.motherMaidenName ?? '', fields: ['motherMaidenName'] },
  { label: 'Multiple birth', value: (p) => (p.multipleBirth === 'Y' ? `Yes${p.birthOrder ? `, born ${p.birthOrder}${['st', 'nd', 'rd'][p.birthOrder - 1] ?? 'th'}` : ''}` : p.multipleBirth === 'N' ? 'No' : ''), fields: [] },
  { label: 'Address', value: address, fields: ['street', 'city', 'zip'] },
  { label: 'Phone', value: (p) => p.phone ?? '', fields: ['phone'] },
  { label: 'Identifiers', value: (p) => p.identifiers.map((i) => `${i.value}${i.type ? ` ${i.type}` : ''}${i.authority ? ` (${i.authority})` : ''}`).join('; '), fields: ['ssn', 'medicaid', 'mrn'] },
];

function Agreement({ reasons, fields, a, b }: { reasons: string[]; fields: string[]; a: string; b: string }) {
  const found = reasons.map(plainReason).filter((r) => r.field && fields.includes(r.field));
  if (!a && !b) return <span className="muted">Neither record has it</span>;
  if (!a || !b) return <Badge status="none" text="Only one record has it" />;
  if (!found.length) return a === b ? <Badge status="valid" text="Same" /> : fields.includes('mrn') ? <><Badge status="none" text="Not comparable" /> <span className="hint">numbers from different sources</span></> : <Badge status="none" text="Not compared" />;
  return <>{found.map((r, i) => { const look = reasonLook(r); return <div key={i}><Badge status={look.status} text={look.label === 'Agrees' ? 'Same' : look.label} /> <span className="hint">{r.text}</span></div>; })}</>;
}

function Doses({ rec, caption }: { rec?: PatientRecord; caption: string }) {
  if (!rec) return <p role="status">Loading doses…</p>;
  return (
    <table data-testid="compare-doses">
      <caption>{caption}</caption>
      <thead><tr><th scope="col">Date</th><th scope="col">Vaccine</th><th scope="col">Reported by</th></tr></thead>
      <tbody>
        {rec.doses.length === 0 && <tr><td colSpan={3}>No doses on record.</td></tr>}
        {rec.doses.map((d) => (
          <tr key={d.id}>
            <td>{fmtDate(d.date)}</td>
            <td>{d.vaccine ?? 'Unknown vaccine'}{d.cvx && <span className="hint"> (CVX {d.cvx})</span>}{d.consolidatedInto ? <div><Badge status="none" text="Duplicate of another dose" /></div> : null}</td>
            <td>{d.organization ?? '—'}{d.historical ? <div className="hint">historical record</div> : null}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type Pending = 'merge' | 'keep_apart' | null;

function Review({ params }: { params: Record<string, string> }) {
  const r = useGet<ReviewItem>(`/api/v1/matching/reviews/${params.id}`);
  const it = r.data;
  const incoming = useGet<PatientRecord>(it ? `/api/v1/patients/${it.patient.id}` : null);
  const existing = useGet<PatientRecord>(it ? `/api/v1/patients/${it.candidate.id}` : null);
  const [pending, setPending] = useState<Pending>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: ReactNode } | null>(null);

  if (r.loading && !it) return <p role="status">Loading the review item…</p>;
  if (r.error || !it) return <><h1>Possible match</h1><ErrorLine error={r.error} /></>;
  const a = it.patient, b = it.candidate;
  const from = (rec?: PatientRecord) => [...new Set((rec?.sourceRecords ?? []).map((s) => s.organization).filter(Boolean))].join(', ');

  async function decide() {
    if (!pending || !it) return;
    setBusy(true);
    try {
      const res = await post<{ mergeId?: number }>(`/api/v1/matching/reviews/${it.id}/decision`, { decision: pending, ...(note.trim() ? { note: note.trim() } : {}) });
      setResult(pending === 'merge'
        ? { ok: true, text: <>Merged: record {a.id} is now part of record {b.id}. <Link to={`/patients/${b.id}`}>Open the merged record</Link> · <Link to={`/admin/matching/patients/${b.id}/merges`}>Merges of this patient (undo)</Link>{res.mergeId ? <span className="hint"> (merge {res.mergeId})</span> : null}</> }
        : { ok: true, text: <>Kept apart: records {a.id} and {b.id} stay two people. <Link to="/admin/matching">Back to the queue</Link></> });
      setPending(null);
      r.reload(); incoming.reload(); existing.reload();
    } catch (e) {
      setResult({ ok: false, text: (e as Error).message });
      setPending(null);
    } finally { setBusy(false); }
  }

  return (
    <article>
      <p><Link to="/admin/matching">← Back to the review queue</Link></p>
      <h1>Possible match: {patientName(a)} and {patientName(b)}</h1>
      <p>Likeness <strong>{it.score}</strong> points: {scoreText(it.score)}. {it.status !== 'open' && <Badge status="none" text={`Decided: ${it.status.replace('_', ' ')}${it.decidedBy ? ` by ${it.decidedBy}` : ''}`} />}</p>
      {result && <p className={`alert ${result.ok ? 'alert-ok' : 'alert-error'}`} role={result.ok ? 'status' : 'alert'} data-testid="decision-result">{result.text}</p>}

      <table aria-label="Side-by-side comparison" data-testid="comparison">
        <thead><tr>
          <th scope="col">Field</th>
          <th scope="col">Record that came in (record {a.id}){from(incoming.data) && <div className="hint">from {from(incoming.data)}</div>}</th>
          <th scope="col">Record already in the registry (record {b.id}){from(existing.data) && <div className="hint">from {from(existing.data)}</div>}</th>
          <th scope="col">Agreement</th>
        </tr></thead>
        <tbody>
          {ROWS.map((row) => {
            const va = row.value(a), vb = row.value(b);
            if (!va && !vb && row.fields.length === 0) return null;
            return (
              <tr key={row.label}>
                <th scope="row">{row.label}</th><td>{va || '—'}</td><td>{vb || '—'}</td>
                <td><Agreement reasons={it.reasons} fields={row.fields} a={va} b={vb} /></td>
              </tr>
            );
          })}
        </tbody>
      </table>

      <h2>Why the registry could not decide alone</h2>
      {it.reasons.some((x) => x.startsWith('rule:')) ? <ReasonList reasons={it.reasons} only="rules" /> : <p>The records are alike, but not enough to be sure.</p>}
      <details>
        <summary>Everything the registry compared ({it.reasons.filter((x) => !x.startsWith('rule:')).length} points of comparison)</summary>
        <ReasonList reasons={it.reasons} only="evidence" />
      </details>

      <h2>Doses</h2>
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(20rem, 1fr))', gap: '1rem' }}>
        <Doses rec={incoming.data} caption={`Record that came in (record ${a.id})`} />
        <Doses rec={existing.data} caption={`Record already in the registry (record ${b.id})`} />
      </div>

      {it.status === 'open' && !result?.ok && (
        <>
          <h2>Decision</h2>
          <div className="form" style={{ maxWidth: '36rem' }}>
            <label htmlFor="review-note">Note for the record (optional)</label>
            <textarea id="review-note" rows={2} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
          </div>
          <div className="actions">
            <button type="button" className="primary" onClick={() => setPending('merge')}>Same person — merge</button>
            <button type="button" onClick={() => setPending('keep_apart')}>Different people — keep apart</button>
          </div>
        </>
      )}

      {pending === 'merge' && (
        <ConfirmDialog title="Merge these two records?" confirmLabel="Yes, merge" busy={busy} onConfirm={() => void decide()} onCancel={() => setPending(null)}>
          <p>Record {a.id} ({patientName(a)}, born {fmtDate(a.birthDate)}) becomes part of record {b.id} ({patientName(b)}, born {fmtDate(b.birthDate)}):
            its doses, identifiers and source records move to record {b.id}. A dose both clinics reported is then shown once (both reports stay stored).</p>
          <p>You can undo this later from the patient's merges.</p>
        </ConfirmDialog>
      )}
      {pending === 'keep_apart' && (
        <ConfirmDialog title="Keep these records apart?" confirmLabel="Yes, keep apart" busy={busy} onConfirm={() => void decide()} onCancel={() => setPending(null)}>
          <p>Record {a.id} ({patientName(a)}) becomes a patient of its own, separate from record {b.id} ({patientName(b)}).</p>
        </ConfirmDialog>
      )}
    </article>
  );
}

export const routes: PageRoute[] = [{ path: '/admin/matching/reviews/:id', title: 'Possible match', component: Review, roles: ['registry_admin'] }];
