// The authorize hooks other capabilities take (matching review, school certificates), backed by the guard.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from '../registry/database.ts';
import { audit, canAccessPatient, requireAuth, sendProblem, type Role } from './guard.ts';

/** Run requireAuth outside a route's hook list; the principal when allowed, undefined once it answered 401/403. */
export async function authorizeRequest(req: FastifyRequest, reply: FastifyReply, roles?: Role[]) {
  await requireAuth({ roles }).call(req.server, req, reply);
  return reply.sent ? undefined : req.principal;
}

/** Patient review, merge and unmerge: registry administrators only. */
export function registryAdminAuthorize() {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<{ actor: string } | undefined> => {
    const p = await authorizeRequest(req, reply, ['registry_admin']);
    return p ? { actor: p.username } : undefined;
  };
}

/**
 * A patient's school certificate: anyone who may read the patient (a school user for students enrolled in their
 * schools, providers, registry staff, read-only within scope, analysts when granted); 404 otherwise. Audited as an export.
 */
export function patientCertificateAuthorize(pool: Pool) {
  return async (req: FastifyRequest, reply: FastifyReply, action: string): Promise<unknown> => {
    const p = await authorizeRequest(req, reply);
    if (!p) return undefined;
    const id = Number((req.params as { id?: string }).id);
    if (!(await canAccessPatient(pool, p, id, 'read'))) {
      await sendProblem(reply, 404, 'Not Found', `no patient ${(req.params as { id?: string }).id} among the records you may see`);
      return undefined;
    }
    await audit(pool, p, 'export', { patientId: id, objectType: action, remoteAddr: req.ip });
    return p;
  };
}
