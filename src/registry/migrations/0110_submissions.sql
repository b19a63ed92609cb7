-- Submission bookkeeping the pipeline needs: who sent it, which patient it concerned, and links that keep
-- every version of a dose (an update or a full-history resend supersedes, never overwrites).
ALTER TABLE submission ADD COLUMN sender_credential_id bigint REFERENCES sender_credential(id);
ALTER TABLE submission ADD COLUMN patient_id bigint REFERENCES patient(id);
ALTER TABLE submission ADD COLUMN profile text;
CREATE INDEX submission_patient ON submission(patient_id);

ALTER TABLE vaccination ADD COLUMN superseded_by bigint REFERENCES vaccination(id);
ALTER TABLE vaccination ADD COLUMN vaccine_text text;
ALTER TABLE vaccination ADD COLUMN entered_by jsonb;
CREATE INDEX vaccination_sender_patient ON vaccination(patient_id, organization_id, sender_vaccination_id) WHERE NOT deleted;

ALTER TABLE observation ADD COLUMN vaccination_id bigint REFERENCES vaccination(id);
ALTER TABLE observation ADD COLUMN identifier text;   -- OBX-3 (LOINC) the value answered

ALTER TABLE refusal ADD COLUMN vaccine_text text;
ALTER TABLE refusal ADD COLUMN sender_vaccination_id text;
