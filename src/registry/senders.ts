// Sending facilities and their HL7 credentials. Passwords are stored as argon2id hashes; because every HL7
// message carries the password, a verified (username, password digest) pair is cached briefly in memory so a
// busy sender is not slowed by one argon2 hash per message.
import crypto from 'node:crypto';
import argon2 from 'argon2';
import type { Pool } from 'pg';

export interface Sender { organizationId: number; credentialId: number; username: string; facilityCode: string | null }

export interface CreatedFacility { organizationId: number; code: string; username: string; password: string }

export class RegistryInputError extends Error {}

/** Creates a sending facility (organization of kind 'facility') and one HL7 credential for it; the password is shown once. */
export async function createFacility(pool: Pool, o: { name: string; code: string; parentCode?: string; parentId?: number; username?: string }): Promise<CreatedFacility> {
  const name = o.name?.trim();
  const code = o.code?.trim();
  if (!name) throw new RegistryInputError('A facility needs a name');
  if (!code || !/^[A-Za-z0-9._-]{1,40}$/.test(code)) throw new RegistryInputError('A facility code is 1-40 letters, digits, dot, dash or underscore');
  let parentId = o.parentId ?? null;
  if (o.parentCode) {
    const p = await pool.query<{ id: number }>(`SELECT id FROM organization WHERE code = $1`, [o.parentCode]);
    if (!p.rows[0]) throw new RegistryInputError(`No organization with code ${o.parentCode}`);
    parentId = p.rows[0].id;
  }
  const username = (o.username ?? code).toLowerCase();
  const password = crypto.randomBytes(18).toString('base64url');
  const hash = await argon2.hash(password, { type: argon2.argon2id });
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const exists = await client.query(`SELECT 1 FROM organization WHERE code = $1`, [code]);
    if (exists.rowCount) throw new RegistryInputError(`An organization with code ${code} already exists`);
    const org = await client.query<{ id: number }>(
      `INSERT INTO organization (parent_id, kind, name, code) VALUES ($1, 'facility', $2, $3) RETURNING id`, [parentId, name, code]);
    await client.query(`INSERT INTO sender_credential (organization_id, username, password_hash) VALUES ($1, $2, $3)`, [org.rows[0]!.id, username, hash]);
    await client.query('COMMIT');
    return { organizationId: org.rows[0]!.id, code, username, password };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    if ((e as { code?: string }).code === '23505') throw new RegistryInputError(`The sender username ${username} is taken`);
    throw e;
  } finally {
    client.release();
  }
}

const CACHE_MS = 5 * 60_000;
let dummy: Promise<string> | undefined;
const dummyHash = () => (dummy ??= argon2.hash(crypto.randomBytes(16).toString('hex'), { type: argon2.argon2id }));
const verified = new Map<string, { sender: Sender; until: number }>();
const digest = (u: string, p: string) => crypto.createHash('sha256').update(`${u}\0${p}`).digest('base64');

/** The sender these credentials belong to, or null (unknown user, wrong password, inactive credential or organization). */
export async function authenticateSender(pool: Pool, username: string | undefined, password: string | undefined, now = Date.now()): Promise<Sender | null> {
  if (!username || !password || username.length > 200 || password.length > 500) return null;
  const key = digest(username, password);
  const hit = verified.get(key);
  if (hit && hit.until > now) return hit.sender;
  const { rows } = await pool.query<{ id: number; organization_id: number; password_hash: string; code: string | null }>(
    `SELECT c.id, c.organization_id, c.password_hash, o.code FROM sender_credential c JOIN organization o ON o.id = c.organization_id
      WHERE c.username = $1 AND c.active AND o.status = 'active'`, [username.toLowerCase()]);
  const row = rows[0];
  let ok = false;
  // An unknown username costs one argon2 verification too, so response time does not tell which usernames exist.
  try { ok = await argon2.verify(row?.password_hash ?? await dummyHash(), password) && !!row; } catch { ok = false; }
  if (!row) return null;
  if (!ok) return null;
  const sender: Sender = { organizationId: row.organization_id, credentialId: row.id, username: username.toLowerCase(), facilityCode: row.code };
  if (verified.size > 10_000) verified.clear();
  verified.set(key, { sender, until: now + CACHE_MS });
  return sender;
}

/** Forget cached verifications (after a credential is deactivated or its password changed). */
export function forgetVerifiedSenders(): void { verified.clear(); }
