// Persistence of issued certificates and the registry's certificate key (tables of migration 0500).
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { CertificateData } from './certificate.ts';
import { certificateCode, normalizeCode, verifyCertificateCode } from './verification.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/** The registry's certificate key, created on first use (concurrent first uses agree on one key). */
export async function certificateKey(db: Queryable): Promise<Buffer> {
  await db.query('INSERT INTO school_certificate_key (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [randomBytes(32)]);
  const r = await db.query('SELECT secret FROM school_certificate_key WHERE id = 1');
  return r.rows[0].secret as Buffer;
}

/** Compute the code, store the certificate, and return the code (issuing the same content twice is idempotent). */
export async function issueCertificate(db: Queryable, content: CertificateData, patientId?: number | string): Promise<string> {
  const key = await certificateKey(db);
  const code = certificateCode(content, key);
  await db.query(
    'INSERT INTO school_certificate (code, patient_id, content) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING',
    [code, patientId ?? null, JSON.stringify(content)],
  );
  return code;
}

export type Verification =
  | { status: 'valid'; code: string; issuedAt: Date; content: CertificateData }
  | { status: 'revoked'; code: string; issuedAt: Date; revokedAt: Date; reason?: string }
  | { status: 'unknown'; code?: string }
  | { status: 'altered'; code: string };

export async function verifyCertificate(db: Queryable, input: string): Promise<Verification> {
  const code = normalizeCode(input);
  if (!code) return { status: 'unknown' };
  const r = await db.query('SELECT content, issued_at, revoked_at, revoked_reason FROM school_certificate WHERE code = $1', [code]);
  if (!r.rows.length) return { status: 'unknown', code };
  const row = r.rows[0];
  if (!verifyCertificateCode(row.content, code, await certificateKey(db))) return { status: 'altered', code };
  if (row.revoked_at) return { status: 'revoked', code, issuedAt: row.issued_at, revokedAt: row.revoked_at, reason: row.revoked_reason ?? undefined };
  return { status: 'valid', code, issuedAt: row.issued_at, content: row.content };
}

export async function revokeCertificate(db: Queryable, code: string, reason: string): Promise<boolean> {
  const n = normalizeCode(code);
  if (!n) return false;
  const r = await db.query('UPDATE school_certificate SET revoked_at = now(), revoked_reason = $2 WHERE code = $1 AND revoked_at IS NULL', [n, reason]);
  return (r.rowCount ?? 0) > 0;
}
