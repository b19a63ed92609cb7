// Every finding that the CDC iis-open-tools validator lists for testerror.hl7 (testerror.hl7.rpt) and that applies
// under IG 1.5 must be detected by our VXU mapping + data-quality rules for the same message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../../test/support/postgres.ts';
import { parseAiraCodebase } from '../codes/codesets.ts';
import { parseEr7, splitMessages } from '../hl7v2/er7.ts';
import { vxuToSubmission } from '../hl7v2/vxu.ts';
import { checkSubmission } from './rules.ts';

const dir = join(sharedDir(), 'hl7/cdcgov-iis-open-tools');
const codes = parseAiraCodebase(readFileSync(join(sharedDir(), 'hl7/aira-codebase/Compiled.xml'), 'utf8'));

/**
 * Not applicable under IG 1.5, with the reason. Keyed by rpt field (and error code where it matters).
 */
const NOT_APPLICABLE: Record<string, string> = {
  admin_type: 'RXA-11.6 "administration site type" (DCHTYPE2) is a CDC COVID Data Clearinghouse extension; IG 1.5 defines no such element',
  'DATA006': 'The "Redacted" checks are for the de-identified CDC Clearinghouse extract; IG 1.5 VXU carries identified data',
  pprl_id: 'Privacy-preserving record linkage token in PID-3 is a Clearinghouse extension (the extra PID-3 repetition without a type is still reported as patient.submitterIdType.missing)',
  ext_type: 'MSH-8 (security) used by the Clearinghouse as an extract type; MSH-8 is not supported (X) in IG 1.5',
  dose_num: 'OBX 30973-2 dose number is a response (Z42) observation in IG 1.5, not a VXU requirement',
  vax_series_complete: 'OBX 59783-1 series status is a response (Z42) observation in IG 1.5, not a VXU requirement',
  responsible_org: 'Clearinghouse "responsible organization" requirement; MSH-22 is RE in IG 1.5 and we report it only as information (message.responsibleOrg.missing)',
  cmorbid_status: 'Clearinghouse comorbidity OBX requirement; no such observation is required by IG 1.5',
  serology: 'Clearinghouse serology OBX requirement; no such observation is required by IG 1.5',
  'BUSR002': 'Administering facility address (RXA-11.9+) is optional in IG 1.5 and not kept in the canonical record',
  'BUSR003': 'ZIP-to-state consistency needs a USPS ZIP prefix table that is not among the shared reference data; the same records fail patient.address.zipInvalid',
  'BUSR004': 'Administering facility address (RXA-11.9+) is optional in IG 1.5',
  'BUSR008': 'Administering facility address (RXA-11.9+) is optional in IG 1.5',
  'BUSR009': 'County (PID-11.9) is optional in IG 1.5: a zip without a county is not a finding',
  'BUSR010': 'Administering facility address (RXA-11.9+) is optional in IG 1.5',
  admin_address_zip: 'Administering facility address (RXA-11.9+) is optional in IG 1.5',
  admin_address_county: 'Administering facility address (RXA-11.9+) is optional in IG 1.5',
};

interface RptRow { line: number; level: string; field: string; error: string; description: string }

function expectedCodes(r: RptRow): string[] | undefined {
  const k = `${r.field}/${r.error}`;
  switch (k) {
    case 'recip_dob/REQD001': return ['patient.birthDate.missing'];
    case 'recip_dob/BUSR005':
      if (/recip_dob \(\)/.test(r.description)) return ['patient.birthDate.missing'];
      if (/admin_date \(\)/.test(r.description)) return ['vaccination.adminDate.missing'];
      return ['vaccination.adminDate.beforeBirth'];
    case 'recip_dob/BUSR011': return ['patient.birthDate.inFuture'];
    case 'admin_date/REQD001': return ['vaccination.adminDate.missing'];
    case 'admin_date/DATA001': return ['vaccination.adminDate.invalid'];
    case 'admin_date/BUSR012': return ['vaccination.adminDate.inFuture', 'vaccination.adminDate.afterMessage'];
    case 'cvx/REQD001': return ['vaccination.adminCode.missing', 'vaccination.cvx.missing'];
    case 'cvx/DATA007': return ['vaccination.cvx.unrecognized'];
    case 'mvx/DATA007':
    case 'mvx/DATA008': return ['vaccination.mvx.unrecognized'];
    case 'recip_sex/DATA007': return ['patient.sex.invalid'];
    case 'recip_sex/REQD001': return ['patient.sex.missing'];
    case 'recip_address_county/BUSR001': return ['patient.address.countyInvalid'];
    case 'recip_address_zip/DATA005': return ['patient.address.zipInvalid'];
    case 'recip_address_zip/BUSR007': return ['patient.address.stateMissing'];
    case 'recip_race_1/REQD001': return ['patient.race.missing'];
    case 'recip_ethnicity/REQD001': return ['patient.ethnicity.missing'];
    case 'admin_name/REQD001': return ['vaccination.administeringFacility.missing'];
  }
  if (r.error === 'DNTS002' && ['ndc', 'mvx', 'lot_number', 'vax_expiration', 'vax_admin_site', 'vax_route'].includes(r.field)) return ['vaccination.refusal.unexpectedField'];
  return undefined;
}

test('every IG 1.5-applicable finding of testerror.hl7.rpt is detected', () => {
  const messages = splitMessages(readFileSync(join(dir, 'testerror.hl7'), 'utf8'));
  const rows: RptRow[] = [];
  for (const l of readFileSync(join(dir, 'testerror.hl7.rpt'), 'utf8').split(/\r?\n/)) {
    const m = /^\S+\s+\S+\s+(\d+)\s+(ERROR|WARN)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(l);
    if (m) rows.push({ line: +m[1], level: m[2], field: m[3], error: m[4], description: m[5] });
  }
  assert.ok(rows.length >= 170, `parsed ${rows.length} rpt rows`);
  let checked = 0;
  const skipped: string[] = [];
  const missing: string[] = [];
  for (const r of rows) {
    const expected = expectedCodes(r);
    if (!expected) {
      const why = NOT_APPLICABLE[r.field] ?? NOT_APPLICABLE[r.error];
      assert.ok(why, `rpt row without a mapping or a documented reason: ${r.field} ${r.error} ${r.description}`);
      skipped.push(`${r.field}/${r.error}`);
      continue;
    }
    const text = messages[r.line - 1];
    assert.ok(text, `message ${r.line} exists`);
    const { submission, findings } = vxuToSubmission(parseEr7(text), 'file');
    const all = [...findings, ...checkSubmission(submission, { today: '2026-11-25', codes })];
    if (!all.some((f) => expected.includes(f.code))) missing.push(`line ${r.line}: ${r.field} ${r.error} "${r.description}" expected one of ${expected.join('|')}; got ${all.map((f) => f.code).join(', ')}`);
    checked++;
  }
  assert.deepEqual(missing, []);
  assert.ok(checked >= 60, `checked ${checked} applicable rows`);
});
