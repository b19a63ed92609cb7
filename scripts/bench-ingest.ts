// npm run bench:ingest [-- --messages 100000 --senders 20 [--http]]
// Sustained VXU/s end to end (parse, quality checks, patient matching, durable storage, ACK) from S concurrent
// sending facilities, with p50/p99 ACK latency, beside the rate of a bare multi-row INSERT of the same rows into the
// same database in the same run. Messages are synthetic but varied: children born over four years, several doses
// each with funding and VIS observations, and ~30% of messages about a child another facility already reported.
// Uses DATABASE_URL if set (a scratch database `iis_bench_ingest` is created and dropped on it); else starts its own
// embedded PostgreSQL with durable settings (fsync on, synchronous commit) under .bench-pg/, removed at the end.
// --http sends over POST /hl7 (HTTP Basic, keep-alive) to an in-process server instead of calling the handler.
// --cpu-profile FILE writes the registry's CPU profile of the timed run (open in Chrome DevTools).
import os from 'node:os';
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import net from 'node:net';
import pg from 'pg';
import { createPool } from '../src/registry/database.ts';
import { migrate } from '../src/registry/migrate.ts';
import { loadConfig } from '../src/config.ts';
import { getRegistryContext } from '../src/registry/context.ts';
import { createFacility, authenticateSender, type Sender } from '../src/registry/senders.ts';
import { handleHl7Message } from '../src/registry/hl7.ts';
import { ingestBatchStats } from '../src/registry/ingest-batch.ts';
import { FAMILY, rng } from './synthetic.ts';
import { hostCpuLine, hostCpuTicks, pct, postgresCpuSeconds, scratchDatabase, type ScratchDatabase } from './bench-support.ts';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? Number(argv[i + 1]) : dflt; };
const MESSAGES = arg('messages', 100_000);
const SENDERS = arg('senders', 20);
const HTTP = argv.includes('--http');
const POOL = argv.includes('--pool') ? arg('pool', 0) : undefined; // default: createPool's (a few per core)
const root = path.resolve(import.meta.dirname, '..');

// ---------------------------------------------------------------------------------------------- synthetic data

const rand = rng(20261125);
const pick = <T>(a: readonly T[]) => a[Math.floor(rand() ** 1.6 * a.length)]!; // skewed: common names are common

const GIVEN_F = 'Olivia Emma Charlotte Amelia Sophia Mia Isabella Ava Evelyn Luna Harper Camila Sofia Scarlett Elizabeth Eleanor Emily Chloe Mila Violet Penelope Gianna Aria Abigail Ella Avery Hazel Nora Layla Lily Aurora Nova Ellie Madison Grace Isla Willow Zoe Riley Stella Emilia Victoria Hannah Addison Leah Lucy Eliana Ivy Everly Lillian Paisley Elena Naomi Maya Natalie Kinsley Delilah Claire Audrey Aaliyah Ruby Brooklyn Alice Aubrey Autumn Leilani Savannah Valentina Kennedy Madelyn Josephine Bella Skylar Genesis Sophie Hailey Sadie Natalia Quinn Caroline Allison Gabriella Anna Serenity Nevaeh Cora Ariana Emery Lydia Jade Sarah Eva Adeline Madeline Piper'.split(' ');
const GIVEN_M = 'Liam Noah Oliver Elijah James William Benjamin Lucas Henry Theodore Jack Levi Alexander Jackson Mateo Daniel Michael Mason Sebastian Ethan Logan Owen Samuel Jacob Asher Aiden John Joseph Wyatt David Leo Luke Julian Hudson Grayson Matthew Ezra Gabriel Carter Isaac Jayden Luca Anthony Dylan Lincoln Thomas Maverick Elias Josiah Charles Caleb Christopher Ezekiel Miles Jaxon Isaiah Andrew Joshua Nathan Nolan Adrian Cameron Santiago Eli Aaron Ryan Angel Cooper Waylon Easton Kai Christian Landon Colton Roman Axel Brooks Jonathan Robert Jameson Ian Everett Greyson Wesley Jeremiah Hunter Leonardo Jordan Jose Bennett Silas Nicholas Parker Beau Weston Austin Connor Carson Dominic Xavier'.split(' ');
const STREETS = 'Main Oak Pine Maple Cedar Elm Washington Lake Hill Park Walnut Spring North Ridge Church Willow Mill Sunset Railroad Jackson River Highland Forest Meadow Center'.split(' ');
const CITIES = [['Boston', '021'], ['Worcester', '016'], ['Springfield', '011'], ['Lowell', '018'], ['Cambridge', '021'], ['Brockton', '023'], ['Quincy', '021'], ['Lynn', '019'], ['Fall River', '027'], ['Newton', '024']] as const;
// Childhood vaccines given by age (months), with a manufacturer and a VIS document, valid in the current code sets.
const SCHEDULE = [
  { age: 0, cvx: '08', text: 'Hep B, adolescent or pediatric', mvx: 'MSD' },
  { age: 2, cvx: '20', text: 'DTaP', mvx: 'SKB' },
  { age: 2, cvx: '10', text: 'IPV', mvx: 'PMC' },
  { age: 2, cvx: '49', text: 'Hib (PRP-OMP)', mvx: 'MSD' },
  { age: 2, cvx: '116', text: 'rotavirus, pentavalent', mvx: 'MSD' },
  { age: 4, cvx: '20', text: 'DTaP', mvx: 'SKB' },
  { age: 4, cvx: '10', text: 'IPV', mvx: 'PMC' },
  { age: 4, cvx: '49', text: 'Hib (PRP-OMP)', mvx: 'MSD' },
  { age: 6, cvx: '20', text: 'DTaP', mvx: 'SKB' },
  { age: 6, cvx: '08', text: 'Hep B, adolescent or pediatric', mvx: 'MSD' },
  { age: 12, cvx: '03', text: 'MMR', mvx: 'MSD' },
  { age: 12, cvx: '21', text: 'varicella', mvx: 'MSD' },
  { age: 12, cvx: '83', text: 'Hep A, ped/adol, 2 dose', mvx: 'MSD' },
  { age: 15, cvx: '20', text: 'DTaP', mvx: 'SKB' },
] as const;

