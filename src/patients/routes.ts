// Patient API of the web app. Every route needs a session (requireAuth), answers 404 for a patient the
// principal may not see (canAccessPatient), and writes one audit_event per read or change of a person's data.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Pool } from '../registry/database.ts';
import { audit, canAccessPatient, requireAuth, type Principal } from '../access/guard.ts';
import { getRegistryContext } from '../registry/context.ts';
import { checkProposedDose, type DoseCheck } from '../cdsi/dose-check.ts';
import { engineInputForPatient, forecastForPatient } from '../cdsi/registry-forecast.ts';
import type { Schedule } from '../cdsi/schedule.ts';
import { currentSchedule } from '../cdsi/store.ts';
import { searchPatients } from './search.ts';
import { loadPatientRecord, survivorOf } from './record.ts';
import { toForecastView } from './forecast-view.ts';
import { storeWebObservation, storeWebRefusal, storeWebVaccination } from './write.ts';
import { lookupVaccines } from './vaccines.ts';
import { listObservationCodes, observationKind } from './observation-codes.ts';

export interface PatientRoutesContext { pool: Pool; config: Config; today?: () => string }

function problem(reply: FastifyReply, status: number, title: string, detail?: string, extra: Record<string, unknown> = {}) {
  return reply.code(status).type('application/problem+json').send({ type: 'about:blank', title, status, ...(detail ? { detail } : {}), ...extra });
}

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD').refine((s) => !Number.isNaN(Date.parse(s + 'T00:00:00Z')) && new Date(s + 'T00:00:00Z').toISOString().startsWith(s), 'not a calendar date');
const cvxCode = z.string().regex(/^\d{1,3}$/, 'a CVX code');

const vaccinationBody = z.object({
  date: isoDate,
  cvx: z.union([cvxCode, z.array(cvxCode).min(1).max(6)]),
  historical: z.boolean().default(false),
  override: z.boolean().default(false),
  tradeName: z.string().max(100).optional(),
  lotNumber: z.string().max(40).optional(),
  mvx: z.string().max(10).optional(),
  expirationDate: isoDate.optional(),
  route: z.string().max(20).optional(),
  site: z.string().max(20).optional(),
  informationSource: z.string().regex(/^0[0-8]$/).optional(),
});
// reason: the NIP002 code HL7 senders use in RXA-18 (00 parental decision, 01 religious exemption, 02 other, 03 patient decision).
const refusalBody = z.object({ date: isoDate, cvx: cvxCode.optional(), vaccine: z.string().max(100).optional(), reason: z.enum(['00', '01', '02', '03']).optional() })
  .refine((b) => b.cvx || b.vaccine, 'name the vaccine refused (cvx or vaccine)');
const observationBody = z.object({
  category: z.enum(['contraindication', 'immunity', 'disease_history', 'condition']),
  code: z.string().regex(/^\d{3}$/, 'a CDSi observation code (3 digits)'),
  date: isoDate.optional(),
  text: z.string().max(500).optional(),
});

// Dose-check verdicts (src/cdsi/dose-check.ts) that make the person confirm before the dose is stored.
const CONFIRM: Record<string, string> = {
  extraneous: 'Over-immunization: this dose is not needed. The series it counts toward is already complete or the patient is immune.',
  too_early: 'This dose would be too early (too young, or too soon after the previous dose) and would not count.',
  not_valid: 'This dose would not count as valid for this patient.',
  contraindicated: 'The patient has a contraindication recorded for this vaccine.',
  not_recommended: 'No dose of this vaccine is recommended for this patient now.',
};

