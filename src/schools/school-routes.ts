// The school nurse's and district's JSON/PDF/CSV routes over registry records: roster import, compliance
// lists, a student's requirements, historical doses, exemptions, certificates and letters, the survey and
// outbreak lists. Every route needs a school user, an access administrator or registry staff; a user sees
// the schools of their organization and below it (a district's administrator: all its schools), registry
// administrators every school. Every read or export of student data is audited (one row per student).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from '../registry/database.ts';
import { audit, organizationSubtree, requireAuth, sendProblem, type Principal, type Role } from '../access/guard.ts';
import { renderCertificates, renderParentLetters } from '../documents/certificate.ts';
import { letterFromEvaluation } from '../documents/from-evaluation.ts';
import { issueStudentCertificate } from '../documents/issue.ts';
import { renderSurveyPdf } from '../documents/survey-pdf.ts';
import { isIsoDate } from './dates.ts';
import { evaluateDistrict, evaluateLoaded, loadStudents, studentName, type DistrictEntry, type LoadedStudent } from './district.ts';
import { addHistoricalDoses, EnrollmentError, getSchool, importRoster, isSchoolYear, schoolYearOf } from './enrollment.ts';
import type { Evaluation } from './evaluate.ts';
import { listPacks, loadPack, PackError, type Pack } from './pack.ts';
import { plainWords } from './plain.ts';
import { DISEASE_VACCINES, outbreakCsv, outbreakList, surveyCsv } from './survey.ts';

export interface SchoolRoutesContext {
  pool: Pool;
  registryName?: string;
  publicBaseUrl?: string;
  /** Jurisdiction prefix of the requirement packs (IIS_SCHOOL_JURISDICTION, default MA). */
  jurisdiction?: string;
  /** Today's date (tests). */
  today?: () => string;
}

const ROLES: Role[] = ['school', 'access_admin', 'registry_admin'];
const STATUSES = ['compliant', 'in process', 'exempt', 'not compliant'];

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly extra?: Record<string, unknown>) { super(message); }
}

interface School { id: number; name: string; code: string | null; parentId: number | null }

/** The schools a principal may see: registry staff all; others their organization's subtree. */
export async function schoolsInScope(pool: Pool, p: Principal): Promise<(School & { districtName: string | null })[]> {
  const all = p.roles.includes('registry_admin');
  const ids = all ? null : await organizationSubtree(pool, p.organizationId);
  const { rows } = await pool.query(
    `SELECT s.id, s.name, s.code, s.parent_id, d.name AS district_name FROM organization s LEFT JOIN organization d ON d.id = s.parent_id
      WHERE s.kind = 'school' AND ($1::bigint[] IS NULL OR s.id = ANY($1)) ORDER BY s.name, s.id`, [ids]);
  return rows.map((r) => ({ id: r.id, name: r.name, code: r.code, parentId: r.parent_id, districtName: r.district_name }));
}

async function schoolFor(pool: Pool, p: Principal, raw: string): Promise<School> {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new HttpError(400, `school id must be a positive integer, got ${JSON.stringify(raw)}`);
  const inScope = p.roles.includes('registry_admin') || (await organizationSubtree(pool, p.organizationId)).includes(id);
  // Same answer for "no such school" and "not yours": nothing about other schools leaks.
  if (!inScope) throw new HttpError(404, `no school ${id} among the schools you may see`);
  try { return await getSchool(pool, id); } catch (e) { if (e instanceof EnrollmentError) throw new HttpError(404, e.message); throw e; }
}

