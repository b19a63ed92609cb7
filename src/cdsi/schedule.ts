// CDC supporting data (ScheduleSupportingData.xml + AntigenSupportingData-*.xml) parsed once into an
// immutable, indexed Schedule. Pure: takes the XML texts; loadScheduleFromDir is the thin fs wrapper.
import fs from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { parseDate, parseOffset, type DayNum, type Offset } from './dates.ts';

export interface VaccineRef { cvx: string; vaccineType: string; beginAge?: Offset; endAge?: Offset; mvx?: string; forecastVaccineType?: boolean }
export interface Interval {
  fromPrevious: boolean; fromTargetDose?: number; fromMostRecent?: Set<string>; fromRelevantObs?: string;
  absMinInt?: Offset; minInt?: Offset; earliestRecInt?: Offset; latestRecInt?: Offset; priorityOverride: boolean;
  effective?: DayNum; cessation?: DayNum;
}
export interface AgeRow { absMinAge?: Offset; minAge?: Offset; earliestRecAge?: Offset; latestRecAge?: Offset; maxAge?: Offset; effective?: DayNum; cessation?: DayNum }
export interface SkipCondition {
  type: string; startDate?: DayNum; endDate?: DayNum; beginAge?: Offset; endAge?: Offset; interval?: Offset;
  doseCount?: number; doseType: 'total' | 'valid'; doseCountLogic: string; vaccineTypes?: Set<string>; seriesGroups: string[];
  /** the condition type read once for the engine: 1 age, 2 interval, 3 completed series, 4 vaccine count (by age / by date), 0 unknown */
  kind: 0 | 1 | 2 | 3 | 4; countByAge: boolean; countByDate: boolean;
  /** dose count logic: 1 greater than, -1 less than, 0 equal */
  countLogic: 1 | -1 | 0;
}
export interface SkipSet { id: string; description: string; conditionLogic: 'AND' | 'OR'; conditions: SkipCondition[]; effective?: DayNum; cessation?: DayNum }
export interface ConditionalSkip { context: 'Evaluation' | 'Forecast' | 'Both'; setLogic: 'AND' | 'OR'; sets: SkipSet[] }
export interface TargetDose {
  index: number; doseNumber: string; ages: AgeRow[]; intervals: Interval[]; allowableIntervals: Interval[];
  preferable: VaccineRef[]; allowable: VaccineRef[]; inadvertent: Set<string>; requiredGender: string[];
  recurring: boolean; season?: { start: DayNum; end: DayNum }; skips: ConditionalSkip[];
  /** live virus conflicts impacting each preferable vaccine that has any, in preferable order (filled by buildSchedule) */
  preferableLiveRules: { rules: LiveVirusConflict[]; previous: Set<string> }[];
}
export interface Indication { code: string; text: string; beginAge?: Offset; endAge?: Offset }
export interface Series {
  name: string; antigen: string; vaccineGroup: string; type: string; requiredGender: string[];
  /** normalized for the engine: series type and required genders as lower-case keys ('f', 'm', 'u') */
  kind: 'standard' | 'risk' | 'evaluation'; genderKeys: string[];
  isDefault: boolean; productPath: boolean; group: string; groupName: string; equivalentGroups: string[]; priority: string; preference: number;
  minAgeToStart?: Offset; maxAgeToStart?: Offset; indications: Indication[]; doses: TargetDose[];
}
export interface Contraindication { code: string; title: string; beginAge?: Offset; endAge?: Offset; cvx?: Set<string> }
export interface Immunity { codes: Set<string>; birthDateBefore?: DayNum; birthCountry?: string; exclusions: Set<string> }
export interface Antigen { name: string; /** position in Schedule.antigenList (set by buildSchedule) */ index: number; series: Series[]; groupContraindications: Contraindication[]; vaccineContraindications: Contraindication[]; immunity: Immunity }
export interface LiveVirusConflict { previous: string; current: string; begin: Offset; minEnd: Offset; end: Offset }
export interface CvxAssociation { antigen: string; /** index of the antigen in Schedule.antigenList, -1 when unknown */ antigenIndex: number; beginAge?: Offset; endAge?: Offset }
export interface VaccineGroup { name: string; administerFullVaccineGroup: boolean; antigens: string[]; /** the group's antigens that have supporting data, in order */ antigenRefs: Antigen[] }
export interface ObservationDef { code: string; title: string; indicationText: string; contraindicationText: string }

