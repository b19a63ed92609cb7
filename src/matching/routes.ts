// JSON API of the review queue, merge and unmerge. Routes translate and authorize only; the work is in
// store.ts. Authorization is a hook supplied by the caller (the registry-administrator check of src/access):
// it must answer with the acting user's id, or reply itself (401/403) and return undefined.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { transaction, type Pool } from '../registry/database.ts';
import { decideReview, getReview, listReviews, listMerges, mergePatients, unmergePatients, MatchingError } from './store.ts';
import { loadVaccineGroupMap } from './vaccine-groups.ts';
import type { VaccineGroupMap } from './dedup.ts';

export type MatchingAuthorize = (req: FastifyRequest, reply: FastifyReply) => Promise<{ actor: string } | undefined>;

/** Until src/access provides the registry-admin check, nobody may use these routes. */
export const denyAll: MatchingAuthorize = async (_req, reply) => {
  await reply.code(403).send({ error: 'patient review requires a registry administrator session (not configured)' });
  return undefined;
};

const listQuery = z.object({
  status: z.enum(['open', 'merged', 'kept_apart', 'withdrawn']).default('open'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
const idParam = z.object({ id: z.coerce.number().int().positive() });
const decisionBody = z.object({ decision: z.enum(['merge', 'keep_apart']), note: z.string().max(2000).optional() });
const mergeBody = z.object({ survivorId: z.number().int().positive(), mergedId: z.number().int().positive() });

function problems(e: z.ZodError): string[] {
  return e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
}

export async function registerMatchingRoutes(app: FastifyInstance, ctx: { pool: Pool; cdsiDir?: string }, opts: { authorize: MatchingAuthorize }): Promise<void> {
  let groups: VaccineGroupMap | undefined;
  const vaccineGroups = () => {
    // Without CDSi data a merge still works; doses are just not consolidated.
    if (!groups && ctx.cdsiDir) { try { groups = loadVaccineGroupMap(ctx.cdsiDir); } catch { groups = undefined; } }
    return groups;
  };
  const fail = (reply: FastifyReply, e: unknown) => {
    if (e instanceof MatchingError) return reply.code(e.status).send({ error: e.message });
    throw e;
  };

  app.get('/api/v1/matching/reviews', async (req, reply) => {
    const who = await opts.authorize(req, reply);
    if (!who) return reply;
    const q = listQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send({ error: 'invalid query', problems: problems(q.error) });
    return { items: await listReviews(ctx.pool, q.data) };
  });

  app.get('/api/v1/matching/reviews/:id', async (req, reply) => {
    const who = await opts.authorize(req, reply);
    if (!who) return reply;
    const p = idParam.safeParse(req.params);
    if (!p.success) return reply.code(400).send({ error: 'review id must be a positive integer' });
    const item = await getReview(ctx.pool, p.data.id);
    return item ?? reply.code(404).send({ error: `review item ${p.data.id} does not exist` });
  });

  app.post('/api/v1/matching/reviews/:id/decision', async (req, reply) => {
    const who = await opts.authorize(req, reply);
    if (!who) return reply;
    const p = idParam.safeParse(req.params);
    if (!p.success) return reply.code(400).send({ error: 'review id must be a positive integer' });
    const b = decisionBody.safeParse(req.body);
    if (!b.success) return reply.code(400).send({ error: 'invalid decision', problems: problems(b.error) });
    try {
      const r = await transaction(ctx.pool, (c) => decideReview(c, p.data.id, b.data.decision, who.actor, { note: b.data.note, groups: vaccineGroups() }));
      return { id: p.data.id, status: b.data.decision === 'merge' ? 'merged' : 'kept_apart', ...r };
    } catch (e) { return fail(reply, e); }
  });

  app.post('/api/v1/matching/merges', async (req, reply) => {
    const who = await opts.authorize(req, reply);
    if (!who) return reply;
    const b = mergeBody.safeParse(req.body);
    if (!b.success) return reply.code(400).send({ error: 'invalid merge', problems: problems(b.error) });
    try {
      const mergeId = await transaction(ctx.pool, (c) => mergePatients(c, b.data.survivorId, b.data.mergedId, { actor: who.actor, groups: vaccineGroups() }));
      return reply.code(201).send({ mergeId });
    } catch (e) { return fail(reply, e); }
  });

  app.get('/api/v1/matching/patients/:id/merges', async (req, reply) => {
    const who = await opts.authorize(req, reply);
    if (!who) return reply;
    const p = idParam.safeParse(req.params);
    if (!p.success) return reply.code(400).send({ error: 'patient id must be a positive integer' });
    return { merges: await listMerges(ctx.pool, p.data.id) };
  });

  app.post('/api/v1/matching/merges/:id/unmerge', async (req, reply) => {
    const who = await opts.authorize(req, reply);
    if (!who) return reply;
    const p = idParam.safeParse(req.params);
    if (!p.success) return reply.code(400).send({ error: 'merge id must be a positive integer' });
    try {
      return await transaction(ctx.pool, (c) => unmergePatients(c, p.data.id, who.actor));
    } catch (e) { return fail(reply, e); }
  });
}
