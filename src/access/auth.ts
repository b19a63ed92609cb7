// Sign-in, second factor and password links. No I/O besides the database and the mailer; the clock is passed in.
import argon2 from 'argon2';
import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import { transaction, type Pool } from '../registry/database.ts';
import { ARGON2_OPTIONS, createSession, hashPassword, randomToken, sha256Hex, type Queryable } from './guard.ts';
import type { Mailer } from './mailer.ts';

export const MAX_FAILED_ATTEMPTS = 5;
export const LOCKOUT_MS = 15 * 60_000;
export const RESET_LINK_MS = 30 * 60_000;
/** A new user's first password link lives longer than a reset link: they may not read their mail at once. */
export const INVITE_LINK_MS = 72 * 3_600_000;
/** TOTP codes of the previous and next 30 s period are accepted (clock drift of the phone). */
const TOTP_TOLERANCE_S = 30;

/** NIST 800-63B style: long rather than complex; at most 256 characters so hashing stays cheap. */
export function passwordProblem(password: string, username?: string): string | null {
  if (typeof password !== 'string' || password.length < 12) return 'the password must have at least 12 characters';
  if (password.length > 256) return 'the password must have at most 256 characters';
  if (username && password.toLowerCase().includes(username.toLowerCase())) return 'the password must not contain the user name';
  if (/^(.)\1+$/.test(password)) return 'the password must not be one repeated character';
  return null;
}

let dummyHash: Promise<string> | undefined;
/** Verify against a throwaway hash so an unknown user name takes as long as a wrong password. */
async function burnTime(password: string): Promise<void> {
  dummyHash ??= hashPassword(randomToken());
  await argon2.verify(await dummyHash, password).catch(() => false);
}

interface UserRow {
  id: number; username: string; password_hash: string | null; status: string; totp_secret: string | null;
  totp_enabled: boolean; totp_last_step: number | null; failed_attempts: number; locked_until: Date | null;
}

export type LoginOutcome =
  | { ok: true; userId: number; token: string; csrfToken: string; expiresAt: Date }
  | { ok: false; reason: 'invalid_credentials' | 'locked' | 'totp_required' | 'totp_invalid'; userId?: number };

export async function login(db: Pool, o: {
  username: string; password: string; totp?: string; now: Date; absoluteLifetimeMs: number; ip?: string; userAgent?: string;
}): Promise<LoginOutcome> {
  const r = await db.query<UserRow>(
    `SELECT id, username, password_hash, status, totp_secret, totp_enabled, totp_last_step, failed_attempts, locked_until
       FROM app_user WHERE lower(username) = lower($1)`, [o.username]);
  const u = r.rows[0];
  if (!u || u.status !== 'active' || !u.password_hash) {
    await burnTime(o.password);
    return { ok: false, reason: 'invalid_credentials' };
  }
  if (u.locked_until && new Date(u.locked_until).getTime() > o.now.getTime()) return { ok: false, reason: 'locked', userId: u.id };
  const good = await argon2.verify(u.password_hash, o.password).catch(() => false);
  if (!good) return failure(db, u, o.now, 'invalid_credentials');
  if (u.totp_enabled && u.totp_secret) {
    if (!o.totp) return { ok: false, reason: 'totp_required', userId: u.id };
    const step = await checkTotp(u.totp_secret, o.totp, o.now, u.totp_last_step);
    if (step === null) return failure(db, u, o.now, 'totp_invalid');
    await db.query('UPDATE app_user SET totp_last_step = $2 WHERE id = $1', [u.id, step]);
  }
  await db.query('UPDATE app_user SET failed_attempts = 0, locked_until = NULL WHERE id = $1', [u.id]);
  // Parameters raised since the hash was made: re-hash now that we hold the password.
  if (argon2.needsRehash(u.password_hash, ARGON2_OPTIONS)) {
    await db.query('UPDATE app_user SET password_hash = $2 WHERE id = $1', [u.id, await hashPassword(o.password)]);
  }
  const s = await createSession(db, u.id, o);
  return { ok: true, userId: u.id, ...s };
}

async function failure(db: Queryable, u: UserRow, now: Date, reason: 'invalid_credentials' | 'totp_invalid'): Promise<LoginOutcome> {
  // Count and lock in one statement, so concurrent guesses cannot slip past the limit.
  const r = await db.query<{ locked: boolean }>(
    `UPDATE app_user SET
        failed_attempts = CASE WHEN failed_attempts + 1 >= $2 THEN 0 ELSE failed_attempts + 1 END,
        locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN $3::timestamptz ELSE locked_until END
      WHERE id = $1 RETURNING (locked_until IS NOT NULL AND locked_until > $4::timestamptz) AS locked`,
    [u.id, MAX_FAILED_ATTEMPTS, new Date(now.getTime() + LOCKOUT_MS), now]);
  return { ok: false, reason: r.rows[0]?.locked ? 'locked' : reason, userId: u.id };
}

