// Runs `npm run match:eval` on the AIRA labelled pairs and checks the targets of the issue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { sharedDir } from './support/postgres.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

test('match:eval on pairs_AIRA-C.jsonl meets precision, recall and agreement targets', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/match-eval.ts'), '--pairs', join(sharedDir(), 'matching/pairs_AIRA-C.jsonl')], { cwd: root, encoding: 'utf8' });
  const last = out.trim().split('\n').at(-1)!;
  const r = JSON.parse(last);
  assert.ok(r.pairs > 3000);
  assert.ok(r.autoMatchPrecision >= 0.995, `precision ${r.autoMatchPrecision}`);
  assert.ok(r.autoMatchRecall >= 0.85, `recall ${r.autoMatchRecall}`);
  assert.ok(r.agreement >= 0.85, `agreement ${r.agreement}`);
});
