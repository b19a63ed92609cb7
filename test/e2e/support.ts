// End-to-end walks in a real browser: Debian's Chromium driven by playwright-core, against the registry
// (built web app + API) listening on an ephemeral port over a fresh migrated database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { freshDatabase, type TestDatabase } from '../support/postgres.ts';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/config.ts';
import { webDir } from '../../src/server/web.ts';
import { createUserForTest } from '../../src/access/guard.ts';
import type { Role } from '../../src/access/guard.ts';

export const root = path.resolve(import.meta.dirname, '..', '..');
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Why the walk cannot run here (no browser, no built web app), or undefined when it can. */
export function e2eSkipReason(): string | undefined {
  if (!fs.existsSync(chromiumPath)) return `${chromiumPath} not found (apt-get install chromium)`;
  if (!fs.existsSync(path.join(webDir, 'index.html'))) return `${webDir}/index.html missing (npm run build:web)`;
  return undefined;
}

export interface E2E {
  db: TestDatabase;
  app: FastifyInstance;
  baseUrl: string;
  close(): Promise<void>;
}

export async function startRegistry(): Promise<E2E> {
  const db = await freshDatabase();
  const app = await buildApp({ pool: db.pool, config: loadConfig() });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    db, app, baseUrl: `http://127.0.0.1:${port}`,
    async close() { await app.close(); await db.close(); },
  };
}

export async function createOrganization(e: E2E, o: { name: string; code: string; kind: string; parentId?: number }): Promise<number> {
  const r = await e.db.pool.query(`INSERT INTO organization (kind, name, code, parent_id) VALUES ($1, $2, $3, $4) RETURNING id`,
    [o.kind, o.name, o.code, o.parentId ?? null]);
  return Number(r.rows[0].id);
}

/** A user who signs in through the sign-in page with this password. */
export async function createUser(e: E2E, o: { organizationId: number; username: string; roles: Role[]; password: string }) {
  return createUserForTest(e.db.pool, o);
}

export interface Browser { context: BrowserContext; page: Page; close(): Promise<void> }

/** Chromium with a fresh profile each time, nothing phoning home. */
export async function launchBrowser(): Promise<Browser> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(30_000); // a loaded 2-core machine can be slow
  // The registry's Content-Security-Policy must never block the app itself: a violation fails the walk at its next
  // screenshot (inside the test, so the walk's clean-up still runs).
  const violations: string[] = [];
  const watch = (p: Page) => {
    cspViolations.set(p, violations);
    p.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) violations.push(`${p.url()}: ${m.text()}`); });
  };
  context.on('page', watch);
  context.pages().forEach(watch);
  const page = context.pages()[0] ?? await context.newPage();
  if (!cspViolations.has(page)) watch(page);
  return {
    context, page,
    async close() { await context.close(); fs.rmSync(userDataDir, { recursive: true, force: true }); },
  };
}

/** test-results/screenshots/<test>/<step>.png (full page). Returns the path. */
const cspViolations = new WeakMap<Page, string[]>();

export async function screenshot(page: Page, testName: string, step: string): Promise<string> {
  const violations = cspViolations.get(page) ?? [];
  if (violations.length) throw new Error(`Content-Security-Policy violations before "${step}":\n${violations.join('\n')}`);
  const safe = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const file = path.join(root, 'test-results', 'screenshots', safe(testName), `${safe(step)}.png`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Sign in through the sign-in page and wait for the header to show the user. */
export async function signIn(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(baseUrl + '/');
  await page.waitForURL(/\/sign-in/);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-user').waitFor();
}

/** Every visible form control has a label (label element, aria-label or aria-labelledby): the names of the ones without. */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll('input, select, textarea')) as (HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement)[]) {
      if (el.type === 'hidden' || !(el as HTMLElement).offsetParent) continue;
      const labelled = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!labelled) out.push(el.outerHTML.slice(0, 120));
    }
    return out;
  });
}
