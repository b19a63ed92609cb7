// HTTP routes of access: sign-in, sessions, TOTP, password links, organization requests, user management,
// analysts' grants and the audit trail. Routes parse and authorize; the work is in auth.ts and admin.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import QRCode from 'qrcode';
import type { Pool } from '../registry/database.ts';
import type { Config } from '../config.ts';
import {
  audit, installAccess, requireAuth, resolveSession, sendProblem, problem, sha256Hex, readCookie, SESSION_COOKIE, ROLES,
  type AccessRuntime, type Role,
} from './guard.ts';
import { login, beginTotpEnrolment, confirmTotpEnrolment, requestPasswordReset, completePasswordReset, PasswordLinkError, sendPasswordLink } from './auth.ts';
import {
  AccessError, approveAccessRequest, createUser, getUser, grantPatientAccess, listAccessRequests, listGrants, listOrganizations,
  listUsers, patientAccessors, refuseAccessRequest, revokeGrant, searchAudit, submitAccessRequest, unlockUser, updateUser,
} from './admin.ts';
import { outboxMailer, type Mailer } from './mailer.ts';
import { RateLimiter } from './rate-limit.ts';

export interface AccessContext {
  pool: Pool;
  config: Config;
  /** Overrides for tests: clock, timeouts, mailer, rate limits. */
  access?: Partial<AccessRuntime> & { mailer?: Mailer; loginLimitPerIp?: number; registryName?: string; publicBaseUrl?: string };
}

const roleEnum = z.enum(ROLES as [Role, ...Role[]]);
const loginBody = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(1024), totp: z.string().max(10).optional() });
const idParam = z.object({ id: z.coerce.number().int().positive() });
const email = z.string().email().max(254);
const requestBody = z.object({
  organizationName: z.string().trim().min(2).max(200),
  kind: z.enum(['district', 'school', 'provider_organization', 'facility']),
  parentId: z.number().int().positive().optional(),
  code: z.string().trim().min(1).max(50).optional(),
  address: z.record(z.string(), z.string().max(200)).optional(),
  adminName: z.string().trim().min(2).max(200),
  adminEmail: email,
  adminUsername: z.string().trim().min(3).max(64),
  note: z.string().max(2000).optional(),
});
const newUserBody = z.object({
  username: z.string().trim().min(3).max(64), email, displayName: z.string().trim().max(200).optional(),
  organizationId: z.number().int().positive(), roles: z.array(roleEnum).min(1).max(6),
});
const updateUserBody = z.object({
  status: z.enum(['active', 'suspended', 'removed']).optional(), roles: z.array(roleEnum).max(6).optional(),
  displayName: z.string().trim().max(200).optional(), email: email.optional(),
});
const grantBody = z.object({
  userId: z.number().int().positive(), patientId: z.number().int().positive(), reason: z.string().trim().min(3).max(500),
  expiresAt: z.string().datetime({ offset: true }).optional(),
});
const isoDateOrTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date or date-time');
const auditQuery = z.object({
  patientId: z.coerce.number().int().positive().optional(), actor: z.string().max(100).optional(),
  organizationId: z.coerce.number().int().positive().optional(), action: z.string().max(50).optional(),
  from: isoDateOrTime.optional(), to: isoDateOrTime.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100), offset: z.coerce.number().int().min(0).default(0),
});

