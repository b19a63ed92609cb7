// CDSi coded observations (ScheduleSupportingData.xml <observations>): each 3-digit observation code lists the
// SNOMED / CDCPHINVS / CVX codes that express it. Turned into a lookup so HL7 OBX values (immunity,
// contraindication, indication) can carry the CDSi code the forecasting engine understands.
import { XMLParser } from 'fast-xml-parser';
import type { CodeSets } from './codesets.ts';

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
  return mapOf(observations);
}

function mapOf(list: CdsiObservation[]): CdsiObservationMap {
  // Sorted so the first observation claiming a code wins the same way whatever order rows were loaded in.
  const observations = [...list].sort((a, b) => a.code.localeCompare(b.code));
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

/** Code set name under which CDSi observations are kept in CodeSets / the code_value table. */
export const CDSI_OBSERVATION_SET = 'CDSI_OBSERVATION';

/** Add the CDSi observations to a CodeSets (set CDSI_OBSERVATION, links keyed by code system) so they travel
 * through the code_value table with the AIRA codes. */
export function addCdsiObservations(codes: CodeSets, map: CdsiObservationMap): CodeSets {
  for (const o of map.observations) {
    const links: Record<string, string[]> = {};
    for (const c of o.codedValues) if (c.code) (links[c.codeSystem] ??= []).push(c.code);
    codes.add({ set: CDSI_OBSERVATION_SET, code: o.code, label: o.title, status: 'Valid', links });
  }
  return codes;
}

/** Rebuild the lookup from CodeSets (e.g. loaded from code_value). */
export function cdsiObservationsFromCodeSets(codes: CodeSets): CdsiObservationMap {
  const observations: CdsiObservation[] = codes.entries(CDSI_OBSERVATION_SET).map((e) => ({
    code: e.code,
    title: e.label ?? '',
    codedValues: Object.entries(e.links).flatMap(([codeSystem, list]) => list.map((code) => ({ code, codeSystem }))),
  }));
  return mapOf(observations);
}