export interface Schedule {
  version: string;
  antigens: ReadonlyMap<string, Antigen>;
  vaccineGroups: ReadonlyMap<string, VaccineGroup>;
  antigenToGroup: ReadonlyMap<string, string>;
  cvx: ReadonlyMap<string, { description: string; associations: CvxAssociation[] }>;
  /** live virus conflicts keyed by current (impacted) CVX */
  liveVirusByCurrent: ReadonlyMap<string, LiveVirusConflict[]>;
  observations: ReadonlyMap<string, ObservationDef>;
  /** every antigen, indexed by Antigen.index: the engine keeps per-patient state in arrays of this length */
  antigenList: readonly Antigen[];
  /** every CVX that is the earlier dose of some live virus conflict */
  liveVirusPrevious: ReadonlySet<string>;
}

const ARRAYS = new Set(['series', 'seriesDose', 'preferableVaccine', 'allowableVaccine', 'inadvertentVaccine', 'interval', 'allowableInterval',
  'conditionalSkip', 'set', 'condition', 'indication', 'contraindication', 'contraindicatedVaccine', 'clinicalHistory', 'exclusion', 'dateOfBirth',
  'liveVirusConflict', 'vaccineGroup', 'vaccineGroupMap', 'antigen', 'cvxMap', 'association', 'observation', 'codedValue', 'age', 'requiredGender']);
const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, isArray: (name) => ARRAYS.has(name) });

type X = Record<string, any>;
const str = (v: unknown): string => (Array.isArray(v) ? str(v[0]) : v == null || typeof v === 'object' ? '' : String(v).trim());
const arr = (v: unknown): X[] => (Array.isArray(v) ? v : v == null || v === '' ? [] : [v]).filter((x) => x && typeof x === 'object');
const cvxSet = (v: unknown): Set<string> | undefined => { const s = str(v); return s ? new Set(s.split(/[;,]/).map((c) => normCvx(c)).filter(Boolean)) : undefined; };
export function normCvx(c: string): string { const t = c.trim(); return t.replace(/^0+(?=\d)/, ''); }

function ctx(file: string, where: string, f: () => any): any {
  try { return f(); } catch (e) { throw new Error(`${file}: ${where}: ${(e as Error).message}`); }
}
const off = (file: string, where: string, v: unknown) => ctx(file, where, () => parseOffset(str(v)));
const day = (file: string, where: string, v: unknown) => { const s = str(v); return s ? ctx(file, where, () => parseDate(s)) : undefined; };

