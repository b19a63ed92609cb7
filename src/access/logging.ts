// What the request log may hold: method, path and status, never query strings (a patient search puts names and
// birth dates there) nor headers (cookies, CSRF tokens, Basic credentials).
import type { FastifyRequest } from 'fastify';

export const logSerializers = {
  req(req: FastifyRequest) {
    return { method: req.method, url: (req.url ?? '').split('?')[0], remoteAddress: req.ip };
  },
};
