// Shared bits of the school screens: status badges in the nurse's words, the school-year picker and URLs.
import { qs } from '../../api.ts';

export const STATUSES = ['compliant', 'in process', 'exempt', 'not compliant'] as const;
export const STATUS_LABEL: Record<string, string> = { compliant: 'Compliant', 'in process': 'In process', exempt: 'Exempt', 'not compliant': 'Not compliant' };
const STATUS_CLASS: Record<string, string> = { compliant: 'complete', 'in process': 'upcoming', exempt: 'none', 'not compliant': 'overdue' };

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${STATUS_CLASS[status] ?? 'unknown'}`} data-status={status}>{STATUS_LABEL[status] ?? status}</span>;
}

export interface SchoolItem { id: number; name: string; code: string | null; parentId: number | null; districtName: string | null; enrolled: Record<string, number> }
export interface SchoolsAnswer { items: SchoolItem[]; districts: { id: number; name: string }[]; packs: string[]; defaultSchoolYear: string; today: string }

/** School years offered: those of the requirement packs (e.g. MA-2025-2026 -> 2025-2026). */
export function packYears(packs: string[]): string[] {
  return [...new Set(packs.map((p) => /(\d{4}-\d{4})$/.exec(p)?.[1]).filter((x): x is string => !!x))].sort().reverse();
}

export function yearQuery(schoolYear: string | null | undefined, extra: Record<string, string | number | undefined | null> = {}): string {
  return qs({ schoolYear, ...extra });
}

export function gradeLabel(g: string): string {
  return g === 'K' ? 'Kindergarten' : g === 'PK' ? 'Pre-kindergarten' : g === 'CC' ? 'Child care' : g === 'college' ? 'College' : `Grade ${g}`;
}

export function YearPicker({ years, value, onChange }: { years: string[]; value: string; onChange: (y: string) => void }) {
  return (
    <div className="field">
      <label htmlFor="school-year">School year</label>
      <select id="school-year" value={value} onChange={(e) => onChange(e.target.value)}>
        {[...new Set([value, ...years])].filter(Boolean).map((y) => <option key={y} value={y}>{y}</option>)}
      </select>
    </div>
  );
}
