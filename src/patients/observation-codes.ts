// The CDSi coded observations a person can record from the web app, grouped the way the screens ask for them:
// contraindications (allergies, reactions and conditions that rule a vaccine out), evidence of immunity
// (laboratory), history of disease, and other conditions/indications.
import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

export type ObservationCategory = 'contraindication' | 'immunity' | 'disease_history' | 'condition';
export interface ObservationCode { code: string; title: string; category: ObservationCategory; snomed?: string }

// Conditions that the schedule treats as contraindications or precautions although their title is not an allergy.
const CONTRAINDICATION_CODES = new Set(['003', '007', '013', '026', '028', '076', '079', '145', '147', '154', '157', '158', '168', '170', '246']);

export function categorize(code: string, title: string): ObservationCategory {
  if (/^Laboratory Evidence of Immunity/i.test(title)) return 'immunity';
  if (/history (of|or) .*diagnosis|history of or diagnosis/i.test(title)) return 'disease_history';
  if (/allerg|adverse reaction|hypersensitivity|encephalopathy|thrombosis with thrombocytopenia/i.test(title) || CONTRAINDICATION_CODES.has(code)) return 'contraindication';
  return 'condition';
}

/** Table kind for a category (observation.kind, 0100_core.sql). */
export function observationKind(c: ObservationCategory): 'contraindication' | 'immunity' | 'condition' {
  return c === 'contraindication' ? 'contraindication' : c === 'condition' ? 'condition' : 'immunity';
}

export async function listObservationCodes(db: Queryable): Promise<ObservationCode[]> {
  const { rows } = await db.query(`SELECT code, label, detail FROM code_value WHERE code_set = 'CDSI_OBSERVATION' ORDER BY code`);
  return rows.map((r) => {
    const title = String(r.label ?? '').replace(/\s+/g, ' ').trim();
    const snomed = ((r.detail?.links ?? {}) as Record<string, string[]>).SNOMED?.[0];
    return { code: r.code, title, category: categorize(r.code, title), ...(snomed ? { snomed } : {}) };
  });
}
