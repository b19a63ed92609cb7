// Who is signed in: read from GET /api/v1/auth/session (E1's access backend), shared through context.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { ApiError, get, post, setCsrfToken } from './api.ts';

export type Role = 'registry_admin' | 'access_admin' | 'provider' | 'school' | 'analyst' | 'read_only';

export interface Session {
  username: string;
  displayName?: string;
  organizationId: number;
  organizationName?: string;
  roles: Role[];
  csrfToken?: string;
  /** An administrator who still has to set up the authenticator app (E1's access screens handle it). */
  totpEnrolmentRequired?: boolean;
}

/** Accepts the session answer in a few plausible shapes so the screens do not break on a field rename. */
export function toSession(data: any): Session | null {
  if (!data || typeof data !== 'object') return null;
  const p = data.principal ?? data.user ?? data;
  const org = data.organization ?? p.organization ?? {};
  const username = p.username ?? p.name;
  if (!username) return null;
  return {
    username,
    displayName: p.displayName ?? p.fullName,
    organizationId: Number(p.organizationId ?? org.id),
    organizationName: org.name ?? p.organizationName ?? data.organizationName,
    roles: (p.roles ?? data.roles ?? []) as Role[],
    csrfToken: data.csrfToken ?? data.csrf ?? p.csrfToken,
    totpEnrolmentRequired: !!(data.totpEnrolmentRequired ?? p.totpEnrolmentRequired),
  };
}

interface SessionState {
  session: Session | null;
  loading: boolean;
  refresh(): Promise<Session | null>;
  signOut(): Promise<void>;
}

const Ctx = createContext<SessionState>({ session: null, loading: true, refresh: async () => null, signOut: async () => {} });

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [loading, setLoading] = useState(true);
  const refresh = useCallback(async () => {
    try {
      const s = toSession(await get('/api/v1/auth/session'));
      setCsrfToken(s?.csrfToken);
      setSession(s);
      return s;
    } catch (e) {
      if (!(e instanceof ApiError)) console.error(e);
      setCsrfToken(undefined);
      setSession(null);
      return null;
    } finally {
      setLoading(false);
    }
  }, []);
  const signOut = useCallback(async () => {
    try { await post('/api/v1/auth/logout'); } catch { /* already gone */ }
    setCsrfToken(undefined);
    setSession(null);
  }, []);
  useEffect(() => { void refresh(); }, [refresh]);
  useEffect(() => {
    const ended = () => { void refresh(); };
    window.addEventListener('iis:session-ended', ended);
    return () => window.removeEventListener('iis:session-ended', ended);
  }, [refresh]);
  return <Ctx.Provider value={{ session, loading, refresh, signOut }}>{children}</Ctx.Provider>;
}

export const useSession = () => useContext(Ctx);

export function hasRole(s: Session | null, ...roles: Role[]): boolean {
  return !!s && s.roles.some((r) => roles.includes(r));
}
