// Organizations asking for access, and Access Administrators managing their designated users. An Access
// Administrator manages the users of their organization and of every organization below it (a district and
// its schools); registry administrators manage everyone.
import { transaction, type Pool } from '../registry/database.ts';
import { ROLES, organizationSubtree, type Principal, type Queryable, type Role } from './guard.ts';

export class AccessError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$/;

/** Organization ids the principal manages users of; null = all (registry administrator). */
export async function managedOrganizations(db: Queryable, p: Principal): Promise<number[] | null> {
  if (p.roles.includes('registry_admin')) return null;
  if (p.roles.includes('access_admin')) return organizationSubtree(db, p.organizationId);
  return [];
}

function inScope(scope: number[] | null, orgId: number): boolean {
  return scope === null || scope.includes(orgId);
}

/** Which roles fit which kind of organization: a school user belongs to a school or district, and so on. */
const ROLE_KINDS: Record<Role, string[] | null> = {
  registry_admin: ['registry', 'state'],
  access_admin: null,
  provider: ['provider_organization', 'facility', 'state', 'registry'],
  school: ['school', 'district'],
  analyst: ['state', 'registry', 'district', 'provider_organization'],
  read_only: null,
};

async function checkRoles(db: Queryable, p: Principal, orgId: number, roles: Role[]): Promise<void> {
  const kind = (await db.query<{ kind: string }>('SELECT kind FROM organization WHERE id = $1', [orgId])).rows[0]?.kind;
  if (!kind) throw new AccessError(404, `organization ${orgId} does not exist`);
  for (const r of roles) {
    if (!ROLES.includes(r)) throw new AccessError(400, `unknown role ${JSON.stringify(r)}`);
    if (r === 'registry_admin' && !p.roles.includes('registry_admin')) throw new AccessError(403, 'only a registry administrator may grant the registry administrator role');
    const kinds = ROLE_KINDS[r];
    if (kinds && !kinds.includes(kind)) throw new AccessError(400, `role ${r} does not fit an organization of kind ${kind}`);
  }
}

export interface UserView {
  id: number; username: string; email: string | null; displayName: string | null; organizationId: number;
  organizationName: string; status: string; roles: Role[]; totpEnabled: boolean; lockedUntil: string | null; createdAt: string;
}

const USER_SELECT = `
  SELECT u.id, u.username, u.email, u.display_name AS "displayName", u.organization_id AS "organizationId",
         o.name AS "organizationName", u.status, u.totp_enabled AS "totpEnabled", u.locked_until AS "lockedUntil",
         u.created_at AS "createdAt",
         COALESCE((SELECT array_agg(r.role ORDER BY r.role) FROM user_role r WHERE r.user_id = u.id), '{}') AS roles
    FROM app_user u JOIN organization o ON o.id = u.organization_id`;

export async function listUsers(db: Queryable, p: Principal, o: { organizationId?: number; includeRemoved?: boolean }): Promise<UserView[]> {
  const scope = await managedOrganizations(db, p);
  const r = await db.query<UserView>(
    `${USER_SELECT}
      WHERE ($1::bigint[] IS NULL OR u.organization_id = ANY($1)) AND ($2::bigint IS NULL OR u.organization_id = $2)
        AND ($3 OR u.status <> 'removed')
      ORDER BY o.name, u.username`, [scope, o.organizationId ?? null, o.includeRemoved ?? false]);
  return r.rows;
}

export async function getUser(db: Queryable, p: Principal, userId: number): Promise<UserView | null> {
  const scope = await managedOrganizations(db, p);
  const r = await db.query<UserView>(`${USER_SELECT} WHERE u.id = $1`, [userId]);
  const u = r.rows[0];
  return u && inScope(scope, Number(u.organizationId)) ? u : null;
}

