// HTTP contract of the schools capability. Routes translate only: parse, call the pure core, answer.
// TODO(access): protect with the access engineer's guard (school nurse / school admin roles) once
// src/access exists; until then the evaluate route needs no session (it reads no stored data).
import type { FastifyInstance } from 'fastify';
import type { Pool } from '../registry/database.ts';
import { verifyCertificate } from '../documents/store.ts';
import { verifyPageHtml } from '../documents/verify-page.ts';
import { RequestError, runEvaluateRequest } from './cases.ts';
import { EvaluationInputError } from './evaluate.ts';
import { PackError, listPacks } from './pack.ts';

export async function registerSchoolRoutes(app: FastifyInstance, ctx: { pool: Pool; registryName?: string }): Promise<void> {
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
}