interface Child {
  family: string; given: string; middle: string; sex: 'F' | 'M'; birth: Date; mother: string; motherGiven: string;
  street: string; city: string; zip: string; phone: string; race: string; eth: string;
  /** The facility that first reported the child and the index of that message. */
  firstSender: number; firstMessage: number;
}

const ymd = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '');
const addMonths = (d: Date, m: number) => { const x = new Date(d); x.setUTCMonth(x.getUTCMonth() + m); return x; };
const TODAY = new Date();

function newChild(sender: number, index: number): Child {
  const sex = rand() < 0.5 ? 'F' : 'M';
  const [city, zip3] = pick(CITIES);
  // Born in the last four years (doses up to 15 months of age, none in the future).
  const birth = new Date(Date.UTC(TODAY.getUTCFullYear() - 4, TODAY.getUTCMonth(), 1) + Math.floor(rand() * 4 * 365) * 86400_000);
  return {
    family: pick(FAMILY), given: pick(sex === 'F' ? GIVEN_F : GIVEN_M), middle: pick(sex === 'F' ? GIVEN_F : GIVEN_M), sex, birth,
    mother: pick(FAMILY), motherGiven: pick(GIVEN_F),
    street: `${1 + Math.floor(rand() * 999)} ${pick(STREETS)} St`, city, zip: `${zip3}${String(Math.floor(rand() * 100)).padStart(2, '0')}`,
    phone: `617${2 + Math.floor(rand() * 8)}${String(Math.floor(rand() * 1e6)).padStart(6, '0')}`,
    race: pick(['2106-3', '2054-5', '2028-9', '2131-1']), eth: rand() < 0.2 ? '2135-2' : '2186-5',
    firstSender: sender, firstMessage: index,
  };
}

