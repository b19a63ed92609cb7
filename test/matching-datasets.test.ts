// Public record-linkage benchmarks through match:dedup: the automatic Match must stay precise, and
// Match + Possible (what reaches staff) must find most true pairs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (...args: string[]) => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/match-dedup.ts'), ...args], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!);
};

test('febrl1: automatic matches are precise; matches + possible matches recall most pairs', () => {
  const auto = run('--dataset', 'febrl1');
  assert.equal(auto.truePairs, 500);
  assert.ok(auto.precision >= 0.99, `precision ${auto.precision}`);
  assert.ok(auto.recall >= 0.4, `recall ${auto.recall}`);
  const all = run('--dataset', 'febrl1', '--with-possible');
  assert.ok(all.recall >= 0.85, `recall with possible ${all.recall}`);
  assert.ok(all.precision >= 0.95, `precision with possible ${all.precision}`);
});

test('splink demo: automatic matches are precise', () => {
  const auto = run('--dataset', 'splink');
  assert.ok(auto.precision >= 0.99, `precision ${auto.precision}`);
});

test('unknown dataset is a clear error', () => {
  assert.throws(() => run('--dataset', 'nope'), /unknown dataset "nope"/);
});
