// Who may see what. Routes of every capability call requireAuth() as a preHandler and canAccessPatient()
// before touching a person's record, and audit() for every read or change. Sessions are opaque random
// tokens in an httpOnly cookie; only their SHA-256 is stored, so the session table cannot be replayed.
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type pg from 'pg';
import argon2 from 'argon2';
import { generateSecret } from 'otplib';

export type Role = 'registry_admin' | 'access_admin' | 'provider' | 'school' | 'analyst' | 'read_only';
export const ROLES: readonly Role[] = ['registry_admin', 'access_admin', 'provider', 'school', 'analyst', 'read_only'];

export interface Principal { kind: 'user'; userId: number; username: string; organizationId: number; roles: Role[] }

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** Set by the access layer once the session cookie was looked at (null: no valid session). */
    accessSession?: SessionRow | null;
  }
  interface FastifyInstance { iisAccess?: AccessRuntime }
}

export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

export const SESSION_COOKIE = 'iis_session';

/** Settings of the access layer; `now` is injectable so tests can move the clock. */
export interface AccessRuntime {
  pool: pg.Pool;
  now: () => Date;
  /** Idle timeout: a session unused this long is over (default 30 min, IIS_SESSION_IDLE_MINUTES). */
  idleTimeoutMs: number;
  /** Absolute lifetime of a session from sign-in (default 12 h, IIS_SESSION_MAX_HOURS). */
  absoluteLifetimeMs: number;
  /** Mark the cookie Secure (IIS_COOKIE_SECURE=1, or automatically when the request came over https). */
  secureCookie: boolean;
  /** Every route registered after installAccess, with the policy the default guard enforces (for the matrix test). */
  routes: GuardedRoute[];
}

export interface GuardedRoute { method: string; url: string; access: RouteAccess; reason?: string }

export function accessSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): Omit<AccessRuntime, 'pool' | 'now' | 'routes'> {
  const num = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!(n > 0)) throw new Error(`${name} must be a positive number, got "${raw}"`);
    return n;
  };
  return {
    idleTimeoutMs: num('IIS_SESSION_IDLE_MINUTES', 30) * 60_000,
    absoluteLifetimeMs: num('IIS_SESSION_MAX_HOURS', 12) * 3_600_000,
    secureCookie: env.IIS_COOKIE_SECURE === '1' || env.IIS_COOKIE_SECURE === 'true',
  };
}

/**
 * Route access policy, in a route's `config.access`:
 * - 'session' (the default for every route registered after installAccess): a valid session is required (401),
 *   and a signed-in administrator who has not enrolled TOTP yet is refused (403 totp_enrolment_required);
 * - 'enrolment': a valid session, even one waiting for TOTP enrolment (session, logout, TOTP setup);
 * - 'public': no session needed; give the reason in `config.publicReason`.
 * Static web assets (registered by @fastify/static) and the URL prefixes of PUBLIC_PREFIXES are public; anything
 * else (a FHIR endpoint for senders, say) declares `config: { access: 'public', publicReason }` on its route.
 * Routes add finer checks themselves: requireAuth({roles}) and canAccessPatient.
 */
export type RouteAccess = 'session' | 'enrolment' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig { access?: RouteAccess; publicReason?: string }
}

/** URL prefixes of endpoints that authenticate their callers themselves (HL7 senders with sender credentials). */
export const PUBLIC_PREFIXES: readonly { prefix: string; reason: string }[] = [
  { prefix: '/soap', reason: 'CDC SOAP sender endpoint: authenticates the sending facility (authenticateSender)' },
  { prefix: '/hl7', reason: 'HL7 over HTTP sender endpoint: authenticates the sending facility (authenticateSender)' },
  { prefix: '/verify', reason: 'public certificate verification page: anyone holding a printed certificate checks its code' },
];

/** The access policy a route ends up with (what the default guard enforces), with the reason when public. */
export function routeAccess(route: { url: string; config?: unknown }): { access: RouteAccess; reason?: string } {
  const config = (route.config ?? {}) as { access?: RouteAccess; publicReason?: string; rootPath?: unknown };
  if (config.access === 'public') return { access: 'public', reason: config.publicReason ?? 'declared public by its route' };
  if (config.access) return { access: config.access };
  if (config.rootPath !== undefined) return { access: 'public', reason: 'static web asset (no personal data)' };
  const p = PUBLIC_PREFIXES.find((x) => route.url === x.prefix || route.url.startsWith(x.prefix + '/'));
  if (p) return { access: 'public', reason: p.reason };
  return { access: 'session' };
}

