// HTTP routes of access: sign-in, sessions, TOTP, password reset, organization requests, user management, audit.
import type { FastifyInstance } from 'fastify';
import type { Pool } from '../registry/database.ts';
import type { Config } from '../config.ts';
import { installAccess, type AccessRuntime } from './guard.ts';

export interface AccessContext { pool: Pool; config: Config; access?: Partial<AccessRuntime> }

export async function registerAccessRoutes(app: FastifyInstance, ctx: AccessContext): Promise<AccessRuntime> {
  const rt = installAccess(app, { pool: ctx.pool, ...ctx.access });
  return rt;
}