export async function registerPatientRoutes(app: FastifyInstance, ctx: PatientRoutesContext): Promise<void> {
  const pool = ctx.pool;
  const today = ctx.today ?? (() => new Date().toISOString().slice(0, 10));
  const principal = (req: FastifyRequest) => req.principal as Principal;
  const auth = { preHandler: requireAuth() };
  const remote = (req: FastifyRequest) => ({ remoteAddr: req.ip });

  async function patientParam(req: FastifyRequest, reply: FastifyReply, mode: 'read' | 'write'): Promise<number | undefined> {
    const raw = (req.params as { id: string }).id;
    const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(id) || !(await canAccessPatient(pool, principal(req), id, mode))) {
      await problem(reply, 404, 'Not Found', 'no such patient');
      return undefined;
    }
    return id;
  }

  async function schedule(): Promise<Schedule | undefined> {
    try { return await currentSchedule(pool, ctx.config); } catch { return undefined; }
  }
  const forecastModule = async () => ({ forecastForPatient, engineInputForPatient });

  app.get('/api/v1/patients', auth, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const name = q.name?.trim().slice(0, 100), birthDate = q.birthDate?.trim().slice(0, 20), identifier = q.identifier?.trim().slice(0, 50);
    if (!name && !birthDate && !identifier) return problem(reply, 400, 'Bad Request', 'give a name, a birth date or an identifier');
    const hits = await searchPatients(pool, { name, birthDate, identifier, limit: 50 });
    const p = principal(req);
    const visible = [];
    for (const h of hits) if (await canAccessPatient(pool, p, h.id, 'read')) visible.push(h);
    const shown = visible.slice(0, 25);
    const criteria = [name && 'name', birthDate && 'birthDate', identifier && 'identifier'].filter(Boolean);
    if (!shown.length) await audit(pool, p, 'search', { objectType: 'patient', ...remote(req), detail: { criteria, results: 0 } });
    for (const h of shown) await audit(pool, p, 'search', { patientId: h.id, objectType: 'patient', objectId: String(h.id), ...remote(req), detail: { criteria, results: shown.length } });
    return { patients: shown, total: shown.length };
  });

  app.get('/api/v1/patients/:id', auth, async (req, reply) => {
    const id = await patientParam(req, reply, 'read');
    if (id === undefined) return reply;
    const rec = await loadPatientRecord(pool, id);
    if (!rec) return problem(reply, 404, 'Not Found', 'no such patient');
    await audit(pool, principal(req), 'view', { patientId: rec.id, objectType: 'patient', objectId: String(rec.id), ...remote(req) });
    return rec;
  });

  app.get('/api/v1/patients/:id/forecast', auth, async (req, reply) => {
    const id = await patientParam(req, reply, 'read');
    if (id === undefined) return reply;
    const asOf = (req.query as { asOf?: string }).asOf;
    const day = asOf && isoDate.safeParse(asOf).success ? asOf : today();
    const mod = await forecastModule();
    const s = await schedule();
    if (!s) return problem(reply, 503, 'Service Unavailable', 'the forecast is not available yet (no CDSi schedule or forecasting module)');
    const target = (await survivorOf(pool, id)) ?? id;
    const birth = await pool.query('SELECT birth_date FROM patient WHERE id = $1', [target]);
    if (!birth.rows[0]?.birth_date) return problem(reply, 422, 'Unprocessable Content', 'the patient has no birth date, so the schedule cannot be applied');
    const result = await mod.forecastForPatient(pool, s, target, day);
    await audit(pool, principal(req), 'view', { patientId: target, objectType: 'forecast', objectId: String(target), ...remote(req) });
    return toForecastView(result, day);
  });

  app.post('/api/v1/patients/:id/vaccinations', auth, async (req, reply) => {
    const id = await patientParam(req, reply, 'write');
    if (id === undefined) return reply;
    const parsed = vaccinationBody.safeParse(req.body);
    if (!parsed.success) return problem(reply, 400, 'Bad Request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const b = parsed.data;
    const target = (await survivorOf(pool, id)) ?? id;
    const day = today();
    if (b.date > day) return problem(reply, 400, 'Bad Request', 'date: a dose cannot be in the future');
    const pat = (await pool.query('SELECT birth_date FROM patient WHERE id = $1', [target])).rows[0];
    if (pat?.birth_date && b.date < pat.birth_date) return problem(reply, 400, 'Bad Request', 'date: before the patient was born');
    const cvx = (Array.isArray(b.cvx) ? b.cvx : [b.cvx]).map((c) => c.padStart(2, '0'));
    const known = await pool.query(`SELECT code FROM code_value WHERE code_set = 'VACCINATION_CVX_CODE' AND code = ANY($1::text[])`, [cvx]);
    const unknown = cvx.filter((c) => !known.rows.some((r) => r.code === c));
    if (unknown.length) return problem(reply, 400, 'Bad Request', `cvx: unknown CVX code ${unknown.join(', ')}`);

    // The dose check (over-immunization, too early, contraindicated) runs before anything is stored.
    let doseCheck: (DoseCheck & { cvx: string })[] | null = null;
    const mod = await forecastModule();
    const s = mod && pat?.birth_date ? await schedule() : undefined;
    if (mod && s) {
      const input = await mod.engineInputForPatient(pool, target, day);
      doseCheck = cvx.map((c) => ({ cvx: c, ...checkProposedDose(input, { date: b.date, cvx: c }, s) }));
    }
    const warnings = (doseCheck ?? []).filter((d) => CONFIRM[d.verdict]).map((d) => ({
      cvx: d.cvx, verdict: d.verdict, message: CONFIRM[d.verdict], reasons: d.reasons, earliestDate: d.earliestDate,
    }));
    if (warnings.length && !b.override) {
      return problem(reply, 409, 'Please confirm this dose', warnings.map((w) => w.message).join(' '), {
        type: 'https://open-iis.example/problems/dose-check', requiresOverride: true, warnings, doseCheck,
      });
    }
    const groups = (await getRegistryContext(pool, ctx.config)).vaccineGroups;
    const stored = await storeWebVaccination(pool, { principal: principal(req), patientId: target, messageType: 'web-vaccination', raw: b }, {
      date: b.date, cvx, historical: b.historical, mvx: b.mvx, lotNumber: b.lotNumber, tradeName: b.tradeName, informationSource: b.informationSource,
      expirationDate: b.expirationDate, route: b.route, site: b.site,
    }, groups);
    await audit(pool, principal(req), 'create', { patientId: target, objectType: 'vaccination', objectId: stored.vaccinationIds.join(','), ...remote(req),
      detail: { submissionId: stored.submissionId, historical: b.historical, overridden: warnings.length ? warnings.map((w) => w.verdict) : undefined } });
    return reply.code(201).send({ ...stored, doseCheck, overridden: warnings.length > 0 });
  });

  app.post('/api/v1/patients/:id/refusals', auth, async (req, reply) => {
    const id = await patientParam(req, reply, 'write');
    if (id === undefined) return reply;
    const parsed = refusalBody.safeParse(req.body);
    if (!parsed.success) return problem(reply, 400, 'Bad Request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const b = parsed.data;
    if (b.date > today()) return problem(reply, 400, 'Bad Request', 'date: cannot be in the future');
    const target = (await survivorOf(pool, id)) ?? id;
    const stored = await storeWebRefusal(pool, { principal: principal(req), patientId: target, messageType: 'web-refusal', raw: b }, { ...b, cvx: b.cvx?.padStart(2, '0') });
    await audit(pool, principal(req), 'create', { patientId: target, objectType: 'refusal', objectId: String(stored.refusalId), ...remote(req), detail: { submissionId: stored.submissionId } });
    return reply.code(201).send(stored);
  });

  app.post('/api/v1/patients/:id/observations', auth, async (req, reply) => {
    const id = await patientParam(req, reply, 'write');
    if (id === undefined) return reply;
    const parsed = observationBody.safeParse(req.body);
    if (!parsed.success) return problem(reply, 400, 'Bad Request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const b = parsed.data;
    if (b.date && b.date > today()) return problem(reply, 400, 'Bad Request', 'date: cannot be in the future');
    const code = (await listObservationCodes(pool)).find((c) => c.code === b.code);
    if (!code) return problem(reply, 400, 'Bad Request', `code: ${b.code} is not a CDSi observation code`);
    const target = (await survivorOf(pool, id)) ?? id;
    const stored = await storeWebObservation(pool, { principal: principal(req), patientId: target, messageType: 'web-observation', raw: b }, {
      kind: observationKind(b.category), cdsiCode: code.code, code: code.snomed ?? code.code, codeSystem: code.snomed ? 'SNOMED' : 'CDSI',
      text: b.text ?? code.title, date: b.date,
    });
    await audit(pool, principal(req), 'create', { patientId: target, objectType: 'observation', objectId: String(stored.observationId), ...remote(req), detail: { submissionId: stored.submissionId, category: b.category } });
    return reply.code(201).send(stored);
  });

  app.get('/api/v1/vaccines/lookup', auth, async (req, reply) => {
    const q = String((req.query as { q?: string }).q ?? '').trim();
    if (!q) return problem(reply, 400, 'Bad Request', 'q: type part of a vaccine name or a CVX code');
    return { query: q, matches: await lookupVaccines(pool, q) };
  });

  app.get('/api/v1/observation-codes', auth, async () => ({ codes: await listObservationCodes(pool) }));
}
