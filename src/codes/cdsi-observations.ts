// CDSi coded observations (ScheduleSupportingData.xml <observations>): each 3-digit observation code lists the
// SNOMED / CDCPHINVS / CVX codes that express it. Turned into a lookup so HL7 OBX values (immunity,
// contraindication, indication) can carry the CDSi code the forecasting engine understands.
import { XMLParser } from 'fast-xml-parser';

export interface CdsiObservation {
  code: string;
  title: string;
  /** 'SNOMED|38907003' style keys of the coded values. */
  codedValues: { code: string; codeSystem: string; text?: string }[];
}

export interface CdsiObservationMap {
  observations: CdsiObservation[];
  /** CDSi observation code for a coded value; the system is optional (tries SNOMED, CDCPHINVS, CVX ...). */
  lookup(code: string | undefined, codeSystem?: string): string | undefined;
}

/** Normalise HL7 coding system names (OBX-5.3) to the ones CDSi uses. */
function normSystem(s: string | undefined): string {
  const u = (s ?? '').toUpperCase();
  if (u === 'SCT' || u === 'SNM' || u === 'SNOMED' || u === 'SNOMEDCT' || u === 'SNOMED-CT') return 'SNOMED';
  if (u === 'CVX' || u === 'HL70292') return 'CVX';
  return u;
}

export function parseCdsiObservations(scheduleXml: string): CdsiObservationMap {
  const parser = new XMLParser({ parseTagValue: false, isArray: (n) => n === 'observation' || n === 'codedValue' });
  const doc = parser.parse(scheduleXml) as any;
  const list = (doc?.scheduleSupportingData?.observations?.observation ?? []) as any[];
  const observations: CdsiObservation[] = list.map((o) => ({
    code: String(o.observationCode ?? '').trim(),
    title: String(o.observationTitle ?? '').trim(),
    codedValues: ((o.codedValues && o.codedValues.codedValue) || []).map((c: any) => ({
      code: String(c.code ?? '').trim(),
      codeSystem: normSystem(String(c.codeSystem ?? '')),
      text: c.text ? String(c.text) : undefined,
    })),
  }));
  const bySystem = new Map<string, string>();
  const byCode = new Map<string, string>();
  for (const o of observations) {
    for (const c of o.codedValues) {
      if (!c.code) continue;
      const k = c.codeSystem + '|' + c.code;
      if (!bySystem.has(k)) bySystem.set(k, o.code);
      if (!byCode.has(c.code)) byCode.set(c.code, o.code);
    }
  }
  return {
    observations,
    lookup(code, codeSystem) {
      if (!code) return undefined;
      if (codeSystem) {
        const hit = bySystem.get(normSystem(codeSystem) + '|' + code);
        if (hit) return hit;
      }
      return byCode.get(code);
    },
  };
}
