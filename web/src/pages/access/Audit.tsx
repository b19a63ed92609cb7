// Registry staff: search the audit trail (who, for which organization, what, when, from where), and see who
// has looked at one person's record.
import { useState, type FormEvent } from 'react';
import { qs } from '../../api.ts';
import type { PageRoute } from '../../routes.ts';
import { ErrorLine, useGet } from '../../components/common.tsx';

interface AuditItem {
  id: number; at: string; actorKind: string; actor: string | null; organizationName: string | null; action: string; patientId: number | null;
  objectType: string | null; objectId: string | null; remoteAddr: string | null;
}
interface Accessor { actor: string | null; actorKind: string; organizationName: string | null; actions: string[]; events: number; firstAt: string; lastAt: string }

const fmtTime = (s: string) => new Date(s).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

function Audit() {
  const [f, setF] = useState({ patientId: '', actor: '', action: '', from: '', to: '' });
  const [query, setQuery] = useState<typeof f | null>(null);
  const url = query ? `/api/v1/audit${qs({ ...query, to: query.to ? nextDay(query.to) : '' })}` : null;
  const found = useGet<{ items: AuditItem[]; total: number }>(url);
  const accessors = useGet<{ items: Accessor[] }>(query?.patientId ? `/api/v1/audit/patients/${encodeURIComponent(query.patientId)}/accessors` : null);
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  function submit(e: FormEvent) { e.preventDefault(); setQuery({ ...f }); }

  return (
    <section>
      <h1>Audit trail</h1>
      <form onSubmit={submit} className="form form-grid" aria-label="Search the audit trail">
        <label htmlFor="a-patient">Patient id</label>
        <input id="a-patient" inputMode="numeric" pattern="[0-9]*" value={f.patientId} onChange={set('patientId')} />
        <label htmlFor="a-actor">User name</label>
        <input id="a-actor" value={f.actor} onChange={set('actor')} />
        <label htmlFor="a-action">Action</label>
        <select id="a-action" value={f.action} onChange={set('action')}>
          <option value="">Any</option>
          {['view', 'search', 'export', 'create', 'update', 'delete', 'merge', 'unmerge', 'login', 'login_failed', 'create_user', 'update_user', 'audit_search']
            .map((a) => <option key={a} value={a}>{a.replace(/_/g, ' ')}</option>)}
        </select>
        <label htmlFor="a-from">From (date)</label>
        <input id="a-from" type="date" value={f.from} onChange={set('from')} />
        <label htmlFor="a-to">To (date, included)</label>
        <input id="a-to" type="date" value={f.to} onChange={set('to')} />
        <div className="actions"><button type="submit" className="primary">Search</button></div>
      </form>
      <ErrorLine error={found.error ?? accessors.error} />
      {query?.patientId && accessors.data && (
        <>
          <h2>Who has looked at patient {query.patientId}</h2>
          {accessors.data.items.length === 0 ? <p>Nobody has opened this record.</p> : (
            <table aria-label="Who has looked at this record" data-testid="accessors-table">
              <thead><tr><th scope="col">User</th><th scope="col">Organization</th><th scope="col">What</th><th scope="col">Times</th><th scope="col">First</th><th scope="col">Last</th></tr></thead>
              <tbody>
                {accessors.data.items.map((a, i) => (
                  <tr key={i}><td>{a.actor ?? a.actorKind}</td><td>{a.organizationName ?? '—'}</td><td>{a.actions.map((x) => x.replace(/_/g, ' ')).join(', ')}</td><td>{a.events}</td><td>{fmtTime(a.firstAt)}</td><td>{fmtTime(a.lastAt)}</td></tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      {found.loading && <p role="status">Searching…</p>}
      {found.data && (
        <>
          <h2>Events</h2>
          <p role="status">{found.data.total} event{found.data.total === 1 ? '' : 's'}{found.data.total > found.data.items.length ? `, newest ${found.data.items.length} shown` : ''}.</p>
          <table aria-label="Audit events" data-testid="audit-table">
            <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Organization</th><th scope="col">Action</th><th scope="col">Patient</th><th scope="col">Object</th><th scope="col">From</th></tr></thead>
            <tbody>
              {found.data.items.map((a) => (
                <tr key={a.id} data-testid="audit-row">
                  <td>{fmtTime(a.at)}</td><td>{a.actor ?? a.actorKind}</td><td>{a.organizationName ?? '—'}</td><td>{a.action.replace(/_/g, ' ')}</td>
                  <td>{a.patientId ?? ''}</td><td>{[a.objectType, a.objectId].filter(Boolean).join(' ')}</td><td>{a.remoteAddr ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** The audit API's `to` is exclusive; the form's date is included. */
function nextDay(d: string): string {
  const t = new Date(d + 'T00:00:00Z');
  t.setUTCDate(t.getUTCDate() + 1);
  return t.toISOString().slice(0, 10);
}

export const routes: PageRoute[] = [{ path: '/admin/audit', title: 'Audit trail', component: Audit, nav: 'Audit', navOrder: 90, roles: ['registry_admin'] }];