export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
  + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Make the access layer available to requireAuth on this app and guard every route registered from now on. */
export function installAccess(app: FastifyInstance, rt: Partial<AccessRuntime> & { pool: pg.Pool }): AccessRuntime {
  const runtime: AccessRuntime = { ...accessSettingsFromEnv(), now: () => new Date(), ...rt, routes: [] };
  if (!app.hasDecorator('iisAccess')) app.decorate('iisAccess', runtime);
  else app.iisAccess = runtime;
  // Pages may not be framed (clickjacking), types are not sniffed, no URL leaks in Referer, scripts come only from
  // the registry itself (the Vite build has no inline script; the verification page has one inline <style>), and API
  // answers (personal data) are never cached by browsers or proxies unless a route says otherwise.
  app.addHook('onSend', async (req, reply) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-frame-options', 'DENY');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (req.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
  app.addHook('onRoute', (route) => {
    const { access, reason } = routeAccess(route);
    for (const method of [route.method].flat()) runtime.routes.push({ method, url: route.url, access, reason });
    const guard = async (req: FastifyRequest, reply: FastifyReply) => {
      // Public reads (static assets, the verification page) need no session lookup at all.
      if (access === 'public' && SAFE_METHODS.has(req.method)) return;
      const s = await resolveSession(req);
      // Every state-changing request that carries a valid session cookie must prove it comes from our pages.
      if (s && !SAFE_METHODS.has(req.method) && !csrfMatches(req, s)) return sendProblem(reply, 403, 'Forbidden', 'missing or wrong x-csrf-token header');
      if (access === 'public') return;
      if (!s) return sendProblem(reply, 401, 'Unauthorized', 'sign in required');
      if (access === 'session' && s.totp_enrolment_required) return sendTotpEnrolment(reply);
    };
    const existing = route.onRequest;
    route.onRequest = existing === undefined ? [guard] : [guard, ...(Array.isArray(existing) ? existing : [existing])];
  });
  return runtime;
}

function sendTotpEnrolment(reply: FastifyReply) {
  return reply.code(403).type('application/problem+json')
    .send({ ...problem(403, 'Forbidden', 'administrators must enrol a TOTP authenticator first'), code: 'totp_enrolment_required' });
}

/** Roles that must sign in with a second factor (TOTP). */
export const TOTP_ROLES: readonly Role[] = ['registry_admin', 'access_admin'];

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function problem(status: number, title: string, detail?: string) {
  return { type: 'about:blank', title, status, ...(detail ? { detail } : {}) };
}

export function sendProblem(reply: FastifyReply, status: number, title: string, detail?: string) {
  return reply.code(status).type('application/problem+json').send(problem(status, title, detail));
}

export function sha256Hex(s: string): string {
  return crypto.createHash('sha256').update(s).digest('hex');
}

/** 256 random bits, URL-safe. */
export function randomToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      try { return decodeURIComponent(part.slice(i + 1).trim()); } catch { return undefined; }
    }
  }
  return undefined;
}

export interface SessionRow {
  id: string; user_id: number; csrf_token: string; created_at: Date; last_seen_at: Date; expires_at: Date;
  username: string; organization_id: number; roles: Role[]; totp_enabled: boolean;
  /** An administrator signed in with a password only, who must enrol TOTP before doing anything else. */
  totp_enrolment_required: boolean;
}

function runtimeOf(req: FastifyRequest): AccessRuntime {
  const rt = req.server.iisAccess;
  if (!rt) throw new Error('access layer not installed: call installAccess(app, {pool}) or registerAccessRoutes(app, ctx) first');
  return rt;
}

/** Look up the session of the cookie (once per request); null when absent, expired, revoked or the user is not active. */
export async function resolveSession(req: FastifyRequest): Promise<SessionRow | null> {
  if (req.accessSession !== undefined) return req.accessSession;
  const token = readCookie(req, SESSION_COOKIE);
  if (!token || token.length > 100) return (req.accessSession = null);
  const rt = runtimeOf(req);
  const s = await loadSession(rt.pool, token, rt.now(), rt.idleTimeoutMs);
  req.accessSession = s;
  if (s) req.principal = { kind: 'user', userId: s.user_id, username: s.username, organizationId: s.organization_id, roles: s.roles };
  return s;
}

