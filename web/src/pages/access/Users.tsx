// Access Administrators (and registry staff): the designated users of their organizations — add, set roles,
// suspend, reactivate, remove, send a password link, unlock. A district's administrator manages all its schools.
import { useMemo, useState, type FormEvent } from 'react';
import { api, ApiError, post } from '../../api.ts';
import type { PageRoute } from '../../routes.ts';
import { type Role, useSession, hasRole } from '../../session.tsx';
import { ErrorLine, useGet } from '../../components/common.tsx';

interface User {
  id: number; username: string; email: string | null; displayName: string | null; organizationId: number; organizationName: string;
  status: 'active' | 'suspended' | 'removed'; roles: Role[]; totpEnabled: boolean; lockedUntil: string | null;
}
interface Organization { id: number; parentId: number | null; kind: string; name: string }

export const ROLE_LABEL: Record<Role, string> = {
  registry_admin: 'Registry administrator',
  access_admin: 'Access Administrator',
  provider: 'Provider (reads and records any patient)',
  school: 'School (students of its schools)',
  analyst: 'Public-health analyst (reports; records only when granted)',
  read_only: 'Read only',
};
const ROLE_ORDER: Role[] = ['provider', 'school', 'read_only', 'analyst', 'access_admin', 'registry_admin'];

function RoleBoxes({ value, onChange, idPrefix, allowRegistry }: { value: Role[]; onChange: (r: Role[]) => void; idPrefix: string; allowRegistry: boolean }) {
  return (
    <fieldset className="choices" style={{ gridColumn: '1 / -1' }}>
      <legend>Roles</legend>
      {ROLE_ORDER.filter((r) => allowRegistry || r !== 'registry_admin').map((r) => (
        <label key={r} className="choice" htmlFor={`${idPrefix}-${r}`}>
          <input id={`${idPrefix}-${r}`} type="checkbox" checked={value.includes(r)}
            onChange={(e) => onChange(e.target.checked ? [...value, r] : value.filter((x) => x !== r))} />
          {' '}{ROLE_LABEL[r]}
        </label>
      ))}
    </fieldset>
  );
}

function errorText(e: unknown): string {
  const problems = e instanceof ApiError ? (e.body as any)?.problems : undefined;
  return problems?.length ? problems.join('; ') : (e as Error).message;
}

