// CDC's CDSi test cases through the same runner as `npm run cdsi:conformance`; fails when passes drop below the floor
// kept in conformance-floor.json (raise it as the engine improves, never lower it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadSchedule } from '../../src/cdsi/index.ts';
import { readDisputed, runSuite } from '../../src/cdsi/conformance.ts';
import { sharedDir } from '../support/postgres.ts';

const cdsi = path.join(sharedDir(), 'cdsi');
const floor: Record<string, number> = JSON.parse(fs.readFileSync(new URL('./conformance-floor.json', import.meta.url), 'utf8'));

test('CDSi conformance does not drop below the floor', () => {
  const schedule = loadSchedule(process.env.IIS_CDSI_DIR || path.join(cdsi, 'supporting-data-4.64'));
  const disputed = readDisputed(path.join(cdsi, 'DISPUTED.md'));
  for (const suite of ['healthy', 'conditions']) {
    const { summary } = runSuite(path.join(cdsi, 'testcases', `${suite}.json`), schedule, disputed);
    assert.ok(summary.passed >= (floor[suite] ?? 0), `${suite}: ${summary.passed}/${summary.cases} passed, floor is ${floor[suite]}`);
  }
});
