// JSON API of the review queue, merge and unmerge. Routes translate, authorize and audit; the work is in
// store.ts. Authorization is a hook supplied by the caller (the registry-administrator check of src/access):
// it must answer with the acting user, or reply itself (401/403 problem JSON) and return undefined.
// Every answer that shows a person's demographics is audited, one audit_event row per person shown.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { transaction, type Pool } from '../registry/database.ts';
import { audit, problem, sendProblem, type Principal } from '../access/guard.ts';
import { decideReview, getReview, listReviews, listMerges, mergePatients, unmergePatients, MatchingError, type MatchingActor, type ReviewItem } from './store.ts';
import { loadVaccineGroupMap } from './vaccine-groups.ts';
import type { VaccineGroupMap } from './dedup.ts';

/** The acting user; `principal` (or the request's, set by the access guard) carries the organization for the audit trail. */
export type MatchingAuthorize = (req: FastifyRequest, reply: FastifyReply) => Promise<{ actor: string; principal?: Principal } | undefined>;

/** Nobody may use these routes (an app without the access layer). */
export const denyAll: MatchingAuthorize = async (_req, reply) => {
  await sendProblem(reply, 403, 'Forbidden', 'patient review requires a registry administrator session (not configured)');
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

/** 400 problem JSON with one line per invalid field (same shape as src/access). */
function invalid(reply: FastifyReply, detail: string, e?: z.ZodError) {
  return reply.code(400).type('application/problem+json').send({
    ...problem(400, 'Bad Request', detail),
    ...(e ? { problems: e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`) } : {}),
  });
}

const TITLES: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict' };

export async function registerMatchingRoutes(app: FastifyInstance, ctx: { pool: Pool; cdsiDir?: string }, opts: { authorize: MatchingAuthorize }): Promise<void> {
  let groups: VaccineGroupMap | undefined;
  const vaccineGroups = () => {
    // Without CDSi data a merge still works; doses are just not consolidated.
    if (!groups && ctx.cdsiDir) { try { groups = loadVaccineGroupMap(ctx.cdsiDir); } catch { groups = undefined; } }
    return groups;
  };
  const fail = (reply: FastifyReply, e: unknown) => {
    if (e instanceof MatchingError) return sendProblem(reply, e.status, TITLES[e.status] ?? 'Error', e.message);
    throw e;
  };
  /** The signed-in user behind the request (for the audit trail), or null when the hook gave a bare name. */
  const principalOf = (req: FastifyRequest, who: { principal?: Principal }): Principal | null => who.principal ?? req.principal ?? null;
  const actorOf = (req: FastifyRequest, who: { actor: string; principal?: Principal }): MatchingActor => {
    const p = principalOf(req, who);
    return { username: p?.username ?? who.actor, organizationId: p?.organizationId ?? null, remoteAddr: req.ip };
  };
  /** One 'view' row per person shown in review items (both records of each pair). */
  const auditReviews = async (req: FastifyRequest, who: { actor: string; principal?: Principal }, items: ReviewItem[], listed: boolean) => {
    const p = principalOf(req, who) ?? { kind: 'user' as const, userId: 0, username: who.actor, organizationId: 0, roles: [] };
    for (const it of items) {
      const patientId = Number(it.patient.id), candidateId = Number(it.candidate.id);
      for (const pid of [patientId, candidateId]) {
        await audit(ctx.pool, p, 'view', { patientId: pid, objectType: 'match_review', objectId: String(it.id), remoteAddr: req.ip,
          detail: { patientId, candidatePatientId: candidateId, ...(listed ? { via: 'review list' } : {}) } });
      }
    }
  };

  app.get('/api/v1/matching/reviews', async (req, reply) => {
    const who = await opts.authorize(req, reply);
    if (!who) return reply;
    const q = listQuery.safeParse(req.query);
    if (!q.success) return invalid(reply, 'invalid query', q.error);
    const items = await listReviews(ctx.pool, q.data);
    await auditReviews(req, who, items, true);
    return { items };
  });

  app.get('/api/v1/matching/reviews/:id', async (req, reply) => {
    const who = await opts.authorize(req, reply);
    if (!who) return reply;
    const p = idParam.safeParse(req.params);
    if (!p.success) return invalid(reply, 'review id must be a positive integer', p.error);
    const item = await getReview(ctx.pool, p.data.id);
    if (!item) return sendProblem(reply, 404, 'Not Found', `review item ${p.data.id} does not exist`);
    await auditReviews(req, who, [item], false);
    return item;
  });

  app.post('/api/v1/matching/reviews/:id/decision', async (req, reply) => {
    const who = await opts.authorize(req, reply);
    if (!who) return reply;
    const p = idParam.safeParse(req.params);
    if (!p.success) return invalid(reply, 'review id must be a positive integer', p.error);
    const b = decisionBody.safeParse(req.body);
    if (!b.success) return invalid(reply, 'invalid decision', b.error);
    try {
      const r = await transaction(ctx.pool, (c) => decideReview(c, p.data.id, b.data.decision, actorOf(req, who), { note: b.data.note, groups: vaccineGroups() }));
      return { id: p.data.id, status: b.data.decision === 'merge' ? 'merged' : 'kept_apart', ...r };
    } catch (e) { return fail(reply, e); }
  });

  app.post('/api/v1/matching/merges', async (req, reply) => {
    const who = await opts.authorize(req, reply);
    if (!who) return reply;
    const b = mergeBody.safeParse(req.body);
    if (!b.success) return invalid(reply, 'invalid merge', b.error);
    try {
      const mergeId = await transaction(ctx.pool, (c) => mergePatients(c, b.data.survivorId, b.data.mergedId, { actor: actorOf(req, who), groups: vaccineGroups() }));
      return reply.code(201).send({ mergeId });
    } catch (e) { return fail(reply, e); }
  });

  app.get('/api/v1/matching/patients/:id/merges', async (req, reply) => {
    const who = await opts.authorize(req, reply);
    if (!who) return reply;
    const p = idParam.safeParse(req.params);
    if (!p.success) return invalid(reply, 'patient id must be a positive integer', p.error);
    const merges = await listMerges(ctx.pool, p.data.id);
    const principal = principalOf(req, who) ?? { kind: 'user' as const, userId: 0, username: who.actor, organizationId: 0, roles: [] };
    await audit(ctx.pool, principal, 'view', { patientId: p.data.id, objectType: 'patient_merge', remoteAddr: req.ip, detail: { merges: merges.map((m) => m.id) } });
    return { merges };
  });

  app.post('/api/v1/matching/merges/:id/unmerge', async (req, reply) => {
    const who = await opts.authorize(req, reply);
    if (!who) return reply;
    const p = idParam.safeParse(req.params);
    if (!p.success) return invalid(reply, 'merge id must be a positive integer', p.error);
    try {
      return await transaction(ctx.pool, (c) => unmergePatients(c, p.data.id, actorOf(req, who)));
    } catch (e) { return fail(reply, e); }
  });
}
