// Type a vaccine name (CDC name, US or foreign trade name, or CVX code) and pick what it means: each choice
// lists the CVX codes of the vaccines it contains, so "Infanrix hexa" becomes DTaP-HepB-IPV + Hib.
import { useEffect, useId, useState } from 'react';
import { get, qs } from '../api.ts';

export interface VaccineChoice { name: string; source: string; contains?: string; countries?: string[]; cvx: { code: string; label: string | null }[] }

const SOURCE: Record<string, string> = { cvx: 'CDC vaccine name', trade_name: 'US trade name', foreign_trade_name: 'Foreign trade name' };

export function VaccinePicker({ value, onChange, label = 'Vaccine' }: { value: VaccineChoice | null; onChange: (v: VaccineChoice | null) => void; label?: string }) {
  const id = useId();
  const [q, setQ] = useState('');
  const [matches, setMatches] = useState<VaccineChoice[]>([]);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const t = q.trim();
    if (t.length < 2) { setMatches([]); return; }
    let live = true;
    setBusy(true);
    const timer = setTimeout(() => {
      get<{ matches: VaccineChoice[] }>(`/api/v1/vaccines/lookup${qs({ q: t })}`)
        .then((r) => { if (live) setMatches(r.matches); }, () => { if (live) setMatches([]); })
        .finally(() => { if (live) setBusy(false); });
    }, 250);
    return () => { live = false; clearTimeout(timer); };
  }, [q]);
  return (
    <fieldset className="vaccine-picker">
      <legend>{label}</legend>
      <div className="field">
        <label htmlFor={`${id}-q`}>Type the vaccine name, trade name (also foreign) or CVX code</label>
        <input id={`${id}-q`} type="search" value={q} autoComplete="off" onChange={(e) => setQ(e.target.value)} aria-describedby={`${id}-status`} />
        <span id={`${id}-status`} className="hint" aria-live="polite">
          {busy ? 'Searching…' : q.trim().length >= 2 ? `${matches.length} match${matches.length === 1 ? '' : 'es'}` : 'At least 2 letters'}
        </span>
      </div>
      {matches.length > 0 && (
        <div role="radiogroup" aria-label="Matching vaccines" className="choices">
          {matches.map((m, i) => {
            const key = `${m.source}|${m.name}|${m.cvx.map((c) => c.code).join(',')}`;
            const checked = !!value && value.name === m.name && value.cvx.map((c) => c.code).join() === m.cvx.map((c) => c.code).join();
            return (
              <label key={key} className={`choice${checked ? ' chosen' : ''}`}>
                <input type="radio" name={`${id}-choice`} checked={checked} onChange={() => onChange(m)} data-testid={`vaccine-choice-${i}`} />
                <span>
                  <strong>{m.name}</strong> <span className="hint">({SOURCE[m.source] ?? m.source}{m.countries?.length ? `; ${m.countries.join(', ')}` : ''})</span>
                  {m.contains && <> — contains {m.contains}</>}
                  <br />
                  <span className="hint">Recorded as: {m.cvx.map((c) => `CVX ${c.code}${c.label ? ` ${c.label}` : ''}`).join(' + ')}</span>
                </span>
              </label>
            );
          })}
        </div>
      )}
      {value && (
        <p className="alert alert-info" data-testid="vaccine-chosen">
          Chosen: <strong>{value.name}</strong> = {value.cvx.map((c) => `CVX ${c.code}${c.label ? ` (${c.label})` : ''}`).join(' + ')}{' '}
          <button type="button" className="link-button" onClick={() => onChange(null)}>Clear</button>
        </p>
      )}
    </fieldset>
  );
}
