// End to end within matching: VXU messages from two clinics (parsed by src/hl7v2) about one child are
// matched to one patient, the same dose reported twice becomes one consolidated dose (both kept), and a
// third message with a swapped birth date goes to the review queue, is merged, then unmerged.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, sharedDir } from './support/postgres.ts';
import { transaction } from '../src/registry/database.ts';
import { parseEr7 } from '../src/hl7v2/er7.ts';
import { vxuToSubmission } from '../src/hl7v2/vxu.ts';
import type { CanonicalSubmission } from '../src/pipeline/canonical.ts';
import { recordPatient, decideReview, unmergePatients, applyVaccinationDedup, listReviews } from '../src/matching/store.ts';
import { loadVaccineGroupMap } from '../src/matching/vaccine-groups.ts';

const db = await freshDatabase();
after(() => db.close());
const groups = loadVaccineGroupMap(`${sharedDir()}/cdsi/supporting-data-4.64`);

function vxu(o: { facility: string; mrn: string; given: string; dob: string; cvx: string; date: string; source: '00' | '01'; lot?: string }): CanonicalSubmission {
  const text = [
    `MSH|^~\\&|EHR|${o.facility}|IIS|STATE|20240110120000||VXU^V04^VXU_V04|${o.facility}-${o.mrn}-${o.cvx}|P|2.5.1|||ER|AL|||||Z22^CDCPHINVS`,
    `PID|1||${o.mrn}^^^${o.facility}^MR||Whitfield^${o.given}^Marie^^^^L|Duarte^^^^^^M|${o.dob}|F|||12 Birch Ln^^Lansing^MI^48909^USA^P||^PRN^PH^^^517^5550142`,
    `NK1|1|Whitfield^Laura^^^^^L|MTH^Mother^HL70063`,
    `ORC|RE||${o.facility}-${o.cvx}-1^${o.facility}`,
    `RXA|0|1|${o.date}||${o.cvx}^vaccine^CVX|${o.source === '00' ? '0.5' : '999'}|${o.source === '00' ? 'mL^mL^UCUM' : ''}||${o.source}^${o.source === '00' ? 'New immunization record' : 'Historical'}^NIP001||||||${o.lot ?? ''}||||CP|A`,
  ].join('\r');
  const { submission } = vxuToSubmission(parseEr7(text), 'http');
  return submission;
}

async function ingest(s: CanonicalSubmission) {
  return transaction(db.pool, async (c) => {
    const rec = await recordPatient(c, s.patient, { organizationId: null });
    for (const v of s.vaccinations) {
      await c.query(`INSERT INTO vaccination (patient_id, source_record_id, administered_date, cvx, lot_number, historical, information_source)
                     VALUES ($1,$2,$3,$4,$5,$6,$7)`, [rec.patientId, rec.sourceRecordId, v.administeredDate, v.cvx ?? null, v.lotNumber ?? null, v.historical, v.informationSource ?? null]);
    }
    await applyVaccinationDedup(c, rec.patientId, groups);
    return rec;
  });
}

test('two clinics, one child, one consolidated dose; a swapped birth date is reviewed, merged and unmerged', async () => {
  const first = await ingest(vxu({ facility: 'CLINIC-A', mrn: 'A100', given: 'Olivia', dob: '20230304', cvx: '20', date: '20230505', source: '00', lot: 'DT77' }));
  assert.equal(first.decision.outcome, 'new');
  // Clinic B reports the same dose as historical, with a nickname-free but different MRN.
  const second = await ingest(vxu({ facility: 'CLINIC-B', mrn: 'B-9', given: 'Olivia', dob: '20230304', cvx: '107', date: '20230505', source: '01' }));
  assert.equal(second.decision.outcome, 'match');
  assert.equal(second.patientId, first.patientId);
  const doses = (await db.pool.query(`SELECT cvx, historical, consolidated_into FROM vaccination WHERE patient_id = $1 ORDER BY id`, [first.patientId])).rows;
  assert.equal(doses.length, 2, 'every reported dose stays stored');
  assert.equal(doses[0].consolidated_into, null, 'the administered DTaP with a lot number is the consolidated dose');
  assert.ok(doses[1].consolidated_into, 'the historical unspecified dose points at it');

  // Clinic C: birth date day/month swapped -> provisional patient + review item, not an automatic merge.
  const third = await ingest(vxu({ facility: 'CLINIC-C', mrn: 'C-1', given: 'Olivia', dob: '20230403', cvx: '08', date: '20230601', source: '00' }));
  assert.equal(third.decision.outcome, 'possible');
  assert.notEqual(third.patientId, first.patientId);
  assert.ok((await listReviews(db.pool)).some((r) => r.id === third.reviewId));

  const { mergeId } = await transaction(db.pool, (c) => decideReview(c, third.reviewId!, 'merge', 'registry-admin', { groups }));
  const merged = (await db.pool.query(`SELECT count(*)::int AS n FROM vaccination WHERE patient_id = $1`, [first.patientId])).rows[0].n;
  assert.equal(merged, 3);
  await transaction(db.pool, (c) => unmergePatients(c, mergeId!, 'registry-admin'));
  const back = (await db.pool.query(`SELECT patient_id, count(*)::int AS n FROM vaccination GROUP BY patient_id ORDER BY patient_id`)).rows;
  assert.deepEqual(back, [{ patient_id: first.patientId, n: 2 }, { patient_id: third.patientId, n: 1 }]);
});