function Users() {
  const { session } = useSession();
  const isRegistry = hasRole(session, 'registry_admin');
  const [orgFilter, setOrgFilter] = useState('');
  const orgs = useGet<{ items: Organization[] }>('/api/v1/organizations');
  const users = useGet<{ items: User[] }>(`/api/v1/users${orgFilter ? `?organizationId=${orgFilter}` : ''}`);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const [editRoles, setEditRoles] = useState<Role[]>([]);
  const [n, setN] = useState({ username: '', displayName: '', email: '', organizationId: '', roles: [] as Role[] });
  const orgOptions = useMemo(() => (orgs.data?.items ?? []).filter((o) => ['school', 'district', 'provider_organization', 'facility', 'state', 'registry'].includes(o.kind)), [orgs.data]);

  const done = (text: string) => { setMessage({ ok: true, text }); users.reload(); };
  const failed = (e: unknown) => setMessage({ ok: false, text: errorText(e) });

  async function add(e: FormEvent) {
    e.preventDefault();
    setMessage(null);
    try {
      const u = await post<User>('/api/v1/users', { ...n, displayName: n.displayName || undefined, organizationId: Number(n.organizationId) });
      setN({ username: '', displayName: '', email: '', organizationId: n.organizationId, roles: [] });
      done(`${u.username} added to ${u.organizationName}. A link to set a password was sent to ${u.email}.`);
    } catch (err) { failed(err); }
  }
  async function change(u: User, body: object, text: string) {
    setMessage(null);
    try { await api('PATCH', `/api/v1/users/${u.id}`, body); setEditing(null); done(text); } catch (err) { failed(err); }
  }
  async function action(u: User, path: string, text: string) {
    setMessage(null);
    try { await post(`/api/v1/users/${u.id}/${path}`); done(text); } catch (err) { failed(err); }
  }

  return (
    <section>
      <h1>Users</h1>
      {message && <p className={`alert ${message.ok ? 'alert-ok' : 'alert-error'}`} role={message.ok ? 'status' : 'alert'} data-testid="users-message">{message.text}</p>}
      <ErrorLine error={users.error ?? orgs.error} />

      <h2>Add a user</h2>
      <form onSubmit={add} className="form form-grid" aria-label="Add a user">
        <label htmlFor="nu-org">Organization</label>
        <select id="nu-org" required value={n.organizationId} onChange={(e) => setN({ ...n, organizationId: e.target.value })}>
          <option value="">Choose…</option>
          {orgOptions.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
        </select>
        <label htmlFor="nu-name">Full name</label>
        <input id="nu-name" autoComplete="off" value={n.displayName} onChange={(e) => setN({ ...n, displayName: e.target.value })} />
        <label htmlFor="nu-email">E-mail address</label>
        <input id="nu-email" type="email" required autoComplete="off" value={n.email} onChange={(e) => setN({ ...n, email: e.target.value })} />
        <label htmlFor="nu-username">User name</label>
        <input id="nu-username" required autoComplete="off" pattern="[A-Za-z0-9][A-Za-z0-9._@\-]{2,63}" value={n.username} onChange={(e) => setN({ ...n, username: e.target.value })} />
        <RoleBoxes idPrefix="nu-role" value={n.roles} onChange={(roles) => setN({ ...n, roles })} allowRegistry={isRegistry} />
        <div className="actions"><button type="submit" className="primary" disabled={!n.roles.length}>Add user</button></div>
      </form>

      <h2>Designated users</h2>
      <label htmlFor="org-filter">Organization</label>{' '}
      <select id="org-filter" value={orgFilter} onChange={(e) => setOrgFilter(e.target.value)}>
        <option value="">All I manage</option>
        {orgOptions.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
      </select>
      {users.loading && <p role="status">Loading…</p>}
      {users.data && (
        <table aria-label="Users" data-testid="users-table">
          <thead><tr><th scope="col">User</th><th scope="col">Organization</th><th scope="col">Roles</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {users.data.items.map((u) => (
              <tr key={u.id} data-testid="user-row" data-username={u.username}>
                <td><strong>{u.displayName ?? u.username}</strong><br /><span className="muted">{u.username}{u.email ? ` · ${u.email}` : ''}</span></td>
                <td>{u.organizationName}</td>
                <td>
                  {editing === u.id ? (
                    <form onSubmit={(e) => { e.preventDefault(); void change(u, { roles: editRoles }, `Roles of ${u.username} saved.`); }}>
                      <RoleBoxes idPrefix={`ed-${u.id}`} value={editRoles} onChange={setEditRoles} allowRegistry={isRegistry} />
                      <div className="actions"><button type="submit" className="primary">Save roles</button>
                        <button type="button" className="link-button" onClick={() => setEditing(null)}>Cancel</button></div>
                    </form>
                  ) : (
                    <>{u.roles.map((r) => ROLE_LABEL[r]?.split(' (')[0] ?? r).join(', ') || '—'}{' '}
                      <button type="button" className="link-button" onClick={() => { setEditing(u.id); setEditRoles(u.roles); }} aria-label={`Change roles of ${u.username}`}>change</button></>
                  )}
                </td>
                <td data-testid="user-status">
                  {u.status === 'active' ? 'Active' : u.status === 'suspended' ? 'Suspended' : 'Removed'}
                  {u.lockedUntil && new Date(u.lockedUntil) > new Date() ? ' · locked' : ''}
                  {u.totpEnabled ? ' · two-step' : ''}
                </td>
                <td>
                  <div className="actions">
                    {u.status === 'active' && <button type="button" onClick={() => void change(u, { status: 'suspended' }, `${u.username} suspended: signed out and cannot sign in.`)} aria-label={`Suspend ${u.username}`}>Suspend</button>}
                    {u.status === 'suspended' && <button type="button" onClick={() => void change(u, { status: 'active' }, `${u.username} can sign in again.`)} aria-label={`Reactivate ${u.username}`}>Reactivate</button>}
                    {u.status !== 'removed' && <button type="button" onClick={() => { if (confirm(`Remove ${u.username}? This cannot be undone.`)) void change(u, { status: 'removed' }, `${u.username} removed.`); }} aria-label={`Remove ${u.username}`}>Remove</button>}
                    {u.status === 'active' && <button type="button" className="link-button" onClick={() => void action(u, 'password-link', `A password link was sent to ${u.email}.`)} aria-label={`Send a password link to ${u.username}`}>Send password link</button>}
                    {u.lockedUntil && <button type="button" className="link-button" onClick={() => void action(u, 'unlock', `${u.username} unlocked.`)} aria-label={`Unlock ${u.username}`}>Unlock</button>}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export const routes: PageRoute[] = [{ path: '/admin/users', title: 'Users', component: Users, nav: 'Users', navOrder: 70, roles: ['access_admin', 'registry_admin'] }];
