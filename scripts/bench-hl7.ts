// Micro-benchmark: parse + map + quality check + ACK for a typical VXU, single thread. Prints messages/s.
// Numbers on a shared 2-core machine are depressed by other load; run a few times.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAiraCodebase } from '../src/codes/codesets.ts';
import { parseEr7 } from '../src/hl7v2/er7.ts';
import { vxuToSubmission } from '../src/hl7v2/vxu.ts';
import { buildAck, decideAckCode } from '../src/hl7v2/ack.ts';
import { checkSubmission } from '../src/quality/rules.ts';
import { TYPICAL_VXU, readHl7Dir } from '../src/hl7v2/samples.ts';

const shared = process.env.IIS_SHARED_DIR || join(import.meta.dirname, '../../shared');
const codes = parseAiraCodebase(readFileSync(join(shared, 'hl7/aira-codebase/Compiled.xml'), 'utf8'));
const now = new Date();
const today = now.toISOString().slice(0, 10);

function run(label: string, texts: string[], seconds = 2) {
  let n = 0;
  let sink = 0;
  const step = (text: string) => {
    const msg = parseEr7(text);
    const { submission, findings } = vxuToSubmission(msg, 'mllp');
    const all = findings.concat(checkSubmission(submission, { today, codes }));
    sink += buildAck({ request: msg, ackCode: decideAckCode(all), findings: all, controlId: 'B' + n, now }).length;
    n++;
  };
  for (let i = 0; i < 2000; i++) step(texts[i % texts.length]); // warm-up
  n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) for (let i = 0; i < 200; i++) step(texts[i % texts.length]);
  const ms = performance.now() - t0;
  console.log(`${label}: ${Math.round((n / ms) * 1000).toLocaleString('en-US')} messages/s (${((ms / n) * 1000).toFixed(1)} µs per message, ${n} messages, ${texts[0].length} chars first msg)${sink < 0 ? '' : ''}`);
}

run('typical VXU (5 doses, 7 OBX)', [TYPICAL_VXU]);
run('cdcgov-iis-open-tools VXUs', readHl7Dir(join(shared, 'hl7/cdcgov-iis-open-tools')).map((m) => m.text).filter((t) => t.includes('VXU^V04')));