/** A VXU for the child from one facility: the doses given at one visit (administered) and a few historical ones. */
function vxu(c: Child, sender: number, controlId: string, visit: number): string {
  const now = ymd(TODAY);
  const mrn = `F${sender}-${c.family.slice(0, 3).toUpperCase()}${ymd(c.birth)}${c.given.slice(0, 2).toUpperCase()}`;
  const due = SCHEDULE.filter((s) => addMonths(c.birth, s.age) <= TODAY);
  const visits = [...new Set(due.map((s) => s.age))];
  const age = visits[Math.min(visit, visits.length - 1)] ?? 0;
  const given = due.filter((s) => s.age === age);
  const history = due.filter((s) => s.age < age).slice(-2);
  const seg: string[] = [
    `MSH|^~\\&|EHR${sender}|FAC${sender}|IIS|STATE|${now}120000||VXU^V04^VXU_V04|${controlId}|P|2.5.1|||ER|AL|||||Z22^CDCPHINVS|FAC${sender}`,
    `PID|1||${mrn}^^^FAC${sender}^MR||${c.family}^${c.given}^${c.middle}^^^^L|${c.mother}^${c.motherGiven}^^^^^M|${ymd(c.birth)}|${c.sex}||${c.race}^^CDCREC|${c.street}^^${c.city}^MA^${c.zip}^USA^L||^PRN^PH^^^${c.phone.slice(0, 3)}^${c.phone.slice(3)}|||||||||${c.eth}^^CDCREC`,
    `PD1|||||||||||02^Reminder/Recall - any method^HL70215|N|${now}|||A|${now}|${now}`,
    `NK1|1|${c.mother}^${c.motherGiven}^^^^^L|MTH^Mother^HL70063|${c.street}^^${c.city}^MA^${c.zip}^USA^L|^PRN^PH^^^${c.phone.slice(0, 3)}^${c.phone.slice(3)}`,
  ];
  let n = 0;
  for (const h of history) {
    const d = ymd(addMonths(c.birth, h.age));
    seg.push(`ORC|RE||H${sender}-${mrn}-${h.cvx}-${h.age}^EHR${sender}`,
      `RXA|0|1|${d}||${h.cvx}^${h.text}^CVX|999|||01^Historical information - source unspecified^NIP001|||||||||||CP|A`);
  }
  for (const g of given) {
    const d = addMonths(c.birth, g.age);
    n++;
    seg.push(`ORC|RE||A${sender}-${mrn}-${g.cvx}-${g.age}^EHR${sender}|||||||7824^Jackson^Lily^^^^^^NIST-PI-1^L^^^PRN||654^Thomas^Wilma^Elizabeth^^^^^NIST-PI-1^L^^^MD`,
      `RXA|0|1|${ymd(d)}||${g.cvx}^${g.text}^CVX|0.5|mL^mL^UCUM||00^New immunization record^NIP001|7824^Jackson^Lily^^^^^^NIST-PI-1^L^^^PRN|^^^FAC${sender}||||L${g.cvx}${sender}X${Math.floor(rand() * 90 + 10)}|${ymd(addMonths(d, 12))}|${g.mvx}^^MVX|||CP|A`,
      `RXR|C28161^Intramuscular^NCIT|${rand() < 0.5 ? 'LA^Left Arm' : 'RA^Right Arm'}^HL70163`,
      `OBX|1|CE|64994-7^Vaccine funding program eligibility category^LN|${n}|V0${rand() < 0.6 ? 2 : 1}^VFC eligible^HL70064||||||F|||${ymd(d)}|||VXC40^Eligibility captured at the immunization level^CDCPHINVS`,
      `OBX|2|CE|30956-7^vaccine type^LN|${n + 1}|${g.cvx}^${g.text}^CVX||||||F|||${ymd(d)}`,
      `OBX|3|TS|29768-9^Date vaccine information statement published^LN|${n + 1}|20210806||||||F|||${ymd(d)}`,
      `OBX|4|TS|29769-7^Date vaccine information statement presented^LN|${n + 1}|${ymd(d)}||||||F|||${ymd(d)}`);
    n++;
  }
  return seg.join('\r');
}

interface Planned { sender: number; text: string; child: Child; reported: 'new' | 'again' | 'other' }

/** Per sender, its messages in order. ~30% are about a child another facility reported earlier in the run. */
function plan(total: number, senders: number): Planned[][] {
  const perSender: Planned[][] = Array.from({ length: senders }, () => []);
  const children: Child[] = [];
  const ownChildren: Child[][] = Array.from({ length: senders }, () => []);
  for (let i = 0; i < total; i++) {
    const s = i % senders;
    const k = perSender[s]!.length;
    const r = rand();
    let child: Child;
    let reported: Planned['reported'];
    // A child reported by another facility at least a few hundred messages ago (so already stored by then).
    const earlier = children.length > 2000 ? children[Math.floor(rand() * (children.length - 1000))]! : undefined;
    if (r < 0.3 && earlier && earlier.firstSender !== s) { child = earlier; reported = 'other'; }
    else if (r < 0.4 && ownChildren[s]!.length > 50) { child = ownChildren[s]![Math.floor(rand() * (ownChildren[s]!.length - 20))]!; reported = 'again'; }
    else { child = newChild(s, i); children.push(child); ownChildren[s]!.push(child); reported = 'new'; }
    perSender[s]!.push({ sender: s, child, reported, text: vxu(child, s + 1, `MSG-${s + 1}-${k}`, Math.floor(rand() * 6)) });
  }
  return perSender;
}

