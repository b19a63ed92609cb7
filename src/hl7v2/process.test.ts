import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readReferenceCodeSets } from '../codes/files.ts';
import { sharedDir } from '../../test/support/postgres.ts';
import { processVxuText } from './process.ts';

const codes = readReferenceCodeSets(sharedDir());

test('a dose reported by NDC alone gets the CVX and MVX it maps to', () => {
  const text = [
    'MSH|^~\\&|EHR|CLINIC|IIS|STATE|20261120||VXU^V04^VXU_V04|NDC-1|P|2.5.1|||ER|AL|||||Z22^CDCPHINVS',
    'PID|1||N-1^^^EHR^MR||Older^Olga^^^^^L||19500101|F|||1 Main St^^Boston^MA^02110^USA^L',
    'ORC|RE||N-DOSE-1^EHR',
    'RXA|0|1|20261101||00069-0207-01^Abrysvo^NDC|0.5|mL^^UCUM||00^New^NIP001||||||L1|20271231||||CP|A',
  ].join('\r');
  const r = processVxuText(text, { channel: 'http', codes, today: '2026-11-25', now: new Date('2026-11-25T12:00:00Z'), ackControlId: 'A1' });
  const v = r.submission!.vaccinations[0]!;
  assert.equal(v.ndc, '00069-0207-01');
  assert.equal(v.cvx, '305');
  assert.equal(v.mvx, 'PFR');
});