async function districtFor(pool: Pool, p: Principal, raw: string): Promise<{ id: number; name: string; schools: School[] }> {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new HttpError(400, `district id must be a positive integer, got ${JSON.stringify(raw)}`);
  const inScope = p.roles.includes('registry_admin') || (await organizationSubtree(pool, p.organizationId)).includes(id);
  const d = inScope ? await pool.query(`SELECT id, name FROM organization WHERE id = $1 AND kind = 'district'`, [id]) : { rows: [] };
  if (!d.rows[0]) throw new HttpError(404, `no district ${id} among the organizations you may see`);
  const sub = await organizationSubtree(pool, id);
  const s = await pool.query(`SELECT id, name, code, parent_id FROM organization WHERE kind = 'school' AND id = ANY($1) ORDER BY name`, [sub]);
  return { id, name: d.rows[0].name, schools: s.rows.map((r) => ({ id: r.id, name: r.name, code: r.code, parentId: r.parent_id })) };
}

/** One audit row per student whose data was read or exported. */
async function auditStudents(pool: Pool, p: Principal, action: string, patientIds: number[], o: { objectType: string; objectId?: string; remoteAddr?: string; detail?: unknown }) {
  const ids = [...new Set(patientIds)];
  if (!ids.length) { await audit(pool, p, action, { ...o }); return; }
  await pool.query(
    `INSERT INTO audit_event (actor_kind, actor_id, organization_id, action, patient_id, object_type, object_id, remote_addr, detail)
     SELECT 'user', $1, $2, $3, pid, $4, $5, $6, $7 FROM unnest($8::bigint[]) AS pid`,
    [p.username, p.organizationId, action, o.objectType, o.objectId ?? null, o.remoteAddr ?? null, o.detail === undefined ? null : JSON.stringify(o.detail), ids]);
}