function vaccineRefs(file: string, where: string, list: unknown): VaccineRef[] {
  return arr(list).map((v, i) => {
    const cvx = normCvx(str(v.cvx));
    if (!cvx) throw new Error(`${file}: ${where}[${i}]: missing <cvx>`);
    return { cvx, vaccineType: str(v.vaccineType), beginAge: off(file, `${where} cvx ${cvx} <beginAge>`, v.beginAge), endAge: off(file, `${where} cvx ${cvx} <endAge>`, v.endAge),
      mvx: str(v.mvx) || undefined, forecastVaccineType: str(v.forecastVaccineType) === 'Y' };
  });
}
function intervals(file: string, where: string, list: unknown): Interval[] {
  return arr(list).filter((i) => str(i.fromPrevious) || str(i.fromTargetDose) || str(i.fromMostRecent) || i.fromRelevantObs).map((i) => ({
    fromPrevious: str(i.fromPrevious) === 'Y', fromTargetDose: str(i.fromTargetDose) ? Number(str(i.fromTargetDose)) : undefined,
    fromMostRecent: cvxSet(i.fromMostRecent), fromRelevantObs: typeof i.fromRelevantObs === 'object' ? str(i.fromRelevantObs?.code) || undefined : undefined,
    absMinInt: off(file, `${where} <absMinInt>`, i.absMinInt), minInt: off(file, `${where} <minInt>`, i.minInt),
    earliestRecInt: off(file, `${where} <earliestRecInt>`, i.earliestRecInt), latestRecInt: off(file, `${where} <latestRecInt>`, i.latestRecInt),
    priorityOverride: str(i.intervalPriority).toLowerCase() === 'override',
    effective: day(file, `${where} <effectiveDate>`, i.effectiveDate), cessation: day(file, `${where} <cessationDate>`, i.cessationDate),
  }));
}
function skips(file: string, where: string, list: unknown): ConditionalSkip[] {
  return arr(list).map((s) => ({
    context: (str(s.context) || 'Both') as ConditionalSkip['context'],
    setLogic: str(s.setLogic).toUpperCase() === 'AND' ? 'AND' : 'OR',
    sets: arr(s.set).map((st) => ({
      id: str(st.setID), description: str(st.setDescription), conditionLogic: str(st.conditionLogic).toUpperCase() === 'OR' ? 'OR' : 'AND',
      effective: day(file, `${where} set <effectiveDate>`, st.effectiveDate), cessation: day(file, `${where} set <cessationDate>`, st.cessationDate),
      conditions: arr(st.condition).map((c) => ({
        type: str(c.conditionType).toLowerCase(), startDate: day(file, `${where} condition <startDate>`, c.startDate), endDate: day(file, `${where} condition <endDate>`, c.endDate),
        beginAge: off(file, `${where} condition <beginAge>`, c.beginAge), endAge: off(file, `${where} condition <endAge>`, c.endAge),
        interval: off(file, `${where} condition <interval>`, c.interval), doseCount: str(c.doseCount) ? Number(str(c.doseCount)) : undefined,
        doseType: str(c.doseType).toLowerCase() === 'total' ? 'total' : 'valid', doseCountLogic: str(c.doseCountLogic).toLowerCase(),
        vaccineTypes: cvxSet(c.vaccineTypes), seriesGroups: str(c.seriesGroups).split(/[;,]/).map((x) => x.trim()).filter(Boolean),
      } as SkipCondition)).map((cd) => {
        const t = cd.type, logic = cd.doseCountLogic;
        cd.kind = t === 'age' ? 1 : t === 'interval' ? 2 : t === 'completed series' ? 3 : t.startsWith('vaccine count') ? 4 : 0;
        cd.countByAge = t.includes('age'); cd.countByDate = t.includes('date');
        cd.countLogic = logic.startsWith('greater') ? 1 : logic.startsWith('less') ? -1 : 0;
        return cd;
      }),
    })),
  }));
}
function contraindications(file: string, list: unknown, withVaccines: boolean): Contraindication[] {
  return arr(list).map((c) => {
    const code = str(c.observationCode);
    if (!code) throw new Error(`${file}: <contraindication>: missing <observationCode>`);
    const vaccines = withVaccines ? vaccineRefs(file, `contraindication ${code} <contraindicatedVaccine>`, c.contraindicatedVaccine) : [];
    return { code, title: str(c.observationTitle), beginAge: off(file, `contraindication ${code} <beginAge>`, c.beginAge), endAge: off(file, `contraindication ${code} <endAge>`, c.endAge),
      cvx: withVaccines ? new Set(vaccines.map((v) => v.cvx)) : undefined };
  });
}

