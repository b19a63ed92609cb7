// HTTP wiring: one Fastify instance; each capability registers its routes here. Routes translate and
// authorize, then call the registry.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import type { Pool } from '../registry/database.ts';
import { registerSchoolRoutes } from '../schools/routes.ts';
import { registerAccessRoutes, type AccessContext } from '../access/routes.ts';
import { registerMatchingRoutes } from '../matching/routes.ts';
import { registryAdminAuthorize, patientCertificateAuthorize } from '../access/hooks.ts';
import { logSerializers } from '../access/logging.ts';
import { registerPatientRoutes } from '../patients/routes.ts';
import { registerWebApp } from './web.ts';
import { registerHl7Transports } from '../transports/index.ts';
import { registerForecastRoutes } from '../cdsi/routes.ts';

export interface AppContext {
  pool: Pool;
  config: Config;
  /** Access-layer overrides (tests: clock, timeouts, mailer). */
  access?: AccessContext['access'];
}

export async function buildApp(ctx: AppContext, opts: { logger?: boolean; logStream?: NodeJS.WritableStream } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger || opts.logStream ? { level: ctx.config.logLevel, serializers: logSerializers, ...(opts.logStream ? { stream: opts.logStream } : {}) } : false,
    bodyLimit: ctx.config.maxMessageBytes,
    trustProxy: false,
  });
  app.get('/health', async () => {
    await ctx.pool.query('SELECT 1');
    return { status: 'ok' };
  });
  await registerAccessRoutes(app, ctx);
  await registerSchoolRoutes(app, ctx, { authorize: patientCertificateAuthorize(ctx.pool) });
  await registerMatchingRoutes(app, { pool: ctx.pool, cdsiDir: ctx.config.cdsiDir }, { authorize: registryAdminAuthorize() });
  await registerHl7Transports(app, ctx);
  await registerForecastRoutes(app, ctx);
  await registerPatientRoutes(app, ctx);
  await registerWebApp(app);
  return app;
}
