// The annual school immunization survey as a PDF: one table per report (a school or a district), counts per
// surveyed grade and vaccine (pure: plain data in, Buffer out).
import type { SurveyRow } from '../schools/survey.ts';
import { collect, longDate, newDoc } from './certificate.ts';

export interface SurveyReport {
  registryName: string;
  /** School or district name. */
  title: string;
  schoolYear: string;
  asOf: string;
  pack: string;
  rows: SurveyRow[];
  /** Schools counted (for a district). */
  schools?: string[];
}

const COLUMNS: { key: keyof SurveyRow; label: string; width: number }[] = [
  { key: 'grade', label: 'Grade', width: 42 },
  { key: 'vaccine', label: 'Vaccine', width: 70 },
  { key: 'enrolled', label: 'Enrolled', width: 50 },
  { key: 'compliant', label: 'Compliant', width: 55 },
  { key: 'inProcess', label: 'In process', width: 55 },
  { key: 'medicalExemption', label: 'Medical exempt.', width: 55 },
  { key: 'religiousExemption', label: 'Religious exempt.', width: 55 },
  { key: 'otherExemption', label: 'Other exempt.', width: 45 },
  { key: 'notCompliant', label: 'Not compliant', width: 55 },
];

export async function renderSurveyPdf(r: SurveyReport): Promise<Buffer> {
  const doc = newDoc(`Immunization survey ${r.schoolYear}: ${r.title}`, r.registryName);
  const done = collect(doc);
  const left = doc.page.margins.left;
  doc.font('Helvetica-Bold').fontSize(16).text(`School immunization survey ${r.schoolYear}`, left, 50);
  doc.font('Helvetica').fontSize(10).fillColor('#333')
    .text(`${r.title}  ·  counts as of ${longDate(r.asOf)}  ·  requirements ${r.pack}  ·  ${r.registryName}`);
  if (r.schools?.length) doc.text(`Schools: ${r.schools.join(', ')}`, { width: doc.page.width - left * 2 });
  doc.fillColor('black').moveDown(0.8);
  const header = () => {
    const y = doc.y;
    let x = left;
    doc.font('Helvetica-Bold').fontSize(8);
    for (const c of COLUMNS) { doc.text(c.label, x, y, { width: c.width - 4 }); x += c.width; }
    doc.y = y + 22;
    doc.moveTo(left, doc.y - 3).lineTo(x, doc.y - 3).lineWidth(0.5).stroke();
  };
  header();
  let grade = '';
  for (const row of r.rows) {
    if (doc.y + 14 > doc.page.height - doc.page.margins.bottom) { doc.addPage(); header(); }
    const y = doc.y;
    let x = left;
    const total = row.vaccine === 'ALL';
    doc.font(total ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
    for (const c of COLUMNS) {
      const v = c.key === 'grade' ? (row.grade === grade ? '' : row.grade) : c.key === 'vaccine' && total ? 'All (overall)' : String(row[c.key]);
      doc.text(v, x, y, { width: c.width - 4 });
      x += c.width;
    }
    grade = row.grade;
    doc.y = y + 13;
  }
  if (!r.rows.length) doc.font('Helvetica').fontSize(10).text('No enrolled students in the surveyed grades.', left);
  doc.end();
  return done;
}
