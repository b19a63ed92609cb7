// ER7 over HTTP: `POST /hl7` with the message as the body and the facility's sender credentials in HTTP Basic
// auth; the ACK (VXU) or RSP (QBP) is the response body, HTTP 200 for every HL7 answer including AR (as HL7
// over HTTP does), 401 for missing/bad credentials, 413 over the size limit, 415 for other media types.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { decodeHl7 } from '../hl7v2/er7.ts';
import { authenticateSender, type Sender } from '../registry/senders.ts';
import { submitHl7, tooLargeMessage, type TransportContext } from './common.ts';

export const HL7_MEDIA_TYPES = ['text/plain', 'x-application/hl7-v2+er7', 'application/hl7-v2', 'application/hl7-v2+er7'];

declare module 'fastify' {
  interface FastifyRequest { hl7Sender?: Sender }
}

/** user and password of an `Authorization: Basic ...` header. */
export function parseBasicAuth(header: string | undefined): { username: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const mediaType = (req: FastifyRequest) => (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

export async function registerHl7HttpRoutes(app: FastifyInstance, t: TransportContext): Promise<void> {
  const limit = t.config.maxMessageBytes;
  // Encapsulated: the raw-bytes body parser and the error texts apply to /hl7 only.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));

    scope.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, _req, reply) => {
      if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        const len = Number(_req.headers['content-length']);
        return reply.code(413).type('text/plain; charset=utf-8')
          .send(Number.isFinite(len) && len > limit ? tooLargeMessage(len, limit) : `The message is larger than this registry accepts (at most ${limit} bytes). Nothing was stored.`);
      }
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) _req.log.error(err);
      return reply.code(status).type('text/plain; charset=utf-8').send(status === 500 ? 'Internal error; nothing was stored. Please resend later.' : err.message);
    });

    // Credentials first (onRequest), so an unauthenticated sender never gets its body read.
    scope.addHook('onRequest', async (req, reply) => {
      const cred = parseBasicAuth(req.headers.authorization);
      const sender = cred ? await authenticateSender(t.pool, cred.username, cred.password) : null;
      if (!sender) {
        return reply.code(401).header('WWW-Authenticate', 'Basic realm="IIS HL7", charset="UTF-8"').type('text/plain; charset=utf-8')
          .send(cred ? 'Unknown sender or wrong password.' : 'Send the facility\'s HL7 sender credentials with HTTP Basic authentication.');
      }
      req.hl7Sender = sender;
    });

    scope.post('/hl7', { bodyLimit: limit }, async (req, reply) => {
      const type = mediaType(req);
      if (!HL7_MEDIA_TYPES.includes(type)) {
        return reply.code(415).type('text/plain; charset=utf-8').send(`Send the HL7 message as one of: ${HL7_MEDIA_TYPES.join(', ')}.`);
      }
      const body = req.body as Buffer | undefined;
      if (!body || body.length === 0) return reply.code(400).type('text/plain; charset=utf-8').send('The request body is empty: send one HL7 v2 message (ER7).');
      const text = decodeHl7(body, /;\s*charset=([^;]+)/i.exec(String(req.headers['content-type'] ?? ''))?.[1]);
      const answer = await submitHl7(t, text, req.hl7Sender!, 'http');
      return reply.code(200).type(`${type === 'text/plain' ? 'text/plain' : type}; charset=utf-8`).send(answer.response);
    });
  });
}
