// QBP Z44 through the registry's HL7 entry point: the forecast hook (z42.ts) answers with an evaluated history
// and forecast (RSP Z42) from the stored record and the stored schedule release.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { freshDatabase, sharedDir } from '../../test/support/postgres.ts';
import { loadConfig } from '../config.ts';
import { parseEr7 } from '../hl7v2/er7.ts';
import { getRegistryContext } from '../registry/context.ts';
import { createFacility, authenticateSender } from '../registry/senders.ts';
import { handleHl7Message } from '../registry/hl7.ts';

const db = await freshDatabase();
after(() => db.close());
const ctx = { ...(await getRegistryContext(db.pool, { ...loadConfig(), cdsiDir: path.join(sharedDir(), 'cdsi', 'supporting-data-4.64') })), now: () => new Date('2025-06-01T15:00:00Z') };
const f = await createFacility(db.pool, { name: 'Clinic', code: 'CLINIC' });
const sender = (await authenticateSender(db.pool, f.username, f.password))!;

test('QBP Z44 answers RSP Z42 with each dose evaluated and the forecast, naming the schedule version', async () => {
  assert.equal(typeof ctx.forecast, 'function', 'the forecast hook is loaded');
  const vxu = [
    'MSH|^~\\&|MYEHR|CLINIC|IIS|STATE|20250601||VXU^V04^VXU_V04|Z44-V1|P|2.5.1|||ER|AL|||||Z22^CDCPHINVS',
    'PID|1||Z44-1^^^MYEHR^MR||Mbeki^Thandi^^^^^L||20250101|F|||1 Main St^^Boston^MA^02110^USA^L',
    'ORC|RE||Z44-D1^MYEHR',
    'RXA|0|1|20250101||08^HepB ped^CVX|999|||01^Historical^NIP001|||||||||||CP|A',
    'ORC|RE||Z44-D2^MYEHR',
    'RXA|0|1|20250301||20^DTaP^CVX|0.5|mL^^UCUM||00^New^NIP001||||||L1||SKB^GSK^MVX|||CP|A',
  ].join('\r');
  const stored = await handleHl7Message(ctx, vxu, sender, 'http');
  assert.notEqual(stored.ackCode, 'AR', stored.response);
  const qbp = [
    'MSH|^~\\&|MYEHR|CLINIC|IIS|STATE|20250601||QBP^Q11^QBP_Q11|Z44-Q1|P|2.5.1|||ER|AL|||||Z44^CDCPHINVS',
    'QPD|Z44^Request Evaluated History and Forecast^CDCPHINVS|Z44-Q1|Z44-1^^^MYEHR^MR|Mbeki^Thandi^^^^^L||20250101|F',
    'RCP|I|1^RD&Records&HL70126',
  ].join('\r');
  const a = await handleHl7Message(ctx, qbp, sender, 'http');
  const m = parseEr7(a.response);
  assert.equal(m.get('MSH', 21), 'Z42', a.response);
  assert.equal(a.ackCode, 'AA', a.response);
  const segs = a.response.split('\r');
  // each stored dose carries its evaluation: HepB (45) and DTaP (107), both valid dose 1
  assert.ok(segs.some((s) => /^OBX\|\d+\|CE\|30956-7\^Vaccine type\^LN\|\d+\|45\^HepB\^CVX/.test(s)), a.response);
  assert.ok(segs.some((s) => /^OBX\|\d+\|CE\|30956-7\^Vaccine type\^LN\|\d+\|107\^DTaP\/Tdap\/Td\^CVX/.test(s)));
  assert.ok(segs.filter((s) => /^OBX\|\d+\|ID\|59781-5\^Dose validity\^LN\|\d+\|Y/.test(s)).length >= 2);
  assert.ok(segs.some((s) => s.includes('CDSi supporting data 4.64')));
  // the forecast: RXA 998 then per vaccine group the status and dates
  assert.ok(segs.some((s) => /^RXA\|0\|1\|20250601\|\|998\^/.test(s)));
  assert.ok(segs.some((s) => /^OBX\|\d+\|DT\|30981-5\^Earliest date to give\^LN\|\d+\|\d{8}/.test(s)));
  assert.ok(segs.some((s) => /^OBX\|\d+\|DT\|30980-7\^Date vaccine due\^LN\|\d+\|\d{8}/.test(s)));
});
