// TOTP enrolment: administrators are sent here at their first sign-in and can do nothing else until done.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, post } from '../../api.ts';
import { navigate } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import type { PageRoute } from '../../routes.ts';

interface Setup { secret: string; otpauthUri: string; qrDataUrl: string }

function TwoFactor() {
  const { refresh } = useSession();
  const [setup, setSetup] = useState<Setup | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    post<Setup>('/api/v1/auth/totp/setup').then(setSetup, (e) => {
      if (e instanceof ApiError && e.status === 409) setDone(true);
      else setError((e as Error).message);
    });
  }, []);

  async function confirm(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await post('/api/v1/auth/totp/confirm', { code: code.trim() });
      setDone(true);
      await refresh();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="narrow">
      <h1>Two-step sign-in</h1>
      {done ? (
        <>
          <p className="alert alert-ok" role="status" data-testid="totp-enabled">Your authenticator app is set up. You will enter a code from it each time you sign in.</p>
          <div className="actions"><button type="button" className="primary" onClick={() => navigate('/', { replace: true })}>Continue</button></div>
        </>
      ) : (
        <>
          <p>Administrators sign in with their password and a 6-digit code from an authenticator app (FreeOTP, Google Authenticator, Microsoft Authenticator, 1Password…).</p>
          <ol>
            <li>Open the app and add an account by scanning this QR code, or by typing the key below.</li>
            <li>Enter the 6-digit code the app shows.</li>
          </ol>
          {setup && (
            <>
              <img src={setup.qrDataUrl} alt="QR code to add this account to an authenticator app" width={200} height={200} />
              <p>Key: <code data-testid="totp-secret" aria-label="Key for manual entry">{setup.secret}</code></p>
            </>
          )}
          <form onSubmit={confirm} className="form">
            <label htmlFor="totp-code">Code from your authenticator app</label>
            <input id="totp-code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" required value={code}
              onChange={(e) => setCode(e.target.value)} />
            {error && <p className="alert alert-error" role="alert">{error}</p>}
            <div className="actions"><button type="submit" className="primary" disabled={busy || !setup}>Confirm</button></div>
          </form>
        </>
      )}
    </section>
  );
}

export const routes: PageRoute[] = [{ path: '/account/two-factor', title: 'Two-step sign-in', component: TwoFactor }];
