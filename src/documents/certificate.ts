// Certificate of Immunization and parent letter as PDFs: pure functions from plain data to Buffers
// (pdfkit + qrcode, no I/O). The certificate carries a verification code and a QR code linking to the
// registry's public /verify/<code> page.
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { vaccineName } from './vaccine-names.ts';

export interface DocStudent {
  firstName: string;
  lastName: string;
  middleName?: string;
  dob: string;
  sex?: string;
  studentId?: string;
  school?: string;
  grade?: string;
}

export interface CertificateDose {
  date: string;
  cvx: string;
  /** Product name as recorded; defaults to the CVX display name. */
  product?: string;
  /** Reported from another record (historical) rather than administered by the reporting provider. */
  historical?: boolean;
}

export interface CertificateData {
  registryName: string;
  /** Date of the report (YYYY-MM-DD). */
  reportDate: string;
  student: DocStudent;
  /** One entry per vaccine type (e.g. 'DTaP', 'Polio'), doses in date order. */
  vaccines: { vaccine: string; name: string; doses: CertificateDose[] }[];
  /** Evidence of immunity or disease history accepted instead of doses. */
  immunity: { vaccine: string; evidence: string; date?: string }[];
  exemptions?: { vaccine?: string; type: string; expires?: string }[];
  /** Requirement pack and overall status, when the certificate states school compliance. */
  compliance?: { pack: string; status: string };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** '2021-03-05' -> 'March 5, 2021' (month, day and year, as 105 CMR 220.400 asks). */
export function longDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  return `${MONTHS[Number(m[2]) - 1]} ${Number(m[3])}, ${m[1]}`;
}

