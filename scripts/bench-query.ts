// npm run bench:query [-- --patients 100000 --queries 20000 --warmup 5000 --clients 50 --cpu-profile F --alloc-profile F [--alloc-survivors]]
// QBP^Q11 Z34 (immunization history) latency, p50 and p99, at C concurrent clients over N stored patients, through the
// registry's HL7 entry point (handleHl7Message, as every transport calls it). Patients are loaded fast with multi-row
// INSERTs (patient, patient_identifier, patient_source_record, vaccination), not through the pipeline. Queries mix
// MRN (found / not found) and name + birth date without MRN (found / not found).
// Uses DATABASE_URL if set (scratch database `iis_bench_query`, dropped at the end); else its own embedded PostgreSQL
// (durable settings) under .bench-pg/, removed at the end.
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createPool } from '../src/registry/database.ts';
import { migrate } from '../src/registry/migrate.ts';
import { loadConfig } from '../src/config.ts';
import { getRegistryContext } from '../src/registry/context.ts';
import { createFacility, authenticateSender } from '../src/registry/senders.ts';
import { handleHl7Message } from '../src/registry/hl7.ts';
import { explainZ34Batch } from '../src/registry/hl7-query.ts';
import { flushWriteBehind } from '../src/registry/write-behind.ts';
import { processQbpText } from '../src/hl7v2/process.ts';
import { FAMILY, rng } from './synthetic.ts';
import { hostCpuLine, hostCpuTicks, pct, postgresCpuSeconds, scratchDatabase, type ScratchDatabase } from './bench-support.ts';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? Number(argv[i + 1]) : dflt; };
const PATIENTS = arg('patients', 100_000);
const QUERIES = arg('queries', 20_000);
// Queries answered before the timed ones, from the same mix: the registry's JIT, its caches of normal forms and birth
// dates, the young generation's size and PostgreSQL's plans and per-connection caches settle over the first few
// thousand (with 500, the first fifth of the timed run had p50 16 ms and p99 36 ms against 10-12 and 19-23 after).
const WARMUP = arg('warmup', 5_000);
const CLIENTS = arg('clients', 50);
const POOL = argv.includes('--pool') ? arg('pool', 0) : undefined; // default: createPool's (a few per core); clients queue for it
const root = path.resolve(import.meta.dirname, '..');

const rand = rng(42);
const pick = <T>(a: readonly T[]) => a[Math.floor(rand() ** 1.6 * a.length)]!;
const GIVEN = 'Olivia Emma Charlotte Amelia Sophia Mia Isabella Ava Evelyn Luna Harper Camila Sofia Scarlett Elizabeth Eleanor Emily Chloe Mila Violet Penelope Gianna Aria Abigail Ella Avery Hazel Nora Layla Lily Liam Noah Oliver Elijah James William Benjamin Lucas Henry Theodore Jack Levi Alexander Jackson Mateo Daniel Michael Mason Sebastian Ethan Logan Owen Samuel Jacob Asher Aiden John Joseph Wyatt David Leo Luke Julian Hudson Grayson Matthew Ezra Gabriel Carter Isaac Jayden Luca Anthony Dylan Lincoln Thomas Maverick Elias Josiah Charles Caleb'.split(' ');
const VACCINES = [['08', 'MSD'], ['20', 'SKB'], ['10', 'PMC'], ['49', 'MSD'], ['116', 'MSD'], ['03', 'MSD'], ['21', 'MSD'], ['83', 'MSD'], ['133', 'PFR'], ['141', 'SKB']] as const;

interface P { id: number; family: string; given: string; birth: string; sex: string; mrn: string; org: number }

const hl7Date = (iso: string) => iso.replace(/-/g, '');

