// Shared fixtures of the access tests: an app with an injectable clock, organizations, and cookie handling.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Pool } from '../../src/registry/database.ts';
import type { AccessContext } from '../../src/access/routes.ts';

export class Clock {
  t: number;
  constructor(iso = '2026-01-05T10:00:00Z') { this.t = Date.parse(iso); }
  now = () => new Date(this.t);
  advance(ms: number) { this.t += ms; }
}

export async function accessApp(pool: Pool, clock: Clock, access: AccessContext['access'] = {}, opts: { logStream?: NodeJS.WritableStream } = {}): Promise<FastifyInstance> {
  return buildApp({ pool, config: loadConfig(), access: { now: clock.now, ...access } }, opts);
}

export async function org(pool: Pool, kind: string, name: string, parentId?: number): Promise<number> {
  const r = await pool.query('INSERT INTO organization (kind, name, parent_id) VALUES ($1, $2, $3) RETURNING id', [kind, name, parentId ?? null]);
  return Number(r.rows[0].id);
}

/** The iis_session cookie a response sets, as a request Cookie header. */
export function sessionCookie(res: LightMyRequestResponse): string {
  const raw = res.headers['set-cookie'];
  const all = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  const c = all.find((x) => x.startsWith('iis_session='));
  if (!c) throw new Error(`no session cookie in response ${res.statusCode}: ${res.body}`);
  return c.split(';')[0];
}