/** '2021-03-05' -> '03/05/2021'. */
export function usDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[2]}/${m[3]}/${m[1]}` : iso;
}

export function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

export function newDoc(title: string, author: string): PDFKit.PDFDocument {
  // A fixed CreationDate keeps output a function of the data alone.
  return new PDFDocument({ size: 'LETTER', margin: 50, info: { Title: title, Author: author, CreationDate: new Date(0) } });
}

function studentName(s: DocStudent): string {
  return [s.firstName, s.middleName, s.lastName].filter(Boolean).join(' ');
}

function ensureRoom(doc: PDFKit.PDFDocument, h: number) {
  if (doc.y + h > doc.page.height - doc.page.margins.bottom) doc.addPage();
}

export async function renderCertificate(data: CertificateData, verify: { code: string; url: string }): Promise<Buffer> {
  return renderCertificates([{ data, verify }]);
}

/** Several certificates (a whole class) as one PDF, each starting on a new page. */
export async function renderCertificates(items: { data: CertificateData; verify: { code: string; url: string } }[], registryName = items[0]?.data.registryName ?? ''): Promise<Buffer> {
  const doc = newDoc(items.length === 1 ? 'Certificate of Immunization' : `Certificates of Immunization (${items.length})`, registryName);
  const done = collect(doc);
  for (const [i, it] of items.entries()) {
    if (i > 0) doc.addPage();
    await drawCertificate(doc, it.data, it.verify);
  }
  if (!items.length) doc.font('Helvetica').fontSize(11).text('No students selected.');
  doc.end();
  return done;
}

async function drawCertificate(doc: PDFKit.PDFDocument, data: CertificateData, verify: { code: string; url: string }): Promise<void> {
  const qr = await QRCode.toBuffer(verify.url, { type: 'png', margin: 1, width: 220, errorCorrectionLevel: 'M' });
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;

  doc.font('Helvetica-Bold').fontSize(18).text('Certificate of Immunization', left, 50);
  doc.font('Helvetica').fontSize(10).fillColor('#333').text(`${data.registryName}  ·  Report date: ${longDate(data.reportDate)}`);
  doc.image(qr, left + width - 90, 40, { width: 90 });
  doc.fillColor('black').moveDown(1.2);

  const s = data.student;
  doc.font('Helvetica-Bold').fontSize(12).text(studentName(s));
  doc.font('Helvetica').fontSize(10).text(
    [`Date of birth: ${longDate(s.dob)}`, s.sex ? `Sex: ${s.sex}` : '', s.studentId ? `Student ID: ${s.studentId}` : ''].filter(Boolean).join('    '),
  );
  if (s.school || s.grade) doc.text([s.school, s.grade ? `Grade ${s.grade}` : ''].filter(Boolean).join('  ·  '));
  if (data.compliance) doc.text(`School requirements ${data.compliance.pack}: ${data.compliance.status}`);
  doc.moveDown(0.8);

  // Table of doses: vaccine type, product name, date given (month, day, year), source.
  const cols = [left, left + 95, left + 300, left + 420];
  const header = (y: number) => {
    doc.font('Helvetica-Bold').fontSize(9);
    ['Vaccine', 'Product', 'Date given', 'Record'].forEach((h, i) => doc.text(h, cols[i], y, { width: (cols[i + 1] ?? left + width) - cols[i] - 6 }));
    doc.moveTo(left, y + 12).lineTo(left + width, y + 12).lineWidth(0.5).stroke();
    doc.y = y + 16;
  };
  header(doc.y);
  doc.font('Helvetica').fontSize(9);
  for (const v of data.vaccines) {
    if (!v.doses.length) continue;
    v.doses.forEach((d, i) => {
      ensureRoom(doc, 14);
      if (doc.y < 60) header(doc.y);
      const y = doc.y;
      doc.font(i === 0 ? 'Helvetica-Bold' : 'Helvetica').text(i === 0 ? v.vaccine : '', cols[0], y, { width: 90 });
      doc.font('Helvetica').text(d.product ?? vaccineName(d.cvx), cols[1], y, { width: 200 });
      doc.text(longDate(d.date), cols[2], y, { width: 115 });
      doc.text(d.historical ? 'Historical' : 'Administered', cols[3], y, { width: width - (cols[3] - left) });
      doc.y = y + 13;
    });
    doc.moveTo(left, doc.y - 1).lineTo(left + width, doc.y - 1).lineWidth(0.2).strokeColor('#aaa').stroke().strokeColor('black');
    doc.y += 2;
  }
  if (data.immunity.length) {
    ensureRoom(doc, 40);
    doc.moveDown(0.6).font('Helvetica-Bold').fontSize(10).text('Evidence of immunity or disease history', left);
    doc.font('Helvetica').fontSize(9);
    for (const e of data.immunity) doc.text(`${e.vaccine}: ${e.evidence}${e.date ? ` (${longDate(e.date)})` : ''}`, left);
  }
  if (data.exemptions?.length) {
    ensureRoom(doc, 40);
    doc.moveDown(0.6).font('Helvetica-Bold').fontSize(10).text('Exemptions on file', left);
    doc.font('Helvetica').fontSize(9);
    for (const e of data.exemptions) doc.text(`${e.vaccine ?? 'All vaccines'}: ${e.type}${e.expires ? `, expires ${longDate(e.expires)}` : ''}`, left);
  }
  ensureRoom(doc, 70);
  doc.moveDown(1).font('Helvetica-Bold').fontSize(10).text(`Verification code: ${verify.code}`, left);
  doc.font('Helvetica').fontSize(8).fillColor('#333').text(
    `Check this certificate at ${verify.url} or scan the QR code. This report was produced from the registry on ${longDate(data.reportDate)}; it is a dated registry report under 105 CMR 220.400 where that rule applies.`,
    left, doc.y, { width },
  );
}

export interface LetterData {
  registryName: string;
  date: string;
  student: DocStudent;
  guardianName?: string;
  schoolYear?: string;
  /** Per vaccine not yet met: what is missing and the earliest date it can be given. */
  items: { vaccine: string; name: string; status: string; missing: string[]; earliest?: string }[];
  contact?: string;
}

export async function renderParentLetter(data: LetterData): Promise<Buffer> {
  return renderParentLetters([data]);
}

/** Letters for several students as one PDF, each starting on a new page. */
export async function renderParentLetters(letters: LetterData[], registryName = letters[0]?.registryName ?? ''): Promise<Buffer> {
  const doc = newDoc('Immunization requirements: what is missing', registryName);
  const done = collect(doc);
  for (const [i, l] of letters.entries()) {
    if (i > 0) doc.addPage();
    drawLetter(doc, l);
  }
  if (!letters.length) doc.font('Helvetica').fontSize(11).text('No letters: every selected student meets the requirements.');
  doc.end();
  return done;
}

function drawLetter(doc: PDFKit.PDFDocument, data: LetterData): void {
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  doc.font('Helvetica').fontSize(10).text(longDate(data.date), { align: 'right' });
  doc.moveDown(1).text(data.guardianName ? `Dear ${data.guardianName},` : 'Dear parent or guardian,');
  doc.moveDown(0.6).text(
    `Our records show that ${studentName(data.student)} (born ${longDate(data.student.dob)}${data.student.grade ? `, grade ${data.student.grade}` : ''}${data.student.school ? `, ${data.student.school}` : ''}) does not yet meet the school immunization requirements${data.schoolYear ? ` for ${data.schoolYear}` : ''}. Please take this letter to your child's health care provider.`,
    { width },
  );
  doc.moveDown(0.8);
  if (!data.items.length) doc.text('No vaccines are missing.', { width });
  for (const it of data.items) {
    ensureRoom(doc, 50);
    doc.font('Helvetica-Bold').fontSize(11).text(`${it.name} (${it.vaccine}): ${it.status}`, left);
    doc.font('Helvetica').fontSize(10);
    for (const m of it.missing) doc.text(`•  Missing: ${m}`, left + 12, doc.y, { width: width - 12 });
    if (it.earliest) doc.text(`•  Can be given on or after ${longDate(it.earliest)}`, left + 12, doc.y, { width: width - 12 });
    doc.moveDown(0.5);
  }
  doc.moveDown(0.6).text('A medical or religious exemption must be documented as state law requires. Thank you for helping keep every student safe.', left, doc.y, { width });
  if (data.contact) doc.moveDown(0.4).text(data.contact, { width });
  doc.moveDown(1).text(data.registryName);
}
