// npm run bench:match [-- --patients 1000000 --queries 500]
// p50 / p99 time to match one incoming record against N synthetic patients in PostgreSQL.
// Uses DATABASE_URL if set (a scratch database `iis_bench_match` is created on it), else its own embedded
// PostgreSQL in a temp dir (port IIS_PG_PORT or 18401). The population has realistic collisions: ~300
// surnames and ~300 given names drawn with a skewed (Zipf-like) distribution, 18 years of birth dates.
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, createPool, withDatabase, ensureDatabase, type RunningPostgres } from '../src/registry/database.ts';
import { migrate } from '../src/registry/migrate.ts';
import { matchPerson } from '../src/matching/matcher.ts';
import type { MatchPerson } from '../src/matching/score.ts';

const arg = (name: string, dflt: number) => { const i = process.argv.indexOf(`--${name}`); return i >= 0 ? Number(process.argv[i + 1]) : dflt; };
const N = arg('patients', 1_000_000), Q = arg('queries', 500);

const SURNAMES = 'SMITH JOHNSON WILLIAMS BROWN JONES GARCIA MILLER DAVIS RODRIGUEZ MARTINEZ HERNANDEZ LOPEZ GONZALEZ WILSON ANDERSON THOMAS TAYLOR MOORE JACKSON MARTIN LEE PEREZ THOMPSON WHITE HARRIS SANCHEZ CLARK RAMIREZ LEWIS ROBINSON WALKER YOUNG ALLEN KING WRIGHT SCOTT TORRES NGUYEN HILL FLORES GREEN ADAMS NELSON BAKER HALL RIVERA CAMPBELL MITCHELL CARTER ROBERTS GOMEZ PHILLIPS EVANS TURNER DIAZ PARKER CRUZ EDWARDS COLLINS REYES STEWART MORRIS MORALES MURPHY COOK ROGERS GUTIERREZ ORTIZ MORGAN COOPER PETERSON BAILEY REED KELLY HOWARD RAMOS KIM COX WARD RICHARDSON WATSON BROOKS CHAVEZ WOOD JAMES BENNETT GRAY MENDOZA RUIZ HUGHES PRICE ALVAREZ CASTILLO SANDERS PATEL MYERS LONG ROSS FOSTER JIMENEZ POWELL JENKINS PERRY RUSSELL SULLIVAN BELL COLEMAN BUTLER HENDERSON BARNES GONZALES FISHER VASQUEZ SIMMONS ROMERO JORDAN PATTERSON ALEXANDER HAMILTON GRAHAM REYNOLDS GRIFFIN WALLACE MORENO WEST COLE HAYES BRYANT HERRERA GIBSON ELLIS TRAN MEDINA AGUILAR STEVENS MURRAY FORD CASTRO MARSHALL OWENS HARRISON FERNANDEZ MCDONALD WOODS WASHINGTON KENNEDY WELLS VARGAS HENRY CHEN FREEMAN WEBB TUCKER GUZMAN BURNS CRAWFORD OLSON SIMPSON PORTER HUNTER GORDON MENDEZ SILVA SHAW SNYDER MASON DIXON MUNOZ HUNT HICKS HOLMES PALMER WAGNER BLACK ROBERTSON BOYD ROSE STONE SALAZAR FOX WARREN MILLS MEYER RICE SCHMIDT GARZA DANIELS FERGUSON NICHOLS STEPHENS SOTO WEAVER RYAN GARDNER PAYNE GRANT DUNN KELLEY SPENCER HAWKINS ARNOLD PIERCE VAZQUEZ HANSEN PETERS SANTOS HART BRADLEY KNIGHT ELLIOTT CUNNINGHAM DUNCAN ARMSTRONG HUDSON CARROLL LANE RILEY ANDREWS ALVARADO RAY DELGADO BERRY PERKINS HOFFMAN JOHNSTON MATTHEWS PENA RICHARDS CONTRERAS WILLIS CARPENTER LAWRENCE SANDOVAL GUERRERO GEORGE CHAPMAN RIOS ESTRADA ORTEGA WATKINS GREENE NUNEZ WHEELER VALDEZ HARPER BURKE LARSON SANTIAGO MALDONADO MORRISON FRANKLIN CARLSON AUSTIN DOMINGUEZ CARR LAWSON JACOBS OBRIEN LYNCH SINGH VEGA BISHOP MONTGOMERY OLIVER JENSEN HARVEY WILLIAMSON GILBERT CARTER'.split(' ');
const GIVEN = 'LIAM NOAH OLIVER ELIJAH JAMES WILLIAM BENJAMIN LUCAS HENRY THEODORE JACK LEVI ALEXANDER JACKSON MATEO DANIEL MICHAEL MASON SEBASTIAN ETHAN LOGAN OWEN SAMUEL JACOB ASHER AIDEN JOHN JOSEPH WYATT DAVID LEO LUKE JULIAN HUDSON GRAYSON MATTHEW EZRA GABRIEL CARTER ISAAC JAYDEN LUCA ANTHONY DYLAN LINCOLN THOMAS MAVERICK ELIAS JOSIAH CHARLES CALEB CHRISTOPHER EZEKIEL MILES JAXON ISAIAH ANDREW JOSHUA NATHAN NOLAN ADRIAN CAMERON SANTIAGO ELI AARON RYAN ANGEL COOPER WAYLON EASTON KAI CHRISTIAN LANDON COLTON ROMAN AXEL BROOKS JONATHAN ROBERT JAMESON IAN EVERETT GREYSON WESLEY JEREMIAH HUNTER LEONARDO JORDAN JOSE BENNETT SILAS NICHOLAS PARKER BEAU WESTON AUSTIN CONNOR CARSON DOMINIC XAVIER OLIVIA EMMA CHARLOTTE AMELIA SOPHIA MIA ISABELLA AVA EVELYN LUNA HARPER CAMILA SOFIA SCARLETT ELIZABETH ELEANOR EMILY CHLOE MILA VIOLET PENELOPE GIANNA ARIA ABIGAIL ELLA AVERY HAZEL NORA LAYLA LILY AURORA NOVA ELLIE MADISON GRACE ISLA WILLOW ZOE RILEY STELLA EMILIA VICTORIA HANNAH ADDISON LEAH LUCY ELIANA IVY EVERLY LILLIAN PAISLEY ELENA NAOMI MAYA NATALIE KINSLEY DELILAH CLAIRE AUDREY AALIYAH RUBY BROOKLYN ALICE AUBREY AUTUMN LEILANI SAVANNAH VALENTINA KENNEDY MADELYN JOSEPHINE BELLA SKYLAR GENESIS SOPHIE HAILEY SADIE NATALIA QUINN CAROLINE ALLISON GABRIELLA ANNA SERENITY NEVAEH CORA ARIANA EMERY LYDIA JADE SARAH EVA ADELINE MADELINE PIPER RYLEE ATHENA PEYTON EVERLEIGH VIVIAN CLARA RAELYNN LIANA SAMANTHA MAYA'.split(' ');

