// Registry staff: organizations asking for access, to approve (creates the organization and its Access
// Administrator, who is mailed a password link) or refuse with a reason.
import { useState } from 'react';
import { post } from '../../api.ts';
import type { PageRoute } from '../../routes.ts';
import { ErrorLine, fmtDate, useGet } from '../../components/common.tsx';

interface AccessRequest {
  id: number; organizationName: string; kind: string; parentName: string | null; code: string | null; adminName: string; adminEmail: string;
  adminUsername: string; note: string | null; status: string; createdAt: string; decidedAt: string | null; decisionReason: string | null;
}

const KIND: Record<string, string> = { provider_organization: 'Provider organization', facility: 'Facility', district: 'School district', school: 'School' };

function Requests() {
  const [status, setStatus] = useState('pending');
  const { data, error, loading, reload } = useGet<{ items: AccessRequest[] }>(`/api/v1/organizations/requests?status=${status}`);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [refusing, setRefusing] = useState<number | null>(null);
  const [reason, setReason] = useState('');

  async function act(r: AccessRequest, what: 'approve' | 'refuse') {
    setMessage(null);
    try {
      if (what === 'approve') {
        await post(`/api/v1/organizations/requests/${r.id}/approve`);
        setMessage({ ok: true, text: `${r.organizationName} approved. ${r.adminName} was sent a link to set a password.` });
      } else {
        await post(`/api/v1/organizations/requests/${r.id}/refuse`, { reason });
        setMessage({ ok: true, text: `${r.organizationName} refused.` });
        setRefusing(null);
        setReason('');
      }
      reload();
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message });
    }
  }

  return (
    <section>
      <h1>Access requests</h1>
      <label htmlFor="req-status">Show</label>{' '}
      <select id="req-status" value={status} onChange={(e) => setStatus(e.target.value)}>
        <option value="pending">Waiting for a decision</option>
        <option value="approved">Approved</option>
        <option value="refused">Refused</option>
      </select>
      {message && <p className={`alert ${message.ok ? 'alert-ok' : 'alert-error'}`} role={message.ok ? 'status' : 'alert'}>{message.text}</p>}
      <ErrorLine error={error} />
      {loading && <p role="status">Loading…</p>}
      {data && data.items.length === 0 && <p>No request.</p>}
      {data && data.items.length > 0 && (
        <table aria-label="Access requests" data-testid="requests-table">
          <thead><tr><th scope="col">Received</th><th scope="col">Organization</th><th scope="col">Access Administrator</th><th scope="col">Note</th><th scope="col">{status === 'pending' ? 'Decision' : 'Decided'}</th></tr></thead>
          <tbody>
            {data.items.map((r) => (
              <tr key={r.id} data-testid="request-row">
                <td>{fmtDate(r.createdAt)}</td>
                <td><strong>{r.organizationName}</strong><br />{KIND[r.kind] ?? r.kind}{r.code ? ` · code ${r.code}` : ''}{r.parentName ? ` · under ${r.parentName}` : ''}</td>
                <td>{r.adminName}<br />{r.adminEmail}<br /><span className="muted">user name {r.adminUsername}</span></td>
                <td>{r.note ?? ''}</td>
                <td>
                  {r.status === 'pending' ? (
                    refusing === r.id ? (
                      <form onSubmit={(e) => { e.preventDefault(); void act(r, 'refuse'); }}>
                        <label htmlFor={`reason-${r.id}`}>Reason for refusing</label>
                        <input id={`reason-${r.id}`} required minLength={3} value={reason} onChange={(e) => setReason(e.target.value)} />
                        <div className="actions">
                          <button type="submit">Refuse</button>
                          <button type="button" className="link-button" onClick={() => setRefusing(null)}>Cancel</button>
                        </div>
                      </form>
                    ) : (
                      <div className="actions">
                        <button type="button" className="primary" onClick={() => void act(r, 'approve')} aria-label={`Approve ${r.organizationName}`}>Approve</button>
                        <button type="button" onClick={() => setRefusing(r.id)} aria-label={`Refuse ${r.organizationName}`}>Refuse…</button>
                      </div>
                    )
                  ) : (
                    <>{fmtDate(r.decidedAt)}{r.decisionReason ? `: ${r.decisionReason}` : ''}</>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export const routes: PageRoute[] = [{ path: '/admin/requests', title: 'Access requests', component: Requests, nav: 'Access requests', navOrder: 80, roles: ['registry_admin'] }];