// ---------------------------------------------------------------------------------------------- run

/** BENCH_TRACE=1: count and time every statement by its first words (to see where the time goes). */
const trace = new Map<string, { n: number; ms: number }>();
function traceQueries() {
  const proto = (pg as unknown as { Client: { prototype: { query: (...a: unknown[]) => unknown } } }).Client.prototype;
  const orig = proto.query;
  proto.query = function (this: unknown, ...a: unknown[]) {
    const q = a[0] as string | { text?: string };
    // A prepared statement's EXECUTE counted under its name without the generation (ingest_store_3 -> ingest_store).
    const text = (typeof q === 'string' ? q : q?.text ?? '').replace(/\s+/g, ' ').trim().replace(/^(EXECUTE \w+?)(_\d+)?\(.*?(; COMMIT)?$/, '$1(...)$3').slice(0, 60);
    const t = performance.now();
    const r = orig.apply(this, a) as Promise<unknown> | undefined;
    if (r && typeof (r as Promise<unknown>).then === 'function') {
      return (r as Promise<unknown>).finally(() => { const e = trace.get(text) ?? { n: 0, ms: 0 }; e.n++; e.ms += performance.now() - t; trace.set(text, e); });
    }
    return r;
  };
}
function printTrace(messages: number) {
  if (!trace.size) return;
  const rows = [...trace.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
  const total = [...trace.values()].reduce((n, e) => n + e.n, 0);
  console.log(`statements: ${(total / messages).toFixed(1)} per message`);
  for (const [k, e] of rows) console.log(`  ${(e.n / messages).toFixed(2)}/msg ${(e.ms / e.n).toFixed(2)} ms avg  ${k}`);
}

const pgByProcess = new Map<string, number>();

let scratch: ScratchDatabase | undefined;
async function main() {
  console.log(`bench:ingest ${MESSAGES} messages from ${SENDERS} senders${HTTP ? ' over POST /hl7' : ' in process'}; load: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (${os.availableParallelism()} cores)`);
  const dbName = 'iis_bench_ingest';
  scratch = await scratchDatabase(root, 'ingest', dbName);
  const { server, dataDir } = scratch; // embedded: durable settings (fsync, synchronous commit)
  const settingsClient = new pg.Client({ connectionString: scratch.url });
  await settingsClient.connect();
  const settings = (await settingsClient.query(`SELECT name, setting FROM pg_settings WHERE name IN ('fsync','synchronous_commit','full_page_writes')`)).rows;
  await settingsClient.end();
  console.log(`postgres: ${settings.map((r) => `${r.name}=${r.setting}`).join(' ')}`);
  const pool = createPool(scratch.url, POOL);
  try {
    await migrate(pool);
    if (process.env.BENCH_TRACE) traceQueries();
    const config = loadConfig();
    const ctx = await getRegistryContext(pool, config);
    const senders: Sender[] = [];
    const creds: { username: string; password: string }[] = [];
    for (let s = 1; s <= SENDERS; s++) {
      const f = await createFacility(pool, { name: `Bench clinic ${s}`, code: `FAC${s}` });
      creds.push({ username: f.username, password: f.password });
      senders.push((await authenticateSender(pool, f.username, f.password))!);
    }
    const t0p = performance.now();
    const planned = plan(MESSAGES, SENDERS);
    const counts = { new: 0, again: 0, other: 0 };
    for (const l of planned) for (const m of l) counts[m.reported]++;
    console.log(`generated ${MESSAGES} messages in ${((performance.now() - t0p) / 1000).toFixed(1)} s: ${counts.new} new children, ${counts.other} (${(100 * counts.other / MESSAGES).toFixed(0)}%) about a child another facility reported, ${counts.again} again from the same facility`);

    let send: (sender: number, text: string) => Promise<string>;
    let close = async () => {};
    if (HTTP) {
      const { buildApp } = await import('../src/server/app.ts');
      const app = await buildApp({ pool, config } as never);
      await app.listen({ port: 0, host: '127.0.0.1' });
      const port = (app.server.address() as net.AddressInfo).port;
      const auth = creds.map((c) => 'Basic ' + Buffer.from(`${c.username}:${c.password}`).toString('base64'));
      send = async (s, text) => {
        const r = await fetch(`http://127.0.0.1:${port}/hl7`, { method: 'POST', headers: { authorization: auth[s]!, 'content-type': 'x-application/hl7-v2+er7' }, body: text });
        return r.text();
      };
      close = () => app.close();
    } else {
      send = async (s, text) => (await handleHl7Message(ctx, text, senders[s]!, 'http')).response;
    }

    // Warm-up (JIT, caches): 200 messages, not counted, then the timed run.
    const warm = planned.map((l) => l.splice(0, Math.ceil(200 / SENDERS))).flat();
    for (const m of warm) await send(m.sender, m.text);
    const timed = planned.reduce((n, l) => n + l.length, 0);
    const latencies: number[] = [];
    const acks: Record<string, number> = {};
    let done = 0;
    const wal = async () => (await pool.query(`SELECT pg_current_wal_lsn() AS lsn, wal_fpi::bigint AS fpi, (SELECT num_timed + num_requested FROM pg_stat_checkpointer) AS checkpoints FROM pg_stat_wal`).catch(() => pool.query(`SELECT pg_current_wal_lsn() AS lsn, wal_fpi::bigint AS fpi, 0 AS checkpoints FROM pg_stat_wal`))).rows[0] as { lsn: string; fpi: string; checkpoints: string };
    const wal0 = await wal();
    // Autovacuum and autoanalyze runs per table: they share the two cores with the run (their short-lived workers are
    // not in the PostgreSQL CPU figure below).
    const maintenance = async () => new Map((await pool.query<{ relname: string; n: string }>(`SELECT relname, autovacuum_count + autoanalyze_count AS n FROM pg_stat_user_tables`)).rows.map((r) => [r.relname, Number(r.n)]));
    const maintenance0 = await maintenance();
    const cpu0 = process.cpuUsage();
    const host0 = hostCpuTicks();
    pgByProcess.clear();
    const pgCpu0 = postgresCpuSeconds(dataDir, process.env.BENCH_PGCPU ? pgByProcess : undefined);
    const profileFile = argv.includes('--cpu-profile') ? argv[argv.indexOf('--cpu-profile') + 1] : undefined;
    const inspector = profileFile ? new Session() : undefined;
    if (inspector) { inspector.connect(); await inspector.post('Profiler.enable'); await inspector.post('Profiler.start'); }
    const t0 = performance.now();
    let lastReport = t0, lastDone = 0, lastCandidates = [ingestBatchStats.candidates, ingestBatchStats.messages];
    await Promise.all(planned.map(async (list) => {
      for (const m of list) {
        const t = performance.now();
        const ack = await send(m.sender, m.text);
        latencies.push(performance.now() - t);
        const code = /\rMSA\|([A-Z]{2})/.exec(ack)?.[1] ?? '??';
        acks[code] = (acks[code] ?? 0) + 1;
        done++;
        if (performance.now() - lastReport > 10_000) {
          // Cumulative rate, and the last interval's rate and candidates scored per message (both change as tables grow).
          const now = performance.now();
          const c = ingestBatchStats.candidates, m = ingestBatchStats.messages;
          process.stdout.write(`  ${done}/${timed} ${(done / ((now - t0) / 1000)).toFixed(0)} VXU/s (last ${((now - lastReport) / 1000).toFixed(0)} s: ${((done - lastDone) / ((now - lastReport) / 1000)).toFixed(0)} VXU/s, ${((c - lastCandidates[0]) / Math.max(1, m - lastCandidates[1])).toFixed(1)} candidates per message)\n`);
          lastReport = now; lastDone = done; lastCandidates = [c, m];
        }
      }
    }));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const host1 = hostCpuTicks();
    if (inspector) { const { profile } = await inspector.post('Profiler.stop'); fs.writeFileSync(profileFile!, JSON.stringify(profile)); inspector.disconnect(); }
    const nodeCpuMs = (cpu.user + cpu.system) / 1000 / timed;
    const before = new Map(pgByProcess); pgByProcess.clear();
    const pgCpu1 = postgresCpuSeconds(dataDir, process.env.BENCH_PGCPU ? pgByProcess : undefined);
    if (process.env.BENCH_PGCPU) for (const [k, v] of pgByProcess) console.log(`  pg cpu ${((v - (before.get(k) ?? 0)) / 100).toFixed(1)} s  ${k}`);
    const pgCpuMs = pgCpu0 !== undefined && pgCpu1 !== undefined ? ((pgCpu1 - pgCpu0) * 1000) / timed : undefined;
    await close();
    const wal1 = await wal();
    const walBytes = Number((await pool.query(`SELECT pg_wal_lsn_diff($1, $2)::bigint AS b`, [wal1.lsn, wal0.lsn])).rows[0].b);
    await new Promise((r) => setTimeout(r, 600)); // statistics are flushed to shared memory every 0.5 s or so
    const maintenance1 = await maintenance();
    const maintained = [...maintenance1].filter(([t, n]) => n > (maintenance0.get(t) ?? 0)).map(([t, n]) => `${t} ${n - (maintenance0.get(t) ?? 0)}`);
    console.log(`WAL: ${(walBytes / timed / 1024).toFixed(1)} KiB per VXU, ${((Number(wal1.fpi) - Number(wal0.fpi)) / timed).toFixed(2)} full-page images per VXU, ${Number(wal1.checkpoints) - Number(wal0.checkpoints)} checkpoints during the run; autovacuum/autoanalyze: ${maintained.join(', ') || 'none'}`);
    printTrace(timed);
    if (process.env.BENCH_TRACE) {
      // Whether the prepared statements run on cached generic plans or are planned again each time.
      const c = await pool.connect();
      try {
        for (const r of (await c.query(`SELECT name, generic_plans, custom_plans FROM pg_prepared_statements ORDER BY name`)).rows) console.log(`  plan ${r.name}: generic ${r.generic_plans}, custom ${r.custom_plans}`);
      } finally { c.release(); }
    }
    trace.clear();
    if ((process.env.IIS_PG_FLAGS ?? '').includes('pg_stat_statements')) {
      // Diagnosis: where PostgreSQL spends its time (IIS_PG_FLAGS='shared_preload_libraries=pg_stat_statements').
      await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      const st = await pool.query(`SELECT calls, total_exec_time, shared_blks_hit + shared_blks_read AS blks, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS q
        FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12`);
      for (const r of st.rows) console.log(`  pgss ${(r.total_exec_time / timed).toFixed(3)} ms/msg ${r.calls} calls ${(r.blks / r.calls).toFixed(0)} blks/call  ${r.q}`);
    }
    latencies.sort((a, b) => a - b);
    const stored = (await pool.query(`SELECT (SELECT count(*) FROM patient)::int AS patients, (SELECT count(*) FROM patient_source_record)::int AS sources,
      (SELECT count(*) FROM vaccination)::int AS doses, (SELECT count(*) FROM observation)::int AS observations,
      (SELECT count(*) FROM match_review)::int AS reviews, (SELECT count(*) FROM submission)::int AS submissions`)).rows[0];
    const size = (await pool.query(`SELECT pg_database_size(current_database())::bigint AS b`)).rows[0].b;
    console.log(`stored: ${JSON.stringify(stored)} (database ${(Number(size) / 2 ** 20).toFixed(0)} MiB); ACKs: ${JSON.stringify(acks)}`);
    if (pgCpuMs !== undefined) {
      // On a shared machine wall-clock rates depend on the neighbours; CPU per message does not (much).
      console.log(`CPU per VXU: registry (node) ${nodeCpuMs.toFixed(2)} ms (user ${(cpu.user / 1000 / timed).toFixed(2)}, system ${(cpu.system / 1000 / timed).toFixed(2)}) + PostgreSQL ${pgCpuMs.toFixed(2)} ms = ${(nodeCpuMs + pgCpuMs).toFixed(2)} ms; ${os.availableParallelism()} idle cores would allow ~${((os.availableParallelism() * 1000) / (nodeCpuMs + pgCpuMs)).toFixed(0)} VXU/s`);
    } else console.log(`CPU per VXU: registry (node) ${nodeCpuMs.toFixed(2)} ms (PostgreSQL not measured: external server)`);
    console.log(hostCpuLine(host0, host1));
    if (ingestBatchStats.batches) console.log(`group commit: ${ingestBatchStats.batches} batches, ${(ingestBatchStats.messages / ingestBatchStats.batches).toFixed(1)} messages per batch (largest ${ingestBatchStats.largest}), ${(ingestBatchStats.candidates / ingestBatchStats.messages).toFixed(1)} candidates scored per message, ${ingestBatchStats.deferred} deferred to a later batch, ${ingestBatchStats.failed} batches failed`);
    console.log(`pipeline: ${timed} VXU in ${seconds.toFixed(1)} s = ${(timed / seconds).toFixed(0)} VXU/s; ACK latency p50 ${pct(latencies, 0.5).toFixed(1)} ms, p99 ${pct(latencies, 0.99).toFixed(1)} ms, max ${latencies[latencies.length - 1]!.toFixed(1)} ms (${SENDERS} senders${HTTP ? ', HTTP' : ''})`);

    // The same rows, bare: one multi-row INSERT per 1,000 rows into copies of the tables (same indexes, no FKs).
    await pool.query(`CREATE TABLE bare_patient (LIKE patient INCLUDING DEFAULTS INCLUDING INDEXES);
                      CREATE TABLE bare_vaccination (LIKE vaccination INCLUDING DEFAULTS INCLUDING INDEXES);
                      CREATE TABLE bare_submission (LIKE submission INCLUDING DEFAULTS INCLUDING INDEXES)`);
    const tb = performance.now();
    const pgBare0 = postgresCpuSeconds(dataDir, process.env.BENCH_PGCPU ? pgByProcess : undefined);
    let rows = 0;
    for (const [table, cols] of [
      ['bare_submission', `organization_id, sender_credential_id, channel, message_type, profile, control_id, raw, response, ack_code, finding_count, patient_id, processed_ms`],
      ['bare_patient', `family_name, given_name, middle_name, suffix, birth_date, sex, mother_maiden_name, multiple_birth, birth_order, death_date, address, phone, status`],
      ['bare_vaccination', `patient_id, source_record_id, submission_id, organization_id, sender_vaccination_id, administered_date, cvx, ndc, mvx, lot_number, expiration_date, amount, amount_unit, route, site, administering_facility, ordering_clinician, administering_clinician, entered_by, information_source, historical, completion_status, refusal_reason, funding_eligibility, funding_source, vis, action_code, vaccine_text`],
    ] as const) {
      const src = table.slice(5);
      const data = (await pool.query({ text: `SELECT ${cols} FROM ${src} ORDER BY id`, rowMode: 'array' })).rows as unknown[][];
      const ncol = cols.split(',').length;
      const t = performance.now();
      for (let i = 0; i < data.length; i += 1000) {
        const chunk = data.slice(i, i + 1000);
        const params: unknown[] = [];
        const values = chunk.map((r) => `(${r.map((v) => { params.push(v !== null && typeof v === 'object' ? JSON.stringify(v) : v); return `$${params.length}`; }).join(',')})`);
        await pool.query(`INSERT INTO ${table} (${cols}) VALUES ${values.join(',')}`, params);
      }
      rows += data.length;
      console.log(`  bare INSERT ${table.slice(5)}: ${data.length} rows in ${((performance.now() - t) / 1000).toFixed(2)} s (${ncol} columns)`);
    }
    const bareSeconds = (performance.now() - tb) / 1000;
    const pgBare1 = postgresCpuSeconds(dataDir, process.env.BENCH_PGCPU ? pgByProcess : undefined);
    if (pgBare0 !== undefined && pgBare1 !== undefined) console.log(`  bare INSERT CPU: PostgreSQL ${(((pgBare1 - pgBare0) * 1000) / timed).toFixed(2)} ms per message's rows`);
    console.log(`bare multi-row INSERT of the same submission, patient and vaccination rows: ${rows} rows in ${bareSeconds.toFixed(1)} s = ${(timed / bareSeconds).toFixed(0)} messages' rows/s (${(rows / bareSeconds).toFixed(0)} rows/s)`);
    console.log(`load after run: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    await pool.end();
    if (process.env.BENCH_KEEP && server) {
      console.log(`kept running (BENCH_KEEP): ${scratch.url}`);
      await new Promise(() => {});
    }
    await scratch.drop();
  }
}

if (process.env.BENCH_DUMP) { const p = plan(50, 5); for (const l of p) for (const m of l.slice(0, 2)) console.log(m.text.replace(/\r/g, "\n") + "\n"); process.exit(0); }
main().catch(async (e) => {
  console.error(e);
  await scratch?.drop();
  process.exit(1);
});
