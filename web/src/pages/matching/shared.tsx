// Pieces shared by the match review screens: the scorer's reasons in plain words, and a confirmation dialog.
// A reason from src/matching/score.ts is "field:level(+weight)" (evidence for or against) or "rule:name"
// (a safety rule that keeps the pair from an automatic merge).
import { useEffect, useRef, type ReactNode } from 'react';

export interface ReviewPerson {
  id: number; familyName: string | null; givenName: string | null; middleName: string | null; suffix: string | null;
  birthDate: string | null; sex: string | null; motherMaidenName: string | null; multipleBirth: string | null; birthOrder: number | null;
  address: { street?: string; city?: string; state?: string; zip?: string } | null; phone: string | null; status: string;
  identifiers: { value: string; authority: string | null; type: string | null }[]; vaccinationCount: number;
}
export interface ReviewItem {
  id: number; status: string; score: number; reasons: string[]; createdAt: string;
  decidedAt?: string | null; decidedBy?: string | null; patient: ReviewPerson; candidate: ReviewPerson;
}

const FIELD: Record<string, string> = {
  given: 'First name', family: 'Last name', middle: 'Middle name', suffix: 'Suffix (Jr, III…)', birthDate: 'Birth date', sex: 'Sex',
  motherMaidenName: "Mother's maiden name", guardianGiven: "Parent's first name", guardianFamily: "Parent's last name", phone: 'Phone',
  email: 'E-mail', street: 'Street address', zip: 'ZIP code', city: 'City', ssn: 'Social Security number', medicaid: 'Medicaid number',
  mrn: 'Medical record number (same clinic)',
};
const LEVEL: Record<string, string> = {
  exact: 'the same', agree: 'the same', nickname: 'nicknames of each other', similar: 'nearly the same (a typo apart)',
  partial: 'partly the same (hyphenated or changed)', offByOne: 'one day, month or year apart', disagree: 'different',
};
const RULE: Record<string, string> = {
  birthDateNotExact: 'The birth dates are not exactly the same, so a person must decide.',
  twinProtection: 'Same birth date and last name but not the same first name: these could be twins.',
  twinsDifferentBirthOrder: 'Same birth date, different birth order: twins.',
  differentBirthOrder: 'The birth order (multiple birth) differs.',
  multipleBirthNameDiffers: 'Part of a multiple birth and the first names differ.',
  placeholderName: 'One record has a placeholder name (such as BABY BOY or TWIN A).',
  namesSwapped: 'First and last (or middle) names seem written in each other’s place.',
  differentSex: 'The sex differs.',
  conflictingIdentifier: 'An identifier that belongs to one person only (SSN, Medicaid) differs.',
  differentSuffix: 'The suffixes (Jr, Sr, III…) differ.',
};

export interface PlainReason { field?: string; text: string; kind: 'for' | 'against' | 'rule'; weight?: number }

/** "birthDate:swapped(+2)" → "Birth date: day and month swapped"; "rule:twinProtection" → the rule in words. */
export function plainReason(r: string): PlainReason {
  if (r.startsWith('rule:')) { const k = r.slice(5); return { kind: 'rule', text: RULE[k] ?? `Safety rule: ${k}` }; }
  const m = /^(\w+):(\w+)\(([-+]?[\d.]+)\)$/.exec(r);
  if (!m) return { kind: 'rule', text: r };
  const [, field, level, w] = m;
  const weight = Number(w);
  let how = LEVEL[level] ?? level;
  if (level === 'swapped') how = field === 'birthDate' ? 'day and month swapped' : 'written in another name field';
  return { field, text: `${FIELD[field] ?? field}: ${how}`, kind: weight > 0 ? 'for' : weight < 0 ? 'against' : 'for', weight };
}

/** Agrees exactly (green), close (amber: a nickname, a typo, swapped day and month), differs (red), a safety rule (amber). */
export function reasonLook(r: PlainReason): { status: string; label: string } {
  if (r.kind === 'rule') return { status: 'due', label: 'Check' };
  if (r.kind === 'against') return { status: 'invalid', label: 'Differs' };
  return r.text.endsWith('the same') ? { status: 'valid', label: 'Agrees' } : { status: 'due', label: 'Close' };
}

export function ReasonBadge({ r }: { r: PlainReason }) {
  const { status, label } = reasonLook(r);
  return <span className={`badge status-${status}`}>{label}</span>;
}

/** Safety rules first (why a person decides), then what differs, then what agrees. */
export function sortReasons(reasons: string[]): PlainReason[] {
  const rank = (r: PlainReason) => (r.kind === 'rule' ? 0 : r.kind === 'against' ? 1 : reasonLook(r).label === 'Close' ? 2 : 3);
  return reasons.map(plainReason).map((r, i) => ({ r, i })).sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i).map((x) => x.r);
}

export function ReasonList({ reasons, limit, only }: { reasons: string[]; limit?: number; only?: 'rules' | 'evidence' }) {
  const all = sortReasons(reasons).filter((r) => !only || (only === 'rules') === (r.kind === 'rule'));
  const shown = limit ? all.slice(0, limit) : all;
  return (
    <ul className="reasons" style={{ listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: '.25rem' }}>
      {shown.map((r, i) => (
        <li key={i}><ReasonBadge r={r} /> {r.text}{r.weight !== undefined && <span className="hint"> ({r.weight > 0 ? '+' : ''}{r.weight} points)</span>}</li>
      ))}
      {limit && all.length > limit && <li className="hint">and {all.length - limit} more</li>}
    </ul>
  );
}

/** How sure the scorer is, in words (thresholds of src/matching/score.ts: 22 Match, 12 Possible). */
export function scoreText(score: number): string {
  return score >= 22 ? 'strong likeness, held back by a safety rule' : score >= 17 ? 'probably the same person' : 'possibly the same person';
}

/**
 * A modal confirmation (native <dialog>: focus stays inside, Escape cancels, focus returns to the button that
 * opened it). Rendered only while open.
 */
export function ConfirmDialog({ title, children, confirmLabel, danger, busy, onConfirm, onCancel }: {
  title: string; children: ReactNode; confirmLabel: string; danger?: boolean; busy?: boolean; onConfirm: () => void; onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    if (d && !d.open) d.showModal();
    // Cancel is the safe default: Enter right away does nothing irreversible.
    d?.querySelector<HTMLButtonElement>('[data-cancel]')?.focus();
    return () => { opener?.focus?.(); };
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onCancel={(e) => { e.preventDefault(); onCancel(); }}
      style={{ maxWidth: '36rem', border: '2px solid var(--accent)', borderRadius: 8, padding: '1rem 1.2rem' }}>
      <h2 id="confirm-title" style={{ marginTop: 0 }}>{title}</h2>
      {children}
      <div className="actions">
        <button type="button" className={danger ? 'danger' : 'primary'} disabled={busy} onClick={onConfirm}>{busy ? 'Working…' : confirmLabel}</button>
        <button type="button" onClick={onCancel} data-cancel>Cancel</button>
      </div>
    </dialog>
  );
}