let server: RunningPostgres | undefined;
let tmp: string | undefined;
async function main() {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-match-'));
    server = await startEmbeddedPostgres({ dataDir: tmp, port: Number(process.env.IIS_PG_PORT || 18401), ephemeral: true });
    adminUrl = server.adminUrl;
  }
  await ensureDatabase(adminUrl, 'iis_bench_match');
  const pool = createPool(withDatabase(adminUrl, 'iis_bench_match'), 4);
  try {
    await migrate(pool);
    const have = Number((await pool.query('SELECT count(*) FROM patient')).rows[0].count);
    if (have < N) {
      const t0 = Date.now();
      console.log(`generating ${N - have} patients...`);
      // Zipf-like skew: index = floor(n * random()^3) makes the first names of the list far more common.
      await pool.query(`INSERT INTO patient (family_name, given_name, middle_name, birth_date, sex, address, phone, mother_maiden_name, status)
        SELECT f[1 + floor(array_length(f,1) * random()^3)::int], g[1 + floor(array_length(g,1) * random()^2)::int],
               g[1 + floor(array_length(g,1) * random())::int],
               date '2008-01-01' + floor(random() * 6900)::int, CASE WHEN random() < 0.5 THEN 'F' ELSE 'M' END,
               jsonb_build_object('street', (1 + floor(random()*9999)::int) || ' ' || f[1 + floor(array_length(f,1) * random())::int] || ' ST', 'zip', (48000 + floor(random()*1999)::int)::text),
               (2000000000 + floor(random()*7999999999))::bigint::text, f[1 + floor(array_length(f,1) * random())::int], 'active'
          FROM generate_series(1, $3::int), (SELECT $1::text[] AS f, $2::text[] AS g) names`, [SURNAMES, GIVEN, N - have]);
      await pool.query(`INSERT INTO patient_identifier (patient_id, id_value, authority, id_type)
        SELECT id, 'MRN' || id, 'CLINIC' || (id % 50), 'MR' FROM patient WHERE id > $1`, [have]);
      await pool.query('ANALYZE patient; ANALYZE patient_identifier');
      console.log(`generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    const total = Number((await pool.query('SELECT count(*) FROM patient')).rows[0].count);
    // Incoming records: existing patients re-reported with typical variations, plus brand-new children.
    const sample = (await pool.query(`SELECT id, family_name, given_name, middle_name, birth_date, sex, address, phone, mother_maiden_name
      FROM patient TABLESAMPLE SYSTEM (1) LIMIT $1`, [Q])).rows;
    const times: number[] = [];
    const outcomes: Record<string, number> = {};
    let found = 0;
    const client = await pool.connect();
    try {
      for (let k = 0; k < sample.length; k++) {
        const r = sample[k];
        const variant = k % 5;
        const dob: string = r.birth_date;
        const person: MatchPerson = {
          given: variant === 1 ? r.given_name.slice(0, -1) + 'Y' : r.given_name, family: r.family_name, middle: r.middle_name,
          birthDate: variant === 2 ? `${dob.slice(0, 5)}${dob.slice(8, 10)}-${dob.slice(5, 7)}` : variant === 3 ? '2030-01-01' : dob,
          sex: r.sex, street: r.address?.street, zip: r.address?.zip, phone: r.phone, motherMaidenName: r.mother_maiden_name,
          identifiers: variant === 4 ? [{ value: `MRN${r.id}`, authority: `CLINIC${r.id % 50}`, type: 'MR' }] : [],
        };
        const t = process.hrtime.bigint();
        const d = await matchPerson(client, person);
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
        outcomes[d.outcome] = (outcomes[d.outcome] ?? 0) + 1;
        // The re-reported patient should be the best candidate (Match or Possible) whatever the variation.
        if (d.patientId === r.id) found++;
      }
    } finally { client.release(); }
    times.sort((a, b) => a - b);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(2);
    console.log(`patients: ${total}, queries: ${times.length}, outcomes: ${JSON.stringify(outcomes)}, right patient proposed: ${found}/${times.length}`);
    console.log(`(machine: ${os.availableParallelism()} cores shared with other work; figures may be depressed by concurrent load)`);
    console.log(JSON.stringify({ patients: total, queries: times.length, p50ms: Number(pct(0.5)), p99ms: Number(pct(0.99)), maxms: Number(times.at(-1)!.toFixed(2)) }));
  } finally {
    await pool.end();
    if (server) await server.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
