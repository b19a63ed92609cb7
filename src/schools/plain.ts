// A student's requirements in plain words, for the school nurse's screen (pure).
import { longDate } from '../documents/certificate.ts';
import type { Evaluation, VaccineEvaluation } from './evaluate.ts';

export interface PlainRequirement { vaccine: string; name: string; status: string; sentence: string; next?: string }

function when(v: VaccineEvaluation, asOf: string): string | undefined {
  if (!v.earliestNextDose) return undefined;
  return v.earliestNextDose <= asOf ? 'The next dose can be given now.' : `The next dose can be given on or after ${longDate(v.earliestNextDose)}.`;
}

export function plainRequirement(v: VaccineEvaluation, asOf: string): PlainRequirement {
  const n = v.counted.length;
  const doses = `${n} dose${n === 1 ? '' : 's'} counted`;
  let sentence: string;
  switch (v.status) {
    case 'compliant':
      sentence = v.evidence ? `Meets the requirement: ${v.evidence}.` : `Meets the requirement: ${doses}${v.path ? ` (${v.path.label})` : ''}.`;
      break;
    case 'exempt':
      sentence = `Exempt: ${v.exemption?.label ?? 'exemption on file'}${v.exemption?.expires ? `, valid until ${longDate(v.exemption.expires)}` : v.exemption?.permanent ? ', permanent' : ''}.`;
      break;
    case 'in process':
      sentence = `In process: ${doses}; still needs ${v.missing.join('; ')}.${v.pastDue ? ` Must be given by ${longDate(v.pastDue)}.` : ''}`;
      break;
    default:
      sentence = `Does not meet the requirement: ${doses}; needs ${v.missing.join('; ') || 'a dose'}.`;
  }
  const next = v.status === 'compliant' || v.status === 'exempt' ? undefined : when(v, asOf);
  return { vaccine: v.vaccine, name: v.name, status: v.status, sentence: next ? `${sentence} ${next}` : sentence, ...(next ? { next } : {}) };
}

export function plainWords(e: Evaluation): { summary: string; requirements: PlainRequirement[] } {
  const open = e.vaccines.filter((v) => v.status === 'not compliant' || v.status === 'in process').map((v) => v.vaccine);
  const summary = e.status === 'compliant' ? `Meets every ${e.level.name} requirement as of ${longDate(e.asOf)}.`
    : e.status === 'exempt' ? `Exempt from ${e.vaccines.filter((v) => v.status === 'exempt').map((v) => v.vaccine).join(', ')}; meets every other ${e.level.name} requirement as of ${longDate(e.asOf)}.`
    : e.status === 'in process' ? `In process as of ${longDate(e.asOf)}: ${open.join(', ')} begun, next doses not yet due.`
    : `Not compliant as of ${longDate(e.asOf)}: ${open.join(', ')}.`;
  return { summary, requirements: e.vaccines.map((v) => plainRequirement(v, e.asOf)) };
}
