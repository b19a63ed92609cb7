import { useState, type FormEvent } from 'react';
import { ApiError, post } from '../api.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { useSession } from '../session.tsx';
import type { PageRoute } from '../routes.ts';

function SignIn() {
  const { refresh } = useSession();
  const { search } = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res: any = await post('/api/v1/auth/login', { username, password, ...(needTotp ? { totp } : {}) });
      if (res && (res.totpRequired || res.mfaRequired || res.secondFactorRequired)) {
        setNeedTotp(true);
        return;
      }
      const s = await refresh();
      if (!s) { setError('Signed in, but no session was created. Are cookies allowed?'); return; }
      // Administrators without an authenticator enrol one before anything else (E1's access pages).
      if (res?.totpEnrolmentRequired) { navigate('/account/two-factor', { replace: true }); return; }
      const next = search.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in') ? next : '/', { replace: true });
    } catch (err) {
      const body = err instanceof ApiError ? (err.body as any) : undefined;
      if (body && (body.code === 'totp_required' || body.code === 'totp_invalid' || body.totpRequired || /totp|second factor/i.test(String(body.type ?? '') + String(body.title ?? '')))) {
        setNeedTotp(true);
        setError(body.code === 'totp_invalid' || needTotp ? (err as Error).message : null);
      } else {
        setError(err instanceof ApiError && err.status === 401 ? 'Wrong username or password.' : err instanceof ApiError && err.status === 423 ? 'Too many failed sign-ins: the account is locked for a while. Try again later.' : (err as Error).message);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="narrow">
      <h1>Sign in</h1>
      <form onSubmit={submit} className="form" aria-describedby={error ? 'signin-error' : undefined}>
        <label htmlFor="username">Username</label>
        <input id="username" name="username" autoComplete="username" required value={username}
          onChange={(e) => setUsername(e.target.value)} autoFocus />
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required value={password}
          onChange={(e) => setPassword(e.target.value)} />
        {needTotp && (
          <>
            <label htmlFor="totp">Code from your authenticator app</label>
            <input id="totp" name="totp" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" required
              value={totp} onChange={(e) => setTotp(e.target.value)} autoFocus />
          </>
        )}
        {error && <p id="signin-error" className="alert alert-error" role="alert">{error}</p>}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
        </div>
      </form>
      <p><Link to="/forgot-password">Forgotten password?</Link> · <Link to="/request-access">Your organization has no access yet?</Link></p>
    </section>
  );
}

export const routes: PageRoute[] = [{ path: '/sign-in', title: 'Sign in', component: SignIn, public: true }];
