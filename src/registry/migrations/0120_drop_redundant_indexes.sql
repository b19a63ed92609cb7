-- Two indexes no query reads, each written for every patient or dose stored (bench:ingest: index inserts were 11% of
-- PostgreSQL's CPU per VXU).
-- vaccination(organization_id, sender_vaccination_id): every look-up by ORC-3 is within one patient's doses, which
-- vaccination_sender_patient (patient_id, organization_id, sender_vaccination_id) serves.
DROP INDEX IF EXISTS vaccination_sender_id;
-- patient(birth_date): the searches by birth date keep to active and provisional patients, which the partial
-- (birth_date, metaphone) indexes of 0190 and 0400 serve with birth_date leading.
DROP INDEX IF EXISTS patient_dob;
