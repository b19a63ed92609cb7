// Forgotten password and the page of the mailed link (set a password). The link's token is in the URL
// fragment (#token=...), which the browser never sends to the server, so it stays out of access logs.
import { useState, type FormEvent } from 'react';
import { post } from '../../api.ts';
import { Link } from '../../router.tsx';
import type { PageRoute } from '../../routes.ts';

function ForgotPassword() {
  const [identifier, setIdentifier] = useState('');
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try { await post('/api/v1/auth/password/forgot', { identifier }); setSent(true); } catch (err) { setError((err as Error).message); }
  }
  return (
    <section className="narrow">
      <h1>Forgotten password</h1>
      {sent ? (
        <p className="alert alert-ok" role="status">If an account matches, a link to set a new password was sent to its e-mail address. The link works once, for 30 minutes.</p>
      ) : (
        <form onSubmit={submit} className="form">
          <label htmlFor="identifier">User name or e-mail address</label>
          <input id="identifier" autoComplete="username" required value={identifier} onChange={(e) => setIdentifier(e.target.value)} />
          {error && <p className="alert alert-error" role="alert">{error}</p>}
          <div className="actions"><button type="submit" className="primary">Send me a link</button></div>
        </form>
      )}
      <p><Link to="/sign-in">Back to sign in</Link></p>
    </section>
  );
}

function ResetPassword() {
  const token = new URLSearchParams(location.hash.replace(/^#/, '')).get('token') ?? '';
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (password !== again) { setError('The two passwords differ.'); return; }
    try {
      await post('/api/v1/auth/password/reset', { token, password });
      history.replaceState(null, '', '/reset-password');  // drop the used token from the address bar
      setDone(true);
    } catch (err) { setError((err as Error).message); }
  }
  return (
    <section className="narrow">
      <h1>Set your password</h1>
      {!token && <p className="alert alert-error" role="alert">This page needs the link from your e-mail. <Link to="/forgot-password">Ask for a new link</Link>.</p>}
      {done ? (
        <p className="alert alert-ok" role="status">Your password is set. <Link to="/sign-in">Sign in</Link>.</p>
      ) : token && (
        <form onSubmit={submit} className="form">
          <p className="hint" id="pw-hint">At least 12 characters. A few unrelated words make a good password.</p>
          <label htmlFor="new-password">New password</label>
          <input id="new-password" type="password" autoComplete="new-password" minLength={12} required aria-describedby="pw-hint"
            value={password} onChange={(e) => setPassword(e.target.value)} />
          <label htmlFor="new-password-again">New password again</label>
          <input id="new-password-again" type="password" autoComplete="new-password" minLength={12} required value={again} onChange={(e) => setAgain(e.target.value)} />
          {error && <p className="alert alert-error" role="alert">{error}</p>}
          <div className="actions"><button type="submit" className="primary">Set password</button></div>
        </form>
      )}
    </section>
  );
}

export const routes: PageRoute[] = [
  { path: '/forgot-password', title: 'Forgotten password', component: ForgotPassword, public: true },
  { path: '/reset-password', title: 'Set your password', component: ResetPassword, public: true },
];