function qbp(id: string, o: { mrn?: string; authority?: string; family: string; given: string; birth: string; sex: string }) {
  return [
    `MSH|^~\\&|EHR|CLINIC|IIS|STATE|20261125120000||QBP^Q11^QBP_Q11|${id}|P|2.5.1|||ER|AL|||||Z34^CDCPHINVS`,
    `QPD|Z34^Request Immunization History^CDCPHINVS|${id}|${o.mrn ? `${o.mrn}^^^${o.authority}^MR` : ''}|${o.family}^${o.given}^^^^^L||${hl7Date(o.birth)}|${o.sex}`,
    `RCP|I|10^RD&Records&HL70126`,
  ].join('\r');
}

let scratch: ScratchDatabase | undefined;
async function main() {
  console.log(`bench:query ${QUERIES} Z34 queries (after ${WARMUP} to warm up) from ${CLIENTS} clients over ${PATIENTS} patients; load: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (${os.availableParallelism()} cores)`);
  const dbName = 'iis_bench_query';
  scratch = await scratchDatabase(root, 'query', dbName);
  const { dataDir } = scratch;
  const pool = createPool(scratch.url, POOL);
  try {
    await migrate(pool);
    const ctx = await getRegistryContext(pool, loadConfig());
    const orgs: number[] = [];
    let sender;
    for (let s = 1; s <= 10; s++) {
      const f = await createFacility(pool, { name: `Query clinic ${s}`, code: `QC${s}` });
      const a = (await authenticateSender(pool, f.username, f.password))!;
      orgs.push(a.organizationId);
      sender ??= a;
    }

    // ---- load: multi-row INSERTs of 2,000 patients at a time (unnest of column arrays)
    const t0 = performance.now();
    const people: P[] = [];
    const today = Date.now();
    let doses = 0;
    for (let start = 0; start < PATIENTS; start += 2000) {
      const n = Math.min(2000, PATIENTS - start);
      const batch = Array.from({ length: n }, (_, k) => {
        const birth = new Date(today - Math.floor(rand() * 18 * 365) * 86400_000).toISOString().slice(0, 10);
        return { family: pick(FAMILY), given: pick(GIVEN), middle: pick(GIVEN), birth, sex: rand() < 0.5 ? 'F' : 'M', org: orgs[(start + k) % orgs.length]!,
          street: `${1 + Math.floor(rand() * 999)} Main St`, zip: `0${2100 + Math.floor(rand() * 800)}`, phone: `617${2000000 + Math.floor(rand() * 7999999)}` };
      });
      const { rows } = await pool.query<{ id: number }>(
        `INSERT INTO patient (family_name, given_name, middle_name, birth_date, sex, address, phone, status)
         SELECT f, g, m, b::date, s, jsonb_build_object('street', st, 'city', 'Boston', 'state', 'MA', 'zip', z), ph, 'active'
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS x(f, g, m, b, s, st, z, ph)
         RETURNING id`,
        [batch.map((b) => b.family), batch.map((b) => b.given), batch.map((b) => b.middle), batch.map((b) => b.birth), batch.map((b) => b.sex),
          batch.map((b) => b.street), batch.map((b) => b.zip), batch.map((b) => b.phone)]);
      const ids = rows.map((r) => r.id);
      const mrns = ids.map((id) => `MRN${id}`);
      await pool.query(
        `WITH sr AS (
           INSERT INTO patient_source_record (patient_id, organization_id, sender_patient_id, demographics)
           SELECT id, org, mrn, jsonb_build_object('identifiers', jsonb_build_array(jsonb_build_object('value', mrn, 'authority', 'QC' || (org - $4::bigint + 1), 'type', 'MR')),
                  'name', jsonb_build_object('family', f, 'given', g, 'type', 'L'), 'aliases', '[]'::jsonb, 'birthDate', b, 'sex', s,
                  'race', jsonb_build_array('2106-3'), 'ethnicity', '2186-5', 'guardians', jsonb_build_array(jsonb_build_object('name', jsonb_build_object('family', f, 'given', 'Mary'), 'relationship', 'MTH')))
             FROM unnest($1::bigint[], $2::text[], $3::bigint[], $5::text[], $6::text[], $7::text[], $8::text[]) AS x(id, mrn, org, f, g, b, s)
           RETURNING id, patient_id, organization_id, sender_patient_id)
         INSERT INTO patient_identifier (patient_id, id_value, authority, id_type, source_record_id)
         SELECT patient_id, sender_patient_id, 'QC' || (organization_id - $4::bigint + 1), 'MR', id FROM sr`,
        [ids, mrns, batch.map((b) => b.org), orgs[0], batch.map((b) => b.family), batch.map((b) => b.given), batch.map((b) => b.birth), batch.map((b) => b.sex)]);
      // 2 to 8 doses each.
      const v: { pid: number; org: number; date: string; cvx: string; mvx: string }[] = [];
      batch.forEach((b, k) => {
        const count = 2 + Math.floor(rand() * 7);
        for (let d = 0; d < count; d++) {
          const [cvx, mvx] = VACCINES[Math.floor(rand() * VACCINES.length)]!;
          const date = new Date(Date.parse(b.birth) + Math.floor(rand() * Math.max(1, today - Date.parse(b.birth)))).toISOString().slice(0, 10);
          v.push({ pid: ids[k]!, org: b.org, date, cvx, mvx });
        }
      });
      doses += v.length;
      await pool.query(
        `INSERT INTO vaccination (patient_id, organization_id, administered_date, cvx, mvx, lot_number, amount, amount_unit, route, site, information_source,
            historical, completion_status, action_code, funding_eligibility, vis)
         SELECT p, o, d::date, c, m, 'LOT' || c, 0.5, 'mL', 'C28161', 'LA', '00', false, 'CP', 'A', 'V02', jsonb_build_array(jsonb_build_object('cvx', c, 'presented', d))
           FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[]) AS x(p, o, d, c, m)`,
        [v.map((x) => x.pid), v.map((x) => x.org), v.map((x) => x.date), v.map((x) => x.cvx), v.map((x) => x.mvx)]);
      batch.forEach((b, k) => people.push({ id: ids[k]!, family: b.family, given: b.given, birth: b.birth, sex: b.sex, mrn: mrns[k]!, org: b.org }));
    }
    await pool.query('VACUUM ANALYZE patient, patient_identifier, patient_source_record, vaccination, observation');
    // The load's dirty pages written now: a checkpoint in the middle of the timed run would be the load's work.
    await pool.query('CHECKPOINT');
    const loadSeconds = (performance.now() - t0) / 1000;
    console.log(`loaded ${PATIENTS} patients, ${doses} doses in ${loadSeconds.toFixed(1)} s (${(PATIENTS / loadSeconds).toFixed(0)} patients/s with their identifiers, source records and doses)`);

    // ---- queries: 40% MRN found, 30% name + birth date found, 15% MRN not found, 15% name + birth date not found
    const kinds = ['mrn-found', 'name-found', 'mrn-missing', 'name-missing'] as const;
    const plan = Array.from({ length: WARMUP + QUERIES }, (_, i) => {
      const r = rand();
      const p = people[Math.floor(rand() * people.length)]!;
      const kind = r < 0.4 ? kinds[0] : r < 0.7 ? kinds[1] : r < 0.85 ? kinds[2] : kinds[3];
      const authority = `QC${p.org - orgs[0]! + 1}`;
      const text = kind === 'mrn-found' ? qbp(`Q${i}`, { mrn: p.mrn, authority, family: p.family, given: p.given, birth: p.birth, sex: p.sex })
        : kind === 'name-found' ? qbp(`Q${i}`, { family: p.family, given: p.given, birth: p.birth, sex: p.sex })
        : kind === 'mrn-missing' ? qbp(`Q${i}`, { mrn: `NOPE${i}`, authority, family: 'Nobody', given: 'Nemo', birth: '1999-01-01', sex: 'U' })
        : qbp(`Q${i}`, { family: `Zzyzx${i.toString(26).replace(/[0-9]/g, (d) => "abcdefghij"[Number(d)]!)}`, given: 'Nemo', birth: p.birth, sex: p.sex });
      return { kind, text };
    });
    // --statements: PostgreSQL's own account of the run, per statement (needs IIS_PG_FLAGS='shared_preload_libraries=pg_stat_statements').
    const STATEMENTS = argv.includes('--statements');
    if (STATEMENTS) await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const warm = plan.splice(0, WARMUP);
    await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => { for (let i = c; i < warm.length; i += CLIENTS) await handleHl7Message(ctx, warm[i]!.text, sender!, 'http'); }));

    if (argv.includes('--explain')) {
      // The plan of one batched Z34 look-up over 16 of the planned queries.
      const records = plan.slice(0, 16).map((q) => processQbpText(q.text, { now: new Date(), responseControlId: 'X', receivingApplication: 'IIS', receivingFacility: 'IIS' }).query!.patient);
      console.log(await explainZ34Batch(pool, records, sender!));
    }
    if (STATEMENTS) await pool.query('SELECT pg_stat_statements_reset()');
    // --cpu-profile FILE: the registry's CPU profile of the timed queries only (open in Chrome DevTools).
    const profileFile = argv.includes('--cpu-profile') ? argv[argv.indexOf('--cpu-profile') + 1] : undefined;
    const inspector = profileFile ? new Session() : undefined;
    if (inspector) { inspector.connect(); await inspector.post('Profiler.enable'); await inspector.post('Profiler.start'); }
    // --alloc-profile FILE: where the timed queries allocate (sampled, including what the collector has freed since);
    // with --alloc-survivors, only what outlived a young-generation collection (what makes scavenges long).
    const allocFile = argv.includes('--alloc-profile') ? argv[argv.indexOf('--alloc-profile') + 1] : undefined;
    const allocSession = allocFile ? new Session() : undefined;
    if (allocSession) {
      allocSession.connect();
      await allocSession.post('HeapProfiler.enable');
      await allocSession.post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !argv.includes('--alloc-survivors') } as never);
    }
    const latencies: number[] = [];
    const timeline: [number, number][] = []; // [completed at (ms into the run), latency]
    const byKind = new Map<string, number[]>();
    const answers: Record<string, number> = {};
    const checkpoints = async () => Number((await pool.query(`SELECT num_timed + num_requested AS n FROM pg_stat_checkpointer`)).rows[0].n);
    const checkpoints0 = await checkpoints();
    // Autovacuum and autoanalyze runs, per table, so that one during the run shows beside the latencies.
    const maintenance = async () => new Map((await pool.query<{ relname: string; n: string }>(`SELECT relname, autovacuum_count + autoanalyze_count AS n FROM pg_stat_user_tables`)).rows.map((r) => [r.relname, Number(r.n)]));
    const maintenance0 = await maintenance();
    const cpu0 = process.cpuUsage();
    const host0 = hostCpuTicks();
    const pg0 = postgresCpuSeconds(dataDir);
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const tq = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (next < plan.length) {
        const q = plan[next++]!;
        const t = performance.now();
        const a = await handleHl7Message(ctx, q.text, sender!, 'http');
        const ms = performance.now() - t;
        latencies.push(ms);
        timeline.push([performance.now() - tq, ms]);
        (byKind.get(q.kind) ?? byKind.set(q.kind, []).get(q.kind)!).push(ms);
        // MSH-21's first component, found by counting delimiters (a split of the header was a third of the client's allocations).
        let at = 0;
        for (let f = 0; f < 20 && at >= 0; f++) at = a.response.indexOf('|', at + 1);
        const profile = at >= 0 ? a.response.slice(at + 1, Math.min(...['^', '|', '\r'].map((c) => { const e = a.response.indexOf(c, at + 1); return e < 0 ? Infinity : e; }))) || '?' : '?';
        const qa = a.response.indexOf('\rQAK|'), qs = qa < 0 ? -1 : a.response.indexOf('|', qa + 5);
        const qak = qs < 0 ? '' : a.response.slice(qs + 1, qs + 3);
        const key = `${q.kind}:${profile}${qak && qak !== 'OK' ? '/' + qak : ''}`;
        answers[key] = (answers[key] ?? 0) + 1;
      }
    }));
    await flushWriteBehind(pool); // the Z31 audits written behind their answers are part of the run
    const seconds = (performance.now() - tq) / 1000;
    loopDelay.disable();
    if (inspector) { const { profile } = await inspector.post('Profiler.stop'); fs.writeFileSync(profileFile!, JSON.stringify(profile)); inspector.disconnect(); }
    if (allocSession) { const { profile } = await allocSession.post('HeapProfiler.stopSampling'); fs.writeFileSync(allocFile!, JSON.stringify(profile)); allocSession.disconnect(); }
    const cpu = process.cpuUsage(cpu0);
    const host1 = hostCpuTicks();
    const pg1 = postgresCpuSeconds(dataDir);
    latencies.sort((a, b) => a - b);
    // Each fifth of the run on its own: a latency tail that only one part has (warm-up, a stall) shows here.
    const fifths = Array.from({ length: 5 }, (_, i) => timeline.slice((i * timeline.length) / 5, ((i + 1) * timeline.length) / 5).map((x) => x[1]).sort((a, b) => a - b));
    const byFifth = fifths.map((f) => `p50 ${pct(f, 0.5).toFixed(1)} p99 ${pct(f, 0.99).toFixed(1)}`).join(' | ');
    console.log(`answers: ${JSON.stringify(answers)}`);
    for (const k of kinds) {
      const l = (byKind.get(k) ?? []).sort((a, b) => a - b);
      if (l.length) console.log(`  ${k}: ${l.length} queries, p50 ${pct(l, 0.5).toFixed(1)} ms, p99 ${pct(l, 0.99).toFixed(1)} ms`);
    }
    console.log(`Z34: ${latencies.length} queries in ${seconds.toFixed(1)} s = ${(latencies.length / seconds).toFixed(0)} queries/s; p50 ${pct(latencies, 0.5).toFixed(1)} ms, p99 ${pct(latencies, 0.99).toFixed(1)} ms, max ${latencies[latencies.length - 1]!.toFixed(1)} ms (${CLIENTS} clients, ${PATIENTS} patients); CPU per query: registry ${((cpu.user + cpu.system) / 1000 / latencies.length).toFixed(2)} ms${pg0 !== undefined && pg1 !== undefined ? ` + PostgreSQL ${(((pg1 - pg0) * 1000) / latencies.length).toFixed(2)} ms` : ''}`);
    if (STATEMENTS) {
      const { rows } = await pool.query(`SELECT calls, round(total_exec_time::numeric, 0) AS total_ms, round(mean_exec_time::numeric, 3) AS mean_ms, round(stddev_exec_time::numeric, 3) AS sd_ms, round(max_exec_time::numeric, 1) AS max_ms,
          round(shared_blks_hit::numeric / greatest(calls, 1), 1) AS pages, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query
        FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12`);
      console.log('statements (PostgreSQL execution time, top 12):');
      for (const r of rows) console.log(`  ${String(r.calls).padStart(7)} calls ${String(r.total_ms).padStart(7)} ms total ${String(r.mean_ms).padStart(7)} ms mean (sd ${r.sd_ms}, max ${r.max_ms}) ${String(r.pages).padStart(6)} pages  ${r.query}`);
    }
    await new Promise((r) => setTimeout(r, 600)); // the cumulative statistics are flushed every ~0.5 s
    const maintained = [...(await maintenance())].filter(([t, n]) => n > (maintenance0.get(t) ?? 0)).map(([t, n]) => `${t} x${n - (maintenance0.get(t) ?? 0)}`);
    console.log(`by fifth of the run: ${byFifth}; ${(await checkpoints()) - checkpoints0} checkpoints, autovacuum/autoanalyze: ${maintained.join(', ') || 'none'} during the run`);
    // How long a ready answer or query can wait for the registry's one thread (a cause of the latency tail).
    console.log(`event-loop delay: p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`);
    console.log(hostCpuLine(host0, host1));
    console.log(`load after run: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    await pool.end();
    await scratch.drop();
  }
}

main().catch(async (e) => {
  console.error(e);
  await scratch?.drop();
  process.exit(1);
});
