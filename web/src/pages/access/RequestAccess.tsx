// Public form: a school, district or provider organization asks for access, naming its first Access Administrator.
import { useState, type FormEvent } from 'react';
import { ApiError, post } from '../../api.ts';
import { Link } from '../../router.tsx';
import type { PageRoute } from '../../routes.ts';

const KINDS = [
  { value: 'provider_organization', label: 'Provider organization (practice, clinic, hospital, pharmacy)' },
  { value: 'facility', label: 'Facility of a provider organization' },
  { value: 'district', label: 'School district' },
  { value: 'school', label: 'School (usually added by its district instead)' },
];

function RequestAccess() {
  const [f, setF] = useState({ organizationName: '', kind: 'provider_organization', code: '', adminName: '', adminEmail: '', adminUsername: '', note: '' });
  const [sent, setSent] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      const body = { ...f, code: f.code || undefined, note: f.note || undefined };
      const r = await post<{ id: number }>('/api/v1/organizations/requests', body);
      setSent(r.id);
    } catch (err) {
      const problems = err instanceof ApiError ? (err.body as any)?.problems : undefined;
      setError(problems?.length ? problems.join('; ') : (err as Error).message);
    }
  }
  if (sent) {
    return (
      <section className="narrow">
        <h1>Request sent</h1>
        <p className="alert alert-ok" role="status" data-testid="request-sent">Thank you. Registry staff will review request number {sent}. When it is approved, {f.adminEmail} receives a link to set a password.</p>
        <p><Link to="/sign-in">Back to sign in</Link></p>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>Ask for access</h1>
      <p>Organizations that give or track immunizations may use the registry. Registry staff check each request. The person named below becomes the organization's Access Administrator and adds its other users.</p>
      <form onSubmit={submit} className="form">
        <fieldset>
          <legend>Organization</legend>
          <label htmlFor="org-name">Name</label>
          <input id="org-name" required minLength={2} value={f.organizationName} onChange={set('organizationName')} />
          <label htmlFor="org-kind">Kind</label>
          <select id="org-kind" value={f.kind} onChange={set('kind')}>
            {KINDS.map((k) => <option key={k.value} value={k.value}>{k.label}</option>)}
          </select>
          <label htmlFor="org-code">Code (facility id, school code), if you have one</label>
          <input id="org-code" value={f.code} onChange={set('code')} />
        </fieldset>
        <fieldset>
          <legend>Access Administrator</legend>
          <label htmlFor="admin-name">Full name</label>
          <input id="admin-name" required autoComplete="name" value={f.adminName} onChange={set('adminName')} />
          <label htmlFor="admin-email">E-mail address</label>
          <input id="admin-email" type="email" required autoComplete="email" value={f.adminEmail} onChange={set('adminEmail')} />
          <label htmlFor="admin-username">User name wished</label>
          <input id="admin-username" required pattern="[A-Za-z0-9][A-Za-z0-9._@\-]{2,63}" value={f.adminUsername} onChange={set('adminUsername')} aria-describedby="username-hint" />
          <p className="hint" id="username-hint">3 to 64 letters, digits, dots, dashes, underscores or @.</p>
        </fieldset>
        <label htmlFor="note">Anything registry staff should know (parent district, licence number…)</label>
        <textarea id="note" rows={3} value={f.note} onChange={set('note')} />
        {error && <p className="alert alert-error" role="alert">{error}</p>}
        <div className="actions"><button type="submit" className="primary">Send the request</button></div>
      </form>
    </section>
  );
}

export const routes: PageRoute[] = [{ path: '/request-access', title: 'Ask for access', component: RequestAccess, public: true }];
