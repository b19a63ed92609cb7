import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadScheduleCached, scheduleFromBytes } from './schedule-cache.ts';
import { evaluateAndForecast, loadSchedule } from './index.ts';
import { caseInput, type TestCase } from './conformance.ts';

const dir = process.env.IIS_CDSI_DIR || path.resolve(import.meta.dirname, '../../../shared/cdsi/supporting-data-4.64');

test('the cached schedule (written on a miss, read on a hit, or handed over as bytes) evaluates exactly as the parsed one', () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-cache-'));
  const saved = process.env.IIS_CACHE_DIR;
  process.env.IIS_CACHE_DIR = cache;
  try {
    const miss = loadScheduleCached(dir);
    assert.equal(fs.readdirSync(cache).filter((f) => f.endsWith('.v8')).length, 1);
    const hit = loadScheduleCached(dir);
    const parsed = loadSchedule(dir);
    const handed = scheduleFromBytes(hit.bytes);
    assert.equal(hit.schedule.version, parsed.version);
    // Shared references survive (the engine relies on them): a group's antigens are the schedule's antigens.
    const g = [...hit.schedule.vaccineGroups.values()].find((x) => x.antigenRefs.length)!;
    assert.equal(g.antigenRefs[0], hit.schedule.antigens.get(g.antigenRefs[0].name));
    const shared = path.resolve(dir, '..', 'testcases');
    const cases: TestCase[] = JSON.parse(fs.readFileSync(path.join(shared, 'healthy.json'), 'utf8')).slice(0, 120);
    for (const c of cases) {
      const i = caseInput(c);
      const want = JSON.stringify(evaluateAndForecast(i, parsed));
      for (const s of [miss.schedule, hit.schedule, handed]) assert.equal(JSON.stringify(evaluateAndForecast(i, s)), want, c.id);
    }
  } finally {
    if (saved === undefined) delete process.env.IIS_CACHE_DIR; else process.env.IIS_CACHE_DIR = saved;
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
