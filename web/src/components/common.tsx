// Small shared pieces of the patient screens: status badges (colour + words), dates, loading and error lines.
import { useCallback, useEffect, useState } from 'react';
import { ApiError, get } from '../api.ts';

export function Badge({ status, text }: { status: string; text: string }) {
  return <span className={`badge status-${status.replace(/_/g, '-')}`}>{text}</span>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** 2025-03-05 -> "5 Mar 2025" (unambiguous whatever the reader's country). */
export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  return m ? `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}` : iso;
}

export function ageOn(birth: string | null | undefined, on: string): string {
  if (!birth) return '';
  const [by, bm, bd] = birth.split('-').map(Number);
  const [y, m, d] = on.split('-').map(Number);
  let months = (y - by) * 12 + (m - bm) - (d < bd ? 1 : 0);
  if (months < 0) return '';
  if (months < 24) return `${months} month${months === 1 ? '' : 's'}`;
  return `${Math.floor(months / 12)} years`;
}

export function todayIso(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export function ErrorLine({ error }: { error: unknown }) {
  if (!error) return null;
  const msg = error instanceof ApiError ? (error.status === 404 ? 'Not found, or you do not have access to it.' : error.message) : String((error as Error)?.message ?? error);
  return <p className="alert alert-error" role="alert">{msg}</p>;
}

/** GET a URL and keep the result; `reload` fetches again. */
export function useGet<T>(url: string | null): { data?: T; error?: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: !!url });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!url) { setState({ loading: false }); return; }
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    get<T>(url).then((data) => live && setState({ data, loading: false }), (error) => live && setState({ error, loading: false }));
    return () => { live = false; };
  }, [url, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export interface PatientRecord {
  id: number; requestedId: number;
  demographics: { familyName: string | null; givenName: string | null; middleName: string | null; suffix: string | null; birthDate: string | null; sex: string | null; motherMaidenName: string | null; deathDate: string | null; address: any; phone: string | null; status: string };
  identifiers: { value: string; authority: string; type: string }[];
  sourceRecords: { id: number; receivedAt: string; organization: string | null; channel: string | null; name: string; birthDate: string | null }[];
  doses: { id: number; date: string; cvx: string | null; vaccine: string | null; enteredAs?: string | null; mvx: string | null; lot: string | null; historical: boolean; informationSource: string | null; organization: string | null; channel: string | null; consolidatedInto: number | null }[];
  refusals: { id: number; date: string | null; cvx: string | null; vaccine: string | null; reason: string | null; organization: string | null; channel: string | null }[];
  observations: { id: number; kind: string; code: string; cdsiCode: string | null; label: string | null; date: string | null; organization: string | null; channel: string | null }[];
}

export function patientName(p: PatientRecord['demographics'] | { familyName: string | null; givenName: string | null; middleName?: string | null }): string {
  const given = [p.givenName, p.middleName].filter(Boolean).join(' ');
  return [p.familyName?.toUpperCase(), given].filter(Boolean).join(', ') || '(no name)';
}
