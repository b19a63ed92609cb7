import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerWebApp } from './web.ts';

let app: FastifyInstance;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-web-'));

before(async () => {
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  app = Fastify();
  app.get('/api/v1/thing', async () => ({ ok: true }));
  await registerWebApp(app, { dir });
});
after(async () => { await app.close(); fs.rmSync(dir, { recursive: true, force: true }); });

test('the web app: index at /, history routes fall back to index.html, assets cached for good', async () => {
  const root = await app.inject({ url: '/' });
  assert.equal(root.statusCode, 200);
  assert.match(root.body, /id="root"/);
  const deep = await app.inject({ url: '/patients/12?saved=dose', headers: { accept: 'text/html' } });
  assert.equal(deep.statusCode, 200);
  assert.match(deep.headers['content-type'] as string, /text\/html/);
  const asset = await app.inject({ url: '/assets/index-abc123.js' });
  assert.equal(asset.statusCode, 200);
  assert.match(String(asset.headers['cache-control']), /immutable/);
});

test('unknown API paths and missing files answer 404 problem JSON, not the app', async () => {
  const api = await app.inject({ url: '/api/v1/nope' });
  assert.equal(api.statusCode, 404);
  assert.equal(api.json().status, 404);
  const file = await app.inject({ url: '/assets/missing.js' });
  assert.equal(file.statusCode, 404);
  const post = await app.inject({ method: 'POST', url: '/patients' });
  assert.equal(post.statusCode, 404);
});
