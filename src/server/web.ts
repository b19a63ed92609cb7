// Serves the built web app (dist/web, `npm run build:web`) at /, and index.html for any other GET that is
// not an API, FHIR, HL7 or file path, so the app's history routes survive a reload.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

export const webDir = path.resolve(import.meta.dirname, '..', '..', 'dist', 'web');

const notApp = /^\/(api|fhir|hl7|soap|health|verify)(\/|$|\?)/;

export async function registerWebApp(app: FastifyInstance, opts: { dir?: string } = {}): Promise<void> {
  const dir = opts.dir ?? webDir;
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) {
    app.log.warn(`web app not built (${index} missing): run npm run build:web`);
    return;
  }
  await app.register(fastifyStatic, {
    root: dir, prefix: '/', wildcard: false, index: ['index.html'],
    // Vite names built assets by content hash: they never change, so browsers keep them; index.html is revalidated.
    setHeaders: (res, file) => res.header('cache-control', /[\\/]assets[\\/]/.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache'),
  });
  app.setNotFoundHandler((req, reply) => {
    const url = req.raw.url ?? '/';
    const accept = String(req.headers.accept ?? '');
    if (req.method === 'GET' && !notApp.test(url) && !/\.[a-z0-9]+$/i.test(url.split('?')[0]) &&
        (accept.includes('text/html') || accept === '' || accept.includes('*/*'))) {
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').sendFile('index.html');
    }
    return reply.code(404).type('application/problem+json')
      .send({ type: 'about:blank', title: 'Not Found', status: 404, detail: `${req.method} ${url.split('?')[0]} is not a route` });
  });
}