export async function createUser(pool: Pool, p: Principal, o: {
  username: string; email: string; displayName?: string; organizationId: number; roles: Role[];
}): Promise<number> {
  const scope = await managedOrganizations(pool, p);
  if (!inScope(scope, o.organizationId)) throw new AccessError(404, `organization ${o.organizationId} is not one you manage`);
  if (!USERNAME.test(o.username)) throw new AccessError(400, 'user name: 3-64 letters, digits, dots, dashes, underscores or @');
  await checkRoles(pool, p, o.organizationId, o.roles);
  return transaction(pool, async (c) => {
    const taken = await c.query('SELECT 1 FROM app_user WHERE lower(username) = lower($1)', [o.username]);
    if (taken.rowCount) throw new AccessError(409, `user name ${o.username} is taken`);
    const u = await c.query<{ id: number }>(
      `INSERT INTO app_user (username, email, display_name, organization_id, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [o.username, o.email, o.displayName ?? null, o.organizationId, p.userId]);
    const id = Number(u.rows[0].id);
    for (const role of new Set(o.roles)) {
      await c.query('INSERT INTO user_role (user_id, organization_id, role, granted_by) VALUES ($1, $2, $3, $4)', [id, o.organizationId, role, p.userId]);
    }
    return id;
  });
}

/** Suspend, reactivate or remove a user, set their roles, or correct their name and e-mail. */
export async function updateUser(pool: Pool, p: Principal, userId: number, o: {
  status?: 'active' | 'suspended' | 'removed'; roles?: Role[]; displayName?: string; email?: string;
}, now: Date): Promise<UserView> {
  const target = await getUser(pool, p, userId);
  if (!target) throw new AccessError(404, `user ${userId} does not exist or is not one you manage`);
  if (target.roles.includes('registry_admin') && !p.roles.includes('registry_admin')) throw new AccessError(403, 'only a registry administrator may change a registry administrator');
  if (target.status === 'removed') throw new AccessError(409, 'a removed user cannot be changed; add a new user instead');
  if (userId === p.userId && (o.status && o.status !== 'active')) throw new AccessError(409, 'you cannot suspend or remove yourself');
  if (userId === p.userId && o.roles && !o.roles.includes('access_admin') && target.roles.includes('access_admin') && !p.roles.includes('registry_admin')) {
    throw new AccessError(409, 'you cannot take away your own access administrator role');
  }
  if (o.roles) await checkRoles(pool, p, Number(target.organizationId), o.roles);
  await transaction(pool, async (c) => {
    if (o.status) {
      await c.query('UPDATE app_user SET status = $2, updated_at = now() WHERE id = $1', [userId, o.status]);
      if (o.status !== 'active') await c.query('UPDATE session SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [userId, now]);
    }
    if (o.displayName !== undefined || o.email !== undefined) {
      await c.query('UPDATE app_user SET display_name = COALESCE($2, display_name), email = COALESCE($3, email), updated_at = now() WHERE id = $1',
        [userId, o.displayName ?? null, o.email ?? null]);
    }
    if (o.roles) {
      await c.query('DELETE FROM user_role WHERE user_id = $1', [userId]);
      for (const role of new Set(o.roles)) {
        await c.query('INSERT INTO user_role (user_id, organization_id, role, granted_by) VALUES ($1, $2, $3, $4)', [userId, target.organizationId, role, p.userId]);
      }
    }
  });
  return (await getUser(pool, p, userId))!;
}

export async function unlockUser(db: Queryable, p: Principal, userId: number): Promise<void> {
  const target = await getUser(db, p, userId);
  if (!target) throw new AccessError(404, `user ${userId} does not exist or is not one you manage`);
  await db.query('UPDATE app_user SET failed_attempts = 0, locked_until = NULL WHERE id = $1', [userId]);
}

export interface OrganizationView { id: number; parentId: number | null; kind: string; name: string; code: string | null; status: string }

/** Organizations the principal may see in the admin screens: all for registry staff, else their own and below. */
export async function listOrganizations(db: Queryable, p: Principal): Promise<OrganizationView[]> {
  const scope = p.roles.includes('registry_admin') ? null : await organizationSubtree(db, p.organizationId);
  const r = await db.query<OrganizationView>(
    `SELECT id, parent_id AS "parentId", kind, name, code, status FROM organization
      WHERE ($1::bigint[] IS NULL OR id = ANY($1)) ORDER BY kind, name`, [scope]);
  return r.rows;
}

// ---- organization requests ----

export interface AccessRequestInput {
  organizationName: string; kind: 'district' | 'school' | 'provider_organization' | 'facility'; parentId?: number; code?: string;
  address?: Record<string, string>; adminName: string; adminEmail: string; adminUsername: string; note?: string;
}

export async function submitAccessRequest(db: Queryable, o: AccessRequestInput, remoteAddr?: string): Promise<number> {
  if (!USERNAME.test(o.adminUsername)) throw new AccessError(400, 'adminUsername: 3-64 letters, digits, dots, dashes, underscores or @');
  if (o.parentId !== undefined) {
    const parent = await db.query<{ kind: string }>(`SELECT kind FROM organization WHERE id = $1 AND status = 'active'`, [o.parentId]);
    if (!parent.rowCount) throw new AccessError(400, `parent organization ${o.parentId} does not exist`);
  }
  const r = await db.query<{ id: number }>(
    `INSERT INTO access_request (organization_name, kind, parent_id, code, address, admin_name, admin_email, admin_username, note, remote_addr)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [o.organizationName, o.kind, o.parentId ?? null, o.code ?? null, o.address ? JSON.stringify(o.address) : null,
      o.adminName, o.adminEmail, o.adminUsername, o.note ?? null, remoteAddr ?? null]);
  return Number(r.rows[0].id);
}

export async function listAccessRequests(db: Queryable, status: string | undefined): Promise<unknown[]> {
  const r = await db.query(
    `SELECT a.id, a.organization_name AS "organizationName", a.kind, a.parent_id AS "parentId", p.name AS "parentName", a.code,
            a.address, a.admin_name AS "adminName", a.admin_email AS "adminEmail", a.admin_username AS "adminUsername", a.note,
            a.status, a.decided_at AS "decidedAt", a.decision_reason AS "decisionReason", a.organization_id AS "organizationId",
            a.created_at AS "createdAt"
       FROM access_request a LEFT JOIN organization p ON p.id = a.parent_id
      WHERE ($1::text IS NULL OR a.status = $1) ORDER BY a.created_at DESC LIMIT 500`, [status ?? null]);
  return r.rows;
}

/** Approve: create the organization and its first Access Administrator (who gets a password link by mail). */
export async function approveAccessRequest(pool: Pool, p: Principal, requestId: number, now: Date): Promise<{ organizationId: number; userId: number; email: string }> {
  return transaction(pool, async (c) => {
    const r = await c.query(`SELECT * FROM access_request WHERE id = $1 FOR UPDATE`, [requestId]);
    const a = r.rows[0];
    if (!a) throw new AccessError(404, `request ${requestId} does not exist`);
    if (a.status !== 'pending') throw new AccessError(409, `request ${requestId} was already ${a.status}`);
    const taken = await c.query('SELECT 1 FROM app_user WHERE lower(username) = lower($1)', [a.admin_username]);
    if (taken.rowCount) throw new AccessError(409, `user name ${a.admin_username} is taken: refuse the request or ask for another name`);
    if (a.code) {
      const codeTaken = await c.query('SELECT 1 FROM organization WHERE code = $1', [a.code]);
      if (codeTaken.rowCount) throw new AccessError(409, `an organization with code ${a.code} exists already`);
    }
    const o = await c.query<{ id: number }>(
      `INSERT INTO organization (parent_id, kind, name, code, status, address) VALUES ($1, $2, $3, $4, 'active', $5) RETURNING id`,
      [a.parent_id, a.kind, a.organization_name, a.code, a.address]);
    const organizationId = Number(o.rows[0].id);
    const u = await c.query<{ id: number }>(
      `INSERT INTO app_user (username, email, display_name, organization_id, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [a.admin_username, a.admin_email, a.admin_name, organizationId, p.userId]);
    const userId = Number(u.rows[0].id);
    await c.query(`INSERT INTO user_role (user_id, organization_id, role, granted_by) VALUES ($1, $2, 'access_admin', $3)`, [userId, organizationId, p.userId]);
    await c.query(`UPDATE access_request SET status = 'approved', decided_by = $2, decided_at = $3, organization_id = $4, admin_user_id = $5 WHERE id = $1`,
      [requestId, p.userId, now, organizationId, userId]);
    return { organizationId, userId, email: a.admin_email as string };
  });
}

export async function refuseAccessRequest(db: Queryable, p: Principal, requestId: number, reason: string, now: Date): Promise<void> {
  const r = await db.query(
    `UPDATE access_request SET status = 'refused', decided_by = $2, decided_at = $3, decision_reason = $4 WHERE id = $1 AND status = 'pending'`,
    [requestId, p.userId, now, reason]);
  if (!r.rowCount) {
    const e = await db.query('SELECT status FROM access_request WHERE id = $1', [requestId]);
    if (!e.rowCount) throw new AccessError(404, `request ${requestId} does not exist`);
    throw new AccessError(409, `request ${requestId} was already ${e.rows[0].status}`);
  }
}

// ---- analysts' grants and the audit trail ----

export async function grantPatientAccess(db: Queryable, p: Principal, o: { userId: number; patientId: number; reason: string; expiresAt?: string }): Promise<number> {
  const u = await db.query<{ roles: Role[] }>(
    `SELECT COALESCE((SELECT array_agg(role) FROM user_role WHERE user_id = u.id), '{}') AS roles FROM app_user u WHERE id = $1 AND status = 'active'`, [o.userId]);
  if (!u.rowCount) throw new AccessError(404, `user ${o.userId} does not exist`);
  if (!u.rows[0].roles.includes('analyst')) throw new AccessError(400, 'grants are for public-health analysts');
  const pt = await db.query('SELECT 1 FROM patient WHERE id = $1', [o.patientId]);
  if (!pt.rowCount) throw new AccessError(404, `patient ${o.patientId} does not exist`);
  const r = await db.query<{ id: number }>(
    `INSERT INTO patient_access_grant (user_id, patient_id, reason, granted_by, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [o.userId, o.patientId, o.reason, p.userId, o.expiresAt ?? null]);
  return Number(r.rows[0].id);
}

export async function listGrants(db: Queryable, o: { userId?: number; patientId?: number }): Promise<unknown[]> {
  const r = await db.query(
    `SELECT g.id, g.user_id AS "userId", u.username, g.patient_id AS "patientId", g.reason, g.granted_at AS "grantedAt",
            g.expires_at AS "expiresAt", g.revoked_at AS "revokedAt"
       FROM patient_access_grant g JOIN app_user u ON u.id = g.user_id
      WHERE ($1::bigint IS NULL OR g.user_id = $1) AND ($2::bigint IS NULL OR g.patient_id = $2)
      ORDER BY g.granted_at DESC LIMIT 500`, [o.userId ?? null, o.patientId ?? null]);
  return r.rows;
}

export async function revokeGrant(db: Queryable, grantId: number, now: Date): Promise<void> {
  const r = await db.query('UPDATE patient_access_grant SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [grantId, now]);
  if (!r.rowCount) throw new AccessError(404, `grant ${grantId} does not exist or is revoked`);
}

export interface AuditQuery {
  patientId?: number; actor?: string; organizationId?: number; action?: string; from?: string; to?: string; limit: number; offset: number;
}

export async function searchAudit(db: Queryable, q: AuditQuery): Promise<{ items: unknown[]; total: number }> {
  const where = `($1::bigint IS NULL OR a.patient_id = $1) AND ($2::text IS NULL OR lower(a.actor_id) = lower($2))
      AND ($3::bigint IS NULL OR a.organization_id = $3) AND ($4::text IS NULL OR a.action = $4)
      AND ($5::timestamptz IS NULL OR a.at >= $5) AND ($6::timestamptz IS NULL OR a.at < $6)`;
  const args = [q.patientId ?? null, q.actor ?? null, q.organizationId ?? null, q.action ?? null, q.from ?? null, q.to ?? null];
  const [items, total] = await Promise.all([
    db.query(
      `SELECT a.id, a.at, a.actor_kind AS "actorKind", a.actor_id AS "actor", a.organization_id AS "organizationId",
              o.name AS "organizationName", a.action, a.patient_id AS "patientId", a.object_type AS "objectType",
              a.object_id AS "objectId", a.remote_addr AS "remoteAddr", a.detail
         FROM audit_event a LEFT JOIN organization o ON o.id = a.organization_id
        WHERE ${where} ORDER BY a.at DESC, a.id DESC LIMIT $7 OFFSET $8`, [...args, q.limit, q.offset]),
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_event a WHERE ${where}`, args),
  ]);
  return { items: items.rows, total: total.rows[0].n };
}

/** Who has looked at (or changed) one person's record: one line per user and organization. */
export async function patientAccessors(db: Queryable, patientId: number): Promise<unknown[]> {
  const r = await db.query(
    `SELECT a.actor_kind AS "actorKind", a.actor_id AS "actor", a.organization_id AS "organizationId", o.name AS "organizationName",
            array_agg(DISTINCT a.action) AS actions, count(*)::int AS events, min(a.at) AS "firstAt", max(a.at) AS "lastAt"
       FROM audit_event a LEFT JOIN organization o ON o.id = a.organization_id
      WHERE a.patient_id = $1
      GROUP BY a.actor_kind, a.actor_id, a.organization_id, o.name ORDER BY max(a.at) DESC`, [patientId]);
  return r.rows;
}