export async function registerSchoolRegistryRoutes(app: FastifyInstance, ctx: SchoolRoutesContext): Promise<void> {
  const { pool } = ctx;
  const registryName = ctx.registryName ?? 'Immunization Information System';
  const today = ctx.today ?? (() => new Date().toISOString().slice(0, 10));
  const jurisdiction = ctx.jurisdiction ?? process.env.IIS_SCHOOL_JURISDICTION ?? 'MA';
  const guard = { preHandler: requireAuth({ roles: ROLES }) };

  /** Pack and as-of date for a school year: the jurisdiction's pack of that year, else its newest pack. */
  function period(q: { schoolYear?: string; asOf?: string; pack?: string }): { pack: Pack; schoolYear: string; asOf: string; note?: string } {
    if (q.asOf !== undefined && !isIsoDate(q.asOf)) throw new HttpError(400, `asOf must be a date YYYY-MM-DD, got ${JSON.stringify(q.asOf)}`);
    if (q.schoolYear !== undefined && !isSchoolYear(q.schoolYear)) throw new HttpError(400, `schoolYear must look like 2025-2026, got ${JSON.stringify(q.schoolYear)}`);
    const packs = listPacks().filter((id) => id.startsWith(`${jurisdiction}-`)).sort();
    let schoolYear = q.schoolYear ?? schoolYearOf(q.asOf ?? today());
    // Nothing asked and no pack for the current year yet: the newest year a pack exists for.
    const newest = /(\d{4}-\d{4})$/.exec(packs[packs.length - 1] ?? '')?.[1];
    if (!q.schoolYear && !q.asOf && !q.pack && newest && !packs.some((x) => x.endsWith(schoolYear))) schoolYear = newest;
    let id = q.pack ?? packs.find((x) => x.endsWith(schoolYear));
    let note: string | undefined;
    if (!id) {
      id = packs[packs.length - 1];
      if (!id) throw new HttpError(500, `no requirement pack for jurisdiction ${jurisdiction}`);
      note = `no ${jurisdiction} requirement pack for ${schoolYear}: using ${id}`;
    }
    let pack: Pack;
    try { pack = loadPack(id); } catch (e) { if (e instanceof PackError) throw new HttpError(404, e.message); throw e; }
    // Without an explicit date: today, kept within the pack's school year.
    let asOf = q.asOf ?? today();
    if (!q.asOf) asOf = asOf < pack.schoolYear.start ? pack.schoolYear.start : asOf > pack.schoolYear.end ? pack.schoolYear.end : asOf;
    return { pack, schoolYear, asOf, note };
  }

  const baseUrl = (req: FastifyRequest) => ctx.publicBaseUrl ?? process.env.IIS_PUBLIC_BASE_URL ?? `${req.protocol}://${req.host}`;

  // Params, query and body are checked by hand in each route (clear messages), so they are loosely typed here.
  type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string | undefined>; Body: any }>;
  function handle<T>(fn: (req: Req, reply: FastifyReply, p: Principal) => Promise<T>) {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const req = request as Req;
      try {
        return await fn(req, reply, req.principal!);
      } catch (e) {
        if (e instanceof HttpError) return sendProblemExtra(reply, e.status, e.message, e.extra);
        if (e instanceof EnrollmentError) return sendProblemExtra(reply, e.status, e.message);
        throw e;
      }
    };
  }

  function sendProblemExtra(reply: FastifyReply, status: number, detail: string, extra?: Record<string, unknown>) {
    if (!extra) return sendProblem(reply, status, status === 404 ? 'Not Found' : status === 409 ? 'Conflict' : 'Bad Request', detail);
    return reply.code(status).type('application/problem+json').send({ type: 'about:blank', title: 'Bad Request', status, detail, ...extra });
  }

  async function oneStudent(school: School, patientId: string, schoolYear: string): Promise<LoadedStudent> {
    const id = Number(patientId);
    if (!Number.isSafeInteger(id) || id <= 0) throw new HttpError(400, `patient id must be a positive integer, got ${JSON.stringify(patientId)}`);
    const [s] = await loadStudents(pool, { schoolOrgIds: [school.id], schoolYear, patientIds: [id] }, [0, 0], 1);
    if (!s) throw new HttpError(404, `patient ${id} is not a student of ${school.name} in ${schoolYear}`);
    if (!s.dob) throw new HttpError(409, `patient ${id} has no birth date on the registry record`);
    return s;
  }

  function filterEntries(entries: DistrictEntry[], q: { grade?: string; status?: string }) {
    if (q.status !== undefined && !STATUSES.includes(q.status)) throw new HttpError(400, `status must be one of ${STATUSES.join(', ')}, got ${JSON.stringify(q.status)}`);
    return entries.filter((e) => (!q.grade || e.grade === q.grade) && (!q.status || e.evaluation.status === q.status));
  }

  const docStudent = (s: LoadedStudent, school: School) => ({
    firstName: s.givenName ?? '', lastName: s.familyName ?? '', dob: s.dob!, sex: s.sex ?? undefined, studentId: s.studentId, school: school.name, grade: s.grade,
  });

  await app.register(async (r) => {
    r.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    r.get('/api/v1/schools', guard, handle(async (_req, _reply, p) => {
      const schools = await schoolsInScope(pool, p);
      const counts = await pool.query(
        `SELECT school_org_id, school_year, count(*)::int AS n FROM enrollment WHERE active AND school_org_id = ANY($1) GROUP BY 1, 2`, [schools.map((s) => s.id)]);
      return {
        items: schools.map((s) => ({ ...s, enrolled: Object.fromEntries(counts.rows.filter((c) => c.school_org_id === s.id).map((c) => [c.school_year, c.n])) })),
        districts: [...new Map(schools.filter((s) => s.parentId && s.districtName).map((s) => [s.parentId, { id: s.parentId, name: s.districtName }])).values()],
        packs: listPacks(), defaultSchoolYear: period({}).schoolYear, today: today(),
      };
    }));

    // Roster CSV as the body (text/csv), or JSON {csv}. Query: schoolYear, startDate, replace=true.
    r.post('/api/v1/schools/:id/roster', guard, handle(async (req, _reply, p) => {
      const school = await schoolFor(pool, p, req.params.id);
      const body = req.body as unknown;
      const csv = typeof body === 'string' ? body : body && typeof body === 'object' && typeof (body as { csv?: unknown }).csv === 'string' ? (body as { csv: string }).csv : undefined;
      if (!csv) throw new HttpError(400, 'send the roster as a text/csv body (or JSON {"csv": "..."})');
      if (req.query.startDate !== undefined && !isIsoDate(req.query.startDate)) throw new HttpError(400, `startDate must be a date YYYY-MM-DD, got ${JSON.stringify(req.query.startDate)}`);
      const per = period({ schoolYear: req.query.schoolYear ?? (req.query.startDate ? schoolYearOf(req.query.startDate) : undefined) });
      // Default start: today when it falls in the school year, else the year's first day (July 1).
      const y0 = `${per.schoolYear.slice(0, 4)}-07-01`, y1 = `${per.schoolYear.slice(5)}-06-30`;
      const startDate = req.query.startDate ?? (today() >= y0 && today() <= y1 ? today() : y0);
      const result = await importRoster(pool, {
        schoolOrgId: school.id, schoolYear: per.schoolYear, pack: per.pack, csv, startDate, importedBy: p.username, replace: req.query.replace === 'true',
      });
      await auditStudents(pool, p, 'create', result.students.map((s) => s.patientId), { objectType: 'roster_import', objectId: String(result.importId), remoteAddr: req.ip, detail: result.counts });
      return { school: { id: school.id, name: school.name }, ...result, ...(per.note ? { note: per.note } : {}) };
    }));

    r.get('/api/v1/schools/:id/compliance', guard, handle(async (req, _reply, p) => {
      const school = await schoolFor(pool, p, req.params.id);
      const per = period(req.query);
      const { entries, problems } = await evaluateDistrict(pool, { pack: per.pack, asOf: per.asOf, schoolYear: per.schoolYear, schoolOrgIds: [school.id], slim: true });
      const inGrade = entries.filter((e) => !req.query.grade || e.grade === req.query.grade);
      const list = filterEntries(entries, req.query);
      const counts = Object.fromEntries(STATUSES.map((s) => [s, inGrade.filter((e) => e.evaluation.status === s).length]));
      const grades = [...new Set(entries.map((e) => e.grade))].sort((a, b) => gradeOrder(a) - gradeOrder(b));
      await auditStudents(pool, p, 'view', list.map((e) => e.patientId), { objectType: 'school_compliance', objectId: String(school.id), remoteAddr: req.ip, detail: { grade: req.query.grade ?? null, status: req.query.status ?? null } });
      return {
        school: { id: school.id, name: school.name }, schoolYear: per.schoolYear, asOf: per.asOf, pack: per.pack.id, ...(per.note ? { note: per.note } : {}),
        grade: req.query.grade ?? null, grades,
        counts: { enrolled: inGrade.length, ...counts, needsHistory: inGrade.filter((e) => e.needsHistory).length },
        byGrade: grades.map((g) => {
          const es = entries.filter((e) => e.grade === g);
          return { grade: g, enrolled: es.length, ...Object.fromEntries(STATUSES.map((s) => [s, es.filter((e) => e.evaluation.status === s).length])) };
        }),
        students: list.sort((a, b) => gradeOrder(a.grade) - gradeOrder(b.grade) || (a.name ?? '').localeCompare(b.name ?? '')).map((e) => ({
          patientId: e.patientId, studentId: e.studentId, name: e.name, grade: e.grade, dob: e.dob, status: e.evaluation.status, needsHistory: e.needsHistory,
          open: e.evaluation.vaccines.filter((v) => v.status !== 'compliant').map((v) => ({ vaccine: v.vaccine, status: v.status, earliestNextDose: v.earliestNextDose })),
        })),
        problems,
      };
    }));

    r.get('/api/v1/schools/:id/students/:patientId', guard, handle(async (req, _reply, p) => {
      const school = await schoolFor(pool, p, req.params.id);
      const per = period(req.query);
      const s = await oneStudent(school, req.params.patientId, per.schoolYear);
      const evaluation = evaluateLoaded(s, per.pack, per.asOf);
      const [history, exemptions] = await Promise.all([
        pool.query(`SELECT e.school_org_id, o.name AS school, e.school_year, e.grade, e.student_id, e.start_date, e.end_date, e.active
                      FROM enrollment e JOIN organization o ON o.id = e.school_org_id WHERE e.patient_id = $1 ORDER BY e.start_date, e.id`, [s.patientId]),
        pool.query(`SELECT id, type, vaccine, signed_date, expires, permanent, note, recorded_by, recorded_at FROM school_exemption
                     WHERE patient_id = $1 AND removed_at IS NULL ORDER BY recorded_at`, [s.patientId]),
      ]);
      await audit(pool, p, 'view', { patientId: s.patientId, objectType: 'school_student', objectId: String(school.id), remoteAddr: req.ip });
      return {
        school: { id: school.id, name: school.name }, schoolYear: per.schoolYear, asOf: per.asOf, pack: per.pack.id,
        student: { patientId: s.patientId, studentId: s.studentId, name: studentName(s), firstName: s.givenName, lastName: s.familyName, dob: s.dob, sex: s.sex, grade: s.grade, needsHistory: s.needsHistory },
        status: evaluation.status, plain: plainWords(evaluation), evaluation,
        doses: s.doses, observations: s.observations,
        exemptions: exemptions.rows.map((x) => ({ id: x.id, type: x.type, vaccine: x.vaccine, signedDate: x.signed_date, expires: x.expires, permanent: x.permanent, note: x.note, recordedBy: x.recorded_by, recordedAt: x.recorded_at })),
        exemptionTypes: per.pack.exemptions.map((x) => ({ type: x.type, label: x.label, perVaccine: x.perVaccine, permanentAllowed: x.permanentAllowed })),
        vaccines: [...new Set(per.pack.levels.flatMap((l) => l.requirements.map((q) => q.vaccine)))],
        enrollments: history.rows.map((h) => ({ schoolOrgId: h.school_org_id, school: h.school, schoolYear: h.school_year, grade: h.grade, studentId: h.student_id, startDate: h.start_date, endDate: h.end_date, active: h.active })),
      };
    }));

    r.post('/api/v1/schools/:id/students/:patientId/historical-doses', guard, handle(async (req, _reply, p) => {
      const school = await schoolFor(pool, p, req.params.id);
      const per = period(req.query);
      const s = await oneStudent(school, req.params.patientId, per.schoolYear);
      const out = await addHistoricalDoses(pool, { patientId: s.patientId, schoolOrgId: school.id, doses: ((req.body as { doses?: unknown } | undefined)?.doses ?? []) as never, enteredBy: p.username, today: today() });
      await audit(pool, p, 'create', { patientId: s.patientId, objectType: 'historical_doses', objectId: String(out.submissionId), remoteAddr: req.ip, detail: { stored: out.stored.length, alreadyOnFile: out.alreadyOnFile.length } });
      return out;
    }));

    r.post('/api/v1/schools/:id/students/:patientId/exemptions', guard, handle(async (req, reply, p) => {
      const school = await schoolFor(pool, p, req.params.id);
      const per = period(req.query);
      const s = await oneStudent(school, req.params.patientId, per.schoolYear);
      const b: Record<string, any> = req.body ?? {};
      const problems: string[] = [];
      const rule = per.pack.exemptions.find((x) => x.type === b.type);
      if (!rule) problems.push(`type must be one of ${per.pack.exemptions.map((x) => x.type).join(', ')}, got ${JSON.stringify(b.type)}`);
      const vaccines = new Set(per.pack.levels.flatMap((l) => l.requirements.map((q) => q.vaccine)));
      if (b.vaccine !== undefined && b.vaccine !== null && b.vaccine !== '' && !vaccines.has(String(b.vaccine))) problems.push(`vaccine must be one of ${[...vaccines].join(', ')}, got ${JSON.stringify(b.vaccine)}`);
      if (rule?.perVaccine && !b.vaccine) problems.push(`a ${rule.label} names the vaccine it covers`);
      for (const k of ['signedDate', 'expires'] as const) if (b[k] !== undefined && b[k] !== null && b[k] !== '' && !isIsoDate(b[k])) problems.push(`${k} must be a date YYYY-MM-DD`);
      if (b.signedDate && isIsoDate(b.signedDate) && b.signedDate > today()) problems.push('signedDate is in the future');
      if (b.expires && b.signedDate && String(b.expires) < String(b.signedDate)) problems.push('expires is before signedDate');
      if (b.permanent && rule && !rule.permanentAllowed) problems.push(`a ${rule.label} cannot be permanent: give its expiry`);
      if (problems.length) throw new HttpError(400, problems.join('; '), { problems });
      const ins = await pool.query(
        `INSERT INTO school_exemption (patient_id, school_org_id, type, vaccine, signed_date, expires, permanent, note, recorded_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`,
        [s.patientId, school.id, b.type, b.vaccine || null, b.signedDate || null, b.expires || null, !!b.permanent, typeof b.note === 'string' ? b.note : null, p.username]);
      await audit(pool, p, 'create', { patientId: s.patientId, objectType: 'school_exemption', objectId: String(ins.rows[0].id), remoteAddr: req.ip });
      return reply.code(201).send({ id: ins.rows[0].id });
    }));

    r.delete('/api/v1/schools/:id/students/:patientId/exemptions/:exemptionId', guard, handle(async (req, reply, p) => {
      const school = await schoolFor(pool, p, req.params.id);
      const s = await oneStudent(school, req.params.patientId, period(req.query).schoolYear);
      const u = await pool.query(`UPDATE school_exemption SET removed_at = now(), removed_by = $3 WHERE id = $1 AND patient_id = $2 AND removed_at IS NULL RETURNING id`,
        [Number(req.params.exemptionId) || 0, s.patientId, p.username]);
      if (!u.rows[0]) throw new HttpError(404, `no exemption ${req.params.exemptionId} on file for this student`);
      await audit(pool, p, 'delete', { patientId: s.patientId, objectType: 'school_exemption', objectId: req.params.exemptionId, remoteAddr: req.ip });
      return reply.code(204).send();
    }));

    // Certificates: one student, or a whole class (grade, optionally a status) as one PDF.
    async function certificates(req: Req, reply: FastifyReply, p: Principal, school: School, students: LoadedStudent[], per: ReturnType<typeof period>) {
      const items = [];
      for (const s of students) {
        if (!s.dob) continue;
        const evaluation = evaluateLoaded(s, per.pack, per.asOf);
        items.push(await issueStudentCertificate(pool, {
          patientId: s.patientId, student: docStudent(s, school), doses: s.doses, evaluation, pack: per.pack,
          registryName, reportDate: per.asOf, baseUrl: baseUrl(req),
        }));
      }
      await auditStudents(pool, p, 'export', students.map((s) => s.patientId), { objectType: 'school_certificate', objectId: String(school.id), remoteAddr: req.ip, detail: { count: items.length } });
      const pdf = await renderCertificates(items, registryName);
      reply.header('content-type', 'application/pdf').header('content-disposition', `inline; filename="certificates-${school.id}.pdf"`);
      if (items.length === 1) reply.header('x-verification-code', items[0].verify.code);
      return reply.send(pdf);
    }

    r.get('/api/v1/schools/:id/students/:patientId/certificate.pdf', guard, handle(async (req, reply, p) => {
      const school = await schoolFor(pool, p, req.params.id);
      const per = period(req.query);
      return certificates(req, reply, p, school, [await oneStudent(school, req.params.patientId, per.schoolYear)], per);
    }));

    async function classStudents(school: School, per: ReturnType<typeof period>, q: { grade?: string; status?: string; patientIds?: string }): Promise<LoadedStudent[]> {
      const ids = q.patientIds ? q.patientIds.split(',').map(Number).filter((n) => Number.isSafeInteger(n) && n > 0) : undefined;
      if (!q.grade && !ids?.length) throw new HttpError(400, 'give grade (a class) or patientIds');
      const all: LoadedStudent[] = [];
      let after: [number, number] = [0, 0];
      for (;;) {
        const batch = await loadStudents(pool, { schoolOrgIds: [school.id], schoolYear: per.schoolYear, grades: q.grade ? [q.grade] : undefined, patientIds: ids }, after, 1000);
        all.push(...batch);
        if (batch.length < 1000) break;
        after = [batch[batch.length - 1].patientId, school.id];
      }
      if (all.length > 1500) throw new HttpError(400, `${all.length} students: print one grade at a time`);
      let list = all.filter((s) => s.dob);
      if (q.status) {
        if (!STATUSES.includes(q.status)) throw new HttpError(400, `status must be one of ${STATUSES.join(', ')}`);
        list = list.filter((s) => evaluateLoaded(s, per.pack, per.asOf).status === q.status);
      }
      return list.sort((a, b) => (a.familyName ?? '').localeCompare(b.familyName ?? '') || (a.givenName ?? '').localeCompare(b.givenName ?? ''));
    }

    r.get('/api/v1/schools/:id/certificates.pdf', guard, handle(async (req, reply, p) => {
      const school = await schoolFor(pool, p, req.params.id);
      const per = period(req.query);
      return certificates(req, reply, p, school, await classStudents(school, per, req.query), per);
    }));

    // Parent letters: one student, or every student of a class who is not compliant or in process.
    async function letters(req: Req, reply: FastifyReply, p: Principal, school: School, students: LoadedStudent[], per: ReturnType<typeof period>, onlyOpen: boolean) {
      const out = [];
      for (const s of students) {
        const evaluation: Evaluation = evaluateLoaded(s, per.pack, per.asOf);
        if (onlyOpen && (evaluation.status === 'compliant' || evaluation.status === 'exempt')) continue;
        out.push({ s, letter: letterFromEvaluation({ registryName, date: per.asOf, pack: per.pack, evaluation, student: docStudent(s, school), contact: `${school.name} health office` }) });
      }
      await auditStudents(pool, p, 'export', out.map((x) => x.s.patientId), { objectType: 'school_letter', objectId: String(school.id), remoteAddr: req.ip, detail: { count: out.length } });
      const pdf = await renderParentLetters(out.map((x) => x.letter), registryName);
      return reply.header('content-type', 'application/pdf').header('content-disposition', `inline; filename="letters-${school.id}.pdf"`).send(pdf);
    }

    r.get('/api/v1/schools/:id/students/:patientId/letter.pdf', guard, handle(async (req, reply, p) => {
      const school = await schoolFor(pool, p, req.params.id);
      const per = period(req.query);
      return letters(req, reply, p, school, [await oneStudent(school, req.params.patientId, per.schoolYear)], per, false);
    }));

    r.get('/api/v1/schools/:id/letters.pdf', guard, handle(async (req, reply, p) => {
      const school = await schoolFor(pool, p, req.params.id);
      const per = period(req.query);
      return letters(req, reply, p, school, await classStudents(school, per, req.query), per, true);
    }));

    // The annual survey (counts, no names) for a school or a district, CSV or PDF.
    async function survey(req: Req, reply: FastifyReply, p: Principal, title: string, schools: School[], format: string, objectType: string, objectId: string) {
      const per = period(req.query);
      // Counts only (no names): evaluated batch by batch without keeping each student's evaluation, on worker
      // threads with connections of their own (what bench:schools times) when the pool has a connection string.
      const url = (pool as { options?: { connectionString?: string } }).options?.connectionString;
      const r = await evaluateDistrict(pool, { pack: per.pack, asOf: per.asOf, schoolYear: per.schoolYear, schoolOrgIds: schools.map((s) => s.id), survey: { grades: per.pack.surveyGrades },
        parallel: url ? { connectionString: url } : undefined });
      const rows = r.survey ?? [];
      const entries = { length: r.evaluated ?? 0 };
      await audit(pool, p, 'export', { objectType, objectId, remoteAddr: req.ip, detail: { format, students: entries.length, schoolYear: per.schoolYear } });
      const name = `survey-${objectId}-${per.schoolYear}`;
      if (format === 'csv') return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(surveyCsv(rows));
      if (format === 'pdf') {
        const pdf = await renderSurveyPdf({ registryName, title, schoolYear: per.schoolYear, asOf: per.asOf, pack: per.pack.id, rows, schools: schools.length > 1 ? schools.map((s) => s.name) : undefined });
        return reply.header('content-type', 'application/pdf').header('content-disposition', `inline; filename="${name}.pdf"`).send(pdf);
      }
      return { title, schoolYear: per.schoolYear, asOf: per.asOf, pack: per.pack.id, surveyGrades: per.pack.surveyGrades, enrolled: entries.length, rows };
    }

    for (const format of ['json', 'csv', 'pdf']) {
      const suffix = format === 'json' ? '' : `.${format}`;
      r.get(`/api/v1/schools/:id/survey${suffix}`, guard, handle(async (req, reply, p) => {
        const school = await schoolFor(pool, p, req.params.id);
        return survey(req, reply, p, school.name, [school], format, 'school_survey', String(school.id));
      }));
      r.get(`/api/v1/districts/:id/survey${suffix}`, guard, handle(async (req, reply, p) => {
        const d = await districtFor(pool, p, req.params.id);
        return survey(req, reply, p, d.name, d.schools, format, 'district_survey', String(d.id));
      }));
    }

    // Outbreak list: every student not immune to the disease, exempt ones included with the reason.
    async function outbreak(req: Req, reply: FastifyReply, p: Principal, schools: School[], objectId: string) {
      const q = req.query as { disease?: string; exposureDate?: string; format?: string };
      if (!q.disease || !DISEASE_VACCINES[q.disease.trim().toLowerCase()]) throw new HttpError(400, `disease must be one of ${Object.keys(DISEASE_VACCINES).join(', ')}, got ${JSON.stringify(q.disease)}`);
      if (q.exposureDate !== undefined && !isIsoDate(q.exposureDate)) throw new HttpError(400, 'exposureDate must be a date YYYY-MM-DD');
      const per = period(req.query as never);
      const { entries } = await evaluateDistrict(pool, { pack: per.pack, asOf: per.asOf, schoolYear: per.schoolYear, schoolOrgIds: schools.map((s) => s.id), slim: true });
      const bySchool = new Map(schools.map((s) => [s.id, s.name]));
      const list = outbreakList(entries, q.disease, { exposureDate: q.exposureDate, exclusions: per.pack.outbreakExclusions });
      const rows = list.map((l) => ({ ...l, school: l.schoolOrgId ? bySchool.get(l.schoolOrgId) : undefined }));
      await auditStudents(pool, p, 'export', rows.map((x) => x.patientId!).filter(Boolean), { objectType: 'outbreak_list', objectId, remoteAddr: req.ip, detail: { disease: q.disease } });
      if (q.format === 'csv') return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="outbreak-${q.disease}-${objectId}.csv"`).send(outbreakCsv(list));
      return { disease: q.disease, schoolYear: per.schoolYear, asOf: per.asOf, pack: per.pack.id, exposureDate: q.exposureDate ?? null, enrolled: entries.length, count: rows.length, students: rows };
    }

    r.get('/api/v1/schools/:id/outbreak', guard, handle(async (req, reply, p) => {
      const school = await schoolFor(pool, p, req.params.id);
      return outbreak(req, reply, p, [school], String(school.id));
    }));
    r.get('/api/v1/districts/:id/outbreak', guard, handle(async (req, reply, p) => {
      const d = await districtFor(pool, p, req.params.id);
      return outbreak(req, reply, p, d.schools, `district-${d.id}`);
    }));
  });
}

/** Grade order for lists: CC, PK, K, 1..12, then anything else. */
export function gradeOrder(g: string): number {
  if (g === 'CC') return -3;
  if (g === 'PK') return -2;
  if (g === 'K') return -1;
  const n = Number(g);
  return Number.isInteger(n) ? n : 100;
}
