// Configuration comes from the environment only, so the same build runs on a laptop and in production.
import path from 'node:path';

export interface Config {
  /** postgres://... of an external server; unset = embedded PostgreSQL in dataDir. */
  databaseUrl?: string;
  /** Where the embedded PostgreSQL cluster and other local state live. */
  dataDir: string;
  /** Port of the embedded PostgreSQL server (ignored with databaseUrl). */
  embeddedPgPort: number;
  host: string;
  port: number;
  mllpPort: number;
  /** Directory of CDC's CDSi supporting data (XML) for `iis schedule import`. */
  cdsiDir: string;
  /** Directory of the AIRA code base (Compiled.xml) for `iis codes import`. */
  codesDir: string;
  /** Largest HL7 message accepted, in bytes. */
  maxMessageBytes: number;
  logLevel: string;
}

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const shared = path.resolve(process.cwd(), '..', 'shared');
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.IIS_DATA_DIR || 'data'),
    embeddedPgPort: int('IIS_PG_PORT', 54329),
    host: env.HOST || '127.0.0.1',
    port: int('PORT', 8080),
    mllpPort: int('MLLP_PORT', 2575),
    cdsiDir: path.resolve(env.IIS_CDSI_DIR || path.join(shared, 'cdsi', 'supporting-data-4.64')),
    codesDir: path.resolve(env.IIS_CODES_DIR || path.join(shared, 'hl7', 'aira-codebase')),
    maxMessageBytes: int('IIS_MAX_MESSAGE_BYTES', 1024 * 1024),
    logLevel: env.LOG_LEVEL || 'info',
  };
}
