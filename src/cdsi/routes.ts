// Forecast edges over HTTP: POST /api/v1/forecast (JSON), POST /api/v1/forecast/dose-check (the over-immunization
// check), POST /fhir/$immds-forecast (HL7 ImmDS IG). Any signed-in user; the caller supplies the history,
// nothing is read from or written to a person's record here.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Pool } from '../registry/database.ts';
import type { Config } from '../config.ts';
import { requireAuth, sendProblem } from '../access/guard.ts';
import { parseDate } from './dates.ts';
import { checkProposedDose } from './dose-check.ts';
import { evaluateAndForecast, type EngineInput } from './index.ts';
import { FhirInputError, operationOutcome, parseImmdsParameters, toImmdsParameters } from './fhir.ts';
import { currentSchedule, listScheduleReleases, NoScheduleError } from './store.ts';

const date = z.string().refine((s) => { try { parseDate(s); return /^\d{4}-\d{2}-\d{2}$/.test(s); } catch { return false; } }, 'must be a date YYYY-MM-DD');
const cvx = z.string().trim().regex(/^\d{1,3}$/, 'must be a CVX code (1-3 digits)');
const history = z.object({
  patient: z.object({ birthDate: date, gender: z.string().max(10).nullish() }),
  doses: z.array(z.object({ id: z.string().max(100).optional(), date, cvx, mvx: z.string().max(10).nullish() })).max(500).default([]),
  observations: z.array(z.object({ code: z.string().trim().min(1).max(10), date: date.nullish() })).max(200).default([]),
  assessmentDate: date.optional(),
  scheduleVersion: z.string().max(40).optional(),
});
const doseCheckBody = history.extend({ proposed: z.object({ cvx, date, mvx: z.string().max(10).nullish() }) });

function problems(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}

/** 'female' / 'F' / 'Female' -> 'F' (the engine compares with the supporting data's required gender). */
function gender(g: string | null | undefined): string | undefined {
  const c = g?.trim().charAt(0).toUpperCase();
  return c === 'F' || c === 'M' ? c : c ? 'U' : undefined;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function engineInput(b: z.infer<typeof history>): EngineInput {
  return { patient: { birthDate: b.patient.birthDate, gender: gender(b.patient.gender) }, doses: b.doses, observations: b.observations, assessmentDate: b.assessmentDate ?? today() };
}

export async function registerForecastRoutes(app: FastifyInstance, ctx: { pool: Pool; config: Config }): Promise<void> {
  const schedule = (version?: string) => currentSchedule(ctx.pool, ctx.config, { version });
  const noSchedule = (reply: FastifyReply, e: unknown) => {
    if (e instanceof NoScheduleError) return sendProblem(reply, e.message.includes('is not stored') ? 404 : 503, 'No CDSi schedule', e.message);
    throw e;
  };

  // JSON routes in their own scope so that unparsable bodies also get problem JSON
  await app.register(async (api) => {
    api.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      return sendProblem(reply, status, status === 500 ? 'Internal error' : 'Invalid request', status === 500 ? undefined : err.message);
    });

    api.get('/api/v1/forecast/schedules', { preHandler: requireAuth() }, async (_req, reply) => {
      let current;
      try { current = await schedule(); } catch (e) { return noSchedule(reply, e); }
      const releases = await listScheduleReleases(ctx.pool);
      return { current: current.version, releases: releases.map(({ sha256: _s, ...r }) => r) };
    });

    api.post('/api/v1/forecast', { preHandler: requireAuth() }, async (req, reply) => {
      const b = history.safeParse(req.body);
      if (!b.success) return sendProblem(reply, 400, 'Invalid forecast request', problems(b.error));
      if (b.data.patient.birthDate > (b.data.assessmentDate ?? today())) return sendProblem(reply, 400, 'Invalid forecast request', 'assessmentDate is before patient.birthDate');
      let s;
      try { s = await schedule(b.data.scheduleVersion); } catch (e) { return noSchedule(reply, e); }
      return evaluateAndForecast(engineInput(b.data), s);
    });

    api.post('/api/v1/forecast/dose-check', { preHandler: requireAuth() }, async (req, reply) => {
      const b = doseCheckBody.safeParse(req.body);
      if (!b.success) return sendProblem(reply, 400, 'Invalid dose check', problems(b.error));
      if (b.data.proposed.date < b.data.patient.birthDate) return sendProblem(reply, 400, 'Invalid dose check', 'proposed.date is before patient.birthDate');
      let s;
      try { s = await schedule(b.data.scheduleVersion); } catch (e) { return noSchedule(reply, e); }
      return checkProposedDose(engineInput(b.data), b.data.proposed, s);
    });
  });

  // FHIR: its own scope for the FHIR media type and for answering every error as an OperationOutcome.
  await app.register(async (fhir) => {
    fhir.addContentTypeParser(['application/fhir+json', 'application/json+fhir'], { parseAs: 'string' }, (_req, body, done) => {
      try { done(null, JSON.parse(body as string)); } catch (e) { done(Object.assign(new Error(`the request body is not valid JSON: ${(e as Error).message}`), { statusCode: 400 }), undefined); }
    });
    fhir.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      reply.code(status).type('application/fhir+json').send(operationOutcome('error', status === 500 ? 'exception' : 'invalid', status === 500 ? 'internal error' : err.message));
    });
    // the access guard answers with problem JSON; FHIR clients get the same as an OperationOutcome
    fhir.addHook('onSend', async (_req, reply, payload) => {
      if (!String(reply.getHeader('content-type') ?? '').startsWith('application/problem+json') || typeof payload !== 'string') return payload;
      const p = JSON.parse(payload) as { status?: number; title?: string; detail?: string };
      reply.type('application/fhir+json');
      const code = p.status === 401 ? 'login' : p.status === 403 ? 'forbidden' : p.status === 404 ? 'not-found' : p.status && p.status >= 500 ? 'exception' : 'invalid';
      return JSON.stringify(operationOutcome('error', code, [p.title, p.detail].filter(Boolean).join(': ')));
    });
    fhir.post('/fhir/$immds-forecast', { preHandler: requireAuth(), config: { access: 'session' } }, async (req, reply) => {
      let s;
      try { s = await schedule(); } catch (e) { return noSchedule(reply, e); }
      let r;
      try {
        r = parseImmdsParameters(req.body, s);
        if (r.scheduleVersion && r.scheduleVersion !== s.version) s = await schedule(r.scheduleVersion);
        if (r.input.patient.birthDate > r.input.assessmentDate) throw new FhirInputError('assessmentDate is before the patient\'s birthDate', 'assessmentDate');
      } catch (e) {
        if (e instanceof FhirInputError) return reply.code(400).type('application/fhir+json').send(operationOutcome('error', 'invalid', e.message, e.expression));
        return noSchedule(reply, e);
      }
      const result = evaluateAndForecast(r.input, s);
      return reply.type('application/fhir+json').send(toImmdsParameters(result, r, s));
    });
  });
}