export async function loadSession(db: Queryable, token: string, now: Date, idleTimeoutMs: number): Promise<SessionRow | null> {
  const id = sha256Hex(token);
  const r = await db.query(
    `SELECT s.id, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, u.username, u.organization_id, u.totp_enabled,
            COALESCE(array_agg(DISTINCT r.role) FILTER (WHERE r.role IS NOT NULL), '{}') AS roles
       FROM session s JOIN app_user u ON u.id = s.user_id
       LEFT JOIN user_role r ON r.user_id = u.id
      WHERE s.id = $1 AND s.revoked_at IS NULL AND u.status = 'active'
      GROUP BY s.id, u.id`, [id]);
  const s = r.rows[0] as SessionRow | undefined;
  if (!s) return null;
  s.totp_enrolment_required = !s.totp_enabled && s.roles.some((r) => TOTP_ROLES.includes(r));
  const t = now.getTime();
  if (t >= new Date(s.expires_at).getTime() || t - new Date(s.last_seen_at).getTime() >= idleTimeoutMs) return null;
  // Touch at most once a minute: enough for the idle timeout, without a write per request.
  if (t - new Date(s.last_seen_at).getTime() > 60_000) {
    await db.query('UPDATE session SET last_seen_at = $2 WHERE id = $1', [id, now]);
    s.last_seen_at = now;
  }
  return s;
}

