// The one way the screens talk to the registry: JSON over fetch with the session cookie, the CSRF token
// on every state-changing request, and problem JSON turned into an ApiError with a readable message.

let csrfToken: string | undefined;
export function setCsrfToken(t: string | undefined): void { csrfToken = t; }

export class ApiError extends Error {
  constructor(public status: number, public title: string, public detail?: string, public body?: unknown) {
    super(detail || title || `HTTP ${status}`);
  }
}

export async function api<T = unknown>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(url, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data: any = undefined;
  if (text) { try { data = JSON.parse(text); } catch { data = text; } }
  if (!res.ok) {
    // An administrator who has not enrolled an authenticator yet may do nothing else first (src/access).
    if (res.status === 403 && data?.code === 'totp_enrolment_required' && location.pathname !== '/account/two-factor') location.assign('/account/two-factor');
    // The session ended (idle timeout, signed out elsewhere): let the app send the person to the sign-in page.
    if (res.status === 401 && !url.startsWith('/api/v1/auth/')) window.dispatchEvent(new Event('iis:session-ended'));
    const title = (data && typeof data === 'object' && data.title) || res.statusText || 'Request failed';
    const detail = data && typeof data === 'object' ? data.detail : undefined;
    throw new ApiError(res.status, title, detail, data);
  }
  return data as T;
}

export const get = <T = unknown>(url: string) => api<T>('GET', url);
export const post = <T = unknown>(url: string, body?: unknown) => api<T>('POST', url, body ?? {});
export const put = <T = unknown>(url: string, body?: unknown) => api<T>('PUT', url, body ?? {});
export const del = <T = unknown>(url: string) => api<T>('DELETE', url);

export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}