function invalid(reply: FastifyReply, e: z.ZodError) {
  return reply.code(400).type('application/problem+json').send({
    ...problem(400, 'Bad Request', 'invalid request'), problems: e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`),
  });
}

export async function registerAccessRoutes(app: FastifyInstance, ctx: AccessContext): Promise<AccessRuntime> {
  const rt = installAccess(app, { pool: ctx.pool, ...ctx.access });
  const pool = ctx.pool;
  const mailer = ctx.access?.mailer ?? outboxMailer(pool);
  const registryName = ctx.access?.registryName ?? 'Immunization Information System';
  // Links in mail use the configured address, never the request's Host header (which a caller controls).
  const baseUrl = ctx.access?.publicBaseUrl ?? process.env.IIS_PUBLIC_BASE_URL ?? `http://${ctx.config.host}:${ctx.config.port}`;
  // Generous per address (offices share one); the per-account lockout is what stops guessing one password.
  const loginLimiter = new RateLimiter(ctx.access?.loginLimitPerIp ?? (Number(process.env.IIS_LOGIN_LIMIT_PER_IP) || 100), 15 * 60_000, () => rt.now().getTime());
  const publicLimiter = new RateLimiter(20, 60 * 60_000, () => rt.now().getTime());
  const publicRoute = (reason: string) => ({ config: { access: 'public' as const, publicReason: reason } });
  const enrolment = { config: { access: 'enrolment' as const } };
  const fail = (reply: FastifyReply, e: unknown) => {
    if (e instanceof AccessError) return sendProblem(reply, e.status, e.status === 404 ? 'Not Found' : e.status === 409 ? 'Conflict' : e.status === 403 ? 'Forbidden' : 'Bad Request', e.message);
    throw e;
  };
  const limited = (reply: FastifyReply, limiter: RateLimiter, key: string) => {
    reply.header('retry-after', String(limiter.retryAfterSeconds(key)));
    return sendProblem(reply, 429, 'Too Many Requests', 'too many attempts from this address; try again later');
  };
  const cookie = (req: FastifyRequest, value: string, maxAgeS: number) => {
    const secure = rt.secureCookie || req.protocol === 'https';
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
  };

  // ---- sign-in ----
  app.post('/api/v1/auth/login', publicRoute('sign-in'), async (req, reply) => {
    if (!loginLimiter.take(req.ip)) return limited(reply, loginLimiter, req.ip);
    const b = loginBody.safeParse(req.body);
    if (!b.success) return invalid(reply, b.error);
    const now = rt.now();
    const out = await login(pool, { ...b.data, now, absoluteLifetimeMs: rt.absoluteLifetimeMs, ip: req.ip, userAgent: req.headers['user-agent'] });
    if (!out.ok) {
      await audit(pool, null, 'login_failed', { objectType: 'app_user', objectId: out.userId ? String(out.userId) : undefined, remoteAddr: req.ip, detail: { reason: out.reason } });
      if (out.reason === 'locked') {
        return reply.code(423).type('application/problem+json').send({ ...problem(423, 'Locked', 'too many failed sign-ins: the account is locked for 15 minutes'), code: 'locked' });
      }
      const detail = out.reason === 'totp_required' ? 'enter the 6-digit code of your authenticator app'
        : out.reason === 'totp_invalid' ? 'the authenticator code is wrong or was already used' : 'wrong user name or password';
      return reply.code(401).type('application/problem+json')
        .send({ ...problem(401, 'Unauthorized', detail), code: out.reason, ...(out.reason === 'totp_required' ? { totpRequired: true } : {}) });
    }
    const u = await getUserSummary(pool, out.userId);
    await audit(pool, { kind: 'user', userId: out.userId, username: u.username, organizationId: u.organizationId, roles: u.roles }, 'login', { remoteAddr: req.ip });
    reply.header('set-cookie', cookie(req, out.token, Math.floor(rt.absoluteLifetimeMs / 1000)));
    return { user: u, csrfToken: out.csrfToken, expiresAt: out.expiresAt, totpEnrolmentRequired: u.totpEnrolmentRequired };
  });

  app.get('/api/v1/auth/session', enrolment, async (req, reply) => {
    const s = await resolveSession(req);
    if (!s) return sendProblem(reply, 401, 'Unauthorized', 'not signed in');
    return { user: await getUserSummary(pool, s.user_id), csrfToken: s.csrf_token, expiresAt: s.expires_at,
      idleTimeoutSeconds: Math.floor(rt.idleTimeoutMs / 1000), totpEnrolmentRequired: s.totp_enrolment_required };
  });

  app.post('/api/v1/auth/logout', enrolment, async (req, reply) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (token) await pool.query('UPDATE session SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [sha256Hex(token), rt.now()]);
    if (req.principal) await audit(pool, req.principal, 'logout', { remoteAddr: req.ip });
    reply.header('set-cookie', cookie(req, '', 0));
    return reply.code(204).send();
  });

  app.post('/api/v1/auth/totp/setup', enrolment, async (req, reply) => {
    const e = await beginTotpEnrolment(pool, req.principal!.userId, registryName);
    if (!e) return sendProblem(reply, 409, 'Conflict', 'an authenticator is already enrolled');
    reply.header('cache-control', 'no-store');
    return { secret: e.secret, otpauthUri: e.uri, qrDataUrl: await QRCode.toDataURL(e.uri) };
  });

  app.post('/api/v1/auth/totp/confirm', enrolment, async (req, reply) => {
    const b = z.object({ code: z.string().regex(/^\d{6}$/) }).safeParse(req.body);
    if (!b.success) return invalid(reply, b.error);
    if (!(await confirmTotpEnrolment(pool, req.principal!.userId, b.data.code, rt.now()))) {
      return sendProblem(reply, 400, 'Bad Request', 'the code does not match; check the time on your phone and try the next code');
    }
    await audit(pool, req.principal!, 'totp_enrolled', { objectType: 'app_user', objectId: String(req.principal!.userId), remoteAddr: req.ip });
    return { totpEnabled: true };
  });

  // ---- password links ----
  app.post('/api/v1/auth/password/forgot', publicRoute('password reset request (answers the same whether the user exists or not)'), async (req, reply) => {
    if (!publicLimiter.take(`forgot:${req.ip}`)) return limited(reply, publicLimiter, `forgot:${req.ip}`);
    const b = z.object({ identifier: z.string().trim().min(1).max(254) }).safeParse(req.body);
    if (!b.success) return invalid(reply, b.error);
    await requestPasswordReset(pool, mailer, b.data.identifier, rt.now(), baseUrl);
    return reply.code(202).send({ status: 'if the account exists, a link was sent to its e-mail address' });
  });

  app.post('/api/v1/auth/password/reset', publicRoute('password reset with a single-use link token'), async (req, reply) => {
    if (!loginLimiter.take(req.ip)) return limited(reply, loginLimiter, req.ip);
    const b = z.object({ token: z.string().min(1).max(200), password: z.string().max(1024) }).safeParse(req.body);
    if (!b.success) return invalid(reply, b.error);
    try {
      const userId = await completePasswordReset(pool, b.data.token, b.data.password, rt.now());
      await audit(pool, null, 'password_set', { objectType: 'app_user', objectId: String(userId), remoteAddr: req.ip });
      return { status: 'password set; sign in with it' };
    } catch (e) {
      if (e instanceof PasswordLinkError) return sendProblem(reply, 400, 'Bad Request', e.message);
      throw e;
    }
  });

  // ---- organizations ----
  app.post('/api/v1/organizations/requests', publicRoute('an organization asks for access (reviewed by registry staff)'), async (req, reply) => {
    if (!publicLimiter.take(`request:${req.ip}`)) return limited(reply, publicLimiter, `request:${req.ip}`);
    const b = requestBody.safeParse(req.body);
    if (!b.success) return invalid(reply, b.error);
    try {
      const id = await submitAccessRequest(pool, b.data, req.ip);
      return reply.code(201).send({ id, status: 'pending' });
    } catch (e) { return fail(reply, e); }
  });

  const registryAdmin = { preHandler: requireAuth({ roles: ['registry_admin'] }) };
  const userAdmin = { preHandler: requireAuth({ roles: ['registry_admin', 'access_admin'] }) };

  app.get('/api/v1/organizations/requests', registryAdmin, async (req, reply) => {
    const q = z.object({ status: z.enum(['pending', 'approved', 'refused']).optional() }).safeParse(req.query);
    if (!q.success) return invalid(reply, q.error);
    return { items: await listAccessRequests(pool, q.data.status) };
  });

  app.post('/api/v1/organizations/requests/:id/approve', registryAdmin, async (req, reply) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) return invalid(reply, p.error);
    try {
      const now = rt.now();
      const r = await approveAccessRequest(pool, req.principal!, p.data.id, now);
      await audit(pool, req.principal!, 'approve_organization', { objectType: 'organization', objectId: String(r.organizationId), remoteAddr: req.ip });
      await sendPasswordLink(pool, mailer, { userId: r.userId, email: r.email, purpose: 'invite', now, baseUrl, registryName });
      return { organizationId: r.organizationId, userId: r.userId, status: 'approved' };
    } catch (e) { return fail(reply, e); }
  });

  app.post('/api/v1/organizations/requests/:id/refuse', registryAdmin, async (req, reply) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) return invalid(reply, p.error);
    const b = z.object({ reason: z.string().trim().min(3).max(2000) }).safeParse(req.body);
    if (!b.success) return invalid(reply, b.error);
    try {
      await refuseAccessRequest(pool, req.principal!, p.data.id, b.data.reason, rt.now());
      await audit(pool, req.principal!, 'refuse_organization', { objectType: 'access_request', objectId: String(p.data.id), remoteAddr: req.ip });
      return { status: 'refused' };
    } catch (e) { return fail(reply, e); }
  });

  app.get('/api/v1/organizations', userAdmin, async (req) => ({ items: await listOrganizations(pool, req.principal!) }));

  // ---- users ----
  app.get('/api/v1/users', userAdmin, async (req, reply) => {
    const q = z.object({ organizationId: z.coerce.number().int().positive().optional(), includeRemoved: z.enum(['true', 'false']).optional() }).safeParse(req.query);
    if (!q.success) return invalid(reply, q.error);
    return { items: await listUsers(pool, req.principal!, { organizationId: q.data.organizationId, includeRemoved: q.data.includeRemoved === 'true' }) };
  });

  app.get('/api/v1/users/:id', userAdmin, async (req, reply) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) return invalid(reply, p.error);
    const u = await getUser(pool, req.principal!, p.data.id);
    return u ?? sendProblem(reply, 404, 'Not Found', `user ${p.data.id} does not exist or is not one you manage`);
  });

  app.post('/api/v1/users', userAdmin, async (req, reply) => {
    const b = newUserBody.safeParse(req.body);
    if (!b.success) return invalid(reply, b.error);
    try {
      const id = await createUser(pool, req.principal!, b.data);
      await audit(pool, req.principal!, 'create_user', { objectType: 'app_user', objectId: String(id), remoteAddr: req.ip, detail: { roles: b.data.roles, organizationId: b.data.organizationId } });
      await sendPasswordLink(pool, mailer, { userId: id, email: b.data.email, purpose: 'invite', now: rt.now(), baseUrl, registryName });
      return reply.code(201).send(await getUser(pool, req.principal!, id));
    } catch (e) { return fail(reply, e); }
  });

  app.patch('/api/v1/users/:id', userAdmin, async (req, reply) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) return invalid(reply, p.error);
    const b = updateUserBody.safeParse(req.body);
    if (!b.success) return invalid(reply, b.error);
    try {
      const u = await updateUser(pool, req.principal!, p.data.id, b.data, rt.now());
      await audit(pool, req.principal!, 'update_user', { objectType: 'app_user', objectId: String(p.data.id), remoteAddr: req.ip, detail: { status: b.data.status, roles: b.data.roles } });
      return u;
    } catch (e) { return fail(reply, e); }
  });

  app.post('/api/v1/users/:id/unlock', userAdmin, async (req, reply) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) return invalid(reply, p.error);
    try {
      await unlockUser(pool, req.principal!, p.data.id);
      await audit(pool, req.principal!, 'unlock_user', { objectType: 'app_user', objectId: String(p.data.id), remoteAddr: req.ip });
      return { status: 'unlocked' };
    } catch (e) { return fail(reply, e); }
  });

  app.post('/api/v1/users/:id/password-link', userAdmin, async (req, reply) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) return invalid(reply, p.error);
    const u = await getUser(pool, req.principal!, p.data.id);
    if (!u || u.status !== 'active') return sendProblem(reply, 404, 'Not Found', `user ${p.data.id} does not exist, is not active or is not one you manage`);
    if (!u.email) return sendProblem(reply, 409, 'Conflict', 'the user has no e-mail address');
    await sendPasswordLink(pool, mailer, { userId: u.id, email: u.email, purpose: 'reset', now: rt.now(), baseUrl, registryName });
    await audit(pool, req.principal!, 'password_link', { objectType: 'app_user', objectId: String(u.id), remoteAddr: req.ip });
    return reply.code(202).send({ status: 'link sent' });
  });

  // ---- analysts' grants ----
  app.get('/api/v1/patient-access-grants', registryAdmin, async (req, reply) => {
    const q = z.object({ userId: z.coerce.number().int().positive().optional(), patientId: z.coerce.number().int().positive().optional() }).safeParse(req.query);
    if (!q.success) return invalid(reply, q.error);
    return { items: await listGrants(pool, q.data) };
  });

  app.post('/api/v1/patient-access-grants', registryAdmin, async (req, reply) => {
    const b = grantBody.safeParse(req.body);
    if (!b.success) return invalid(reply, b.error);
    try {
      const id = await grantPatientAccess(pool, req.principal!, b.data);
      await audit(pool, req.principal!, 'grant_access', { patientId: b.data.patientId, objectType: 'patient_access_grant', objectId: String(id), remoteAddr: req.ip });
      return reply.code(201).send({ id });
    } catch (e) { return fail(reply, e); }
  });

  app.post('/api/v1/patient-access-grants/:id/revoke', registryAdmin, async (req, reply) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) return invalid(reply, p.error);
    try {
      await revokeGrant(pool, p.data.id, rt.now());
      await audit(pool, req.principal!, 'revoke_access', { objectType: 'patient_access_grant', objectId: String(p.data.id), remoteAddr: req.ip });
      return { status: 'revoked' };
    } catch (e) { return fail(reply, e); }
  });

  // ---- audit trail ----
  app.get('/api/v1/audit', registryAdmin, async (req, reply) => {
    const q = auditQuery.safeParse(req.query);
    if (!q.success) return invalid(reply, q.error);
    const out = await searchAudit(pool, q.data);
    // Searching the trail is itself an access to personal data when it names a patient.
    await audit(pool, req.principal!, 'audit_search', { patientId: q.data.patientId, remoteAddr: req.ip, detail: { actor: q.data.actor, from: q.data.from, to: q.data.to } });
    return out;
  });

  app.get('/api/v1/audit/patients/:id/accessors', registryAdmin, async (req, reply) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) return invalid(reply, p.error);
    const items = await patientAccessors(pool, p.data.id);
    await audit(pool, req.principal!, 'audit_search', { patientId: p.data.id, remoteAddr: req.ip });
    return { items };
  });

  return rt;
}

async function getUserSummary(db: Pool, userId: number) {
  const r = await db.query(
    `SELECT u.id, u.username, u.display_name AS "displayName", u.organization_id AS "organizationId", o.name AS "organizationName",
            o.kind AS "organizationKind", u.totp_enabled AS "totpEnabled",
            COALESCE((SELECT array_agg(r.role ORDER BY r.role) FROM user_role r WHERE r.user_id = u.id), '{}') AS roles
       FROM app_user u JOIN organization o ON o.id = u.organization_id WHERE u.id = $1`, [userId]);
  const u = r.rows[0];
  const roles = u.roles as Role[];
  return { ...u, roles, totpEnrolmentRequired: !u.totpEnabled && roles.some((x) => x === 'registry_admin' || x === 'access_admin') } as {
    id: number; username: string; displayName: string | null; organizationId: number; organizationName: string; organizationKind: string;
    totpEnabled: boolean; roles: Role[]; totpEnrolmentRequired: boolean;
  };
}
