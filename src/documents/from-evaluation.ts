// Plain data for the documents, built from a school evaluation (pure).
import type { DoseInput, Evaluation } from '../schools/evaluate.ts';
import type { Pack } from '../schools/pack.ts';
import type { CertificateData, DocStudent, LetterData } from './certificate.ts';

/** Every dose grouped under the vaccine types of the student's level (a combination vaccine appears under each). */
export function certificateFromEvaluation(args: {
  registryName: string; reportDate: string; student: DocStudent; pack: Pack; evaluation: Evaluation; doses: DoseInput[];
  observationDates?: Record<string, string>;
}): CertificateData {
  const { pack, evaluation: ev } = args;
  const level = pack.levels.find((l) => l.id === ev.level.id)!;
  const seen = new Set<string>();
  const vaccines: CertificateData['vaccines'] = [];
  for (const r of level.requirements) {
    if (seen.has(r.vaccine)) continue;
    seen.add(r.vaccine);
    const products = new Set(level.requirements.filter((x) => x.vaccine === r.vaccine).flatMap((x) => x.products).map((c) => String(Number(c))));
    const doses = args.doses.filter((d) => products.has(String(Number(d.cvx)))).sort((a, b) => a.date.localeCompare(b.date))
      .map((d) => ({ date: d.date, cvx: d.cvx, historical: d.historical }));
    vaccines.push({ vaccine: r.vaccine, name: r.name, doses });
  }
  return {
    registryName: args.registryName,
    reportDate: args.reportDate,
    student: args.student,
    vaccines,
    immunity: ev.vaccines.filter((v) => v.evidence).map((v) => ({ vaccine: v.vaccine, evidence: v.evidence! })),
    exemptions: ev.vaccines.filter((v) => v.exemption).map((v) => ({ vaccine: v.vaccine, type: v.exemption!.label, expires: v.exemption!.expires })),
    compliance: { pack: ev.pack, status: ev.status },
  };
}

export function letterFromEvaluation(args: { registryName: string; date: string; student: DocStudent; guardianName?: string; pack: Pack; evaluation: Evaluation; contact?: string }): LetterData {
  return {
    registryName: args.registryName,
    date: args.date,
    student: args.student,
    guardianName: args.guardianName,
    schoolYear: args.pack.schoolYear.label,
    contact: args.contact,
    items: args.evaluation.vaccines.filter((v) => v.status === 'not compliant' || v.status === 'in process')
      .map((v) => ({ vaccine: v.vaccine, name: v.name, status: v.status, missing: v.missing, earliest: v.earliestNextDose })),
  };
}
