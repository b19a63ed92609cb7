// The registry's HL7 transports: ER7 over HTTP (POST /hl7) and CDC's SOAP service (/soap) on the HTTP server;
// MLLP runs on its own TCP port (startMllpServer, started by `iis serve`).
import type { FastifyInstance } from 'fastify';
import { registerHl7HttpRoutes } from './http-hl7.ts';
import { registerSoapRoutes } from './soap.ts';
import type { TransportContext } from './common.ts';

export { startMllpServer } from './mllp.ts';

export async function registerHl7Transports(app: FastifyInstance, t: TransportContext): Promise<void> {
  await registerHl7HttpRoutes(app, t);
  await registerSoapRoutes(app, t);
}