export function parseAntigenXml(file: string, xml: string): Antigen {
  let doc: X;
  try { doc = parser.parse(xml); } catch (e) { throw new Error(`${file}: not well-formed XML: ${(e as Error).message}`); }
  const root = doc.antigenSupportingData;
  if (!root || typeof root !== 'object') throw new Error(`${file}: missing <antigenSupportingData> root element`);
  const seriesList = arr(root.series);
  if (!seriesList.length) throw new Error(`${file}: <antigenSupportingData> has no <series>`);
  let antigenName = '';
  const series: Series[] = seriesList.map((s, si) => {
    const name = str(s.seriesName);
    const where = `<series> '${name || si + 1}'`;
    const antigen = str(s.targetDisease);
    if (!antigen) throw new Error(`${file}: ${where}: missing <targetDisease>`);
    antigenName ||= antigen;
    const sel = s.selectSeries;
    if (!sel || typeof sel !== 'object') throw new Error(`${file}: ${where}: missing <selectSeries>`);
    const doses = arr(s.seriesDose).map((d, di): TargetDose => {
      const w = `${where} <seriesDose> '${str(d.doseNumber) || di + 1}'`;
      const seasons = arr(d.seasonalRecommendation).length ? arr(d.seasonalRecommendation) : typeof d.seasonalRecommendation === 'object' ? [d.seasonalRecommendation] : [];
      const season = seasons[0] && str(seasons[0].startDate) ? { start: day(file, `${w} <startDate>`, seasons[0].startDate)!, end: day(file, `${w} <endDate>`, seasons[0].endDate) ?? 1e9 } : undefined;
      return {
        index: di, doseNumber: str(d.doseNumber),
        ages: arr(d.age).map((a) => ({ absMinAge: off(file, `${w} <absMinAge>`, a.absMinAge), minAge: off(file, `${w} <minAge>`, a.minAge),
          earliestRecAge: off(file, `${w} <earliestRecAge>`, a.earliestRecAge), latestRecAge: off(file, `${w} <latestRecAge>`, a.latestRecAge),
          maxAge: off(file, `${w} <maxAge>`, a.maxAge), effective: day(file, `${w} <effectiveDate>`, a.effectiveDate), cessation: day(file, `${w} <cessationDate>`, a.cessationDate) })),
        intervals: intervals(file, `${w} <interval>`, d.interval), allowableIntervals: intervals(file, `${w} <allowableInterval>`, d.allowableInterval),
        preferable: vaccineRefs(file, `${w} <preferableVaccine>`, d.preferableVaccine), allowable: vaccineRefs(file, `${w} <allowableVaccine>`, d.allowableVaccine),
        inadvertent: new Set(arr(d.inadvertentVaccine).map((v) => normCvx(str(v.cvx)))),
        requiredGender: (Array.isArray(d.requiredGender) ? d.requiredGender : [d.requiredGender]).map(str).filter(Boolean),
        recurring: str(d.recurringDose).toLowerCase() === 'yes', season, skips: skips(file, `${w} <conditionalSkip>`, d.conditionalSkip),
        preferableLiveRules: [],
      };
    });
    const requiredGender = (Array.isArray(s.requiredGender) ? s.requiredGender : [s.requiredGender]).map(str).filter(Boolean);
    const type = str(s.seriesType);
    return {
      name, antigen, vaccineGroup: str(s.vaccineGroup), type, requiredGender,
      kind: /^risk/i.test(type) ? 'risk' : /^eval/i.test(type) ? 'evaluation' : 'standard',
      genderKeys: requiredGender.map((g) => g.trim().toLowerCase()[0] ?? '').filter(Boolean),
      isDefault: str(sel.defaultSeries) === 'Yes', productPath: str(sel.productPath) === 'Yes', group: str(sel.seriesGroup) || '1', groupName: str(sel.seriesGroupName),
      equivalentGroups: str(s.equivalentSeriesGroups).split(/[;,\s]+/).filter(Boolean),
      priority: str(sel.seriesPriority) || 'A', preference: Number(str(sel.seriesPreference) || '99'),
      minAgeToStart: off(file, `${where} <minAgeToStart>`, sel.minAgeToStart), maxAgeToStart: off(file, `${where} <maxAgeToStart>`, sel.maxAgeToStart),
      indications: arr(s.indication).map((i) => ({ code: str(i.observationCode?.code), text: str(i.observationCode?.text), beginAge: off(file, `${where} <indication> <beginAge>`, i.beginAge), endAge: off(file, `${where} <indication> <endAge>`, i.endAge) })).filter((i) => i.code),
      doses,
    };
  });
  const ci = root.contraindications && typeof root.contraindications === 'object' ? root.contraindications : {};
  const im = root.immunity && typeof root.immunity === 'object' ? root.immunity : {};
  const dob = arr(im.dateOfBirth)[0];
  // series sorted by series group (stable): the engine walks groups in order ("completed series" skips look back)
  series.sort((x, y) => Number(x.group) - Number(y.group));
  return {
    name: antigenName, index: -1, series,
    groupContraindications: arr(ci.vaccineGroup).flatMap((g) => contraindications(file, g.contraindication, false)),
    vaccineContraindications: arr(ci.vaccine).flatMap((g) => contraindications(file, g.contraindication, true)),
    immunity: { codes: new Set(arr(im.clinicalHistory).map((c) => str(c.guidelineCode)).filter(Boolean)),
      birthDateBefore: dob ? day(file, '<immunityBirthDate>', dob.immunityBirthDate) : undefined, birthCountry: dob ? str(dob.birthCountry) : undefined,
      exclusions: new Set(dob ? arr(dob.exclusion).map((e) => str(e.exclusionCode)) : []) },
  };
}