export function csrfMatches(req: FastifyRequest, s: SessionRow): boolean {
  const h = req.headers['x-csrf-token'];
  if (typeof h !== 'string') return false;
  const a = Buffer.from(h), b = Buffer.from(s.csrf_token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** Start a session for a user; returns the cookie token (never stored) and the CSRF token. */
export async function createSession(db: Queryable, userId: number, o: { now: Date; absoluteLifetimeMs: number; ip?: string; userAgent?: string }): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = randomToken();
  const csrfToken = randomToken();
  const expiresAt = new Date(o.now.getTime() + o.absoluteLifetimeMs);
  await db.query(
    `INSERT INTO session (id, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)
     VALUES ($1, $2, $3, $4, $4, $5, $6, $7)`,
    [sha256Hex(token), userId, csrfToken, o.now, expiresAt, o.ip ?? null, o.userAgent?.slice(0, 300) ?? null]);
  return { token, csrfToken, expiresAt };
}

/**
 * Fastify preHandler: 401 problem JSON without a valid session, 403 without one of the roles (when given);
 * sets request.principal. State-changing methods also need the session's x-csrf-token (403).
 */
export function requireAuth(opts: { roles?: Role[] } = {}): preHandlerAsyncHookHandler {
  return async function (this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) {
    const s = await resolveSession(req);
    if (!s || !req.principal) return sendProblem(reply, 401, 'Unauthorized', 'sign in required');
    if (!SAFE_METHODS.has(req.method) && !csrfMatches(req, s)) return sendProblem(reply, 403, 'Forbidden', 'missing or wrong x-csrf-token header');
    if (s.totp_enrolment_required) return sendTotpEnrolment(reply);
    if (opts.roles && !opts.roles.some((r) => req.principal!.roles.includes(r))) {
      return sendProblem(reply, 403, 'Forbidden', `requires one of the roles: ${opts.roles.join(', ')}`);
    }
  };
}

/** The organization and all its descendants (a district and its schools). */
export async function organizationSubtree(db: Queryable, organizationId: number): Promise<number[]> {
  const r = await db.query(
    `WITH RECURSIVE t(id) AS (SELECT id FROM organization WHERE id = $1
       UNION SELECT o.id FROM organization o JOIN t ON o.parent_id = t.id)
     SELECT id FROM t`, [organizationId]);
  return r.rows.map((x: { id: number }) => Number(x.id));
}

async function enrolledInScope(db: Queryable, organizationId: number, patientId: number): Promise<boolean> {
  const r = await db.query(
    `WITH RECURSIVE t(id) AS (SELECT id FROM organization WHERE id = $1
       UNION SELECT o.id FROM organization o JOIN t ON o.parent_id = t.id)
     SELECT 1 FROM enrollment e WHERE e.patient_id = $2 AND e.active AND e.school_org_id IN (SELECT id FROM t) LIMIT 1`,
    [organizationId, patientId]);
  return (r.rowCount ?? 0) > 0;
}

async function organizationKind(db: Queryable, organizationId: number): Promise<string | undefined> {
  const r = await db.query('SELECT kind FROM organization WHERE id = $1', [organizationId]);
  return r.rows[0]?.kind;
}

/**
 * Whether the principal may read/write this patient. Routes answer 404 when false (no hint that the record exists).
 * - registry_admin: every patient, read and write.
 * - provider: any patient, read and write (as a provider treating them would).
 * - school: students with a current (active) enrollment in a school of the user's organization or below it
 *   (a district's school user covers its schools), read and write (historical doses, exemptions).
 * - analyst: read only, and only patients granted to the user (patient_access_grant, not revoked or expired).
 * - read_only: read only, within the organization's scope: in a school or district, its enrolled students;
 *   in any other organization (provider, facility, state, registry), any patient.
 * - access_admin alone gives no access to patient records.
 */
export async function canAccessPatient(db: Queryable, p: Principal, patientId: number, mode: 'read' | 'write'): Promise<boolean> {
  if (!Number.isSafeInteger(patientId) || patientId <= 0) return false;
  const exists = await db.query('SELECT 1 FROM patient WHERE id = $1', [patientId]);
  if (!exists.rowCount) return false;
  const roles = p.roles;
  if (roles.includes('registry_admin') || roles.includes('provider')) return true;
  if (roles.includes('school') && await enrolledInScope(db, p.organizationId, patientId)) return true;
  if (mode === 'write') return false;
  if (roles.includes('analyst')) {
    const g = await db.query(
      `SELECT 1 FROM patient_access_grant WHERE user_id = $1 AND patient_id = $2 AND revoked_at IS NULL
         AND (expires_at IS NULL OR expires_at > now()) LIMIT 1`, [p.userId, patientId]);
    if (g.rowCount) return true;
  }
  if (roles.includes('read_only')) {
    const kind = await organizationKind(db, p.organizationId);
    if (kind === 'school' || kind === 'district') return enrolledInScope(db, p.organizationId, patientId);
    return true;
  }
  return false;
}

/** One audit_event row: who, organization, what, when, from where. `detail` must not hold personal data. */
export async function audit(db: Queryable, p: Principal | null, action: string,
  o: { patientId?: number; objectType?: string; objectId?: string; remoteAddr?: string; detail?: unknown } = {}): Promise<void> {
  await db.query(
    `INSERT INTO audit_event (actor_kind, actor_id, organization_id, action, patient_id, object_type, object_id, remote_addr, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [p ? 'user' : 'system', p ? p.username : null, p ? p.organizationId : null, action, o.patientId ?? null,
      o.objectType ?? null, o.objectId ?? null, o.remoteAddr ?? null, o.detail === undefined ? null : JSON.stringify(o.detail)]);
}

/**
 * argon2id with OWASP's minimum (19 MiB memory, 2 passes, 1 lane): about 30-60 ms per hash on a laptop core,
 * slow enough to make guessing stolen hashes expensive, fast enough for sign-in.
 */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_OPTIONS);
}

/**
 * For tests and the Playwright walks: create an organization user with roles and get a ready session cookie.
 * Administrators (and users given `totpSecret`) have TOTP enrolled (that secret or a random one), so their
 * sessions are complete; others sign in with the password alone.
 */
export async function createUserForTest(pool: Queryable, o: {
  organizationId: number; username: string; roles: Role[]; password?: string; email?: string; totpSecret?: string; now?: Date; absoluteLifetimeMs?: number;
}): Promise<{ userId: number; cookie: string; csrfToken: string }> {
  const hash = o.password ? await hashPassword(o.password) : null;
  const totp = o.totpSecret !== undefined || o.roles.some((r) => TOTP_ROLES.includes(r));
  const u = await pool.query(
    `INSERT INTO app_user (username, email, password_hash, organization_id, totp_secret, totp_enabled)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [o.username, o.email ?? null, hash, o.organizationId, totp ? o.totpSecret ?? generateSecret() : null, totp]);
  const userId = Number(u.rows[0].id);
  for (const role of o.roles) {
    await pool.query('INSERT INTO user_role (user_id, organization_id, role) VALUES ($1, $2, $3)', [userId, o.organizationId, role]);
  }
  const s = await createSession(pool, userId, { now: o.now ?? new Date(), absoluteLifetimeMs: o.absoluteLifetimeMs ?? 12 * 3_600_000 });
  return { userId, cookie: `${SESSION_COOKIE}=${s.token}`, csrfToken: s.csrfToken };
}
