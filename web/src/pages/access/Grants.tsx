// Registry staff: which individual records each public-health analyst may open (analysts see reports, and a
// person's record only through a grant with a reason, which can expire and be revoked).
import { useState, type FormEvent } from 'react';
import { post } from '../../api.ts';
import type { PageRoute } from '../../routes.ts';
import { ErrorLine, fmtDate, useGet } from '../../components/common.tsx';

interface Grant { id: number; userId: number; username: string; patientId: number; reason: string; grantedAt: string; expiresAt: string | null; revokedAt: string | null }
interface User { id: number; username: string; displayName: string | null; organizationName: string; roles: string[]; status: string }

function Grants() {
  const grants = useGet<{ items: Grant[] }>('/api/v1/patient-access-grants');
  const users = useGet<{ items: User[] }>('/api/v1/users');
  const analysts = (users.data?.items ?? []).filter((u) => u.roles.includes('analyst') && u.status === 'active');
  const [f, setF] = useState({ userId: '', patientId: '', reason: '', expires: '' });
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });

  async function grant(e: FormEvent) {
    e.preventDefault();
    setMessage(null);
    try {
      await post('/api/v1/patient-access-grants', {
        userId: Number(f.userId), patientId: Number(f.patientId), reason: f.reason,
        ...(f.expires ? { expiresAt: new Date(f.expires + 'T23:59:59').toISOString() } : {}),
      });
      setMessage({ ok: true, text: `Access to patient ${f.patientId} granted.` });
      setF({ ...f, patientId: '', reason: '' });
      grants.reload();
    } catch (err) { setMessage({ ok: false, text: (err as Error).message }); }
  }
  async function revoke(g: Grant) {
    setMessage(null);
    try { await post(`/api/v1/patient-access-grants/${g.id}/revoke`); setMessage({ ok: true, text: `Access of ${g.username} to patient ${g.patientId} revoked.` }); grants.reload(); }
    catch (err) { setMessage({ ok: false, text: (err as Error).message }); }
  }

  return (
    <section>
      <h1>Analysts' access to records</h1>
      {message && <p className={`alert ${message.ok ? 'alert-ok' : 'alert-error'}`} role={message.ok ? 'status' : 'alert'}>{message.text}</p>}
      <ErrorLine error={grants.error ?? users.error} />
      <h2>Grant access to one record</h2>
      <form onSubmit={grant} className="form form-grid" aria-label="Grant access to one record">
        <label htmlFor="g-user">Analyst</label>
        <select id="g-user" required value={f.userId} onChange={set('userId')}>
          <option value="">Choose…</option>
          {analysts.map((u) => <option key={u.id} value={u.id}>{u.displayName ?? u.username} ({u.organizationName})</option>)}
        </select>
        <label htmlFor="g-patient">Patient id</label>
        <input id="g-patient" required inputMode="numeric" pattern="[0-9]+" value={f.patientId} onChange={set('patientId')} />
        <label htmlFor="g-reason">Reason (case investigation number…)</label>
        <input id="g-reason" required minLength={3} value={f.reason} onChange={set('reason')} />
        <label htmlFor="g-expires">Until (date, optional)</label>
        <input id="g-expires" type="date" value={f.expires} onChange={set('expires')} />
        <div className="actions"><button type="submit" className="primary">Grant</button></div>
      </form>
      <h2>Grants</h2>
      {grants.data && grants.data.items.length === 0 && <p>No grant.</p>}
      {grants.data && grants.data.items.length > 0 && (
        <table aria-label="Grants">
          <thead><tr><th scope="col">Analyst</th><th scope="col">Patient</th><th scope="col">Reason</th><th scope="col">Granted</th><th scope="col">Until</th><th scope="col">Status</th></tr></thead>
          <tbody>
            {grants.data.items.map((g) => {
              const expired = g.expiresAt && new Date(g.expiresAt) < new Date();
              return (
                <tr key={g.id}>
                  <td>{g.username}</td><td>{g.patientId}</td><td>{g.reason}</td><td>{fmtDate(g.grantedAt)}</td><td>{g.expiresAt ? fmtDate(g.expiresAt) : '—'}</td>
                  <td>{g.revokedAt ? `Revoked ${fmtDate(g.revokedAt)}` : expired ? 'Expired' : (
                    <button type="button" onClick={() => void revoke(g)} aria-label={`Revoke access of ${g.username} to patient ${g.patientId}`}>Revoke</button>)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

export const routes: PageRoute[] = [{ path: '/admin/grants', title: "Analysts' access", component: Grants, nav: 'Analyst access', navOrder: 85, roles: ['registry_admin'] }];
