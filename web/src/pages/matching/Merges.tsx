// A patient's merges (as the surviving record or as the record merged into another), newest first, with
// "Undo merge": both records come back exactly as they were, with their own doses.
import { useState, type ReactNode } from 'react';
import { post } from '../../api.ts';
import { Link } from '../../router.tsx';
import type { PageRoute } from '../../routes.ts';
import { Badge, ErrorLine, fmtDate, useGet } from '../../components/common.tsx';
import { ConfirmDialog } from './shared.tsx';

interface Merge {
  id: number; survivorId: number; mergedId: number; reviewId: number | null; mergedBy: string | null; mergedAt: string;
  unmergedAt: string | null; unmergedBy: string | null;
  moved: { sourceRecords: number; vaccinations: number; observations: number; refusals: number; identifiers: number };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function Merges({ params }: { params: Record<string, string> }) {
  const list = useGet<{ merges: Merge[] }>(`/api/v1/matching/patients/${params.id}/merges`);
  const [undo, setUndo] = useState<Merge | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: ReactNode } | null>(null);
  const merges = list.data?.merges ?? [];

  async function unmerge() {
    if (!undo) return;
    setBusy(true);
    try {
      const r = await post<{ survivorId: number; mergedId: number }>(`/api/v1/matching/merges/${undo.id}/unmerge`);
      setMessage({ ok: true, text: <>Merge undone: <Link to={`/patients/${r.survivorId}`}>record {r.survivorId}</Link> and <Link to={`/patients/${r.mergedId}`}>record {r.mergedId}</Link> are two records again, each with its own doses.{undo.reviewId ? <> The <Link to={`/admin/matching/reviews/${undo.reviewId}`}>review item</Link> is open again.</> : null}</> });
      list.reload();
    } catch (e) { setMessage({ ok: false, text: (e as Error).message }); }
    finally { setBusy(false); setUndo(null); }
  }

  return (
    <section>
      <p><Link to="/admin/matching">← Back to the review queue</Link> · <Link to={`/patients/${params.id}`}>Record {params.id}</Link></p>
      <h1>Merges of record {params.id}</h1>
      {message && <p className={`alert ${message.ok ? 'alert-ok' : 'alert-error'}`} role={message.ok ? 'status' : 'alert'} data-testid="unmerge-result">{message.text}</p>}
      <ErrorLine error={list.error} />
      {list.loading && !list.data && <p role="status">Loading…</p>}
      {list.data && merges.length === 0 && <p>This record was never merged with another.</p>}
      {merges.length > 0 && (
        <table aria-label="Merges" data-testid="merges">
          <thead><tr><th scope="col">Merge</th><th scope="col">Records</th><th scope="col">What moved</th><th scope="col">Done</th><th scope="col">Status</th></tr></thead>
          <tbody>
            {merges.map((m) => (
              <tr key={m.id} data-testid="merge-row">
                <td>{m.id}{m.reviewId ? <div className="hint">from <Link to={`/admin/matching/reviews/${m.reviewId}`}>review {m.reviewId}</Link></div> : null}</td>
                <td><Link to={`/patients/${m.mergedId}`}>Record {m.mergedId}</Link> merged into <Link to={`/patients/${m.survivorId}`}>record {m.survivorId}</Link></td>
                <td>{plural(m.moved.vaccinations, 'dose')}, {plural(m.moved.sourceRecords, 'source record')}, {plural(m.moved.identifiers, 'identifier')}{m.moved.observations ? `, ${plural(m.moved.observations, 'observation')}` : ''}{m.moved.refusals ? `, ${plural(m.moved.refusals, 'refusal')}` : ''}</td>
                <td>{fmtDate(m.mergedAt)}{m.mergedBy ? ` by ${m.mergedBy}` : ''}</td>
                <td>{m.unmergedAt
                  ? <Badge status="none" text={`Undone ${fmtDate(m.unmergedAt)}${m.unmergedBy ? ` by ${m.unmergedBy}` : ''}`} />
                  : <><Badge status="valid" text="In effect" /> <button type="button" className="danger" onClick={() => setUndo(m)} aria-label={`Undo merge ${m.id} of record ${m.mergedId} into record ${m.survivorId}`}>Undo merge</button></>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {undo && (
        <ConfirmDialog title="Undo this merge?" confirmLabel="Yes, undo the merge" danger busy={busy} onConfirm={() => void unmerge()} onCancel={() => setUndo(null)}>
          <p>Record {undo.mergedId} is separated from record {undo.survivorId} again: both come back as they were before the merge of {fmtDate(undo.mergedAt)},
            with their own doses, identifiers and source records. Anything recorded since stays with the record it was recorded on.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

export const routes: PageRoute[] = [{ path: '/admin/matching/patients/:id/merges', title: 'Merges of a patient', component: Merges, roles: ['registry_admin'] }];
