// HTTP contract of the schools capability. Routes translate only: parse, call the pure core, answer.
// The evaluate route reads no stored data (the caller sends the record), so it needs no session; routes
// that read registry records take an `authorize` hook, deny-all until src/access provides the guard.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CertificateError, issuePatientCertificate } from '../documents/issue.ts';
import { renderParentLetter } from '../documents/certificate.ts';
import { letterFromEvaluation } from '../documents/from-evaluation.ts';
import { loadPack } from './pack.ts';
import { isIsoDate } from './dates.ts';
import type { Pool } from '../registry/database.ts';
import { verifyCertificate } from '../documents/store.ts';
import { verifyPageHtml } from '../documents/verify-page.ts';
import { RequestError, runEvaluateRequest } from './cases.ts';
import { EvaluationInputError } from './evaluate.ts';
import { PackError, listPacks } from './pack.ts';
import { registerSchoolRegistryRoutes } from './school-routes.ts';

/** Returns the user (truthy) when allowed, after sending 401/403 itself otherwise. */
export type SchoolsAuthorize = (req: FastifyRequest, reply: FastifyReply, action: 'certificate') => Promise<unknown>;

export const denyAll: SchoolsAuthorize = async (_req, reply) => {
  await reply.code(403).send({ error: 'access control is not configured for school records' });
  return undefined;
};

export async function registerSchoolRoutes(
  app: FastifyInstance,
  ctx: { pool: Pool; registryName?: string; publicBaseUrl?: string },
  opts: { authorize?: SchoolsAuthorize } = {},
): Promise<void> {
  const authorize = opts.authorize ?? denyAll;
  // Roster, compliance, students, exemptions, certificates, letters, survey, outbreak (behind the access guard).
  await registerSchoolRegistryRoutes(app, ctx);
  app.get<{ Params: { id: string }; Querystring: { pack?: string; grade?: string; date?: string; studentId?: string; school?: string } }>(
    '/api/v1/schools/patients/:id/certificate.pdf', async (req, reply) => {
      if (!(await authorize(req, reply, 'certificate'))) return reply;
      const id = Number(req.params.id);
      const q = req.query;
      if (!Number.isInteger(id) || id <= 0) return reply.code(400).send({ error: `patient id must be a positive integer, got ${JSON.stringify(req.params.id)}` });
      if (!q.pack || !q.grade) return reply.code(400).send({ error: 'query parameters pack (e.g. MA-2025-2026) and grade are required' });
      if (!q.date || !isIsoDate(q.date)) return reply.code(400).send({ error: 'query parameter date (the report date, YYYY-MM-DD) is required' });
      try {
        const pack = loadPack(q.pack);
        if (!pack.levels.some((l) => l.grades.includes(q.grade!))) return reply.code(400).send({ error: `grade ${JSON.stringify(q.grade)} is not a grade of pack ${pack.id}` });
        const base = ctx.publicBaseUrl ?? `${req.protocol}://${req.host}`;
        const { code, pdf } = await issuePatientCertificate(ctx.pool, {
          patientId: id, pack, grade: q.grade, studentId: q.studentId, school: q.school,
          registryName: ctx.registryName ?? 'Immunization Information System', reportDate: q.date, baseUrl: base,
        });
        return reply.header('content-type', 'application/pdf').header('x-verification-code', code)
          .header('content-disposition', `inline; filename="certificate-${id}.pdf"`).send(pdf);
      } catch (e) {
        if (e instanceof PackError) return reply.code(404).send({ error: e.message });
        if (e instanceof CertificateError) return reply.code(/^no patient/.test(e.message) ? 404 : 409).send({ error: e.message });
        throw e;
      }
    });
  // Public by design: anyone holding a printed certificate may check its code.
  app.get<{ Params: { code: string } }>('/verify/:code', async (req, reply) => {
    const v = await verifyCertificate(ctx.pool, req.params.code);
    reply.code(v.status === 'unknown' ? 404 : 200).header('cache-control', 'no-store').type('text/html; charset=utf-8');
    return verifyPageHtml(v, ctx.registryName ?? 'Immunization Information System');
  });

  app.post('/api/v1/schools/evaluate', async (req, reply) => {
    try {
      return runEvaluateRequest(req.body);
    } catch (e) {
      if (e instanceof EvaluationInputError) return reply.code(400).send({ error: 'invalid evaluation input', problems: e.problems });
      if (e instanceof RequestError) return reply.code(400).send({ error: 'invalid evaluate request', problems: e.message.split('; ') });
      if (e instanceof PackError) {
        const unknown = /unknown requirement pack/.test(e.message);
        return reply.code(unknown ? 404 : 500).send({ error: e.message });
      }
      throw e;
    }
  });
  app.get('/api/v1/schools/packs', async () => ({ packs: listPacks() }));

  // Parent letter for an evaluate request plus names ({..., letter: {firstName, lastName, guardianName?, school?, contact?}}).
  app.post<{ Body: Record<string, any> }>('/api/v1/schools/letter.pdf', async (req, reply) => {
    const body = req.body ?? {};
    const l = body.letter;
    if (!l || typeof l !== 'object' || typeof l.firstName !== 'string' || typeof l.lastName !== 'string') {
      return reply.code(400).send({ error: 'invalid letter request', problems: ['letter.firstName and letter.lastName are required'] });
    }
    try {
      const evaluation = runEvaluateRequest(body);
      const pack = loadPack(String(body.pack));
      const pdf = await renderParentLetter(letterFromEvaluation({
        registryName: ctx.registryName ?? 'Immunization Information System', date: evaluation.asOf, pack, evaluation,
        guardianName: typeof l.guardianName === 'string' ? l.guardianName : undefined,
        contact: typeof l.contact === 'string' ? l.contact : undefined,
        student: { firstName: l.firstName, lastName: l.lastName, dob: body.student.dob, grade: String(body.student.grade), school: typeof l.school === 'string' ? l.school : undefined },
      }));
      return reply.header('content-type', 'application/pdf').send(pdf);
    } catch (e) {
      if (e instanceof EvaluationInputError) return reply.code(400).send({ error: 'invalid evaluation input', problems: e.problems });
      if (e instanceof RequestError) return reply.code(400).send({ error: 'invalid evaluate request', problems: e.message.split('; ') });
      if (e instanceof PackError) return reply.code(/unknown requirement pack/.test(e.message) ? 404 : 500).send({ error: e.message });
      throw e;
    }
  });
}