/** The accepted time step, or null when the code is wrong or was already used. */
export async function checkTotp(secret: string, code: string, now: Date, lastStep: number | null): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  try {
    const v = await verifyTotp({ secret, token: code, epoch: Math.floor(now.getTime() / 1000), epochTolerance: TOTP_TOLERANCE_S,
      ...(lastStep != null ? { afterTimeStep: Number(lastStep) } : {}) });
    return v.valid && 'timeStep' in v ? Number(v.timeStep) : null;
  } catch {
    return null;
  }
}

/** Start (or restart) TOTP enrolment: a new secret, effective once confirmed with a code. */
export async function beginTotpEnrolment(db: Queryable, userId: number, issuer: string): Promise<{ secret: string; uri: string } | null> {
  const u = await db.query<{ username: string; totp_enabled: boolean }>('SELECT username, totp_enabled FROM app_user WHERE id = $1', [userId]);
  if (!u.rows[0] || u.rows[0].totp_enabled) return null;
  const secret = generateSecret();
  await db.query('UPDATE app_user SET totp_secret = $2 WHERE id = $1', [userId, secret]);
  return { secret, uri: generateURI({ issuer, label: u.rows[0].username, secret }) };
}

export async function confirmTotpEnrolment(db: Queryable, userId: number, code: string, now: Date): Promise<boolean> {
  const u = await db.query<{ totp_secret: string | null; totp_enabled: boolean }>('SELECT totp_secret, totp_enabled FROM app_user WHERE id = $1', [userId]);
  const row = u.rows[0];
  if (!row?.totp_secret || row.totp_enabled) return false;
  const step = await checkTotp(row.totp_secret, code, now, null);
  if (step === null) return false;
  await db.query('UPDATE app_user SET totp_enabled = true, totp_last_step = $2, updated_at = now() WHERE id = $1', [userId, step]);
  return true;
}

/** Create a single-use password link for a user and mail it. The token appears only in the mail. */
export async function sendPasswordLink(db: Queryable, mailer: Mailer, o: {
  userId: number; email: string; purpose: 'reset' | 'invite'; now: Date; baseUrl: string; registryName?: string;
}): Promise<void> {
  const token = randomToken();
  const ttl = o.purpose === 'invite' ? INVITE_LINK_MS : RESET_LINK_MS;
  await db.query(
    `INSERT INTO password_reset (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
    [sha256Hex(token), o.userId, o.purpose, o.now, new Date(o.now.getTime() + ttl)]);
  const name = o.registryName ?? 'Immunization Information System';
  // The token travels in the fragment (#), which browsers never send to a server, so it cannot reach access logs.
  const link = `${o.baseUrl.replace(/\/$/, '')}/reset-password#token=${token}`;
  const text = o.purpose === 'invite'
    ? `An account was created for you on the ${name}.\n\nSet your password within 72 hours: ${link}\n`
    : `Someone asked to reset your password on the ${name}.\n\nSet a new password within 30 minutes: ${link}\n\nIf it was not you, ignore this message.\n`;
  await mailer.send({ to: o.email, subject: o.purpose === 'invite' ? `Your ${name} account` : `${name}: password reset`, text });
}

/** Forgotten password: mail a link to every active user with this user name or e-mail address. Says nothing about whether one exists. */
export async function requestPasswordReset(db: Queryable, mailer: Mailer, identifier: string, now: Date, baseUrl: string): Promise<void> {
  const r = await db.query<{ id: number; email: string }>(
    `SELECT id, email FROM app_user WHERE status = 'active' AND email IS NOT NULL
        AND (lower(username) = lower($1) OR lower(email) = lower($1)) LIMIT 5`, [identifier]);
  for (const u of r.rows) await sendPasswordLink(db, mailer, { userId: u.id, email: u.email, purpose: 'reset', now, baseUrl });
}

export class PasswordLinkError extends Error {}

/** Use a password link: set the password, clear any lockout and end the user's sessions. */
export async function completePasswordReset(pool: Pool, token: string, password: string, now: Date): Promise<number> {
  if (typeof token !== 'string' || token.length < 20 || token.length > 100) throw new PasswordLinkError('this link is not valid');
  const hash = sha256Hex(token);
  return transaction(pool, async (c) => {
    const r = await c.query<{ id: number; user_id: number; username: string; status: string }>(
      `SELECT p.id, p.user_id, u.username, u.status FROM password_reset p JOIN app_user u ON u.id = p.user_id
        WHERE p.token_hash = $1 AND p.used_at IS NULL AND p.expires_at > $2 FOR UPDATE OF p`, [hash, now]);
    const row = r.rows[0];
    if (!row || row.status !== 'active') throw new PasswordLinkError('this link is not valid, was already used or has expired');
    const problemText = passwordProblem(password, row.username);
    if (problemText) throw new PasswordLinkError(problemText);
    await c.query('UPDATE password_reset SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL', [row.user_id, now]);
    await c.query('UPDATE app_user SET password_hash = $2, failed_attempts = 0, locked_until = NULL, updated_at = now() WHERE id = $1',
      [row.user_id, await hashPassword(password)]);
    await c.query('UPDATE session SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [row.user_id, now]);
    return row.user_id;
  });
}
