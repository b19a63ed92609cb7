// Registry staff: the review queue of possible matches (two records that may be one person), oldest first.
// Each item opens a side-by-side comparison where staff merge them or keep them apart.
import { useState, type FormEvent } from 'react';
import { Link, navigate } from '../../router.tsx';
import type { PageRoute } from '../../routes.ts';
import { ErrorLine, fmtDate, patientName, useGet } from '../../components/common.tsx';
import { ReasonList, scoreText, type ReviewItem } from './shared.tsx';

const STATUS: Record<string, string> = { open: 'Waiting for a decision', merged: 'Merged', kept_apart: 'Kept apart', withdrawn: 'Withdrawn (record merged elsewhere)' };

function Queue() {
  const [status, setStatus] = useState('open');
  const list = useGet<{ items: ReviewItem[] }>(`/api/v1/matching/reviews?status=${status}&limit=100`);
  const [patientId, setPatientId] = useState('');
  const items = list.data?.items ?? [];

  function openMerges(e: FormEvent) {
    e.preventDefault();
    if (/^\d+$/.test(patientId)) navigate(`/admin/matching/patients/${patientId}/merges`);
  }

  return (
    <section>
      <h1>Possible matches to review</h1>
      <p>Each line is a record that came in looking like a person already in the registry, but not certainly the same.
        Compare the two records, then merge them or keep them apart.</p>
      <div className="form form-grid" style={{ maxWidth: '28rem' }}>
        <label htmlFor="mq-status">Show</label>
        <select id="mq-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          {Object.entries(STATUS).map(([k, v]) => <option key={k} value={k}>{v}</option>)}
        </select>
      </div>
      <ErrorLine error={list.error} />
      {list.loading && <p role="status">Loading the queue…</p>}
      {!list.loading && !list.error && items.length === 0 && <p role="status" data-testid="queue-empty">Nothing here: no {status === 'open' ? 'open ' : ''}items.</p>}
      {items.length > 0 && (
        <table aria-label="Review queue" data-testid="review-queue">
          <thead><tr>
            <th scope="col">Likeness</th><th scope="col">Record that came in</th><th scope="col">Record already in the registry</th>
            <th scope="col">Why they look alike, or not</th><th scope="col"><span className="visually-hidden">Action</span></th>
          </tr></thead>
          <tbody>
            {items.map((it) => (
              <tr key={it.id} data-testid="review-row">
                <td><strong>{it.score}</strong> points<div className="hint">{scoreText(it.score)}</div><div className="hint">Since {fmtDate(it.createdAt)}</div></td>
                <td>{patientName(it.patient)}<div className="hint">born {fmtDate(it.patient.birthDate)} · record {it.patient.id} · {it.patient.vaccinationCount} dose{it.patient.vaccinationCount === 1 ? '' : 's'}</div></td>
                <td>{patientName(it.candidate)}<div className="hint">born {fmtDate(it.candidate.birthDate)} · record {it.candidate.id} · {it.candidate.vaccinationCount} dose{it.candidate.vaccinationCount === 1 ? '' : 's'}</div></td>
                <td><ReasonList reasons={it.reasons} limit={4} /></td>
                <td><Link to={`/admin/matching/reviews/${it.id}`} className="button-link" aria-label={`Compare ${patientName(it.patient)} (record ${it.patient.id}) with record ${it.candidate.id}`}>Compare</Link>
                  {it.status !== 'open' && <div className="hint">{STATUS[it.status] ?? it.status}{it.decidedBy ? ` by ${it.decidedBy}` : ''}</div>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Undo a merge</h2>
      <form onSubmit={openMerges} className="form form-grid" aria-label="Merges of a patient">
        <label htmlFor="mq-patient">Patient record number</label>
        <input id="mq-patient" inputMode="numeric" pattern="[0-9]+" required value={patientId} onChange={(e) => setPatientId(e.target.value)} />
        <div className="actions"><button type="submit">Show the merges of this patient</button></div>
      </form>
    </section>
  );
}

export const routes: PageRoute[] = [{ path: '/admin/matching', title: 'Possible matches', component: Queue, nav: 'Match review', navOrder: 82, roles: ['registry_admin'] }];
