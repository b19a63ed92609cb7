// The district worker as one prebuilt JavaScript file: a thread started on it compiles no TypeScript (through
// tsx every worker transformed ~15 modules, ~2 s before its first student). Built with esbuild (tsx's own
// compiler) on first use and kept under the cache directory, named by a hash of its sources; the hashes of
// the sources it was built from are checked on each process's first use, so an edited source rebuilds it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ENTRY = path.join(import.meta.dirname, 'district-worker.ts');
const ROOT = path.join(import.meta.dirname, '..', '..');
const FALLBACK = new URL('./district-worker.mjs', import.meta.url);

interface Manifest { out: string; inputs: Record<string, string> }

function digest(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function fresh(m: Manifest): boolean {
  try {
    if (!fs.existsSync(m.out)) return false;
    for (const [f, h] of Object.entries(m.inputs)) if (digest(path.join(ROOT, f)) !== h) return false;
    return true;
  } catch { return false; }
}

let made: Promise<{ url: URL; bundled: boolean }> | undefined;

/** The URL to start a district worker on: the bundle (built when missing or stale), else the fallback (the TypeScript entry through bin/register.mjs). */
export function districtWorkerUrl(): Promise<{ url: URL; bundled: boolean }> {
  return made ??= build().then((url) => ({ url, bundled: url !== FALLBACK }), () => ({ url: FALLBACK, bundled: false }));
}

async function build(): Promise<URL> {
  if (process.env.IIS_SCHOOLS_WORKER === 'tsx') return FALLBACK;
  // Inside the checkout (not IIS_CACHE_DIR): the bundle's imports of packages resolve from its node_modules.
  const dir = path.join(ROOT, 'node_modules', '.cache', 'iis', 'schools');
  const manifestFile = path.join(dir, 'district-worker.json');
  try {
    const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest;
    if (fresh(m)) return pathToFileURL(m.out);
  } catch { /* none yet */ }
  const esbuild = await import('esbuild');
  // Packages stay external (resolved from node_modules of the checkout, which holds the cache directory).
  const r = await esbuild.build({
    entryPoints: [ENTRY], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external',
    absWorkingDir: ROOT, write: false, metafile: true, logLevel: 'silent',
  });
  const code = r.outputFiles[0].contents;
  const inputs: Record<string, string> = {};
  for (const f of Object.keys(r.metafile.inputs)) inputs[f] = digest(path.join(ROOT, f));
  const out = path.join(dir, `district-worker-${crypto.createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(out)) {
    const tmp = `${out}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, out);
  }
  const tmp = `${manifestFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ out, inputs } satisfies Manifest));
  fs.renameSync(tmp, manifestFile);
  return pathToFileURL(out);
}