export function buildSchedule(version: string, scheduleXml: string, antigenXmls: Record<string, string>, scheduleFile = 'ScheduleSupportingData.xml'): Schedule {
  let doc: X;
  try { doc = parser.parse(scheduleXml); } catch (e) { throw new Error(`${scheduleFile}: not well-formed XML: ${(e as Error).message}`); }
  const root = doc.scheduleSupportingData;
  if (!root || typeof root !== 'object') throw new Error(`${scheduleFile}: missing <scheduleSupportingData> root element`);
  const f = scheduleFile;
  const liveVirusByCurrent = new Map<string, LiveVirusConflict[]>();
  for (const c of arr(root.liveVirusConflicts?.liveVirusConflict)) {
    const cur = normCvx(str(c.current?.cvx)), prev = normCvx(str(c.previous?.cvx));
    if (!cur || !prev) throw new Error(`${f}: <liveVirusConflict>: missing <previous>/<current> <cvx>`);
    const lv = { previous: prev, current: cur, begin: off(f, '<conflictBeginInterval>', c.conflictBeginInterval) ?? { months: 0, days: 0, text: '0 days' },
      minEnd: off(f, '<minConflictEndInterval>', c.minConflictEndInterval), end: off(f, '<conflictEndInterval>', c.conflictEndInterval) };
    if (!lv.end) throw new Error(`${f}: <liveVirusConflict> ${prev}->${cur}: missing <conflictEndInterval>`);
    lv.minEnd ??= lv.end;
    (liveVirusByCurrent.get(cur) ?? liveVirusByCurrent.set(cur, []).get(cur)!).push(lv as LiveVirusConflict);
  }
  const vaccineGroups = new Map<string, VaccineGroup>();
  for (const g of arr(root.vaccineGroups?.vaccineGroup)) vaccineGroups.set(str(g.name), { name: str(g.name), administerFullVaccineGroup: str(g.administerFullVaccineGroup) === 'Yes', antigens: [], antigenRefs: [] });
  const antigenToGroup = new Map<string, string>();
  for (const m of arr(root.vaccineGroupToAntigenMap?.vaccineGroupMap)) {
    const g = vaccineGroups.get(str(m.name));
    if (!g) throw new Error(`${f}: <vaccineGroupMap> names unknown vaccine group '${str(m.name)}'`);
    for (const a of (Array.isArray(m.antigen) ? m.antigen : [m.antigen]).map(str).filter(Boolean)) { g.antigens.push(a); antigenToGroup.set(a, g.name); }
  }
  const cvx = new Map<string, { description: string; associations: CvxAssociation[] }>();
  for (const m of arr(root.cvxToAntigenMap?.cvxMap)) {
    const code = normCvx(str(m.cvx));
    cvx.set(code, { description: str(m.shortDescription), associations: arr(m.association).map((a) => ({ antigen: str(a.antigen), antigenIndex: -1,
      beginAge: off(f, `<cvxMap> ${code} <associationBeginAge>`, a.associationBeginAge), endAge: off(f, `<cvxMap> ${code} <associationEndAge>`, a.associationEndAge) })) });
  }
  const observations = new Map<string, ObservationDef>();
  for (const o of arr(root.observations?.observation)) observations.set(str(o.observationCode), { code: str(o.observationCode), title: str(o.observationTitle), indicationText: str(o.indicationText), contraindicationText: str(o.contraindicationText) });
  const antigens = new Map<string, Antigen>();
  for (const [file, xml] of Object.entries(antigenXmls)) { const a = parseAntigenXml(file, xml); antigens.set(a.name, a); }
  // indexes for the engine, computed once: antigen positions, the group's antigen objects, the association's antigen,
  // and the live virus rules of each target dose's preferable vaccines
  const antigenList = [...antigens.values()];
  antigenList.forEach((a, i) => { a.index = i; });
  for (const g of vaccineGroups.values()) for (const an of g.antigens) { const a = antigens.get(an); if (a) g.antigenRefs.push(a); }
  for (const m of cvx.values()) for (const a of m.associations) a.antigenIndex = antigens.get(a.antigen)?.index ?? -1;
  for (const a of antigenList) for (const s of a.series) for (const td of s.doses) {
    for (const v of td.preferable) { const rules = liveVirusByCurrent.get(v.cvx); if (rules) td.preferableLiveRules.push({ rules, previous: new Set(rules.map((r) => r.previous)) }); }
  }
  const liveVirusPrevious = new Set<string>();
  for (const rules of liveVirusByCurrent.values()) for (const r of rules) liveVirusPrevious.add(r.previous);
  return { version, antigens, vaccineGroups, antigenToGroup, cvx, liveVirusByCurrent, observations, antigenList, liveVirusPrevious };
}

/** Read a supporting-data directory; the version comes from the directory name (e.g. supporting-data-4.64) unless given. */
export function loadScheduleFromDir(dir: string, version?: string): Schedule {
  const files = fs.readdirSync(dir).filter((n) => n.endsWith('.xml'));
  const sched = files.find((n) => n.startsWith('ScheduleSupportingData'));
  if (!sched) throw new Error(`${dir}: no ScheduleSupportingData*.xml`);
  const antigenXmls: Record<string, string> = {};
  for (const n of files) if (n.startsWith('AntigenSupportingData')) antigenXmls[n] = fs.readFileSync(path.join(dir, n), 'utf8');
  if (!Object.keys(antigenXmls).length) throw new Error(`${dir}: no AntigenSupportingData-*.xml`);
  const v = version ?? /(\d+\.\d+)/.exec(path.basename(path.resolve(dir)))?.[1] ?? 'unknown';
  return buildSchedule(v, fs.readFileSync(path.join(dir, sched), 'utf8'), antigenXmls, sched);
}
